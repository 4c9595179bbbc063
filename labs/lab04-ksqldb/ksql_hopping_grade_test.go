//go:build grading

package lab04

import (
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
)

func TestKsqlHopping(t *testing.T) {
	run := grRunKSQL(t, "09_hopping.sql", grHoppingInputs())
	spec := grTableSpec{file: "09_hopping.sql", table: "UNITS_LAST_5_MINUTES", key: "STATE", count: "ORDERS", sum: "UNITS", start: "WINDOW_START", end: "WINDOW_END"}
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

	t.Run("WINDOW_START and WINDOW_END are in the value", func(t *testing.T) {
		grCheckWindowColumns(t, spec, rows(t), "select WINDOWSTART AS window_start, WINDOWEND AS window_end, as in 08_tumbling.sql")
	})
}

// hoppingInputs are the orders of exercise 9 (and of nothing else): two
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
