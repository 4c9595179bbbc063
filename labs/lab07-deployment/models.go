package lab07

// Exercise 3: hot swap from a compacted models topic.

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// ModelHolder holds the model in service for one model name, and swaps it
// when a new record of that name comes on the models topic (FollowModels
// in lab.go reads the topic and calls Apply for each record).
//
// Scoring goroutines call Current for every record while the follower
// calls Apply: Current must always return a whole Deployed, its model and
// its version together, without locks that stall scoring.
type ModelHolder struct {
	// Name is the model this holder serves: the key of its records.
	Name string

	// TODO(exercise 3): the model in service.
}

// Current is the model in service, nil before the first one.
func (h *ModelHolder) Current() *Deployed {
	// TODO(exercise 3)
	panic("TODO(exercise 3): ModelHolder.Current is not written yet")
}

// Apply deploys one models-topic record.
//
// Contract:
//   - a record whose key is not h.Name belongs to another model: return
//     nil and change nothing;
//   - the value is an artifact (scoring.DecodeArtifact) whose card names
//     h.Name; Build makes its model; the new Deployed records Model,
//     Artifact and where the record came from (Topic, Partition, Offset);
//   - the newest record wins, whatever its version: publishing an older
//     version again is how a rollback works;
//   - a record that cannot be deployed (a tombstone, not an artifact, a
//     card naming another model, weights that do not build) is an error,
//     and the model in service stays.
func (h *ModelHolder) Apply(r stream.Record) error {
	// TODO(exercise 3)
	return errors.New("TODO(exercise 3): ModelHolder.Apply is not written yet")
}
