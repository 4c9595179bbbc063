//go:build grading

package lab04

import (
	"fmt"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestKsqlTumbling(t *testing.T) {
	run := grRunKSQL(t, "08_tumbling.sql", []testrunner.Record{
		grOrder(1, "State_1", "10:00:05", 2),
		grOrder(2, "State_2", "10:00:20", 1.5),
		grOrder(3, "State_1", "10:00:59.999", 3),
		grOrder(4, "State_1", "10:01:00", 4),
		grOrder(5, "State_2", "10:01:30", 2.5),
		grOrder(6, "State_1", "10:00:40", 1),
		grOrder(7, "State_2", "10:02:10", 0.5),
		grOrder(8, "State_1", "10:01:59.999", 5),
	})
	spec := grTableSpec{file: "08_tumbling.sql", table: "UNITS_PER_MINUTE", key: "STATE", count: "ORDERS", sum: "UNITS", start: "WINDOW_START", end: "WINDOW_END"}
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
