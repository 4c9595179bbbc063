//go:build grading

package lab04

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestPushQuery(t *testing.T) {
	k, before, writer := unitsSetup(t, 800)
	sc := k.Load("05_push_state.sql")
	st := oneQuery(t, sc)

	// The query starts from now (the server's default, auto.offset.reset
	// latest): its rows are the changes that the orders written after it
	// started make. A real ksqlDB takes a few seconds to start a push query
	// (the embedded engine none), so the test writes one State_3 order at a
	// time until the first row comes, then the rest.
	var push *labtest.PushQuery
	var pushErr error
	var rows [][]any
	var written []order
	nextID := 900
	write := func(specs ...spec) {
		for _, s := range specs {
			o := newOrders(nextID, s)[0]
			nextID++
			produceOrders(k, []order{o})
			written = append(written, o)
		}
	}
	if sc.Problem == "" && st != nil && st.IsPush() && writer != "" {
		push, pushErr = k.PushRaw(st.SQL, nil)
	}
	if push != nil {
		deadline := time.Now().Add(labtest.Budget(t, processWait))
		for i := 0; len(rows) == 0 && time.Now().Before(deadline); i++ {
			write(spec{2, "State_1", "City_2"}, spec{1.5 + float64(i), "State_3", "City_1"})
			rows = append(rows, push.Collect(1, 3*time.Second)...)
		}
		if len(rows) > 0 {
			// Changes of other states first, processed by the table's
			// query before the last State_3 order is written: the row of
			// that last change is the marker that every row before it
			// has come, so no quiet period is needed to see rows that
			// should not come.
			write(spec{0.5, "State_3", "City_3"}, spec{4, "State_2", "City_4"})
			k.WaitProcessed(writer, processWait, "orders")
			write(spec{3.25, "State_3", "City_5"})
			final := totalsOf(append(append([]order(nil), before...), written...))["State_3"]
			cols := columnIndex(push.Columns)
			// Until the row of the last change has come (or the deadline).
			deadline := time.Now().Add(labtest.Budget(t, processWait))
			for !hasTotal(rows, cols, "State_3", final) && time.Now().Before(deadline) {
				r, ok := push.Next(time.Until(deadline))
				if !ok {
					break
				}
				rows = append(rows, r)
			}
			// And whatever came with it.
			rows = append(rows, push.Collect(100, 0)...)
		}
	}
	// The running totals of State_3 after each State_3 order written.
	var wantRows []total
	running := totalsOf(before)["State_3"]
	for _, o := range written {
		if o.State == "State_3" {
			running = total{running.count + 1, running.units + o.Units}
			wantRows = append(wantRows, running)
		}
	}

	t.Run("it is a push query", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		if !st.IsPush() {
			t.Fatalf("%s has no EMIT CHANGES: without it a SELECT on a table is a pull query, which answers once with the row as it is now and ends. EMIT CHANGES turns it into a push query that keeps sending every change", sc.File)
		}
		requireWriter(t, writer, "UNITS_BY_STATE")
		if pushErr != nil {
			t.Fatalf("the test ran\n  %s\nand ksqlDB answered: %v", st.Text, pushErr)
		}
		if ended, err := push.Ended(); ended {
			why := ""
			if err != nil {
				why = fmt.Sprintf(" (%v)", err)
			}
			t.Fatalf("the push query ended by itself after %d rows%s: it should keep running until the client closes it. Is there a LIMIT?", len(rows), why)
		}
	})

	t.Run("a row for every change of the state", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		if push == nil {
			t.Fatalf("the query did not run as a push query: see the subtest before")
		}
		cols := pushColumns(t, push)
		var got []total
		for _, r := range rows {
			if fmt.Sprint(r[cols["STATE"]]) != "State_3" {
				continue
			}
			n, _ := toInt(r[cols["ORDER_COUNT"]])
			u, _ := toFloat(r[cols["TOTAL_UNITS"]])
			got = append(got, total{n, u})
		}
		// The rows start with the first change the query saw (at once on
		// the embedded engine) and must then follow every change.
		first := -1
		for i, w := range wantRows {
			if len(got) > 0 && got[0].count == w.count && near(got[0].units, w.units) {
				first = i
			}
		}
		if first < 0 || len(wantRows)-first < 3 || !sameTotals(got, wantRows[first:]) {
			want := wantRows
			if first > 0 {
				want = wantRows[first:]
			}
			t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("after the query started, the test wrote %d orders, %d of them for State_3; the State_3 rows that came (ORDER_COUNT, TOTAL_UNITS)", len(written), len(wantRows)),
				fmtTotals(want), fmtTotals(got),
				"each change of State_3's row is one row of the push query, with the new running totals"))
		}
	})

	t.Run("no rows for other states", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		if push == nil {
			t.Fatalf("the query did not run as a push query: see the first subtest")
		}
		cols := pushColumns(t, push)
		if len(rows) == 0 {
			t.Fatalf("no rows came at all in %v of writing orders", processWait)
		}
		var others []string
		for _, r := range rows {
			if s := fmt.Sprint(r[cols["STATE"]]); s != "State_3" {
				others = append(others, s)
			}
		}
		if len(others) > 0 {
			t.Fatalf("rows for %v came too: filter with WHERE state = 'State_3', as in exercise 4", others)
		}
	})
}

// columnIndex maps upper-case column names to their positions.
func columnIndex(columns []string) map[string]int {
	cols := map[string]int{}
	for i, c := range columns {
		cols[strings.ToUpper(c)] = i
	}
	return cols
}

// hasTotal says a row of state with the total has come.
func hasTotal(rows [][]any, cols map[string]int, state string, want total) bool {
	si, ok1 := cols["STATE"]
	ci, ok2 := cols["ORDER_COUNT"]
	if !ok1 || !ok2 {
		return false
	}
	for _, r := range rows {
		if n, _ := toInt(r[ci]); fmt.Sprint(r[si]) == state && n == want.count {
			return true
		}
	}
	return false
}

func pushColumns(t *testing.T, p *labtest.PushQuery) map[string]int {
	t.Helper()
	cols := columnIndex(p.Columns)
	for _, c := range []string{"STATE", "ORDER_COUNT", "TOTAL_UNITS"} {
		if _, ok := cols[c]; !ok {
			t.Fatalf("the query's columns are %v: want STATE, ORDER_COUNT and TOTAL_UNITS", p.Columns)
		}
	}
	return cols
}

func sameTotals(a, b []total) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].count != b[i].count || !near(a[i].units, b[i].units) {
			return false
		}
	}
	return true
}

func fmtTotals(ts []total) string {
	parts := make([]string, len(ts))
	for i, x := range ts {
		parts[i] = fmt.Sprintf("(%d, %.6g)", x.count, x.units)
	}
	if len(parts) == 0 {
		return "no rows"
	}
	return strings.Join(parts, " ")
}
