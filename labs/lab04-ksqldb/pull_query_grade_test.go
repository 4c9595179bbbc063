//go:build grading

package lab04

import (
	"fmt"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestPullQuery(t *testing.T) {
	k, before, writer := unitsSetup(t, 600)
	sc := k.Load("04_pull_state.sql")
	st := oneQuery(t, sc)

	t.Run("it is a pull query", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		if st.IsPush() {
			t.Fatalf("%s ends with EMIT CHANGES: that makes it a push query, which keeps running and sends every future change. A pull query has no EMIT clause: it answers with the rows as they are now, and ends", sc.File)
		}
		if _, err := k.Pull(st.Text, pullWait); err != nil {
			t.Fatalf("the test ran\n  %s\nand ksqlDB answered: %v", st.Text, err)
		}
	})

	check := func(t *testing.T, want total) {
		t.Helper()
		if st.IsPush() {
			t.Fatalf("%s is a push query (EMIT CHANGES), which never ends: see the first subtest", sc.File)
		}
		res, err := k.Pull(st.Text, pullWait)
		if err != nil {
			t.Fatalf("the test ran\n  %s\nand ksqlDB answered: %v", st.Text, err)
		}
		cols := map[string]int{}
		for _, c := range []string{"STATE", "ORDER_COUNT", "TOTAL_UNITS"} {
			if i := res.Column(c); i >= 0 {
				cols[c] = i
			} else {
				t.Fatalf("the query's columns are %v: want STATE, ORDER_COUNT and TOTAL_UNITS (SELECT state, order_count, total_units, or SELECT *)", res.Columns)
			}
		}
		if len(res.Rows) != 1 {
			var states []string
			for _, r := range res.Rows {
				states = append(states, fmt.Sprint(r[cols["STATE"]]))
			}
			t.Fatalf("%s", labtest.Mismatch("the rows of your pull query", "one row, State_3's", fmt.Sprintf("%d rows %v", len(res.Rows), states),
				"look the row up by its key: WHERE state = 'State_3' (text in single quotes, and the case matters)"))
		}
		r := res.Rows[0]
		n, _ := toInt(r[cols["ORDER_COUNT"]])
		u, _ := toFloat(r[cols["TOTAL_UNITS"]])
		if fmt.Sprint(r[cols["STATE"]]) != "State_3" || n != want.count || !near(u, want.units) {
			t.Fatalf("%s", labtest.Mismatch("State_3's row (STATE, ORDER_COUNT, TOTAL_UNITS)", fmt.Sprintf("[State_3 %d %.6g]", want.count, want.units),
				fmtRow([]any{r[cols["STATE"]], r[cols["ORDER_COUNT"]], r[cols["TOTAL_UNITS"]]}), ""))
		}
	}

	t.Run("it answers one state's row", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		requireWriter(t, writer, "UNITS_BY_STATE")
		check(t, totalsOf(before)["State_3"])
	})

	t.Run("asked again, it answers the row as it is then", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		requireWriter(t, writer, "UNITS_BY_STATE")
		more := newOrders(700, spec{2.5, "State_3", "City_2"}, spec{1, "State_2", "City_2"}, spec{0.25, "State_3", "City_6"})
		produceOrders(k, more)
		k.WaitProcessed(writer, processWait, "orders")
		check(t, totalsOf(append(append([]order(nil), before...), more...))["State_3"])
	})
}
