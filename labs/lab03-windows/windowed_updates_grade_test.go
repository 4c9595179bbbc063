//go:build grading

package lab03

import (
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestWindowedUpdates(t *testing.T) {
	labtest.StopIfNotStarted(t, func() error { NewTimeAggregator(Tumbling{Size: time.Minute}, 0).Add(Record{Key: "k"}); return nil })
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
