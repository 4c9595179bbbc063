//go:build grading

package lab08

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// g8SQLInputs: points, two updates, two deletes, a point at the same x.
func g8SQLInputs() []g8Input {
	return []g8Input{
		g8Val("p-1", 1, 3),
		g8Val("p-2", 2, 5.5),
		g8Val("p-3", 3, 6.5),
		g8Val("p-4", 4, 9),
		g8Val("p-2", 2, 5), // a corrected reading
		g8Val("p-5", 5, 30),
		g8Val("p-6", 6, 14.5),
		g8Tomb("p-5"), // an outlier deleted
		g8Val("p-7", 7, 15),
		g8Val("p-3", 3.5, 8),
		g8Tomb("p-1"),
		g8Val("p-8", 8, 18.25),
	}
}

func TestLineSQL(t *testing.T) {
	inputs := g8SQLInputs()
	var recs []testrunner.Record
	for i, in := range inputs {
		var v any
		if !in.tomb {
			v = map[string]any{"x": in.val.x, "y": in.val.y}
		}
		recs = append(recs, testrunner.R("points", in.key, v).At(int64(1000*(i+1))))
	}
	sql := string(labtest.LabFile(t, "line.sql"))
	if parser.IsBlank(sql) {
		t.Fatal("line.sql has no statements yet (only comments): write the statements the exercise asks for")
	}
	backend := &testrunner.InProcess{}
	ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 60*time.Second))
	defer cancel()
	var exec *testrunner.Execution
	var err error
	if !labtest.Guard(t, "running line.sql", func() {
		exec, err = backend.Execute(ctx, testrunner.Case{Name: "line.sql", Statements: sql, StatementsFile: "line.sql", Inputs: recs})
	}) {
		return
	}
	problem := ""
	if err != nil {
		problem = fmt.Sprintf("line.sql did not run: %v", err)
	}
	sent := make([]string, len(inputs))
	for i, in := range inputs {
		sent[i] = in.String()
	}
	sentMsg := "the points sent, in order: " + strings.Join(sent, ", ")
	rows := func(t *testing.T, table string) []map[string]any {
		t.Helper()
		if problem != "" {
			t.Fatalf("%s", problem)
		}
		out, ok := exec.Outputs[table]
		if !ok || len(out) == 0 {
			var names []string
			for name := range exec.Outputs {
				names = append(names, name)
			}
			slices.Sort(names)
			if len(names) == 0 {
				t.Fatalf("line.sql created no table: write CREATE TABLE %s AS SELECT ...", strings.ToLower(table))
			}
			t.Fatalf("line.sql wrote nothing to a table %s (the tables written: %v): create it with CREATE TABLE %s AS SELECT ..., and leave KAFKA_TOPIC out of its WITH clause so its topic is named after it", table, names, strings.ToLower(table))
		}
		var vals []map[string]any
		for _, r := range out {
			var m map[string]any
			switch v := r.Value.(type) {
			case json.RawMessage:
				_ = json.Unmarshal(v, &m)
			case []byte:
				_ = json.Unmarshal(v, &m)
			case map[string]any:
				m = v
			}
			vals = append(vals, m)
		}
		return vals
	}
	num := func(row map[string]any, col string) (float64, bool) {
		switch v := row[col].(type) {
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
	_, live := g8Live(inputs)

	t.Run("LINE_SUMS holds n and the four sums over the live points", func(t *testing.T) {
		got := rows(t, "LINE_SUMS")
		last := got[len(got)-1]
		var n, sx, sy, sxy, sxx float64
		for _, p := range live {
			n, sx, sy, sxy, sxx = n+1, sx+p.x, sy+p.y, sxy+p.x*p.y, sxx+p.x*p.x
		}
		var wrong []string
		hint := "the sums must cover the points alive at the end, once each"
		for _, c := range []struct {
			col  string
			want float64
		}{{"N", n}, {"SX", sx}, {"SY", sy}, {"SXY", sxy}, {"SXX", sxx}} {
			v, ok := num(last, c.col)
			if !ok {
				t.Fatalf("the last row of LINE_SUMS has no number %s: %v\n  select COUNT(*) AS n, SUM(x) AS sx, SUM(y) AS sy, SUM(x * y) AS sxy, SUM(x * x) AS sxx", c.col, last)
			}
			if !g8Close(c.want, v, g8Tol) {
				wantText, gotText := labtest.FormatPair(c.want, v)
				wrong = append(wrong, fmt.Sprintf("%s %s (want %s)", c.col, gotText, wantText))
				if c.col == "N" && v > c.want {
					hint = "N counts more points than are alive: is points a STREAM? Declare it a TABLE (id VARCHAR PRIMARY KEY, x DOUBLE, y DOUBLE): then an update replaces its key's row, a tombstone deletes it, and the aggregate retracts the old row before adding the new"
				}
			}
		}
		if len(wrong) > 0 {
			t.Errorf("the last row of LINE_SUMS: %s\n  %s over the %d live points\n  %s\n  %s", strings.Join(wrong, ", "), "expected the sums", len(live), sentMsg, hint)
		}
		if len(got) < len(inputs)-2 {
			t.Errorf("LINE_SUMS received %d rows for %d points: with EMIT CHANGES every point changes the sums", len(got), len(inputs))
		}
	})

	t.Run("LINE's last row is the least-squares line of the live points", func(t *testing.T) {
		got := rows(t, "LINE")
		last := got[len(got)-1]
		wantA, wantB := g8BatchLine(t, live)
		a, okA := num(last, "INTERCEPT")
		b, okB := num(last, "SLOPE")
		if !okA || !okB {
			t.Fatalf("the last row of LINE has no numbers INTERCEPT and SLOPE: %v", last)
		}
		if !g8Close(wantA, a, g8Tol) || !g8Close(wantB, b, g8Tol) {
			t.Errorf("%s", labtest.Mismatch("the last row of LINE\n  "+sentMsg,
				fmt.Sprintf("INTERCEPT %.10g, SLOPE %.10g (batch least squares over the %d live points)", wantA, wantB, len(live)),
				fmt.Sprintf("INTERCEPT %.10g, SLOPE %.10g", a, b),
				"intercept = (sy*sxx - sx*sxy) / (n*sxx - sx*sx), slope = (n*sxy - sx*sy) / (n*sxx - sx*sx), from LINE_SUMS"))
		}
	})

	t.Run("on the ksqlDB server, a pull query answers with the line", func(t *testing.T) {
		g8LineOnServer(t, inputs, live)
	})

	t.Run("no line while x does not vary", func(t *testing.T) {
		got := rows(t, "LINE")
		first := got[0]
		if first == nil || first["INTERCEPT"] != nil || first["SLOPE"] != nil {
			t.Errorf("%s", labtest.Mismatch("LINE's first row, after the single point p-1 = (1, 3)", "INTERCEPT and SLOPE null (d = 0: one point determines no line)", first,
				"CASE WHEN n * sxx - sx * sx = 0 THEN CAST(NULL AS DOUBLE) ELSE ... END"))
		}
		if len(got) < 2 {
			t.Fatalf("LINE received %d rows: it must change whenever the sums do", len(got))
		}
		if a, ok := num(got[1], "INTERCEPT"); !ok || !g8Close(0.5, a, g8Tol) {
			t.Errorf("%s", labtest.Mismatch("LINE's second row, after p-1 = (1, 3) and p-2 = (2, 5.5)", "INTERCEPT 0.5, SLOPE 2.5", got[1], ""))
		}
	})
}

// TestLineSQL's last check runs line.sql on the ksqlDB server of the
// environment, over a points topic, and asks it for the line with a pull
// query, as a learner would.
func g8LineOnServer(t *testing.T, inputs []g8Input, live []g8Pt) {
	t.Helper()
	k := labtest.NewKsql(t, []string{"POINTS", "LINE_SUMS", "LINE"}, []string{"points"})
	k.CreateTopic("points", 1)
	var recs []labtest.Record
	for _, in := range inputs {
		recs = append(recs, labtest.Record{Key: []byte(in.key), Value: in.value()})
	}
	k.Produce("points", recs...)
	sc := k.Load("line.sql")
	if sc.Empty {
		t.Fatalf("line.sql holds no statement yet")
	}
	k.Run(sc)
	if sc.Problem != "" {
		t.Fatalf("%s", sc.Problem)
	}
	wantA, wantB := g8BatchLine(t, live)
	const q = "SELECT n, intercept, slope FROM line;"
	var last string
	ok := labtest.Eventually(labtest.Budget(t, 90*time.Second), 250*time.Millisecond, func() bool {
		res, err := k.Pull(q, 30*time.Second)
		if err != nil {
			last = fmt.Sprintf("an error: %v", err)
			return false
		}
		if len(res.Rows) != 1 {
			last = fmt.Sprintf("%d rows: %v", len(res.Rows), res.Rows)
			return false
		}
		row := res.Rows[0]
		last = fmt.Sprintf("%v", row)
		n, okN := g8Num(row[0])
		a, okA := g8Num(row[1])
		b, okB := g8Num(row[2])
		return okN && okA && okB && n == float64(len(live)) && g8Close(wantA, a, g8Tol) && g8Close(wantB, b, g8Tol)
	})
	if !ok {
		t.Errorf("%s", labtest.Mismatch("the pull query "+q+" on the ksqlDB server, after line.sql ran over the same points",
			fmt.Sprintf("one row [%d %.10g %.10g]", len(live), wantA, wantB), last,
			"the embedded engine passed the other checks? Then look at the names: the table line, its columns n, intercept and slope"))
	}
}

func g8Num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}
