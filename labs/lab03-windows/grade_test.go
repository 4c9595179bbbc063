//go:build grading

// Grading tests of lab 3. Each exercise has one top-level test; each of its
// subtests earns a share of the exercise's points. Every input has explicit
// event times on one day, 2026-03-02 (UTC), shown as clock times: 10:04:59.999
// is a millisecond before 10:05. The Go exercises call your functions
// directly (exercise 5 also runs them over topics of the grader's broker, or
// an embedded one); the KSQL exercises run your .sql file on a fresh
// embedded ksqlDB engine after the lab's streams.sql, feed it known records
// and read what your table received.
//
// The tests compile into your package, so their helpers are named gr...
// (grAt, grRes, ...): no name of yours can clash with them.
package lab03

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// ---------------------------------------------------------------------------
// Exercise 1: tumbling and hopping windows.

func TestAssigners(t *testing.T) {
	type assignCase struct {
		ts   string
		want []Window
		why  string
	}
	check := func(t *testing.T, name string, a Assigner, cases []assignCase) {
		t.Helper()
		for _, c := range cases {
			var got []Window
			if !labtest.Guard(t, fmt.Sprintf("%s.Assign(%s)", name, c.ts), func() { got = a.Assign(grAt(c.ts)) }) {
				continue
			}
			if !grSameWindows(got, c.want) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s.Assign(%s)", name, c.ts), grFmtWindows(c.want, false), grFmtWindows(got, false), c.why))
			}
		}
	}

	t.Run("tumbling windows are [start, end)", func(t *testing.T) {
		check(t, "Tumbling{Size: time.Minute}", Tumbling{Size: time.Minute}, []assignCase{
			{"10:00:00", grWins("10:00:00", "10:01:00"), "a record exactly at a window's start belongs to it"},
			{"10:00:59.999", grWins("10:00:00", "10:01:00"), "the last millisecond of a minute is still in it"},
			{"10:01:00", grWins("10:01:00", "10:02:00"), "the end is exclusive: a record at exactly 10:01:00 belongs in the next window, not in [10:00:00, 10:01:00)"},
		})
		check(t, "Tumbling{Size: 5 * time.Minute}", Tumbling{Size: 5 * time.Minute}, []assignCase{
			{"10:04:59.999", grWins("10:00:00", "10:05:00"), "a millisecond before 10:05 is in the window that ends at 10:05"},
			{"10:05:00", grWins("10:05:00", "10:10:00"), "the end is exclusive: 10:05:00 starts the next window"},
			{"10:07:30", grWins("10:05:00", "10:10:00"), "one window of 5 minutes, starting at a multiple of 5 minutes"},
		})
	})

	t.Run("windows are aligned to the Unix epoch", func(t *testing.T) {
		why := "windows start at multiples of their size counted from the Unix epoch (1970-01-01 00:00 UTC), as Kafka's and ksqlDB's do: " +
			"compute with ts.UnixMilli(); time.Truncate counts from the year 1, which agrees only for sizes that divide a day"
		check(t, "Tumbling{Size: 7 * time.Minute}", Tumbling{Size: 7 * time.Minute}, []assignCase{
			{"10:00:00", grWins("09:56:00", "10:03:00"), why},
			{"10:03:00", grWins("10:03:00", "10:10:00"), why},
		})
		check(t, "Tumbling{Size: 13 * time.Second}", Tumbling{Size: 13 * time.Second}, []assignCase{
			{"10:00:00", grWins("09:59:57", "10:00:10"), why},
		})
	})

	t.Run("hopping windows: every window that holds the record, earliest first", func(t *testing.T) {
		check(t, "Hopping{Size: 10 * time.Minute, Advance: 5 * time.Minute}", Hopping{Size: 10 * time.Minute, Advance: 5 * time.Minute}, []assignCase{
			{"10:07:00", grWins("10:00:00", "10:10:00", "10:05:00", "10:15:00"), "windows of 10 minutes starting every 5: each record is in two of them, the earlier one first"},
			{"10:05:00", grWins("10:00:00", "10:10:00", "10:05:00", "10:15:00"), "a record at exactly 10:05:00 is not in [09:55:00, 10:05:00): the end is exclusive"},
			{"10:04:59.999", grWins("09:55:00", "10:05:00", "10:00:00", "10:10:00"), "a millisecond before 10:05 is still in [09:55:00, 10:05:00)"},
		})
		check(t, "Hopping{Size: 5 * time.Minute, Advance: time.Minute}", Hopping{Size: 5 * time.Minute, Advance: time.Minute}, []assignCase{
			{"10:02:30", grWins("09:58:00", "10:03:00", "09:59:00", "10:04:00", "10:00:00", "10:05:00", "10:01:00", "10:06:00", "10:02:00", "10:07:00"),
				"5-minute windows starting every minute: every record is in 5 of them, earliest first"},
		})
		check(t, "Hopping{Size: 10 * time.Second, Advance: 3 * time.Second}", Hopping{Size: 10 * time.Second, Advance: 3 * time.Second}, []assignCase{
			{"10:00:00", grWins("09:59:51", "10:00:01", "09:59:54", "10:00:04", "09:59:57", "10:00:07", "10:00:00", "10:00:10"),
				"when the advance does not divide the size, a record is in size/advance windows rounded up (here 4): every window whose start is a multiple of 3 s in (ts-10s, ts]"},
		})
	})
}

// ---------------------------------------------------------------------------
// Exercise 2: one update per window a record changes.

// lateAllowed is ksqlDB's default grace period: with it, no test record here
// is ever too late.
const grLateAllowed = 24 * time.Hour

func TestWindowedUpdates(t *testing.T) {
	tumbling5 := grRefWindows{size: 5 * time.Minute, advance: 5 * time.Minute}

	t.Run("tumbling: one update per record, with the window's new count and sum", func(t *testing.T) {
		grRunSteps(t, "NewTimeAggregator(5-minute tumbling windows, 24*time.Hour)", func() Aggregator { return NewTimeAggregator(tumbling5, grLateAllowed) }, []grStep{
			{in: grRec("k1", "10:00:00", 2), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 1, 2)},
				why: "the first record of a window starts it at count 1, sum = its value"},
			{in: grRec("k1", "10:01:00", 3), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 2, 5)},
				why: "the update is the window's whole new result (count 2, sum 2+3), not the record alone: keep a Result per window and add to it"},
			{in: grRec("k1", "10:04:59.999", 4), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 3, 9)}},
			{in: grRec("k1", "10:05:00", 1), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 1, 1)},
				why: "a new window starts from zero"},
		})
	})

	t.Run("each key has its own windows", func(t *testing.T) {
		grRunSteps(t, "NewTimeAggregator(5-minute tumbling windows, 24*time.Hour)", func() Aggregator { return NewTimeAggregator(tumbling5, grLateAllowed) }, []grStep{
			{in: grRec("k1", "10:00:10", 1), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 1, 1)}},
			{in: grRec("k2", "10:00:20", 10), updates: []Result{grRes("k2", "10:00:00", "10:05:00", 1, 10)},
				why: "k2's window is not k1's: key your windows by (key, window)"},
			{in: grRec("k1", "10:00:30", 2), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 2, 3)}},
			{in: grRec("k2", "10:03:00", 20), updates: []Result{grRes("k2", "10:00:00", "10:05:00", 2, 30)}},
		})
	})

	t.Run("hopping: one update per window, earliest window first", func(t *testing.T) {
		hopping := grRefWindows{size: 10 * time.Minute, advance: 5 * time.Minute}
		grRunSteps(t, "NewTimeAggregator(10-minute windows every 5 minutes, 24*time.Hour)", func() Aggregator { return NewTimeAggregator(hopping, grLateAllowed) }, []grStep{
			{in: grRec("k1", "10:07:00", 1), updates: []Result{grRes("k1", "10:00:00", "10:10:00", 1, 1), grRes("k1", "10:05:00", "10:15:00", 1, 1)},
				why: "a record in two windows updates both: one update per window, in the order the assigner gives them"},
			{in: grRec("k1", "10:11:00", 2), updates: []Result{grRes("k1", "10:05:00", "10:15:00", 2, 3), grRes("k1", "10:10:00", "10:20:00", 1, 2)}},
			{in: grRec("k1", "10:09:00", 4), updates: []Result{grRes("k1", "10:00:00", "10:10:00", 2, 5), grRes("k1", "10:05:00", "10:15:00", 3, 7)}},
		})
	})

	t.Run("an out-of-order record updates its own, older window", func(t *testing.T) {
		grRunSteps(t, "NewTimeAggregator(5-minute tumbling windows, 24*time.Hour)", func() Aggregator { return NewTimeAggregator(tumbling5, grLateAllowed) }, []grStep{
			{in: grRec("k1", "10:03:00", 1), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 1, 1)}},
			{in: grRec("k1", "10:06:00", 2), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 1, 2)}},
			{in: grRec("k1", "10:04:00", 4), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 2, 5)},
				why: "event time decides the window, not arrival order: the record of 10:04 arrived after one of 10:06 and still belongs in [10:00:00, 10:05:00), which must still hold its earlier record"},
			{in: grRec("k1", "10:09:59.999", 8), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 2, 10)}},
		})
	})
}

// ---------------------------------------------------------------------------
// Exercise 3: late records, the grace period, final results.

