//go:build grading

package lab03

import (
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestLateAndFinal(t *testing.T) {
	labtest.StopIfNotStarted(t, func() error { NewTimeAggregator(Tumbling{Size: time.Minute}, 0).Dropped(); return nil })
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
