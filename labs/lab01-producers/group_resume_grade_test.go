//go:build grading

package lab01

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestConsumerGroupResume(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	topic := labtest.Topic(t, "orders")
	group := labtest.Group(t, "resume")
	labtest.CreateTopic(t, bootstrap, topic, 3)

	// Ten orders written before the member ever runs.
	labtest.Produce(t, bootstrap, orderMessages(topic, 100, 10)...)

	first := runMember(t, bootstrap, group, topic, 10)

	t.Run("reads the topic from the beginning", func(t *testing.T) {
		if first.earlyErr != nil {
			t.Fatalf("RunMember returned before its context ended: %v", first.earlyErr)
		}
		ids := first.orderIDs()
		if len(ids) == 0 {
			t.Fatalf("10 orders were in the topic before the member joined group %s; in %v it handled none.\n  a group with no committed offsets starts at Consumer.Offsets.Initial, and sarama's default is OffsetNewest (only what is written after joining): use sarama.OffsetOldest", group, first.waited)
		}
		if want := idRange(100, 10); !equalInts(ids, want) {
			t.Errorf("%s", labtest.Mismatch("order ids handled by the first run", want, ids, "each record must reach the handler exactly once"))
		}
	})

	t.Run("returns nil when its context ends", func(t *testing.T) {
		switch {
		case first.earlyErr != nil:
			t.Fatalf("RunMember returned an error before its context ended: %v", first.earlyErr)
		case !first.returned:
			t.Fatalf("RunMember did not return within %v of its context being cancelled: return when ctx is done (Consume returns then; stop calling it)", memberStopWait)
		case first.err != nil:
			t.Errorf("RunMember returned %v after its context was cancelled; a requested stop is not an error: return nil", first.err)
		}
	})

	t.Run("resumes after a restart without reprocessing", func(t *testing.T) {
		if len(first.orderIDs()) == 0 || !first.returned {
			t.Fatalf("cannot test a restart: the first run did not handle the 10 orders and stop (see the other subtests)")
		}
		committed := labtest.CommittedOffsets(t, bootstrap, group, topic)
		labtest.Produce(t, bootstrap, orderMessages(topic, 200, 5)...)
		second := runMember(t, bootstrap, group, topic, 5)
		if second.earlyErr != nil {
			t.Fatalf("the second RunMember returned before its context ended: %v", second.earlyErr)
		}
		ids := second.orderIDs()
		want := idRange(200, 5)
		if equalInts(ids, want) {
			return
		}
		var old []int
		for _, id := range ids {
			if id < 200 {
				old = append(old, id)
			}
		}
		hint := ""
		switch {
		case len(old) > 0:
			hint = fmt.Sprintf("it handled %d orders of the first run again (%v); after the first run the group had committed %s (want p0..p2 summing to 10).\n  mark each record after handling it (sess.MarkMessage), keep Consumer.Offsets.AutoCommit.Enable on (or call sess.Commit()), and close the consumer group before returning, so the last marks are committed", len(old), old, labtest.FormatOffsets(committed))
		case len(ids) == 0:
			hint = "the restarted member handled nothing: does it start again after a restart?"
		}
		t.Errorf("%s", labtest.Mismatch("order ids handled after a restart, with 5 new orders written since the first run", want, ids, hint))
	})
}

// memberRun is what one RunMember call did.
type memberRun struct {
	mu       sync.Mutex
	msgs     []*sarama.ConsumerMessage
	earlyErr error // RunMember returned before being asked to stop
	returned bool  // RunMember returned after being asked to stop
	err      error
	waited   time.Duration

	sentinels map[int32]bool // partitions whose sentinel the member handled
}

func (r *memberRun) orderIDs() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []int
	for _, m := range r.msgs {
		var o Order
		if json.Unmarshal(m.Value, &o) == nil {
			ids = append(ids, o.OrderID)
		}
	}
	sort.Ints(ids)
	return ids
}

// runMember runs RunMember until it has handled want records, then writes a
// sentinel to each of the topic's 3 partitions and waits until it has
// handled those too, then cancels it. A partition's records come in order,
// so once its sentinel has come nothing written before it (a duplicate
// included) is still on its way: no quiet period to guess. It gives up
// waiting after memberWait for each of the two.
func runMember(t *testing.T, bootstrap, group, topic string, want int) *memberRun {
	run := &memberRun{sentinels: map[int32]bool{}}
	token := labtest.Topic(t, "sentinel")
	handle := func(msg *sarama.ConsumerMessage) {
		run.mu.Lock()
		defer run.mu.Unlock()
		if tok, ok := labtest.SentinelToken(msg); ok {
			if tok == token {
				run.sentinels[msg.Partition] = true
			}
			return
		}
		run.msgs = append(run.msgs, msg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("RunMember panicked: %v", r)
			}
		}()
		done <- RunMember(ctx, bootstrap, group, []string{topic}, handle)
	}()
	start := time.Now()
	// waitFor polls cond until it holds, RunMember returns (early), or
	// memberWait passes.
	waitFor := func(cond func() bool) bool {
		deadline := time.Now().Add(labtest.Budget(t, memberWait))
		for !cond() {
			if time.Now().After(deadline) {
				return false
			}
			select {
			case err := <-done:
				if err == nil {
					err = fmt.Errorf("it returned nil while its context was still live")
				}
				run.earlyErr = err
				return false
			case <-time.After(50 * time.Millisecond):
			}
		}
		return true
	}
	count := func() int { run.mu.Lock(); defer run.mu.Unlock(); return len(run.msgs) }
	if waitFor(func() bool { return count() >= want }) {
		labtest.Produce(t, bootstrap, labtest.Sentinels(topic, 3, token)...)
		waitFor(func() bool { run.mu.Lock(); defer run.mu.Unlock(); return len(run.sentinels) == 3 })
	}
	run.waited = time.Since(start)
	if run.earlyErr != nil {
		return run
	}
	cancel()
	select {
	case run.err = <-done:
		run.returned = true
	case <-time.After(labtest.Budget(t, memberStopWait)):
	}
	return run
}

// orderMessages returns n orders with ids from first, spread round robin over
// 3 partitions.
func orderMessages(topic string, first, n int) []*sarama.ProducerMessage {
	msgs := make([]*sarama.ProducerMessage, n)
	for i := range n {
		o := sampleOrder(first + i)
		value, _ := json.Marshal(o)
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Partition: int32(i % 3), Key: sarama.StringEncoder(o.Key()), Value: sarama.ByteEncoder(value)}
	}
	return msgs
}

func idRange(first, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = first + i
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