func TestLateAndFinal(t *testing.T) {
	tumbling5 := grRefWindows{size: 5 * time.Minute, advance: 5 * time.Minute}
	const tumblingName = "NewTimeAggregator(5-minute tumbling windows, time.Minute)"
	newTumbling := func() Aggregator { return NewTimeAggregator(tumbling5, time.Minute) }

	t.Run("a late record within the grace period updates its window", func(t *testing.T) {
		grRunSteps(t, tumblingName, newTumbling, []grStep{
			{in: grRec("k1", "10:02:00", 1), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 1, 1)}},
			{in: grRec("k1", "10:05:30", 2), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 1, 2)}, finals: []Result{}},
			{in: grRec("k1", "10:04:00", 4), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 2, 5)}, finals: []Result{},
				why: "stream time is 10:05:30, past the window's end (10:05:00) but not its end + grace (10:06:00): the window is still open, and a late record still counts"},
		})
	})

	t.Run("a record later than the grace period is dropped and counted", func(t *testing.T) {
		grRunSteps(t, tumblingName, newTumbling, []grStep{
			{in: grRec("k1", "10:02:00", 1), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 1, 1)}},
			{in: grRec("k1", "10:06:00", 2), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 1, 2)}},
			{in: grRec("k1", "10:04:59.999", 4), updates: []Result{}, dropped: 1,
				why: "stream time is 10:06:00 = the window's end (10:05:00) + grace (1 minute): [10:00:00, 10:05:00) is closed, so the record is too late: no update, and Dropped() counts it"},
			{in: grRec("k2", "10:03:00", 8), updates: []Result{}, dropped: 2,
				why: "stream time belongs to the aggregator, not to a key: k2's window [10:00:00, 10:05:00) closed at 10:06:00 too, even though k2 had no record before"},
			{in: grRec("k1", "10:07:00", 16), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 2, 18)}, dropped: 2},
		})
	})

	t.Run("stream time never goes back", func(t *testing.T) {
		grRunSteps(t, tumblingName, newTumbling, []grStep{
			{in: grRec("k1", "10:01:00", 1), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 1, 1)}},
			{in: grRec("k1", "10:06:30", 2), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 1, 2)}},
			{in: grRec("k1", "10:05:10", 4), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 2, 6)},
				why: "an out-of-order record in an open window counts"},
			{in: grRec("k1", "10:04:00", 8), updates: []Result{}, dropped: 1,
				why: "stream time is the largest event time seen (10:06:30), not the last one (10:05:10): [10:00:00, 10:05:00) closed at 10:06:00 and stays closed"},
		})
	})

	t.Run("each window's final result comes once, when stream time reaches end + grace", func(t *testing.T) {
		grRunSteps(t, tumblingName, newTumbling, []grStep{
			{in: grRec("k1", "10:01:00", 1), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 1, 1)}, finals: []Result{}},
			{in: grRec("k2", "10:03:00", 2), updates: []Result{grRes("k2", "10:00:00", "10:05:00", 1, 2)}, finals: []Result{}},
			{in: grRec("k1", "10:05:59.999", 4), updates: []Result{grRes("k1", "10:05:00", "10:10:00", 1, 4)}, finals: []Result{},
				why: "stream time 10:05:59.999 is a millisecond short of 10:06:00 (the windows' end + grace): nothing is final yet"},
			{in: grRec("k1", "10:04:00", 8), updates: []Result{grRes("k1", "10:00:00", "10:05:00", 2, 9)}, finals: []Result{}},
			{in: grRec("k2", "10:06:00", 16), updates: []Result{grRes("k2", "10:05:00", "10:10:00", 1, 16)},
				finals: []Result{grRes("k1", "10:00:00", "10:05:00", 2, 9), grRes("k2", "10:00:00", "10:05:00", 1, 2)},
				why:    "stream time reached 10:06:00 = end + grace of both keys' [10:00:00, 10:05:00): both close now, each with its last result (k1 counts the late record of 10:04)"},
			{in: grRec("k1", "10:12:00", 32), updates: []Result{grRes("k1", "10:10:00", "10:15:00", 1, 32)},
				finals: []Result{grRes("k1", "10:05:00", "10:10:00", 1, 4), grRes("k2", "10:05:00", "10:10:00", 1, 16)},
				why:    "the windows [10:05:00, 10:10:00) close at 10:11:00; the ones closed before must not come out again"},
			{in: grRec("k1", "10:13:00", 1), updates: []Result{grRes("k1", "10:10:00", "10:15:00", 2, 33)}, finals: []Result{},
				why: "a final comes once: forget a window when it closes"},
		})
	})

	t.Run("hopping: a record too late for its older windows still updates the newer ones", func(t *testing.T) {
		hopping := grRefWindows{size: 10 * time.Minute, advance: 5 * time.Minute}
		grRunSteps(t, "NewTimeAggregator(10-minute windows every 5 minutes, time.Minute)", func() Aggregator { return NewTimeAggregator(hopping, time.Minute) }, []grStep{
			{in: grRec("k1", "10:08:00", 1), updates: []Result{grRes("k1", "10:00:00", "10:10:00", 1, 1), grRes("k1", "10:05:00", "10:15:00", 1, 1)}},
			{in: grRec("k1", "10:12:00", 2), updates: []Result{grRes("k1", "10:05:00", "10:15:00", 2, 3), grRes("k1", "10:10:00", "10:20:00", 1, 2)},
				finals: []Result{grRes("k1", "10:00:00", "10:10:00", 1, 1)}},
			{in: grRec("k1", "10:09:00", 4), updates: []Result{grRes("k1", "10:05:00", "10:15:00", 3, 7)}, checkDropped: true,
				why: "of the record's windows, [10:00:00, 10:10:00) closed at 10:11:00 and [10:05:00, 10:15:00) is open: update the open one only; the record is not dropped, it counted somewhere"},
		})
	})
}

// ---------------------------------------------------------------------------
// Exercise 4: session windows.

func TestSessionWindows(t *testing.T) {
	const name = "NewSessionAggregator(2*time.Minute, 24*time.Hour)"
	newSessions := func() Aggregator { return NewSessionAggregator(2*time.Minute, grLateAllowed) }

	t.Run("records within the gap extend a session, farther ones start a new one", func(t *testing.T) {
		grRunSteps(t, name, newSessions, []grStep{
			{in: grRec("u1", "10:00:00", 1), updates: []Result{grSess("u1", "10:00:00", "10:00:00", 1, 1)}, removed: []Result{},
				why: "a record alone is a session [t, t]"},
			{in: grRec("u1", "10:01:30", 2), updates: []Result{grSess("u1", "10:00:00", "10:01:30", 2, 3)}, removed: []Result{grSess("u1", "10:00:00", "10:00:00", 1, 1)},
				why: "1m30s after the last record is within the 2-minute gap: the session grows to [10:00:00, 10:01:30]; the old session [10:00:00, 10:00:00] no longer exists: it goes to Removed"},
			{in: grRec("u1", "10:05:00", 4), updates: []Result{grSess("u1", "10:05:00", "10:05:00", 1, 4)}, removed: []Result{},
				why: "3m30s after the session's end is more than the gap: a new session"},
			{in: grRec("u2", "10:01:00", 8), updates: []Result{grSess("u2", "10:01:00", "10:01:00", 1, 8)}, removed: []Result{},
				why: "sessions are per key: u2 does not join u1's session"},
		})
	})

	t.Run("the gap is inclusive at both ends", func(t *testing.T) {
		grRunSteps(t, name, newSessions, []grStep{
			{in: grRec("u1", "10:00:00", 1), updates: []Result{grSess("u1", "10:00:00", "10:00:00", 1, 1)}},
			{in: grRec("u1", "10:02:00", 2), updates: []Result{grSess("u1", "10:00:00", "10:02:00", 2, 3)},
				why: "exactly the gap (2 minutes) after the session's end still joins it: end+gap is included"},
			{in: grRec("u1", "10:20:00", 4), updates: []Result{grSess("u1", "10:20:00", "10:20:00", 1, 4)}},
			{in: grRec("u1", "10:18:00", 8), updates: []Result{grSess("u1", "10:18:00", "10:20:00", 2, 12)},
				why: "exactly the gap before a session's start joins it too (a late record): start-gap is included, and the session now starts earlier"},
			{in: grRec("u1", "10:04:00.001", 16), updates: []Result{grSess("u1", "10:04:00.001", "10:04:00.001", 1, 16)},
				why: "2 minutes and 1 ms after the end of [10:00:00, 10:02:00] is more than the gap: a new session"},
		})
	})

	t.Run("a record that bridges two sessions merges them", func(t *testing.T) {
		grRunSteps(t, name, newSessions, []grStep{
			{in: grRec("u1", "10:00:00", 1), updates: []Result{grSess("u1", "10:00:00", "10:00:00", 1, 1)}},
			{in: grRec("u1", "10:03:00", 2), updates: []Result{grSess("u1", "10:03:00", "10:03:00", 1, 2)}},
			{in: grRec("u1", "10:01:30", 4), updates: []Result{grSess("u1", "10:00:00", "10:03:00", 3, 7)},
				removed: []Result{grSess("u1", "10:00:00", "10:00:00", 1, 1), grSess("u1", "10:03:00", "10:03:00", 1, 2)},
				why:     "10:01:30 is within 2 minutes of both sessions: it joins both, so they become one, [10:00:00, 10:03:00], counting all three records; both old sessions go to Removed"},
			{in: grRec("u1", "10:04:00", 8), updates: []Result{grSess("u1", "10:00:00", "10:04:00", 4, 15)},
				removed: []Result{grSess("u1", "10:00:00", "10:03:00", 3, 7)}},
		})
	})

	t.Run("late sessions: within grace they grow, later ones are dropped, closed ones come out once", func(t *testing.T) {
		grRunSteps(t, "NewSessionAggregator(2*time.Minute, time.Minute)", func() Aggregator { return NewSessionAggregator(2*time.Minute, time.Minute) }, []grStep{
			{in: grRec("u1", "10:00:00", 1), updates: []Result{grSess("u1", "10:00:00", "10:00:00", 1, 1)}, finals: []Result{}},
			{in: grRec("u2", "10:02:30", 2), updates: []Result{grSess("u2", "10:02:30", "10:02:30", 1, 2)}, finals: []Result{}},
			{in: grRec("u1", "10:01:45", 4), updates: []Result{grSess("u1", "10:00:00", "10:01:45", 2, 5)}, finals: []Result{},
				why: "u1's session [10:00:00, 10:00:00] stays open until stream time passes end + gap + grace = 10:03:00; stream time is 10:02:30, so the late record joins it"},
			{in: grRec("u2", "10:04:46", 8), updates: []Result{grSess("u2", "10:04:46", "10:04:46", 1, 8)},
				finals: []Result{grSess("u1", "10:00:00", "10:01:45", 2, 5)},
				why:    "stream time 10:04:46 is past 10:04:45, the end (10:01:45) + gap + grace of u1's session: it is final now, with both its records"},
			{in: grRec("u1", "10:01:00", 16), updates: []Result{}, finals: []Result{}, dropped: 1,
				why: "a session of this record alone would close at 10:04:00 (10:01:00 + gap + grace), before stream time 10:04:46: too late, dropped and counted (and u1's closed session does not come out again)"},
			{in: grRec("u1", "10:09:00", 32), updates: []Result{grSess("u1", "10:09:00", "10:09:00", 1, 32)},
				finals: []Result{grSess("u2", "10:02:30", "10:02:30", 1, 2), grSess("u2", "10:04:46", "10:04:46", 1, 8)}},
		})
	})
}

// ---------------------------------------------------------------------------
// Exercise 5: windows over a topic.

