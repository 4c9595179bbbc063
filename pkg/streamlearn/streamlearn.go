// Package streamlearn trains an online model (mlkit.Online) from a Kafka
// topic as records arrive. Records are JSON objects keyed by an id: a new
// key is learned, a key seen before replaces its earlier record (the old one
// is forgotten first), and a tombstone forgets the key's record, so a model
// that can forget always equals a batch fit over the records alive on the
// topic. Classifiers are evaluated prequentially: each record is predicted
// before it is learned.
package streamlearn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// Config describes what to learn from.
type Config struct {
	Bootstrap, Topic string
	// Model learns; Classifier says its predictions are classes, evaluated
	// by prequential accuracy (otherwise by mean absolute error).
	Model      mlkit.Online
	Classifier bool
	// Features and Label name the fields of each JSON record.
	Features []string
	Label    string
	// Keyed applies updates and tombstones by record key (the model must be
	// able to forget); without it every record is a new one and tombstones
	// are skipped.
	Keyed bool
	// Window is the prequential window (100 when zero).
	Window int
	// UntilEnd stops at the end the topic had when Run started; otherwise
	// Run follows the topic until ctx ends.
	UntilEnd bool
	// OnSkip hears of every record that could not be learned.
	OnSkip func(Skipped)
}

// Skipped is a record that was not learned, and why.
type Skipped struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       string
	Err       error
}

func (s Skipped) String() string {
	return fmt.Sprintf("%s/%d@%d (key %q): %v", s.Topic, s.Partition, s.Offset, s.Key, s.Err)
}

// Progress is the learner's state after a record.
type Progress struct {
	Records, Learned, Forgotten, Skipped int
	// Live is the number of records the model holds.
	Live int
	// Point is the prequential evaluation (classifiers).
	Point mlkit.PrequentialPoint
	// MAE is the prequential mean absolute error (regressors), over the
	// records predicted so far.
	MAE float64
}

// Learner runs a Config. Make one with New.
type Learner struct {
	cfg   Config
	keyed *mlkit.Keyed

	mu      sync.Mutex
	prog    Progress
	pq      mlkit.Prequential
	history []mlkit.PrequentialPoint
	absErr  float64
	scored  int
}

// New checks the configuration.
func New(cfg Config) (*Learner, error) {
	switch {
	case cfg.Model == nil:
		return nil, errors.New("streamlearn: no model")
	case cfg.Topic == "" || cfg.Bootstrap == "":
		return nil, errors.New("streamlearn: no topic or bootstrap address")
	case len(cfg.Features) == 0 || cfg.Label == "":
		return nil, errors.New("streamlearn: name the features and the label field")
	}
	l := &Learner{cfg: cfg}
	l.pq.Window = cfg.Window
	if cfg.Keyed {
		l.keyed = mlkit.NewKeyed(cfg.Model)
	}
	return l, nil
}

// Progress returns the state so far.
func (l *Learner) Progress() Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.prog
}

// Model is the model being trained. While Run runs, read it through
// Inspect instead.
func (l *Learner) Model() mlkit.Online { return l.cfg.Model }

// Inspect calls fn with the model while no record is being applied.
func (l *Learner) Inspect(fn func(mlkit.Online)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fn(l.cfg.Model)
}

// History returns the prequential points so far (classifiers).
func (l *Learner) History() []mlkit.PrequentialPoint {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]mlkit.PrequentialPoint(nil), l.history...)
}

// Apply learns one record, as Run does for each record it reads.
func (l *Learner) Apply(topic string, partition int32, offset int64, key, value []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prog.Records++
	skip := func(err error) {
		l.prog.Skipped++
		if l.cfg.OnSkip != nil {
			l.cfg.OnSkip(Skipped{Topic: topic, Partition: partition, Offset: offset, Key: string(key), Err: err})
		}
	}
	if value == nil {
		if l.keyed == nil {
			skip(errors.New("a tombstone, and the model is not keyed (it cannot forget)"))
			return
		}
		if err := l.keyed.Delete(string(key)); err != nil {
			skip(err)
			return
		}
		l.prog.Forgotten++
		l.prog.Live = l.keyed.Live()
		return
	}
	x, err := scoring.Features(value, l.cfg.Features)
	if err != nil {
		skip(err)
		return
	}
	ys, err := scoring.Features(value, []string{l.cfg.Label})
	if err != nil {
		skip(err)
		return
	}
	y := ys[0]
	// Test, then train: the prediction is made before the model sees y.
	if pred, err := l.cfg.Model.Predict(x); err == nil {
		if l.cfg.Classifier {
			l.prog.Point = l.pq.Add(pred, y)
			l.history = append(l.history, l.prog.Point)
		} else {
			d := pred - y
			if d < 0 {
				d = -d
			}
			l.absErr += d
			l.scored++
			l.prog.MAE = l.absErr / float64(l.scored)
		}
	}
	if l.keyed != nil {
		if err := l.keyed.Upsert(string(key), x, y); err != nil {
			skip(err)
			return
		}
		l.prog.Live = l.keyed.Live()
	} else {
		if err := l.cfg.Model.Learn(x, y); err != nil {
			skip(err)
			return
		}
		l.prog.Live = l.cfg.Model.Count()
	}
	l.prog.Learned++
}

// Run reads the topic from its beginning, partition by partition in offset
// order, and learns every record, until the end it had (UntilEnd) or until
// ctx ends.
func (l *Learner) Run(ctx context.Context) error {
	apply := func(r stream.Record) error {
		l.Apply(r.Topic, r.Partition, r.Offset, r.Key, r.Value)
		return nil
	}
	if l.cfg.UntilEnd {
		return stream.Scan(ctx, l.cfg.Bootstrap, l.cfg.Topic, apply)
	}
	return stream.Follow(ctx, l.cfg.Bootstrap, l.cfg.Topic, apply)
}

// Wait polls until cond holds on the progress or ctx ends (for tests and
// tools that feed a topic while learning).
func (l *Learner) Wait(ctx context.Context, cond func(Progress) bool) error {
	for !cond(l.Progress()) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}
