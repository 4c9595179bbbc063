//go:build grading

package lab02

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestRunTotals(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	orders, totals := labtest.Topic(t, "orders"), labtest.Topic(t, "units-by-state")
	group := labtest.Group(t, "run-totals")
	labtest.CreateTopic(t, bootstrap, orders, 3)

	var (
		mu      sync.Mutex
		skipped []stream.Skipped
	)
	s := Settings{Bootstrap: bootstrap, Group: group, Orders: orders, Totals: totals, OnSkip: func(sk stream.Skipped) {
		mu.Lock()
		defer mu.Unlock()
		skipped = append(skipped, sk)
	}}
	skippedNow := func() []stream.Skipped {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(skipped)
	}

	batch1 := writeInputs(t, bootstrap, orders, []item{
		ord(501, 1.5, "State_1"), ord(502, 3.0, "State_2"), ord(503, 0.75, "State_3"),
		ord(504, 2.25, "State_1"), ord(505, 5.5, "State_3"), bad(506, `{"orderid":`),
		ord(507, 0.5, "State_1"), ord(508, 2.5, "State_2"), ord(509, 1.0, "State_3"),
		ord(510, 4.0, "State_2"), ord(511, 2.0, "State_3"), ord(512, 0.25, "State_1"), ord(513, 1.25, "State_2"),
	})
	all := slices.Clone(batch1)
	var first, second *totalsRun

	t.Run("counts every order and stops when asked", func(t *testing.T) {
		first = runTotals(t, s, all)
		first.requireStopped(t)
		got, err := readTotals(bootstrap, totals)
		if err != nil {
			t.Fatalf("reading the totals topic %s: %v", totals, err)
		}
		if len(got) == 0 {
			t.Fatalf("the totals topic %s is empty after RunTotals ran on %d orders: run a processor with Config.Changelog s.Totals and Config.TableTransform CountUnitsOnce", totals, len(all)-1)
		}
		checkTotals(t, "the totals after the first run", expectedTotals(all), got)
		checkSkipped(t, all, skippedNow(), "pass s.OnSkip to the processor as Config.OnSkip")
	})

	t.Run("a restart resumes: state from the changelog, input from the committed offsets", func(t *testing.T) {
		if first == nil || !first.returned || first.counted == 0 {
			t.Fatalf("cannot test a restart: the first run did not count orders and stop (see the first subtest)")
		}
		end := labtest.EndOffsets(t, bootstrap, orders)
		committed := committedOffsets(bootstrap, group, orders)
		if labtest.FormatOffsets(committed) != labtest.FormatOffsets(end) {
			t.Errorf("after the first run group %s has committed %s on the orders topic, want %s (the end: everything was processed).\n  use s.Group as Config.Group: the group's committed offsets are how a restarted processor knows where it stopped",
				group, labtest.FormatOffsets(committed), labtest.FormatOffsets(end))
		}
		changesBefore := sumOffsets(labtest.EndOffsets(t, bootstrap, totals))
		batch2 := writeInputs(t, bootstrap, orders, []item{
			ord(521, 2.0, "State_1"), ord(522, 1.0, "State_2"), ord(523, 3.0, "State_3"),
			ord(524, 0.5, "State_1"), ord(525, 1.5, "State_2"), ord(526, 2.5, "State_3"),
		})
		all = append(all, batch2...)
		second = runTotals(t, s, all)
		second.requireStopped(t)
		got, err := readTotals(bootstrap, totals)
		if err != nil {
			t.Fatalf("reading the totals topic %s: %v", totals, err)
		}
		checkTotals(t, fmt.Sprintf("the totals after a restart and %d more orders", len(batch2)), expectedTotals(all), got)
		if changes := sumOffsets(labtest.EndOffsets(t, bootstrap, totals)) - changesBefore; changes != int64(len(batch2)) {
			t.Errorf("the restarted processor wrote %d changes to the totals topic for %d new orders, want one per new order: it processed old orders again; did it resume from group s.Group's committed offsets?", changes, len(batch2))
		}
	})

	t.Run("a crash before the commit does not count twice", func(t *testing.T) {
		if second == nil || !second.returned || second.counted <= first.counted {
			t.Fatalf("cannot test a crash: the restart did not count the new orders and stop (see the other subtests)")
		}
		if sumOffsets(committedOffsets(bootstrap, group, orders)) <= 0 {
			t.Fatalf("cannot simulate a crash of group %s: it has committed nothing (see the second subtest)", group)
		}
		// A crash right after the changelog was written and before any
		// offset was committed: the group is back at the start, the
		// changelog holds every total.
		labtest.CommitOffsets(t, bootstrap, group, orders, map[int32]int64{0: 0, 1: 0, 2: 0})
		batch3 := writeInputs(t, bootstrap, orders, []item{ord(531, 1.0, "State_1"), ord(532, 2.0, "State_2"), ord(533, 4.0, "State_3")})
		all = append(all, batch3...)
		third := runTotals(t, s, all)
		third.requireStopped(t)
		got, err := readTotals(bootstrap, totals)
		if err != nil {
			t.Fatalf("reading the totals topic %s: %v", totals, err)
		}
		want := expectedTotals(all)
		if wo, go_ := sumTotals(want), sumTotals(got); go_ > wo {
			if stored := sumOffsets(labtest.EndOffsets(t, bootstrap, orders)); stored != int64(len(all)) {
				t.Fatalf("the orders topic holds %d records but the test wrote %d: the test's own input was duplicated, which says nothing about your code; grade again", stored, len(all))
			}
			t.Errorf("after a crash that left the group's offsets at 0, the totals count %d orders; %d were written (%d of them replayed from before the crash).\n  the replayed orders were counted again: keep in each total the positions it has counted (StateTotal.Counted), skip an order when total.Counted.Covers(in), and call total.Counted.Advance(in) when you count one",
				go_, wo, len(all)-len(batch3)-1)
		}
		checkTotals(t, "the totals after a crash and 3 more orders", want, got)
	})
}