func TestRunWindows(t *testing.T) {
	t.Run("OrderRecord: the state, the units and the record's timestamp", func(t *testing.T) {
		good := stream.Record{Topic: "orders", Key: []byte("7"), Timestamp: grAt("10:04:59.999"),
			Value: []byte(`{"ordertime":1772445899999,"orderid":7,"itemid":"Item_7","orderunits":4.25,"address":{"city":"City_1","state":"State_3","zipcode":10007}}`)}
		var got Record
		var err error
		if labtest.Guard(t, "OrderRecord", func() { got, err = OrderRecord(good) }) {
			want := Record{Key: "State_3", Value: 4.25, Time: grAt("10:04:59.999")}
			switch {
			case err != nil:
				t.Errorf("OrderRecord(%s) returned the error %v; want %s", good.Value, err, grFmtRecord(want))
			case got.Key != want.Key || got.Value != want.Value || !got.Time.Equal(want.Time):
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("OrderRecord of the order %s at %s", good.Value, grClock(good.Timestamp)), grFmtRecord(want), grFmtRecord(got),
					"key: address.state; value: orderunits; time: in.Timestamp, the record's event time"))
			}
		}
		noTime := good
		noTime.Value = []byte(`{"orderid":8,"orderunits":1.5,"address":{"state":"State_1"}}`)
		noTime.Timestamp = grAt("10:30:00")
		if labtest.Guard(t, "OrderRecord", func() { got, err = OrderRecord(noTime) }) && err == nil && !got.Time.Equal(noTime.Timestamp) {
			t.Errorf("OrderRecord of %s with record timestamp 10:30:00 gave the time %s, want 10:30:00: the event time is the Kafka record's timestamp (what ksqlDB windows by), not a field of the value and never time.Now()",
				noTime.Value, grClock(got.Time))
		}
		for _, bad := range []string{`{"orderid":9,"orderunits":2,"address":{"city":"City_2"}}`, `not an order`} {
			in := good
			in.Value = []byte(bad)
			if labtest.Guard(t, "OrderRecord", func() { got, err = OrderRecord(in) }) && err == nil {
				t.Errorf("OrderRecord(%s) returned %s and no error: a value that is not an order, or an order without address.state, is an error (the processor skips and reports it)", bad, grFmtRecord(got))
			}
		}
	})

	bootstrap := labtest.Bootstrap(t)
	orders, updates, finals := labtest.Topic(t, "orders"), labtest.Topic(t, "updates"), labtest.Topic(t, "finals")
	for _, topic := range []string{orders, updates, finals} {
		labtest.CreateTopic(t, bootstrap, topic, 1)
	}
	type input struct {
		id    int
		ts    string
		units float64
		state string
		raw   string
	}
	inputs := []input{
		{id: 1, ts: "10:00:10", units: 1.5, state: "State_1"},
		{id: 2, ts: "10:00:40", units: 2, state: "State_2"},
		{id: 3, ts: "10:01:05", units: 0.5, state: "State_1"},
		{id: 4, ts: "10:00:55", units: 4, state: "State_2"},
		{id: 5, raw: `{"orderid":5,"orderunits":`},
		{id: 6, ts: "10:02:00", units: 3, state: "State_3"},
		{id: 7, ts: "10:02:30", units: 1, state: ""},
		{id: 8, ts: "10:01:59.999", units: 2.5, state: "State_1"},
		{id: 9, ts: "10:03:00", units: 6, state: "State_2"},
	}
	var msgs []*sarama.ProducerMessage
	var good []Record
	for _, in := range inputs {
		ts := grT0.Add(time.Duration(in.id) * time.Second)
		value := in.raw
		if in.raw == "" {
			ts = grAt(in.ts)
			v, _ := json.Marshal(Order{OrderTime: ts.UnixMilli(), OrderID: in.id, ItemID: fmt.Sprintf("Item_%d", in.id), OrderUnits: in.units,
				Address: Address{City: "City_1", State: in.state, Zipcode: 10000 + int64(in.id)}})
			value = string(v)
			if in.state != "" {
				good = append(good, Record{Key: in.state, Value: in.units, Time: ts})
			}
		}
		msgs = append(msgs, &sarama.ProducerMessage{Topic: orders, Partition: 0, Key: sarama.StringEncoder(fmt.Sprint(in.id)), Value: sarama.StringEncoder(value), Timestamp: ts})
	}
	labtest.Produce(t, bootstrap, msgs...)

	// The aggregator is the test's own: this exercise is about the wiring,
	// whatever your aggregators do.
	agg := &grScriptedAggregator{}
	var wantUpdates, wantFinals []Result
	for i, r := range good {
		e := grScripted(i, r)
		wantUpdates = append(wantUpdates, e.Updates...)
		wantFinals = append(wantFinals, e.Finals...)
	}
	var (
		mu      sync.Mutex
		skipped []stream.Skipped
	)
	s := Settings{Bootstrap: bootstrap, Group: labtest.Group(t, "windows"), Orders: orders, Updates: updates, Finals: finals, Aggregator: agg,
		OnSkip: func(sk stream.Skipped) { mu.Lock(); skipped = append(skipped, sk); mu.Unlock() }}
	run := grRunWindows(t, s, len(good), len(wantUpdates)+len(wantFinals))
	gotUpdates := grReadResults(t, bootstrap, updates)
	gotFinals := grReadResults(t, bootstrap, finals)

	t.Run("every update goes to the updates topic, keyed by its key", func(t *testing.T) {
		run.require(t)
		grCheckRecordsSeen(t, good, agg.seen())
		grCheckWritten(t, "updates", updates, wantUpdates, gotUpdates, "write every Result of Emitted.Updates to s.Updates: stream.Record{Topic: s.Updates, Key: []byte(u.Key), Value: EncodeResult(u)}")
	})

	t.Run("every final goes to the finals topic", func(t *testing.T) {
		run.require(t)
		grCheckWritten(t, "finals", finals, wantFinals, gotFinals, "write every Result of Emitted.Finals to s.Finals, the same way as the updates")
	})

	t.Run("bad records are skipped and reported", func(t *testing.T) {
		run.require(t)
		mu.Lock()
		defer mu.Unlock()
		want := map[int64]string{4: "the value is not an order", 6: "order 7 has no address.state"}
		for _, sk := range skipped {
			if _, ok := want[sk.Offset]; !ok {
				t.Errorf("the record at offset %d (key %s) was reported as skipped (%v): only records OrderRecord cannot read are", sk.Offset, sk.Key, sk.Err)
			}
			delete(want, sk.Offset)
		}
		for off, what := range want {
			t.Errorf("the record at offset %d (%s) was not reported as skipped: return OrderRecord's error from the transform, and pass s.OnSkip to the processor as Config.OnSkip", off, what)
		}
		if n := len(agg.seen()); n != len(good) {
			t.Errorf("the aggregator received %d records; %d orders had a state: a record OrderRecord refuses must not reach the aggregator", n, len(good))
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 6: tumbling windows in KSQL.

func TestKsqlTumbling(t *testing.T) {
	run := grRunKSQL(t, "tumbling.sql", []testrunner.Record{
		grOrder(1, "State_1", "10:00:05", 2),
		grOrder(2, "State_2", "10:00:20", 1.5),
		grOrder(3, "State_1", "10:00:59.999", 3),
		grOrder(4, "State_1", "10:01:00", 4),
		grOrder(5, "State_2", "10:01:30", 2.5),
		grOrder(6, "State_1", "10:00:40", 1),
		grOrder(7, "State_2", "10:02:10", 0.5),
		grOrder(8, "State_1", "10:01:59.999", 5),
	})
	spec := grTableSpec{file: "tumbling.sql", table: "UNITS_PER_MINUTE", key: "STATE", count: "ORDERS", sum: "UNITS", start: "WINDOW_START", end: "WINDOW_END"}
	want := []grWindow{
		{key: "State_1", start: "10:00:00", end: "10:01:00", count: 3, sum: 6, why: "the orders of 10:00:05, 10:00:59.999 (a millisecond before the end) and 10:00:40 (arrived after 10:01:00, but its event time is in this minute)"},
		{key: "State_2", start: "10:00:00", end: "10:01:00", count: 1, sum: 1.5, why: "the order of 10:00:20"},
		{key: "State_1", start: "10:01:00", end: "10:02:00", count: 2, sum: 9, why: "the orders of 10:01:00 (exactly the start: [start, end) includes it) and 10:01:59.999"},
		{key: "State_2", start: "10:01:00", end: "10:02:00", count: 1, sum: 2.5, why: "the order of 10:01:30"},
		{key: "State_2", start: "10:02:00", end: "10:03:00", count: 1, sum: 0.5, why: "the order of 10:02:10"},
	}
	rows := func(t *testing.T) []grRow {
		t.Helper()
		return run.rows(t, spec)
	}

	t.Run("each state's minute has the right totals", func(t *testing.T) {
		grCheckTable(t, spec, rows(t), want, "WINDOW TUMBLING (SIZE 1 MINUTE), GROUP BY address->state, COUNT(*) AS orders, SUM(orderunits) AS units")
	})

	t.Run("one update per order, as it arrives", func(t *testing.T) {
		grCheckUpdates(t, spec, rows(t), []grWindow{
			{key: "State_1", start: "10:00:00", end: "10:01:00", count: 1, sum: 2},
			{key: "State_2", start: "10:00:00", end: "10:01:00", count: 1, sum: 1.5},
			{key: "State_1", start: "10:00:00", end: "10:01:00", count: 2, sum: 5},
			{key: "State_1", start: "10:01:00", end: "10:02:00", count: 1, sum: 4},
			{key: "State_2", start: "10:01:00", end: "10:02:00", count: 1, sum: 2.5},
			{key: "State_1", start: "10:00:00", end: "10:01:00", count: 3, sum: 6},
			{key: "State_2", start: "10:02:00", end: "10:03:00", count: 1, sum: 0.5},
			{key: "State_1", start: "10:01:00", end: "10:02:00", count: 2, sum: 9},
		}, "EMIT CHANGES writes the window's new totals for every order")
	})

	t.Run("WINDOW_START and WINDOW_END are in the value", func(t *testing.T) {
		grCheckWindowColumns(t, spec, rows(t), "select WINDOWSTART AS window_start, WINDOWEND AS window_end: the window is otherwise only in the record's key, where most consumers cannot read it")
	})
}

// ---------------------------------------------------------------------------
// Exercise 7: hopping windows with a grace period in KSQL.

func TestKsqlHopping(t *testing.T) {
	run := grRunKSQL(t, "hopping.sql", grHoppingInputs())
	spec := grTableSpec{file: "hopping.sql", table: "UNITS_LAST_5_MINUTES", key: "STATE", count: "ORDERS", sum: "UNITS", start: "WINDOW_START", end: "WINDOW_END"}
	rows := func(t *testing.T) []grRow {
		t.Helper()
		return run.rows(t, spec)
	}
	const shape = "WINDOW HOPPING (SIZE 5 MINUTES, ADVANCE BY 1 MINUTE, GRACE PERIOD 30 SECONDS)"

	t.Run("every order counts in the 5 windows that hold it", func(t *testing.T) {
		grCheckTable(t, spec, rows(t), []grWindow{
			{key: "State_2", start: "10:01:00", end: "10:06:00", count: 1, sum: 1.5, why: "the order of 10:05:00"},
			{key: "State_2", start: "10:02:00", end: "10:07:00", count: 1, sum: 1.5, why: "the order of 10:05:00"},
			{key: "State_2", start: "10:03:00", end: "10:08:00", count: 1, sum: 1.5, why: "the order of 10:05:00"},
			{key: "State_2", start: "10:04:00", end: "10:09:00", count: 1, sum: 1.5, why: "the order of 10:05:00"},
			{key: "State_2", start: "10:05:00", end: "10:10:00", count: 1, sum: 1.5, why: "the order of 10:05:00 (exactly the start)"},
			{key: "State_1", start: "10:02:00", end: "10:07:00", count: 4, sum: 7.5, why: "the orders of 10:02:00, 10:04:30, 10:03:50 and 10:06:00"},
			{key: "State_1", start: "10:03:00", end: "10:08:00", count: 3, sum: 6.5, why: "the orders of 10:04:30, 10:03:50 and 10:06:00"},
			{key: "State_1", start: "10:04:00", end: "10:09:00", count: 2, sum: 2.5, why: "the orders of 10:04:30 and 10:06:00"},
			{key: "State_1", start: "10:05:00", end: "10:10:00", count: 1, sum: 0.5, why: "the order of 10:06:00"},
			{key: "State_1", start: "10:06:00", end: "10:11:00", count: 1, sum: 0.5, why: "the order of 10:06:00"},
		}, shape)
	})

	t.Run("late orders within the grace period still count", func(t *testing.T) {
		grCheckTable(t, spec, rows(t), []grWindow{
			{key: "State_1", start: "10:00:00", end: "10:05:00", count: 4, sum: 15,
				why: "the orders of 10:02:00 and 10:04:30, then 10:03:50 (late by 40 s) and 10:01:10 (late by 3m50s, when stream time was 10:05:00): the window stays open until its end + 30 s = 10:05:30"},
			{key: "State_1", start: "10:01:00", end: "10:06:00", count: 4, sum: 15,
				why: "the same four orders; the order of 10:06:00 is not in it (the end is exclusive)"},
		}, shape)
	})

	t.Run("orders later than the grace period are dropped", func(t *testing.T) {
		r := rows(t)
		grCheckTable(t, spec, r, []grWindow{
			{key: "State_1", start: "09:58:00", end: "10:03:00", count: 1, sum: 1, why: "only the order of 10:02:00: when the orders of 10:01:10 and 09:59:20 came, stream time (10:05:00) had passed 10:03:30, this window's end + grace"},
			{key: "State_1", start: "09:59:00", end: "10:04:00", count: 1, sum: 1, why: "only the order of 10:02:00: the order of 10:03:50 came at stream time 10:04:30, exactly this window's end + grace, so the window was closed (and 10:01:10 and 09:59:20 came later still)"},
		}, shape)
		for _, closed := range [][2]string{{"09:55:00", "the order of 09:59:20"}, {"09:56:00", "the order of 09:59:20"}, {"09:57:00", "the orders of 10:01:10 and 09:59:20"}} {
			start, orders := closed[0], closed[1]
			if w, ok := grFindRow(grLatest(r), "State_1", grAt(start)); ok {
				t.Errorf("there is a window [%s, %s) for State_1 (%s): %s came when stream time (10:05:00) had passed its end + 30 s grace: too late, they must be dropped",
					start, grClock(grAt(start).Add(5*time.Minute)), grFmtValues(spec, w), orders)
			}
		}
		if n := len(r); n > 0 && n != 26 {
			t.Errorf("%s received %d records; want 26: one per order and open window it falls in (5, 5, 4, 5, 2, 0 and 5 for the seven orders)", spec.table, n)
		}
	})
}

// hoppingInputs are the orders of exercise 7 (and of nothing else): two
// states, with orders late by less and by more than the grace period.
func grHoppingInputs() []testrunner.Record {
	return []testrunner.Record{
		grOrder(1, "State_1", "10:02:00", 1),
		grOrder(2, "State_1", "10:04:30", 2),
		grOrder(3, "State_1", "10:03:50", 4),
		grOrder(4, "State_2", "10:05:00", 1.5),
		grOrder(5, "State_1", "10:01:10", 8),
		grOrder(6, "State_1", "09:59:20", 16),
		grOrder(7, "State_1", "10:06:00", 0.5),
	}
}

// ---------------------------------------------------------------------------
// Exercise 8: session windows in KSQL.

func TestKsqlSessions(t *testing.T) {
	run := grRunKSQL(t, "session.sql", []testrunner.Record{
		grPageview("User_1", "10:00:00", "Page_1"),
		grPageview("User_1", "10:01:30", "Page_2"),
		grPageview("User_2", "10:00:10", "Page_1"),
		grPageview("User_1", "10:06:00", "Page_3"),
		grPageview("User_1", "10:03:30", "Page_4"),
		grPageview("User_1", "10:04:45", "Page_5"),
		grPageview("User_2", "10:02:11", "Page_6"),
		grPageview("User_1", "10:08:00", "Page_7"),
	})
	spec := grTableSpec{file: "session.sql", table: "PAGEVIEW_SESSIONS", key: "USERID", count: "VIEWS", start: "SESSION_START", end: "SESSION_END", session: true}
	rows := func(t *testing.T) []grRow {
		t.Helper()
		return run.rows(t, spec)
	}
	const shape = "WINDOW SESSION (2 MINUTES), GROUP BY userid, COUNT(*) AS views"

	t.Run("pageviews more than the gap apart are separate sessions", func(t *testing.T) {
		r := rows(t)
		grCheckTable(t, spec, r, []grWindow{
			{key: "User_2", start: "10:00:10", end: "10:00:10", count: 1, why: "the pageview of 10:00:10"},
			{key: "User_2", start: "10:02:11", end: "10:02:11", count: 1, why: "the pageview of 10:02:11, 2 minutes and 1 second after the one before: more than the gap, so a session of its own"},
		}, shape)
		grCheckNoOtherSessions(t, spec, r, "User_2", 2)
	})

	t.Run("a pageview exactly the gap after a session joins it", func(t *testing.T) {
		grCheckUpdateSeen(t, spec, rows(t), grWindow{key: "User_1", start: "10:00:00", end: "10:03:30", count: 3,
			why: "the pageview of 10:03:30 comes exactly 2 minutes after the session [10:00:00, 10:01:30]: session bounds are inclusive, so it joins, and ksqlDB writes the session [10:00:00, 10:03:30] with 3 views"}, shape)
	})

	t.Run("a pageview that bridges two sessions merges them", func(t *testing.T) {
		r := rows(t)
		grCheckUpdateSeen(t, spec, r, grWindow{key: "User_1", start: "10:00:00", end: "10:06:00", count: 5,
			why: "the pageview of 10:04:45 is within 2 minutes of both [10:00:00, 10:03:30] and [10:06:00, 10:06:00]: it merges them into one session with 3 + 1 + 1 views"}, shape)
		grCheckTable(t, spec, r, []grWindow{
			{key: "User_1", start: "10:00:00", end: "10:08:00", count: 6, why: "all six pageviews of User_1: the merged session, extended by the pageview of 10:08:00 (exactly the gap after 10:06:00)"},
		}, shape)
		grCheckNoOtherSessions(t, spec, r, "User_1", 1)
	})
}

// ---------------------------------------------------------------------------
// Exercise 9: final results in KSQL (EMIT FINAL).

// finalGrace is final.sql's grace period.
const grFinalGrace = 10 * time.Second

func TestKsqlEmitFinal(t *testing.T) {
	// 1-minute tumbling windows, grace 10 s: the windows [10:00, 10:01)
	// close when stream time reaches 10:01:10, the windows [10:01, 10:02)
	// at 10:02:10. Stream time ends at 10:03:05, so [10:02, 10:03) (closes
	// at 10:03:10) and [10:03, 10:04) are still open.
	inputs := []testrunner.Record{
		grOrder(1, "State_1", "10:00:05", 2),
		grOrder(2, "State_2", "10:00:20", 1.5),
		grOrder(3, "State_1", "10:00:50", 3),
		grOrder(4, "State_1", "10:01:02", 4),
		grOrder(5, "State_1", "10:00:30", 1),       // out of order, within grace: counts
		grOrder(6, "State_2", "10:01:09.999", 2.5), // stream time a millisecond short of 10:01:10
		grOrder(7, "State_2", "10:00:40", 0.5),     // late by almost 30 s, still within grace: counts
		grOrder(8, "State_1", "10:01:10", 1),       // stream time reaches 10:01:10: [10:00, 10:01) closes
		grOrder(9, "State_1", "10:00:59.999", 8),   // too late: dropped
		grOrder(10, "State_2", "10:00:10", 16),     // too late: dropped
		grOrder(11, "State_2", "10:02:05", 1),
		grOrder(12, "State_1", "10:01:40", 2),   // late, within grace: counts
		grOrder(13, "State_2", "10:01:50", 4),   // late, within grace: counts
		grOrder(14, "State_1", "10:02:30", 0.5), // stream time passes 10:02:10: [10:01, 10:02) closes
		grOrder(15, "State_2", "10:01:59", 8),   // too late: dropped
		grOrder(16, "State_1", "10:03:05", 1),   // stream time 10:03:05: past 10:03:00, not 10:03:10
		grOrder(17, "State_2", "10:02:55", 2),   // late, within grace of an open window
	}
	run := grRunKSQL(t, "final.sql", inputs)
	spec := grTableSpec{file: "final.sql", table: "UNITS_PER_MINUTE_FINAL", key: "STATE", count: "ORDERS", sum: "UNITS", start: "WINDOW_START", end: "WINDOW_END"}
	const shape = "WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS), GROUP BY address->state, COUNT(*) AS orders, SUM(orderunits) AS units, EMIT FINAL"
	const changes = "you emitted every update: did you write EMIT CHANGES? EMIT FINAL writes one record per window, once, when stream time reaches its end + grace"
	closed := []grWindow{
		{key: "State_1", start: "10:00:00", end: "10:01:00", count: 3, sum: 6,
			why: "the orders of 10:00:05, 10:00:50 and 10:00:30 (late, but stream time 10:01:02 had not reached 10:01:10, the window's end + grace); not 10:00:59.999, which came when stream time was 10:01:10: too late, dropped"},
		{key: "State_2", start: "10:00:00", end: "10:01:00", count: 2, sum: 2,
			why: "the orders of 10:00:20 and 10:00:40 (late by almost 30 s, at stream time 10:01:09.999: a millisecond inside the grace period); not 10:00:10, which came after stream time reached 10:01:10: too late, dropped"},
		{key: "State_1", start: "10:01:00", end: "10:02:00", count: 3, sum: 7,
			why: "the orders of 10:01:02, 10:01:10 and 10:01:40 (late, at stream time 10:02:05: within the grace period)"},
		{key: "State_2", start: "10:01:00", end: "10:02:00", count: 2, sum: 6.5,
			why: "the orders of 10:01:09.999 and 10:01:50 (late, at stream time 10:02:05: within the grace period); not 10:01:59, which came at stream time 10:02:30, after 10:02:10: too late, dropped"},
	}
	open := []grWindow{
		{key: "State_1", start: "10:02:00", end: "10:03:00", count: 1, sum: 0.5,
			why: "stream time ended at 10:03:05, past the window's end but not its end + grace (10:03:10): it is still open, a late order could still change it"},
		{key: "State_2", start: "10:02:00", end: "10:03:00", count: 2, sum: 3,
			why: "stream time ended at 10:03:05, past the window's end but not its end + grace (10:03:10): it is still open (the order of 10:02:55 came late and still counted)"},
		{key: "State_1", start: "10:03:00", end: "10:04:00", count: 1, sum: 1,
			why: "stream time ended at 10:03:05, inside the window: it is far from closed"},
	}
	rows := func(t *testing.T) []grRow {
		t.Helper()
		if run.problem == "" {
			if recs, ok := run.exec.Outputs[spec.table]; ok && len(recs) == 0 {
				t.Fatalf("the table %s received no record from the test's %d orders: EMIT FINAL writes a window only once stream time reaches its end + grace, and the test's stream time goes to 10:03:05. "+
					"Without a GRACE PERIOD ksqlDB waits 24 hours, so no window closes: write WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS)", spec.table, len(inputs))
			}
		}
		return run.rows(t, spec)
	}
	// byWindow groups the table's records by key and window, in order.
	byWindow := func(rs []grRow) map[string][]grRow {
		out := map[string][]grRow{}
		for _, r := range rs {
			id := grResultID(r.key, r.start)
			out[id] = append(out[id], r)
		}
		return out
	}
	times := func(n int) string {
		if n == 1 {
			return "once"
		}
		return fmt.Sprintf("%d times", n)
	}
	fmtAll := func(rs []grRow) string {
		var parts []string
		for _, r := range rs {
			parts = append(parts, grFmtValues(spec, r))
		}
		return strings.Join(parts, "; ")
	}

	t.Run("each closed window's final result has the right totals", func(t *testing.T) {
		grCheckTable(t, spec, rows(t), closed, shape)
	})

	t.Run("exactly one record per closed window, no intermediate updates", func(t *testing.T) {
		r := rows(t)
		got := byWindow(r)
		var problems []string
		several := false
		for _, w := range closed {
			start, end := grAt(w.start), grAt(w.end)
			rs := got[grResultID(w.key, start)]
			switch {
			case len(rs) == 0:
				problems = append(problems, fmt.Sprintf("window %s for %s never came out; expected one record, %s, when stream time reached %s (its end + 10 s grace)",
					grFmtSpan(start, end, false), w.key, grFmtWant(spec, w), grClock(end.Add(grFinalGrace))))
			case len(rs) > 1:
				several = true
				problems = append(problems, fmt.Sprintf("window %s for %s came out %s (%s); expected once, %s",
					grFmtSpan(start, end, false), w.key, times(len(rs)), fmtAll(rs), grFmtWant(spec, w)))
			}
		}
		hint := "the table wants " + shape
		if several {
			hint = changes
		}
		grReport(t, fmt.Sprintf("%s, the records of %s for the windows that closed", spec.file, spec.table), problems, hint)
		if len(problems) == 0 {
			var others []string
			for _, g := range r {
				if !slices.ContainsFunc(closed, func(w grWindow) bool { return w.key == g.key && grAt(w.start).Equal(g.start) }) &&
					!slices.ContainsFunc(open, func(w grWindow) bool { return w.key == g.key && grAt(w.start).Equal(g.start) }) {
					others = append(others, fmt.Sprintf("window %s for %s, %s", grFmtSpan(g.start, g.end, false), g.key, grFmtValues(spec, g)))
				}
			}
			if len(others) > 0 {
				t.Errorf("%s received records for windows the test did not expect (not 1-minute windows of its orders?): %s\n  the table wants %s", spec.table, strings.Join(others, "; "), shape)
			}
		}
	})

	t.Run("a window whose grace period has not passed emits nothing", func(t *testing.T) {
		got := byWindow(rows(t))
		var problems []string
		several := false
		for _, w := range open {
			start, end := grAt(w.start), grAt(w.end)
			rs := got[grResultID(w.key, start)]
			if len(rs) == 0 {
				continue
			}
			several = several || len(rs) > 1
			problems = append(problems, fmt.Sprintf("window %s for %s came out %s (%s); expected nothing yet: %s",
				grFmtSpan(start, end, false), w.key, times(len(rs)), fmtAll(rs), w.why))
		}
		hint := "a window closes when stream time reaches its end + the grace period: is it GRACE PERIOD 10 SECONDS? (with less, the windows of 10:02 closed at stream time 10:03:05)"
		if several {
			hint = changes
		}
		grReport(t, fmt.Sprintf("%s, the windows still open when the orders ran out", spec.file), problems, hint)
	})

	t.Run("WINDOW_START and WINDOW_END are in the value", func(t *testing.T) {
		grCheckWindowColumns(t, spec, rows(t), "select WINDOWSTART AS window_start, WINDOWEND AS window_end, as in tumbling.sql")
	})
}

// ---------------------------------------------------------------------------
// Exercise 10: the same windows in Go and in KSQL.

func TestGoMatchesKsql(t *testing.T) {
	records := grCompareInputs()
	var kin []testrunner.Record
	for i, r := range records {
		kin = append(kin, grOrderAt(i+1, r.Key, r.Time, r.Value))
	}
	run := grRunKSQL(t, "hopping.sql", kin)
	spec := grTableSpec{file: "hopping.sql", table: "UNITS_LAST_5_MINUTES", key: "STATE", count: "ORDERS", sum: "UNITS", start: "WINDOW_START", end: "WINDOW_END"}

	var goUpdates []Result
	goProblem := ""
	var agg *TimeAggregator
	switch {
	case !labtest.Guard(t, "NewHoppingUnits()", func() { agg = NewHoppingUnits() }):
		goProblem = "NewHoppingUnits panicked"
	case agg == nil:
		goProblem = "NewHoppingUnits() returned nil: return NewTimeAggregator(Hopping{...}, grace) with hopping.sql's size, advance and grace"
	case !labtest.Guard(t, "NewHoppingUnits().Add", func() {
		for _, r := range records {
			goUpdates = append(goUpdates, agg.Add(r).Updates...)
		}
	}):
		goProblem = "Add of the aggregator NewHoppingUnits returned panicked"
	case len(goUpdates) == 0:
		goProblem = fmt.Sprintf("your Go aggregator (NewHoppingUnits) gave no update for %d orders: finish exercises 1 to 3 first", len(records))
	}
	prepare := func(t *testing.T) []grRow {
		t.Helper()
		if goProblem != "" {
			t.Fatalf("%s", goProblem)
		}
		return run.rows(t, spec)
	}

	t.Run("every window has the same count and sum", func(t *testing.T) {
		rows := prepare(t)
		goTable := map[string]Result{}
		for _, u := range goUpdates {
			goTable[grResultID(u.Key, u.Window.Start)] = u
		}
		ksqlTable := grLatest(rows)
		var problems []string
		goMore, ksqlMore := 0, 0
		ids := map[string]bool{}
		for id := range goTable {
			ids[id] = true
		}
		for id := range ksqlTable {
			ids[id] = true
		}
		var sorted []string
		for id := range ids {
			sorted = append(sorted, id)
		}
		sort.Strings(sorted)
		for _, id := range sorted {
			g, inGo := goTable[id]
			k, inK := ksqlTable[id]
			switch {
			case !inK:
				problems = append(problems, fmt.Sprintf("window %s of %s: Go says %s; hopping.sql has no such window", grFmtWindow(g.Window, false), g.Key, grFmtResultValues(g)))
				goMore++
			case !inGo:
				problems = append(problems, fmt.Sprintf("window %s of %s: hopping.sql says %s; your Go aggregator has no such window", grFmtSpan(k.start, k.end, false), k.key, grFmtValues(spec, k)))
				ksqlMore++
			default:
				kc, ks := k.count(spec), k.sum(spec)
				if kc != float64(g.Count) || !grNear(ks, g.Sum) {
					problems = append(problems, fmt.Sprintf("window %s of %s: Go says %s; hopping.sql says %s", grFmtWindow(g.Window, false), g.Key, grFmtResultValues(g), grFmtValues(spec, k)))
					if float64(g.Count) > kc {
						goMore++
					} else {
						ksqlMore++
					}
				}
			}
		}
		if len(problems) == 0 {
			return
		}
		hint := "the same orders went into both (key the state, value the units, time the record timestamp), so the windows, the grace period or the closing rule differ"
		switch {
		case goMore > 0 && ksqlMore == 0:
			hint = "Go counts orders that ksqlDB dropped as too late: are both grace periods 30 seconds (NewHoppingUnits, and GRACE PERIOD in hopping.sql), and does your Go window close when stream time reaches end + grace, not only after it?"
		case ksqlMore > 0 && goMore == 0:
			hint = "ksqlDB counts orders that your Go aggregator dropped: are both grace periods 30 seconds (NewHoppingUnits, and GRACE PERIOD in hopping.sql; without one ksqlDB waits 24 hours), and is your stream time the largest event time seen?"
		}
		grReport(t, fmt.Sprintf("%d of %d windows differ between NewHoppingUnits and hopping.sql on the same %d orders", len(problems), len(ids), len(records)), problems, hint)
	})

	t.Run("the same updates, in the same order", func(t *testing.T) {
		rows := prepare(t)
		var ks []grRow
		for _, r := range rows {
			if !r.tombstone {
				ks = append(ks, r)
			}
		}
		n := min(len(ks), len(goUpdates))
		for i := 0; i < n; i++ {
			g, k := goUpdates[i], ks[i]
			if g.Key != k.key || !g.Window.Start.Equal(k.start) || !g.Window.End.Equal(k.end) || float64(g.Count) != k.count(spec) || !grNear(g.Sum, k.sum(spec)) {
				t.Errorf("update %d of %d differs (the ones before agree):\n  Go:          window %s of %s, %s\n  hopping.sql: window %s of %s, %s\n  both emit one update per order and open window, earliest window first; the first difference shows where they part",
					i+1, len(ks), grFmtWindow(g.Window, false), g.Key, grFmtResultValues(g), grFmtSpan(k.start, k.end, false), k.key, grFmtValues(spec, k))
				return
			}
		}
		if len(ks) != len(goUpdates) {
			t.Errorf("Go emitted %d updates and hopping.sql %d for the same %d orders; the first %d agree", len(goUpdates), len(ks), len(records), n)
		}
	})
}

// compareInputs are a few hundred orders of four states over about a
// quarter of an hour, a tenth of them out of order by up to 2.5 minutes and
// a few by 6 to 8 minutes: the same every run.
func grCompareInputs() []Record {
	rng := rand.New(rand.NewPCG(3, 2026))
	var out []Record
	now := grT0
	for range 360 {
		now = now.Add(time.Duration(500+rng.IntN(3000)) * time.Millisecond)
		ts := now
		switch p := rng.IntN(100); {
		case p < 10:
			ts = now.Add(-time.Duration(rng.IntN(150_000)) * time.Millisecond)
		case p < 13:
			ts = now.Add(-time.Duration(360_000+rng.IntN(120_000)) * time.Millisecond)
		}
		out = append(out, Record{Key: fmt.Sprintf("State_%d", 1+rng.IntN(4)), Value: float64(1+rng.IntN(999)) / 100, Time: ts})
	}
	// The edges: stream time lands exactly on a window's end + grace, and
	// a record for that window comes right then (closed: dropped), one for
	// the next window is in time, and one arrives at a window's end (not
	// in it).
	end := time.UnixMilli(now.UnixMilli() - now.UnixMilli()%60_000).UTC().Add(2 * time.Minute)
	return append(out,
		Record{Key: "State_2", Value: 1.25, Time: end.Add(30 * time.Second)},
		Record{Key: "State_1", Value: 2.5, Time: end.Add(-time.Millisecond)},
		Record{Key: "State_3", Value: 0.75, Time: end.Add(-4*time.Minute - time.Millisecond)},
		Record{Key: "State_4", Value: 3.5, Time: end},
	)
}

// ---------------------------------------------------------------------------
// Times and windows.

// t0 is 10:00 on the lab's day; every test time is on that day.
var grT0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// at reads a clock time on the lab's day: "10:04:59.999".
func grAt(s string) time.Time {
	for _, layout := range []string{"15:04:05.000", "15:04:05"} {
		if c, err := time.Parse(layout, s); err == nil {
			return time.Date(grT0.Year(), grT0.Month(), grT0.Day(), c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), time.UTC)
		}
	}
	panic("bad test time " + s)
}

// clock shows a time as the tests write it: "10:04:59.999", the date only
// when it is not the lab's day.
func grClock(ts time.Time) string {
	ts = ts.UTC()
	s := ts.Format("15:04:05.000")
	s = strings.TrimSuffix(s, ".000")
	if y, m, d := ts.Date(); y != grT0.Year() || m != grT0.Month() || d != grT0.Day() {
		s = ts.Format("2006-01-02 ") + s
	}
	if ts.IsZero() {
		return "the zero time"
	}
	return s
}

func grWins(bounds ...string) []Window {
	var out []Window
	for i := 0; i+1 < len(bounds); i += 2 {
		out = append(out, Window{Start: grAt(bounds[i]), End: grAt(bounds[i+1])})
	}
	return out
}

func grSameWindows(a, b []Window) bool {
	return slices.EqualFunc(a, b, func(x, y Window) bool { return x.Start.Equal(y.Start) && x.End.Equal(y.End) })
}

func grFmtSpan(start, end time.Time, session bool) string {
	if session {
		return fmt.Sprintf("[%s, %s]", grClock(start), grClock(end))
	}
	return fmt.Sprintf("[%s, %s)", grClock(start), grClock(end))
}

func grFmtWindow(w Window, session bool) string { return grFmtSpan(w.Start, w.End, session) }

func grFmtWindows(ws []Window, session bool) string {
	if len(ws) == 0 {
		return "no window"
	}
	var parts []string
	for _, w := range ws {
		parts = append(parts, grFmtWindow(w, session))
	}
	return strings.Join(parts, " ")
}

// refWindows is the test's own assigner, so that exercises 2 and 3 do not
// depend on your exercise 1.
type grRefWindows struct{ size, advance time.Duration }

func (w grRefWindows) Assign(ts time.Time) []Window {
	size, adv := w.size.Milliseconds(), w.advance.Milliseconds()
	var out []Window
	first := ts.UnixMilli() - size + 1
	first += ((adv - first%adv) % adv)
	for s := first; s <= ts.UnixMilli(); s += adv {
		out = append(out, Window{Start: time.UnixMilli(s).UTC(), End: time.UnixMilli(s + size).UTC()})
	}
	return out
}

// ---------------------------------------------------------------------------
// Go aggregators, step by step.

func grRec(key, ts string, v float64) Record { return Record{Key: key, Value: v, Time: grAt(ts)} }

func grRes(key, start, end string, count int, sum float64) Result {
	return Result{Key: key, Window: Window{Start: grAt(start), End: grAt(end)}, Count: count, Sum: sum}
}

// sess is a session's result: both bounds are included.
func grSess(key, start, end string, count int, sum float64) Result {
	return grRes(key, start, end, count, sum)
}

// step is one record added, and what must come out. A nil slice is not
// checked; an empty one must be empty.
type grStep struct {
	in                       Record
	updates, removed, finals []Result
	// dropped is what Dropped() must say after the step; it is checked
	// when it is not 0, when checkDropped is set, or when the step expects
	// no update.
	dropped      int
	checkDropped bool
	why          string
}

// dropper is what both aggregators have beyond Add.
type grDropper interface{ Dropped() int }

// runSteps adds each step's record to a fresh aggregator and compares what
// comes out; it stops at the first step that differs (the later ones would
// only repeat the difference).
func grRunSteps(t *testing.T, name string, newAgg func() Aggregator, steps []grStep) {
	t.Helper()
	var agg Aggregator
	if !labtest.Guard(t, name, func() { agg = newAgg() }) {
		return
	}
	if grIsNil(agg) {
		t.Fatalf("%s returned nil", name)
	}
	session := strings.Contains(name, "Session")
	var history []string
	for i, s := range steps {
		var got Emitted
		if !labtest.Guard(t, fmt.Sprintf("Add(%s)", grFmtRecord(s.in)), func() { got = agg.Add(s.in) }) {
			return
		}
		var diffs []string
		if s.updates != nil && !grSameResults(got.Updates, s.updates, true) {
			diffs = append(diffs, fmt.Sprintf("Updates:\n    expected: %s\n    got:      %s", grFmtResults(s.updates, session), grFmtResults(got.Updates, session)))
		}
		if s.removed != nil && !grSameResults(got.Removed, s.removed, false) {
			diffs = append(diffs, fmt.Sprintf("Removed:\n    expected: %s\n    got:      %s", grFmtResults(s.removed, session), grFmtResults(got.Removed, session)))
		}
		if s.finals != nil && !grSameResults(got.Finals, s.finals, false) {
			diffs = append(diffs, fmt.Sprintf("Finals:\n    expected: %s\n    got:      %s", grFmtResults(s.finals, session), grFmtResults(got.Finals, session)))
		}
		if d, ok := agg.(grDropper); ok && (s.dropped > 0 || s.checkDropped || len(s.updates) == 0 && s.updates != nil) {
			var n int
			if labtest.Guard(t, "Dropped()", func() { n = d.Dropped() }) && n != s.dropped {
				diffs = append(diffs, fmt.Sprintf("Dropped():\n    expected: %d\n    got:      %d", s.dropped, n))
			}
		}
		if len(diffs) > 0 {
			before := "it is the first record"
			if len(history) > 0 {
				before = "the records before: " + strings.Join(history, ", ")
			}
			msg := fmt.Sprintf("%s, record %d of %d: Add(%s) (%s)\n  %s", name, i+1, len(steps), grFmtRecord(s.in), before, strings.Join(diffs, "\n  "))
			if s.why != "" {
				msg += "\n  " + s.why
			}
			t.Error(msg)
			return
		}
		history = append(history, grFmtRecord(s.in))
	}
}

func grIsNil(a Aggregator) bool {
	switch v := a.(type) {
	case nil:
		return true
	case *TimeAggregator:
		return v == nil
	case *SessionAggregator:
		return v == nil
	}
	return false
}

// sameResults compares results, in order or as a set.
func grSameResults(got, want []Result, ordered bool) bool {
	if len(got) != len(want) {
		return false
	}
	g, w := slices.Clone(got), slices.Clone(want)
	if !ordered {
		grSortByWindow(g)
		grSortByWindow(w)
	}
	return slices.EqualFunc(g, w, func(x, y Result) bool {
		return x.Key == y.Key && x.Window.Start.Equal(y.Window.Start) && x.Window.End.Equal(y.Window.End) && x.Count == y.Count && grNear(x.Sum, y.Sum)
	})
}

func grSortByWindow(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		if !rs[i].Window.Start.Equal(rs[j].Window.Start) {
			return rs[i].Window.Start.Before(rs[j].Window.Start)
		}
		if !rs[i].Window.End.Equal(rs[j].Window.End) {
			return rs[i].Window.End.Before(rs[j].Window.End)
		}
		return rs[i].Key < rs[j].Key
	})
}

