package labtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// StreamRun is what one run of a stream processor did.
type StreamRun struct {
	// Stats are the processor's counters when it was stopped.
	Stats stream.Stats
	// Skipped are the records it reported as skipped, in order.
	Skipped []stream.Skipped
	// Err is what Run returned (a panic in the transform included).
	Err error
	// Early says Run returned before it was asked to stop.
	Early bool
	// Returned says Run returned at all; false means it hung after its
	// context ended.
	Returned bool
	// Took is how long the run lasted, until it was asked to stop.
	Took time.Duration
}

// streamStopWait is how long RunStream waits for a processor to return
// once asked to stop (leaving its group and committing take a moment, more
// on a loaded machine).
const streamStopWait = 30 * time.Second

// RunStream runs a stream processor (the learner's transform inside the
// course's stream package) until it has processed want input records or
// timeout (capped by Budget) has passed, then stops it and waits up to 30 s
// for Run to return. The processor's OnSkip is wrapped to collect the
// skipped records.
//
// Processed counts an input record once its outputs are acknowledged, so
// when it reaches want every output is in its topic: nothing more is on its
// way. settle, when not zero, keeps the processor running that much longer
// before it is stopped; no check needs it.
func RunStream(t testing.TB, cfg stream.Config, want int64, timeout, settle time.Duration) *StreamRun {
	t.Helper()
	run := &StreamRun{}
	var mu sync.Mutex
	onSkip := cfg.OnSkip
	cfg.OnSkip = func(s stream.Skipped) {
		mu.Lock()
		run.Skipped = append(run.Skipped, s)
		mu.Unlock()
		if onSkip != nil {
			onSkip(s)
		}
	}
	p, err := stream.New(cfg)
	if err != nil {
		t.Fatalf("setting up the stream processor: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- p.Run(ctx) }()
	deadline := time.After(Budget(t, timeout))
wait:
	for p.Stats().Processed < want {
		select {
		case err := <-done:
			run.Err, run.Early, run.Returned = err, true, true
			break wait
		case <-deadline:
			break wait
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !run.Returned && settle > 0 {
		select {
		case err := <-done:
			run.Err, run.Early, run.Returned = err, true, true
		case <-time.After(settle):
		}
	}
	run.Took = time.Since(start)
	cancel()
	if !run.Returned {
		select {
		case run.Err = <-done:
			run.Returned = true
		case <-time.After(Budget(t, streamStopWait)):
		}
	}
	run.Stats = p.Stats()
	mu.Lock()
	defer mu.Unlock()
	run.Skipped = append([]stream.Skipped(nil), run.Skipped...)
	return run
}

// Problem describes what went wrong with the run, for a failure message,
// or returns "" when it processed want records and stopped when asked.
func (r *StreamRun) Problem(want int64) string {
	switch {
	case r.Err != nil && r.Early:
		return fmt.Sprintf("the processor stopped by itself after %v: %v", r.Took.Round(time.Millisecond), r.Err)
	case r.Early:
		return "the processor stopped by itself, without an error, before it was asked to"
	case !r.Returned:
		return fmt.Sprintf("the processor got through %d of the %d input records in %v, and did not stop within %v of being asked to: is the transform stuck (waiting on something, looping forever)?", r.Stats.Processed, want, r.Took.Round(time.Millisecond), streamStopWait)
	case r.Err != nil:
		return fmt.Sprintf("the processor returned an error when stopped: %v", r.Err)
	case r.Stats.Processed < want:
		return fmt.Sprintf("the processor got through %d of the %d input records in %v: is the transform slow or stuck?", r.Stats.Processed, want, r.Took.Round(time.Millisecond))
	}
	return ""
}

// ReadStream reads every record topic holds now, in partition order,
// failing the test when it cannot.
func ReadStream(t testing.TB, bootstrap, topic string) []stream.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Budget(t, 30*time.Second))
	defer cancel()
	var out []stream.Record
	err := stream.Scan(ctx, bootstrap, topic, func(r stream.Record) error {
		out = append(out, r)
		return nil
	})
	if errors.Is(err, stream.ErrUnknownTopic) {
		return nil
	}
	if err != nil {
		t.Fatalf("reading back %s: %v", topic, err)
	}
	return out
}

// CommitOffsets commits offsets for group on topic's partitions, as the
// group itself would: to rewind a group (simulating a crash before a
// commit) or to move it on. The group must have no live members.
func CommitOffsets(t testing.TB, bootstrap, group, topic string, offsets map[int32]int64) {
	t.Helper()
	client := newClient(t, bootstrap)
	defer client.Close()
	om, err := sarama.NewOffsetManagerFromClient(group, client)
	if err != nil {
		t.Fatalf("committing offsets for group %s: %v", group, err)
	}
	var poms []sarama.PartitionOffsetManager
	for p, off := range offsets {
		pom, err := om.ManagePartition(topic, p)
		if err != nil {
			t.Fatalf("committing offsets for group %s on %s partition %d: %v", group, topic, p, err)
		}
		pom.ResetOffset(off, "")
		poms = append(poms, pom)
	}
	om.Commit()
	for _, pom := range poms {
		pom.AsyncClose()
	}
	if err := om.Close(); err != nil {
		t.Fatalf("committing offsets for group %s: %v", group, err)
	}
	got := CommittedOffsets(t, bootstrap, group, topic)
	for p, off := range offsets {
		if got[p] != off {
			t.Fatalf("committing offset %d for group %s on %s partition %d: the group is at %d (does it still have members?)", off, group, topic, p, got[p])
		}
	}
}
