//go:build grading

package lab01

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// rebalanceWait bounds each wait of the rebalance test: a rebalance takes a
// member's heartbeat, the old owners' commits and a new join, seconds on a
// loaded machine.
const rebalanceWait = 30 * time.Second

func TestConsumerGroupRebalance(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	topic := labtest.Topic(t, "orders")
	group := labtest.Group(t, "rebalance")
	const partitions = 4
	labtest.CreateTopic(t, bootstrap, topic, partitions)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	// processed records, by member, as "partition/offset"; the partitions
	// whose sentinel (written last) a member has handled.
	var mu sync.Mutex
	processed := map[string][]string{}
	sentinels := map[int32]bool{}
	sentinelToken := labtest.Topic(t, "sentinel")
	handlerFor := func(name string) Handler {
		return func(msg *sarama.ConsumerMessage) {
			mu.Lock()
			defer mu.Unlock()
			if tok, ok := labtest.SentinelToken(msg); ok {
				if tok == sentinelToken {
					sentinels[msg.Partition] = true
				}
				return
			}
			processed[name] = append(processed[name], fmt.Sprintf("%d/%d", msg.Partition, msg.Offset))
		}
	}
	countOf := func(name string) int { mu.Lock(); defer mu.Unlock(); return len(processed[name]) }

	// start runs StartMember for a subtest; the member lives until the whole
	// test ends.
	parent := t
	start := func(t *testing.T, name string) *Member {
		var (
			m   *Member
			err error
		)
		if !labtest.Within(t, 30*time.Second, "StartMember", func(context.Context) {
			m, err = StartMember(ctx, bootstrap, group, []string{topic}, handlerFor(name))
		}) {
			return nil
		}
		if err != nil {
			t.Errorf("StartMember (member %s) returned an error: %v", name, err)
			return nil
		}
		if m == nil {
			t.Errorf("StartMember (member %s) returned neither a Member nor an error", name)
			return nil
		}
		parent.Cleanup(func() {
			labtest.Within(parent, memberStopWait, "Member.Stop", func(context.Context) { _ = m.Stop() })
		})
		return m
	}
	// assignment asks a member which partitions of the topic it owns; a panic
	// or a hang in Assignment counts as owning nothing, and is remembered
	// for the failure message.
	var trouble string
	assignment := func(m *Member) []int32 {
		res := make(chan []int32, 1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					trouble = fmt.Sprintf("\n  note: Assignment panicked: %v", r)
					mu.Unlock()
					res <- nil
				}
			}()
			res <- m.Assignment()[topic]
		}()
		select {
		case parts := <-res:
			return parts
		case <-time.After(5 * time.Second):
			mu.Lock()
			trouble = "\n  note: Assignment did not return within 5 s: is its lock held while a ConsumeClaim waits for records?"
			mu.Unlock()
			return nil
		}
	}
	troubleNote := func() string { mu.Lock(); defer mu.Unlock(); return trouble }

	var a, b *Member

	t.Run("a lone member owns every partition", func(t *testing.T) {
		if a = start(t, "A"); a == nil {
			return
		}
		all := []int32{0, 1, 2, 3}
		wait := labtest.Budget(t, rebalanceWait)
		if !labtest.Eventually(wait, 100*time.Millisecond, func() bool { return equalInt32s(assignment(a), all) }) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("member A's Assignment() for the %d-partition topic, alone in its group after %v", partitions, wait), all, assignment(a),
				"a partition is the member's while its ConsumeClaim runs: record it when ConsumeClaim starts, forget it when it returns")+troubleNote())
		}
	})

	// Twenty records, five per partition, for A to handle before B arrives.
	labtest.Produce(t, bootstrap, spreadMessages(topic, 0, 20, partitions)...)
	sent := 20
	if a != nil {
		labtest.Eventually(labtest.Budget(t, rebalanceWait), 50*time.Millisecond, func() bool { return countOf("A") >= 20 })
	}

	t.Run("a second member takes a share", func(t *testing.T) {
		if a == nil {
			t.Fatalf("member A did not start (see the first subtest)")
		}
		if b = start(t, "B"); b == nil {
			return
		}
		split := func() bool {
			pa, pb := assignment(a), assignment(b)
			return len(pa) > 0 && len(pb) > 0 && len(pa)+len(pb) == partitions && disjointCover(pa, pb, partitions)
		}
		wait := labtest.Budget(t, rebalanceWait)
		if !labtest.Eventually(wait, 100*time.Millisecond, split) {
			pa, pb := assignment(a), assignment(b)
			hint := "after the rebalance each partition belongs to exactly one member"
			switch {
			case len(pa) == 0:
				hint = "A owns nothing: when B joined, the group rebalanced, A's session ended and its Consume call returned. Call Consume again, in a loop, to rejoin with the new assignment"
			case len(pb) == 0:
				hint = "B owns nothing: is its ConsumeClaim running (and recording the partition) for the partitions it was given?"
			}
			t.Errorf("%v after member B joined: A owns %v, B owns %v; want the %d partitions split between them, none shared.\n  %s%s", wait, pa, pb, partitions, hint, troubleNote())
		}
	})

	t.Run("every record is processed exactly once", func(t *testing.T) {
		if a == nil || b == nil {
			t.Fatalf("the two members did not both start (see the subtests above)")
		}
		// Keep writing, one record per partition every 200 ms, until both
		// members have handled records written after B joined.
		aBefore, bBefore := countOf("A"), countOf("B")
		deadline := time.Now().Add(labtest.Budget(t, rebalanceWait))
		for time.Now().Before(deadline) {
			labtest.Produce(t, bootstrap, spreadMessages(topic, sent, partitions, partitions)...)
			sent += partitions
			if sent >= 60 && countOf("A") > aBefore && countOf("B") > bBefore {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		// Then a sentinel per partition: once both members together have
		// handled every sentinel, each partition has been read up to its
		// end, duplicates included, by whoever owns it now.
		labtest.Produce(t, bootstrap, labtest.Sentinels(topic, partitions, sentinelToken)...)
		if !labtest.Eventually(labtest.Budget(t, rebalanceWait), 50*time.Millisecond, func() bool { mu.Lock(); defer mu.Unlock(); return len(sentinels) == partitions }) {
			mu.Lock()
			t.Logf("of the %d partitions, the members reached the end of %d (the records written last)", partitions, len(sentinels))
			mu.Unlock()
		}

		mu.Lock()
		defer mu.Unlock()
		times := map[string][]string{}
		for _, name := range []string{"A", "B"} {
			for _, rec := range processed[name] {
				times[rec] = append(times[rec], name)
			}
		}
		var dups, missing []string
		for rec, by := range times {
			if len(by) > 1 {
				dups = append(dups, fmt.Sprintf("%s by %s", rec, strings.Join(by, "+")))
			}
		}
		for i := range sent {
			rec := fmt.Sprintf("%d/%d", i%partitions, i/partitions)
			if len(times[rec]) == 0 {
				missing = append(missing, rec)
			}
		}
		sort.Strings(dups)
		sort.Strings(missing)
		if len(dups) > 0 {
			t.Errorf("%d of %d records (partition/offset) were processed twice, e.g. %v.\n  a member must commit what it handled before it gives a partition up: mark each record after handling (sess.MarkMessage) and keep Consumer.Offsets.AutoCommit.Enable on: sarama then commits the marked offsets when a session ends, before the partitions move",
				len(dups), sent, dups[:min(5, len(dups))])
		}
		if len(missing) > 0 {
			t.Errorf("%d of %d records (partition/offset) were never processed, e.g. %v: is every claim consumed until its Messages channel closes?", len(missing), sent, missing[:min(5, len(missing))])
		}
		if processedAfter := len(processed["B"]) - bBefore; processedAfter <= 0 {
			t.Errorf("member B processed no records, though %d were written after it joined", sent-20)
		}
		if processedAfter := len(processed["A"]) - aBefore; processedAfter <= 0 {
			t.Errorf("member A processed no records after B joined, though %d were written: does it rejoin after the rebalance?", sent-20)
		}
	})
}

// spreadMessages returns n records numbered from first, record i going to
// partition i % partitions (so it lands at offset i / partitions).
func spreadMessages(topic string, first, n, partitions int) []*sarama.ProducerMessage {
	msgs := make([]*sarama.ProducerMessage, n)
	for i := range n {
		o := sampleOrder(first + i)
		value, _ := json.Marshal(o)
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Partition: int32((first + i) % partitions), Key: sarama.StringEncoder(o.Key()), Value: sarama.ByteEncoder(value)}
	}
	return msgs
}

func equalInt32s(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	s := append([]int32(nil), a...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	for i := range s {
		if s[i] != b[i] {
			return false
		}
	}
	return true
}

func disjointCover(a, b []int32, n int) bool {
	seen := map[int32]int{}
	for _, p := range append(append([]int32(nil), a...), b...) {
		seen[p]++
	}
	if len(seen) != n {
		return false
	}
	for p, c := range seen {
		if c != 1 || p < 0 || int(p) >= n {
			return false
		}
	}
	return true
}