func grFmtRecord(r Record) string {
	return fmt.Sprintf("{%s %g at %s}", r.Key, r.Value, grClock(r.Time))
}

func grFmtResultValues(r Result) string { return fmt.Sprintf("count %d, sum %.10g", r.Count, r.Sum) }

func grFmtResults(rs []Result, session bool) string {
	if len(rs) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s %s count %d sum %.10g", r.Key, grFmtWindow(r.Window, session), r.Count, r.Sum))
	}
	return strings.Join(parts, "; ")
}

func grNear(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// ---------------------------------------------------------------------------
// Exercise 5's helpers.

// scriptedAggregator emits made-up results that say which record they came
// from, so the test can tell whether each went where it belongs.
type grScriptedAggregator struct {
	mu  sync.Mutex
	got []Record
}

func (a *grScriptedAggregator) Add(r Record) Emitted {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := grScripted(len(a.got), r)
	a.got = append(a.got, r)
	return e
}

func (a *grScriptedAggregator) seen() []Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.got)
}

// scripted is what the scripted aggregator emits for its i-th record: an
// update (two for every second record) and, for every third, a final.
func grScripted(i int, r Record) Emitted {
	minute := time.UnixMilli(r.Time.UnixMilli() - r.Time.UnixMilli()%60_000).UTC()
	e := Emitted{Updates: []Result{{Key: r.Key, Window: Window{Start: minute, End: minute.Add(time.Minute)}, Count: i + 1, Sum: r.Value}}}
	if i%2 == 1 {
		e.Updates = append(e.Updates, Result{Key: r.Key, Window: Window{Start: minute.Add(time.Minute), End: minute.Add(2 * time.Minute)}, Count: 100 + i, Sum: 2 * r.Value})
	}
	if i%3 == 2 {
		e.Finals = []Result{{Key: r.Key, Window: Window{Start: minute.Add(-10 * time.Minute), End: minute.Add(-9 * time.Minute)}, Count: 1000 + i, Sum: 3 * r.Value}}
	}
	return e
}

