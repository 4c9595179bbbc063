//go:build grading

package lab04

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
)

// finalGrace is 11_final.sql's grace period.
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
	run := grRunKSQL(t, "11_final.sql", inputs)
	spec := grTableSpec{file: "11_final.sql", table: "UNITS_PER_MINUTE_FINAL", key: "STATE", count: "ORDERS", sum: "UNITS", start: "WINDOW_START", end: "WINDOW_END"}
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
		grCheckWindowColumns(t, spec, rows(t), "select WINDOWSTART AS window_start, WINDOWEND AS window_end, as in 08_tumbling.sql")
	})
}
