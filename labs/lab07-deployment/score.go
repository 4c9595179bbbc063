package lab07

// Exercise 2: a scoring service.

import (
	"errors"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// ScoreRecord scores one feature record (a JSON object holding the model's
// features by name) with the model d, and returns the Score record to
// write: keyed like the input, valued the Score's JSON, scored_at = now.
// A record that cannot be scored is an error that says why; never a panic.
//
// Contract:
//   - the features are d.Model.Features(), in that order, read from the
//     JSON object by name (scoring.Features does exactly that, and its
//     errors name the field that is missing, null or not a number);
//   - d.Model.Predict(x) gives the Prediction: Value is the Score's
//     prediction, Probability its probability (nil for a regressor, which
//     the JSON writes as null);
//   - model_version is d.Version(); scored_at is now in UTC, formatted
//     with time.RFC3339Nano;
//   - an error, never a panic, for: no model (d nil), a tombstone (nil
//     value), a value that is not a JSON object, a missing, null or
//     non-numeric feature.
func ScoreRecord(d *Deployed, in stream.Record, now time.Time) (stream.Record, error) {
	// TODO(exercise 2): read the features, predict, and return
	// stream.Record{Key: in.Key, Value: <the Score as JSON>}.
	return stream.Record{}, errors.New("TODO(exercise 2): ScoreRecord is not written yet")
}

// ServiceSettings describe a scoring service.
type ServiceSettings struct {
	// Bootstrap is the cluster, Group the consumer group, Input the topic
	// of feature records, Output the topic of Score records.
	Bootstrap, Group, Input, Output string
	// Current returns the model in service now.
	Current func() *Deployed
	// Now stamps scored_at.
	Now func() time.Time
	// OnSkip hears of every record that could not be scored.
	OnSkip func(stream.Skipped)
}

// ScoringService returns the stream.Config of a consume-score-produce
// service on the lab-2 stream helper: it reads s.Input as group s.Group,
// scores each record with the model s.Current() returns when the record is
// read (ScoreRecord, scored_at = s.Now()), and writes the Score to
// s.Output. A record that cannot be scored is skipped, counted and
// reported to s.OnSkip with its topic, partition and offset, and the
// service goes on.
func ScoringService(s ServiceSettings) stream.Config {
	// TODO(exercise 2): fill in a stream.Config, with a Transform that
	// scores one record.
	panic("TODO(exercise 2): ScoringService is not written yet")
}