type grWindowsRun struct {
	err              error
	early, returned  bool
	processed, wants int
}

// How long RunWindows may take to get through the test's records (it joins
// a consumer group first: seconds on a loaded machine), and to return once
// stopped. Only a RunWindows that never gets there waits this long.
const (
	grProcessWait = 45 * time.Second
	grStopWait    = 30 * time.Second
)

// runWindows runs RunWindows until the aggregator has seen every good
// record and the outputs are written (or grProcessWait passes), then stops
// it.
func grRunWindows(t *testing.T, s Settings, records, outputs int) *grWindowsRun {
	t.Helper()
	run := &grWindowsRun{wants: records}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("RunWindows panicked: %v", r)
			}
		}()
		done <- RunWindows(ctx, s)
	}()
	agg := s.Aggregator.(*grScriptedAggregator)
	deadline := time.Now().Add(labtest.Budget(t, grProcessWait))
wait:
	for time.Now().Before(deadline) {
		if len(agg.seen()) >= records && grSumOffsets(labtest.EndOffsets(t, s.Bootstrap, s.Updates))+grSumOffsets(labtest.EndOffsets(t, s.Bootstrap, s.Finals)) >= int64(outputs) {
			break
		}
		select {
		case run.err = <-done:
			run.early, run.returned = true, true
			break wait
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !run.returned {
		// A chance to catch a RunWindows that returns by itself once
		// the records are through; a correct one keeps running.
		select {
		case run.err = <-done:
			run.early, run.returned = true, true
		case <-time.After(300 * time.Millisecond):
		}
	}
	cancel()
	if !run.returned {
		select {
		case run.err = <-done:
			run.returned = true
		case <-time.After(labtest.Budget(t, grStopWait)):
		}
	}
	run.processed = len(agg.seen())
	return run
}

func (r *grWindowsRun) require(t *testing.T) {
	t.Helper()
	switch {
	case r.early && r.err != nil:
		t.Fatalf("RunWindows returned before its context ended: %v", r.err)
	case r.early:
		t.Fatalf("RunWindows returned nil before its context ended: it must run until ctx is done (stream.Run does)")
	case !r.returned:
		t.Fatalf("RunWindows did not return within %v of its context ending: return when ctx is done", grStopWait)
	case r.err != nil:
		t.Errorf("RunWindows returned %v when its context ended; a requested stop is not an error: return nil", r.err)
	case r.processed == 0:
		t.Fatalf("the aggregator in s.Aggregator received no record: for each order, call s.Aggregator.Add(OrderRecord(in))")
	}
}

// checkRecordsSeen checks what the aggregator received, in order.
func grCheckRecordsSeen(t *testing.T, want, got []Record) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		w, g := want[i], got[i]
		if g.Key != w.Key || g.Value != w.Value || !g.Time.Equal(w.Time) {
			hint := "pass OrderRecord(in) to s.Aggregator.Add, once per order, in the order they come"
			if g.Key == w.Key && g.Value == w.Value {
				hint = "the time must be the record's timestamp (in.Timestamp): event time, not the time it was processed"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("record %d the aggregator received", i+1), grFmtRecord(w), grFmtRecord(g), hint))
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("the aggregator received %d records; %d orders with a state were written: call Add once for each", len(got), len(want))
	}
}

