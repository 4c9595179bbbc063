//go:build solution

package lab07

// Exercise 2: a scoring service.

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// ScoreRecord scores one feature record (a JSON object holding the model's
// features by name) with the model d, and returns the Score record to
// write: keyed like the input, valued the Score's JSON, scored_at = now.
// A record that cannot be scored is an error that says why; never a panic.
func ScoreRecord(d *Deployed, in stream.Record, now time.Time) (stream.Record, error) {
	// No model yet is an error for this record, not a crash: the
	// processor skips and reports it, and the next record may have one.
	if d == nil || d.Model == nil {
		return stream.Record{}, errors.New("no model in service")
	}
	// scoring.Features names the feature that is missing, null or not a
	// number, which is what the person reading the skip report needs.
	x, err := scoring.Features(in.Value, d.Model.Features())
	if err != nil {
		return stream.Record{}, err
	}
	p, err := d.Model.Predict(x)
	if err != nil {
		return stream.Record{}, fmt.Errorf("model %s v%d: %w", d.Name(), d.Version(), err)
	}
	value, err := json.Marshal(Score{
		Key:          string(in.Key),
		Prediction:   p.Value,
		Probability:  p.Probability,
		ModelVersion: d.Version(),
		ScoredAt:     now.UTC().Format(time.RFC3339Nano),
	})
	if err != nil {
		return stream.Record{}, err
	}
	return stream.Record{Key: in.Key, Value: value}, nil
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
// service: the lab-2 stream helper reads Input as Group, the transform
// scores each record with the model current when it is read, and the
// Score goes to Output. A record the transform refuses is skipped,
// counted (Stats.Skipped) and reported to OnSkip with its topic, partition
// and offset by the helper: one bad record never stops the service.
func ScoringService(s ServiceSettings) stream.Config {
	return stream.Config{
		Bootstrap: s.Bootstrap,
		Group:     s.Group,
		Inputs:    []string{s.Input},
		Output:    s.Output,
		OnSkip:    s.OnSkip,
		Transform: func(in stream.Record) ([]stream.Record, error) {
			// Current() once per record: the model read here scores the
			// record and names the version, even if a swap comes between.
			out, err := ScoreRecord(s.Current(), in, s.Now())
			if err != nil {
				return nil, err
			}
			return []stream.Record{out}, nil
		},
	}
}
