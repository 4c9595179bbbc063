//go:build grading

package lab03

import (
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestSessionWindows(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { NewSessionAggregator(time.Minute, 0).Add(Record{Key: "k"}); return nil },
		func() error { NewSessionAggregator(time.Minute, 0).Dropped(); return nil })
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

// sess is a session's result: both bounds are included.
func grSess(key, start, end string, count int, sum float64) Result {
	return grRes(key, start, end, count, sum)
}