// readResults reads a topic of EncodeResult values.
func grReadResults(t *testing.T, bootstrap, topic string) []stream.Record {
	t.Helper()
	return labtest.ReadStream(t, bootstrap, topic)
}

// checkWritten compares the records of an output topic with the results
// the aggregator emitted, in order.
func grCheckWritten(t *testing.T, what, topic string, want []Result, got []stream.Record, howTo string) {
	t.Helper()
	if len(got) == 0 {
		t.Errorf("the %s topic is empty; the aggregator emitted %d %s.\n  %s", what, len(want), what, howTo)
		return
	}
	for i := range min(len(want), len(got)) {
		w, g := want[i], got[i]
		r, err := DecodeResult(g.Value)
		switch {
		case err != nil:
			t.Errorf("record %d of the %s topic is not EncodeResult's JSON (%v): %s\n  %s", i+1, what, err, g.Value, howTo)
			return
		case string(g.Key) != w.Key:
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the key of record %d of the %s topic", i+1, what), fmt.Sprintf("%q (the result's key)", w.Key), fmt.Sprintf("%q", g.Key), "key each output by the result's key: []byte(u.Key)"))
			return
		case !grSameResults([]Result{r}, []Result{w}, true):
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("record %d of the %s topic", i+1, what), grFmtResults([]Result{w}, false), grFmtResults([]Result{r}, false),
				"write the results in the order Add returns them, each once"))
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("the %s topic holds %d records; the aggregator emitted %d %s: write each once (%s)", what, len(got), len(want), what, howTo)
	}
}

