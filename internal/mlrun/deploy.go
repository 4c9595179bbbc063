package mlrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/text"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// PublishResult says where Publish wrote the model; its JSON form is the
// output of `ml publish --format json`. Fields are in the order of their
// JSON names.
type PublishResult struct {
	Name      string `json:"name"`
	Offset    int64  `json:"offset"`
	Partition int32  `json:"partition"`
	Topic     string `json:"topic"`
	Version   int    `json:"version"`
}

// Publish writes the artifact as a record of the models topic.
func Publish(ctx context.Context, bootstrap, topic string, a *scoring.Artifact) (*PublishResult, error) {
	part, off, err := scoring.Publish(ctx, bootstrap, topic, a)
	if err != nil {
		return nil, err
	}
	return &PublishResult{Topic: topic, Partition: part, Offset: off, Name: a.Card.Name, Version: a.Card.Version}, nil
}

// WriteText writes the one-line report of the publication.
func (r *PublishResult) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "published %s v%d to %s (partition %d, offset %d)\n", r.Name, r.Version, r.Topic, r.Partition, r.Offset)
	return err
}

// Deployable reads a model file and builds its model, to serve it.
func (e Env) Deployable(name string) (*scoring.Deployed, error) {
	a, err := e.ReadArtifact(name)
	if err != nil {
		return nil, err
	}
	m, err := a.Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &scoring.Deployed{Model: m, Artifact: a, Topic: filepath.Base(name), Offset: -1}, nil
}

// ServeSpec says what to score with which model.
type ServeSpec struct {
	Input, Output string
	// Models and Name choose the model from a models topic; Fixed (from
	// Env.Deployable) serves one model file instead.
	Models, Name string
	Fixed        *scoring.Deployed
	Group        string        // consumer group; default mlops-lab-scoring-NAME
	Interval     time.Duration // how often to write the progress line
	// Log receives what happens while serving: deployments, rejected
	// models, skipped records and the progress line.
	Log io.Writer
}

// ServeResult counts what Serve scored.
type ServeResult struct {
	Stats scoring.Stats
}

// Serve scores spec.Input until ctx ends (which is a normal end, with a nil
// error) or the service fails. The result is set whenever the service ran,
// also with an error.
func Serve(ctx context.Context, bootstrap string, spec ServeSpec) (*ServeResult, error) {
	log := &logger{w: spec.Log}
	skipped := skipReporter(log, shownSkips, "(more skipped records are counted in the progress line, not shown)")
	svc, err := scoring.New(scoring.Config{
		Bootstrap: bootstrap, Input: spec.Input, Output: spec.Output,
		Models: spec.Models, Name: spec.Name, Fixed: spec.Fixed, Group: spec.Group,
		OnSkip:   func(s stream.Skipped) { skipped(s) },
		OnReject: func(r scoring.Rejected) { log.say("rejected %v", r) },
		OnDeploy: func(d *scoring.Deployed) {
			log.say("serving %s v%d (%s, features %s)", d.Name(), d.Version(), deployedFrom(d), ShortList(d.Artifact.Card.Features, 5))
		},
	})
	if err != nil {
		return nil, err
	}
	if spec.Fixed == nil {
		log.say("waiting for model %q on topic %s (publish one with `mlops-lab ml publish --model MODEL.json --topic %s`)", spec.Name, spec.Models, spec.Models)
	}
	log.say("scoring %s -> %s (Ctrl+C to stop)", spec.Input, spec.Output)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		serveProgress(done, spec.Interval, svc, func(line string) { log.say("%s", line) })
	}()
	err = svc.Run(ctx)
	close(done)
	wg.Wait()
	res := &ServeResult{Stats: svc.Stats()}
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return res, nil
	}
	return res, err
}

// WriteText writes the one-line summary of what was scored.
func (r *ServeResult) WriteText(w io.Writer) error {
	st := r.Stats
	_, err := fmt.Fprintf(w, "scored %s, skipped %d%s\n", text.Pluralize(int(st.Processed-st.Skipped), "record"), st.Skipped, byVersion(st.ByVersion))
	return err
}

// serveProgress writes a line every interval until done closes.
func serveProgress(done <-chan struct{}, interval time.Duration, svc *scoring.Service, say func(string)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last int64
	lastAt := time.Now()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			st := svc.Stats()
			rate := float64(st.Processed-last) / now.Sub(lastAt).Seconds()
			last, lastAt = st.Processed, now
			model := "no model yet"
			if d := svc.Current(); d != nil {
				model = fmt.Sprintf("%s v%d", d.Name(), d.Version())
			}
			say(fmt.Sprintf("%d records (%.0f/s), %d skipped, serving %s", st.Processed, rate, st.Skipped, model))
		}
	}
}

// deployedFrom says where a deployed model came from.
func deployedFrom(d *scoring.Deployed) string {
	if d.Offset < 0 {
		return "file " + d.Topic
	}
	return fmt.Sprintf("%s/%d@%d", d.Topic, d.Partition, d.Offset)
}

// byVersion writes " (by version v1: 10, v2: 5)" when more than one
// version scored.
func byVersion(counts map[int]int64) string {
	if len(counts) < 2 {
		return ""
	}
	vs := make([]int, 0, len(counts))
	for v := range counts {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("v%d: %d", v, counts[v])
	}
	return " (by version " + strings.Join(parts, ", ") + ")"
}
