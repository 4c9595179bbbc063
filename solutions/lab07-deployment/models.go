//go:build solution

package lab07

// Exercise 3: hot swap from a compacted models topic.

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// ModelHolder holds the model in service for one model name, and swaps it
// when a new record of that name comes on the models topic.
//
// The model lives behind one atomic pointer: a scoring goroutine loads it
// once per record and gets a whole Deployed (model and version together),
// while the follower goroutine stores a new one. No lock, and no moment
// where a reader could see the new model with the old version.
type ModelHolder struct {
	// Name is the model this holder serves: the key of its records.
	Name string

	current atomic.Pointer[Deployed]
}

// Current is the model in service, nil before the first one.
func (h *ModelHolder) Current() *Deployed { return h.current.Load() }

// Apply deploys one models-topic record.
//
// The newest record wins, whatever version it carries: rolling back is
// publishing the old artifact again. A record for another model name is
// none of this holder's business (nil, nothing changes). A record that
// cannot be deployed (a tombstone, not an artifact, a card naming another
// model, weights that do not build) is an error, and the model in service
// stays: a bad publish must never take scoring down.
func (h *ModelHolder) Apply(r stream.Record) error {
	if string(r.Key) != h.Name {
		return nil
	}
	if r.Value == nil {
		return fmt.Errorf("a tombstone for model %q: to withdraw a version, publish the one to serve", h.Name)
	}
	a, err := scoring.DecodeArtifact(r.Value)
	if err != nil {
		return err
	}
	if a.Card.Name != h.Name {
		return fmt.Errorf("the record's key is %q but its card names %q", h.Name, a.Card.Name)
	}
	// Build before the swap: only a model that scores goes into service.
	m, err := a.Build()
	if err != nil {
		return err
	}
	if m == nil {
		return errors.New("the artifact built no model")
	}
	h.current.Store(&Deployed{Model: m, Artifact: a, Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Since: time.Now()})
	return nil
}