func grSumOffsets(offsets map[int32]int64) int64 {
	var n int64
	for _, o := range offsets {
		n += o
	}
	return n
}

// ---------------------------------------------------------------------------
// KSQL: running a learner's file.

// envSolutionDir, when set, is where the .sql files are read from instead
// of the working directory (the grader sets it to grade the reference
// solution).
const grEnvSolutionDir = "MLOPS_LAB_SOLUTION_DIR"

// graderStreams is the grader's copy of streams.sql, on fresh topics.
const grGraderStreams = `
CREATE STREAM orders (orderid INT KEY, ordertime BIGINT, itemid STRING, orderunits DOUBLE,
    address STRUCT<city STRING, state STRING, zipcode BIGINT>)
  WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE STREAM pageviews (viewtime BIGINT, userid STRING, pageid STRING)
  WITH (kafka_topic='pageviews', value_format='JSON', partitions=1);
`

// ksqlRun is what a learner's .sql file did on the test's inputs.
type grKsqlRun struct {
	file    string
	problem string // why there are no outputs to look at
	exec    *testrunner.Execution
}

func grRunKSQL(t *testing.T, file string, inputs []testrunner.Record) *grKsqlRun {
	t.Helper()
	run := &grKsqlRun{file: file}
	path := file
	if dir := os.Getenv(grEnvSolutionDir); dir != "" {
		path = filepath.Join(dir, file)
	}
	sql, err := os.ReadFile(path)
	if err != nil {
		run.problem = fmt.Sprintf("cannot read %s: %v", file, err)
		if errors.Is(err, os.ErrNotExist) {
			run.problem = fmt.Sprintf("there is no %s in the lab folder: write your statements there", file)
		}
		return run
	}
	var setupErr error
	backend := &testrunner.InProcess{Setup: func(eng *engine.Engine) {
		_, setupErr = eng.Execute(context.Background(), grGraderStreams, nil)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 60*time.Second))
	defer cancel()
	var exec *testrunner.Execution
	ok := labtest.Guard(t, "running "+file, func() {
		exec, err = backend.Execute(ctx, testrunner.Case{Name: file, Statements: string(sql), StatementsFile: file, Inputs: inputs})
	})
	switch {
	case !ok:
		run.problem = "running " + file + " crashed (see above)"
	case setupErr != nil:
		run.problem = fmt.Sprintf("the grader's streams.sql failed: %v", setupErr)
	case err != nil:
		run.problem = fmt.Sprintf("%v", err)
		if strings.Contains(strings.ToLower(err.Error()), "already exists") {
			run.problem += "\n  the grader creates the streams orders and pageviews (streams.sql) before it runs your file: leave their CREATE STREAM statements out of " + file
		}
	default:
		run.exec = exec
	}
	return run
}

// tableSpec names what an exercise's table must look like.
type grTableSpec struct {
	file, table string
	key         string // key column
	count, sum  string // value columns ("" when not used)
	start, end  string // window columns in the value
	session     bool
}

// row is one record of the learner's table: a window's new value, or a
// tombstone.
type grRow struct {
	key        string
	start, end time.Time
	tombstone  bool
	values     map[string]any
	ts         int64
}

func (r grRow) num(col string) (float64, bool) {
	switch v := r.values[col].(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	}
	return 0, false
}

func (r grRow) count(s grTableSpec) float64 { v, _ := r.num(s.count); return v }
func (r grRow) sum(s grTableSpec) float64   { v, _ := r.num(s.sum); return v }