// totalsRun is what one RunTotals call did.
type totalsRun struct {
	err      error
	early    bool // returned before its context ended
	returned bool
	counted  int // orders in the totals when it was stopped
	took     time.Duration
}

// runTotals runs RunTotals until it has caught up with the orders topic
// (the totals count every order written so far, and the group has
// committed the end of the topic: every record, bad ones included, is
// done) or totalsWait passes, then stops it. Waiting for both rather
// than for a quiet moment means a replayed order would already show (its
// partition is processed up to its end) and the commit a restart resumes
// from is in place.
func runTotals(t *testing.T, s Settings, written []sent) *totalsRun {
	t.Helper()
	wantOrders := 0
	for _, w := range written {
		if !w.bad {
			wantOrders++
		}
	}
	run := &totalsRun{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("RunTotals panicked: %v", r)
			}
		}()
		done <- RunTotals(ctx, s)
	}()
	start := time.Now()
	end := labtest.EndOffsets(t, s.Bootstrap, s.Orders)
	caughtUp := func() bool {
		if labtest.FormatOffsets(committedOffsets(s.Bootstrap, s.Group, s.Orders)) != labtest.FormatOffsets(end) {
			return false
		}
		got, _ := readTotals(s.Bootstrap, s.Totals)
		return sumTotals(got) >= wantOrders
	}
	deadline := time.Now().Add(labtest.Budget(t, totalsWait))
wait:
	for !caughtUp() && time.Now().Before(deadline) {
		select {
		case run.err = <-done:
			run.early, run.returned = true, true
			break wait
		case <-time.After(250 * time.Millisecond):
		}
	}
	run.took = time.Since(start)
	cancel()
	if !run.returned {
		select {
		case run.err = <-done:
			run.returned = true
		case <-time.After(labtest.Budget(t, stopWait)):
		}
	}
	got, _ := readTotals(s.Bootstrap, s.Totals)
	run.counted = sumTotals(got)
	return run
}

func (r *totalsRun) requireStopped(t *testing.T) {
	t.Helper()
	switch {
	case r.early && r.err != nil:
		t.Fatalf("RunTotals returned before its context ended, after %v: %v", r.took.Round(time.Millisecond), r.err)
	case r.early:
		t.Fatalf("RunTotals returned nil before its context ended: it must run until ctx is done (stream.Run does)")
	case !r.returned:
		t.Fatalf("RunTotals did not return within %v of its context ending: return when ctx is done", stopWait)
	case r.err != nil:
		t.Errorf("RunTotals returned %v when its context ended; a requested stop is not an error: return nil", r.err)
	}
}

// committedOffsets returns what group has committed on topic's 3
// partitions, -1 for none (and for a group that does not exist).
func committedOffsets(bootstrap, group, topic string) map[int32]int64 {
	out := map[int32]int64{0: -1, 1: -1, 2: -1}
	admin, err := kafkautil.NewAdmin(bootstrap)
	if err != nil {
		return out
	}
	defer admin.Close()
	resp, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0, 1, 2}})
	if err != nil {
		return out
	}
	for p := range out {
		if b := resp.GetBlock(topic, p); b != nil && b.Err == sarama.ErrNoError {
			out[p] = b.Offset
		}
	}
	return out
}

// readTotals reads the totals topic as a table of StateTotals (an empty table
// when the topic does not exist yet).
func readTotals(bootstrap, topic string) (map[string]StateTotal, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := stream.ReadTable(ctx, bootstrap, topic)
	if errors.Is(err, stream.ErrUnknownTopic) {
		return map[string]StateTotal{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]StateTotal{}
	for k, v := range raw {
		var st StateTotal
		if err := json.Unmarshal(v, &st); err != nil {
			return nil, fmt.Errorf("the value of %s is not a StateTotal (%v): %s", k, err, v)
		}
		out[k] = st
	}
	return out, nil
}

func sumTotals(totals map[string]StateTotal) int {
	n := 0
	for _, t := range totals {
		n += t.Orders
	}
	return n
}

func sumOffsets(offsets map[int32]int64) int64 {
	var n int64
	for _, o := range offsets {
		n += o
	}
	return n
}
