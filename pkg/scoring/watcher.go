package scoring

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Deployed is a model in service: what was built from one models-topic record.
type Deployed struct {
	Model    Model
	Artifact *Artifact
	// Topic, Partition and Offset locate the record it came from.
	Topic     string
	Partition int32
	Offset    int64
	// Since is when the watcher swapped it in.
	Since time.Time
}

// Name and Version are the deployed card's.
func (d *Deployed) Name() string { return d.Artifact.Card.Name }
func (d *Deployed) Version() int { return d.Artifact.Card.Version }

// Rejected is a models-topic record that could not be deployed; the model in
// service stays.
type Rejected struct {
	Topic     string
	Partition int32
	Offset    int64
	Err       error
}

func (r Rejected) Error() string {
	return fmt.Sprintf("models topic %s partition %d offset %d: %v (the model in service stays)", r.Topic, r.Partition, r.Offset, r.Err)
}

// Watcher follows a models topic and keeps the newest good model of one name.
// Records of other names are ignored; a record that does not decode, or a
// model that does not build, is reported to OnReject and changes nothing.
type Watcher struct {
	// Bootstrap is the cluster, Topic the models topic, Name the model to serve.
	Bootstrap, Topic, Name string
	// OnReject, when set, hears of every record that could not be deployed.
	OnReject func(Rejected)
	// OnDeploy, when set, hears of every model swapped in.
	OnDeploy func(*Deployed)

	current atomic.Pointer[Deployed]
	once    sync.Once
	ready   chan struct{}
}

func (w *Watcher) init() { w.once.Do(func() { w.ready = make(chan struct{}) }) }

// Current is the model in service, nil before the first one.
func (w *Watcher) Current() *Deployed { return w.current.Load() }

// Set deploys a model directly, without a models topic (a fixed model, or a
// test).
func (w *Watcher) Set(d *Deployed) {
	w.init()
	if d.Since.IsZero() {
		d.Since = time.Now()
	}
	if w.current.Swap(d) == nil {
		close(w.ready)
	}
	if w.OnDeploy != nil {
		w.OnDeploy(d)
	}
}

// WaitReady waits until a model is in service.
func (w *Watcher) WaitReady(ctx context.Context) (*Deployed, error) {
	w.init()
	select {
	case <-w.ready:
		return w.Current(), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("no model %q on topic %s yet: publish one with `mlops-lab ml publish`: %w", w.Name, w.Topic, ctx.Err())
	}
}

// Run reads the models topic from its beginning and then follows it until
// ctx ends. The topic must exist.
func (w *Watcher) Run(ctx context.Context) error {
	w.init()
	if w.Name == "" {
		return errors.New("scoring: watcher: no model name")
	}
	err := stream.Follow(ctx, w.Bootstrap, w.Topic, func(r stream.Record) error {
		w.apply(r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("models topic: %w", err)
	}
	return nil
}

// apply deploys one models-topic record, or reports why it cannot.
func (w *Watcher) apply(msg stream.Record) {
	if string(msg.Key) != w.Name {
		return
	}
	reject := func(err error) {
		if w.OnReject != nil {
			w.OnReject(Rejected{Topic: msg.Topic, Partition: msg.Partition, Offset: msg.Offset, Err: err})
		}
	}
	if msg.Value == nil {
		reject(fmt.Errorf("a tombstone for model %q: a models topic keeps the last version; publish the version to serve instead", w.Name))
		return
	}
	a, err := DecodeArtifact(msg.Value)
	if err != nil {
		reject(err)
		return
	}
	if a.Card.Name != w.Name {
		reject(fmt.Errorf("the record's key is %q but its card names %q", w.Name, a.Card.Name))
		return
	}
	m, err := a.Build()
	if err != nil {
		reject(err)
		return
	}
	w.Set(&Deployed{Model: m, Artifact: a, Topic: msg.Topic, Partition: msg.Partition, Offset: msg.Offset, Since: time.Now()})
}