// rows returns the records the exercise's table received, or fails the test
// saying why there are none.
func (k *grKsqlRun) rows(t *testing.T, s grTableSpec) []grRow {
	t.Helper()
	if k.problem != "" {
		t.Fatalf("%s", k.problem)
	}
	recs, ok := k.exec.Outputs[s.table]
	if !ok {
		var topics []string
		for topic := range k.exec.Outputs {
			topics = append(topics, topic)
		}
		sort.Strings(topics)
		if len(topics) == 0 {
			t.Fatalf("%s created no table: write CREATE TABLE %s AS SELECT ... (a file of comments only creates nothing)", s.file, strings.ToLower(s.table))
		}
		t.Fatalf("%s wrote to %s but not to %s: name the table %s, and leave KAFKA_TOPIC out of its WITH clause so its topic is named after it", s.file, strings.Join(topics, ", "), s.table, strings.ToLower(s.table))
	}
	if len(recs) == 0 {
		msg := fmt.Sprintf("the table %s received no record from the test's inputs", s.table)
		if len(k.exec.ProcessingErrors) > 0 {
			msg += fmt.Sprintf("; ksqlDB skipped records: %v", k.exec.ProcessingErrors[0])
		}
		t.Fatalf("%s", msg)
	}
	var out []grRow
	var problems []string
	for _, grRec := range recs {
		key, value := grDecoded(grRec.Key), grDecoded(grRec.Value)
		r := grRow{key: fmt.Sprint(key), tombstone: value == nil}
		if grRec.Timestamp != nil {
			r.ts = *grRec.Timestamp
		}
		if grRec.Window == nil {
			t.Fatalf("%s is not windowed: its record for key %s has no window. Add the WINDOW clause (%s)", s.table, r.key, map[bool]string{true: "WINDOW SESSION (...)", false: "WINDOW TUMBLING / HOPPING (...)"}[s.session])
		}
		if s.session != (grRec.Window.Type == testrunner.SessionWindowType) {
			want := map[bool]string{true: "session windows (WINDOW SESSION)", false: "time windows (WINDOW TUMBLING or HOPPING)"}[s.session]
			t.Fatalf("%s has %s windows; the exercise wants %s", s.table, grRec.Window.Type, want)
		}
		r.start, r.end = time.UnixMilli(grRec.Window.Start).UTC(), time.UnixMilli(grRec.Window.End).UTC()
		if !r.tombstone {
			m, ok := value.(map[string]any)
			if !ok {
				t.Fatalf("the value of %s's record for %v is %v, not a JSON object of columns", s.table, key, value)
			}
			r.values = m
			for _, col := range []string{s.count, s.sum} {
				if _, ok := r.num(col); col != "" && !ok && len(problems) == 0 {
					problems = append(problems, fmt.Sprintf("the value of %s's records has no numeric column %s; it has %s: name the aggregate with AS %s", s.table, col, grColumns(m), strings.ToLower(col)))
				}
			}
		}
		out = append(out, r)
	}
	if len(problems) > 0 {
		t.Fatalf("%s", problems[0])
	}
	return out
}

// grDecoded turns a key or value as the test runner reports it (JSON text)
// into Go values; nil stays nil (a tombstone).
func grDecoded(v any) any {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		return v
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return string(raw)
	}
	return out
}

func grColumns(m map[string]any) string {
	var cols []string
	for c := range m {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	if len(cols) == 0 {
		return "no column"
	}
	return strings.Join(cols, ", ")
}

// window is an expected window of a table and its totals.
type grWindow struct {
	key        string
	start, end string
	count      int
	sum        float64
	why        string
}

func grResultID(key string, start time.Time) string {
	return fmt.Sprintf("%s@%020d", key, start.UnixMilli())
}

// latest reads the rows as a table: the latest value of each (key, window),
// tombstones delete.
func grLatest(rows []grRow) map[string]grRow {
	out := map[string]grRow{}
	for _, r := range rows {
		id := grResultID(r.key, r.start)
		if r.tombstone {
			delete(out, id)
			continue
		}
		out[id] = r
	}
	return out
}

func grFindRow(table map[string]grRow, key string, start time.Time) (grRow, bool) {
	r, ok := table[grResultID(key, start)]
	return r, ok
}

func grFmtValues(s grTableSpec, r grRow) string {
	if r.tombstone {
		return "a tombstone"
	}
	if s.sum == "" {
		return fmt.Sprintf("%s %g", s.count, r.count(s))
	}
	return fmt.Sprintf("%s %g, %s %.10g", s.count, r.count(s), s.sum, r.sum(s))
}

func grFmtWant(s grTableSpec, w grWindow) string {
	if s.sum == "" {
		return fmt.Sprintf("%s %d", s.count, w.count)
	}
	return fmt.Sprintf("%s %d, %s %.10g", s.count, w.count, s.sum, w.sum)
}

// checkTable checks that the table's latest values hold the expected
// windows.
func grCheckTable(t *testing.T, s grTableSpec, rows []grRow, want []grWindow, shape string) {
	t.Helper()
	table := grLatest(rows)
	var problems []string
	for _, w := range want {
		start, end := grAt(w.start), grAt(w.end)
		g, ok := grFindRow(table, w.key, start)
		switch {
		case !ok:
			msg := fmt.Sprintf("there is no window %s for %s; expected %s: %s", grFmtSpan(start, end, s.session), w.key, grFmtWant(s, w), w.why)
			if others := grWindowsOf(table, w.key, s.session); others != "" {
				msg += "\n    the windows of " + w.key + " are: " + others
			}
			problems = append(problems, msg)
		case !g.end.Equal(end):
			problems = append(problems, fmt.Sprintf("the window of %s that starts at %s ends at %s; expected %s", w.key, grClock(start), grClock(g.end), grFmtSpan(start, end, s.session)))
		case g.count(s) != float64(w.count) || s.sum != "" && !grNear(g.sum(s), w.sum):
			problems = append(problems, fmt.Sprintf("window %s for %s: expected %s, got %s: %s", grFmtSpan(start, end, s.session), w.key, grFmtWant(s, w), grFmtValues(s, g), w.why))
		}
	}
	grReport(t, fmt.Sprintf("%s, the latest value of each window of %s", s.file, s.table), problems, "the table wants "+shape)
}

func grWindowsOf(table map[string]grRow, key string, session bool) string {
	var rs []grRow
	for _, r := range table {
		if r.key == key {
			rs = append(rs, r)
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].start.Before(rs[j].start) })
	var parts []string
	for _, r := range rs {
		parts = append(parts, grFmtSpan(r.start, r.end, session))
	}
	return strings.Join(parts, " ")
}

// checkNoOtherSessions checks that key has no session but the expected ones
// (a merged session must be gone).
func grCheckNoOtherSessions(t *testing.T, s grTableSpec, rows []grRow, key string, want int) {
	t.Helper()
	var n int
	for _, r := range grLatest(rows) {
		if r.key == key {
			n++
		}
	}
	if n > want {
		t.Errorf("%s holds %d sessions for %s (%s); expected %d: when sessions merge, the old ones are deleted (ksqlDB writes a tombstone for each)",
			s.table, n, key, grWindowsOf(grLatest(rows), key, true), want)
	}
}

// checkUpdates compares the table's records, in order, with the expected
// updates.
func grCheckUpdates(t *testing.T, s grTableSpec, rows []grRow, want []grWindow, hint string) {
	t.Helper()
	for i := range min(len(rows), len(want)) {
		g, w := rows[i], want[i]
		start, end := grAt(w.start), grAt(w.end)
		if g.tombstone || g.key != w.key || !g.start.Equal(start) || g.count(s) != float64(w.count) || s.sum != "" && !grNear(g.sum(s), w.sum) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s: record %d of %s (the ones before agree)", s.file, i+1, s.table),
				fmt.Sprintf("window %s for %s, %s", grFmtSpan(start, end, s.session), w.key, grFmtWant(s, w)),
				fmt.Sprintf("window %s for %s, %s", grFmtSpan(g.start, g.end, s.session), g.key, grFmtValues(s, g)), hint))
			return
		}
	}
	if len(rows) != len(want) {
		t.Errorf("%s received %d records for %d orders; expected %d, one per order: %s", s.table, len(rows), len(want), len(want), hint)
	}
}

// checkUpdateSeen checks that one of the table's records is the expected
// window with the expected values.
func grCheckUpdateSeen(t *testing.T, s grTableSpec, rows []grRow, w grWindow, shape string) {
	t.Helper()
	start, end := grAt(w.start), grAt(w.end)
	var same []string
	for _, r := range rows {
		if r.tombstone || r.key != w.key {
			continue
		}
		if r.start.Equal(start) && r.end.Equal(end) && r.count(s) == float64(w.count) {
			return
		}
		same = append(same, fmt.Sprintf("%s %s", grFmtSpan(r.start, r.end, s.session), grFmtValues(s, r)))
	}
	t.Errorf("%s never received the session %s for %s with %s: %s\n  what it received for %s: %s\n  the table wants %s",
		s.table, grFmtSpan(start, end, s.session), w.key, grFmtWant(s, w), w.why, w.key, strings.Join(same, "; "), shape)
}

// checkWindowColumns checks the window columns in the value.
func grCheckWindowColumns(t *testing.T, s grTableSpec, rows []grRow, hint string) {
	t.Helper()
	for _, r := range rows {
		if r.tombstone {
			continue
		}
		st, okS := r.num(s.start)
		en, okE := r.num(s.end)
		if !okS || !okE {
			t.Errorf("the value of %s's records has the columns %s; expected %s and %s as well: %s", s.table, grColumns(r.values), s.start, s.end, hint)
			return
		}
		if int64(st) != r.start.UnixMilli() || int64(en) != r.end.UnixMilli() {
			t.Errorf("a record of %s for %s in the window %s has %s %d and %s %d; expected %d and %d (the window's bounds in milliseconds: WINDOWSTART and WINDOWEND)",
				s.table, r.key, grFmtSpan(r.start, r.end, s.session), s.start, int64(st), s.end, int64(en), r.start.UnixMilli(), r.end.UnixMilli())
			return
		}
	}
}

// report fails the test with a list of problems, at most 6 of them shown.
func grReport(t *testing.T, what string, problems []string, hint string) {
	t.Helper()
	if len(problems) == 0 {
		return
	}
	shown := problems
	if len(shown) > 6 {
		shown = shown[:6]
	}
	msg := what + ":\n  " + strings.Join(shown, "\n  ")
	if len(problems) > len(shown) {
		msg += fmt.Sprintf("\n  ... and %d more", len(problems)-len(shown))
	}
	if hint != "" {
		msg += "\n  " + hint
	}
	t.Error(msg)
}

// order is an order record for the orders stream, keyed by its id, at
// event time ts (the record timestamp, and its ordertime).
func grOrder(id int, state, ts string, units float64) testrunner.Record {
	return grOrderAt(id, state, grAt(ts), units)
}

func grOrderAt(id int, state string, ts time.Time, units float64) testrunner.Record {
	ms := ts.UnixMilli()
	return testrunner.R("orders", id, map[string]any{
		"ordertime": ms, "orderid": id, "itemid": fmt.Sprintf("Item_%d", id), "orderunits": units,
		"address": map[string]any{"city": "City_1", "state": state, "zipcode": 10000 + id},
	}).At(ms)
}

// pageview is a pageview record, keyed by its viewtime as the datagen does.
func grPageview(user, ts, page string) testrunner.Record {
	ms := grAt(ts).UnixMilli()
	return testrunner.R("pageviews", fmt.Sprint(ms), map[string]any{"viewtime": ms, "userid": user, "pageid": page}).At(ms)
}
