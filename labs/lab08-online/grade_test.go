//go:build grading

// Grading tests of lab 8. Each exercise has one top-level test; each of its
// subtests earns a share of the exercise's points. The tests compare your
// models with batch least squares (mlkit.LinearRegression) over the records
// alive at the end, and with the course's online models in pkg/mlkit, and
// run your stream code through the course's stream processor on real topics.
package lab08

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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// g8Tol is how close a streaming model must come to the batch answer,
// relative to the size of the numbers.
const g8Tol = 1e-9

// g8Close reports whether got is within tol of want, relative to the larger
// of the two when above 1.
func g8Close(want, got, tol float64) bool {
	return math.Abs(want-got) <= tol*math.Max(1, math.Max(math.Abs(want), math.Abs(got)))
}

// g8Batch fits mlkit.LinearRegression (QR least squares, as scikit-learn)
// on rows: the answer a model retrained from scratch would give.
func g8Batch(t *testing.T, X [][]float64, y []float64) (float64, []float64) {
	t.Helper()
	data := make([]float64, 0, len(X)*len(X[0]))
	for _, r := range X {
		data = append(data, r...)
	}
	m := &mlkit.LinearRegression{}
	if err := m.Fit(mat.NewDense(len(X), len(X[0]), data), y); err != nil {
		t.Fatalf("the batch fit the test compares with failed: %v", err)
	}
	return m.Intercept, m.Coef
}

// g8Pt is a point of the tests.
type g8Pt struct{ x, y float64 }

func g8BatchLine(t *testing.T, pts []g8Pt) (intercept, slope float64) {
	t.Helper()
	X := make([][]float64, len(pts))
	y := make([]float64, len(pts))
	for i, p := range pts {
		X[i], y[i] = []float64{p.x}, p.y
	}
	a, b := g8Batch(t, X, y)
	return a, b[0]
}

func g8Points(seed uint64, n int) []g8Pt {
	r := rand.New(rand.NewPCG(seed, 8))
	out := make([]g8Pt, n)
	for i := range out {
		x := r.Float64()*100 - 50
		out[i] = g8Pt{x, 2 - 0.7*x + 3*r.NormFloat64()}
	}
	return out
}

// g8Line runs the learner's Line, turning a panic into a failure.
func g8Line(t *testing.T, m *RunningLine) (a, b float64, err error, ok bool) {
	t.Helper()
	ok = labtest.Guard(t, "RunningLine.Line", func() { a, b, err = m.Line() })
	return a, b, err, ok
}

func g8CheckLine(t *testing.T, what string, m *RunningLine, pts []g8Pt, hint string) {
	t.Helper()
	wantA, wantB := g8BatchLine(t, pts)
	a, b, err, ok := g8Line(t, m)
	switch {
	case !ok:
	case err != nil:
		t.Errorf("%s: Line() returned an error: %v\n  expected: intercept %.10g, slope %.10g (batch least squares over %d points)", what, err, wantA, wantB, len(pts))
	case !g8Close(wantA, a, g8Tol) || !g8Close(wantB, b, g8Tol):
		t.Errorf("%s", labtest.Mismatch(what+fmt.Sprintf(", %d points", len(pts)),
			fmt.Sprintf("intercept %.12g, slope %.12g (batch least squares, to %g)", wantA, wantB, g8Tol),
			fmt.Sprintf("intercept %.12g, slope %.12g (N = %d)", a, b, m.N), hint))
	}
}

// ---------------------------------------------------------------------------
// Exercise 1: a least-squares line from five running sums.

func TestRunningLine(t *testing.T) {
	const formulas = "a = (Sy*Sxx - Sx*Sxy)/d, b = (n*Sxy - Sx*Sy)/d with d = n*Sxx - Sx*Sx; Learn adds x, y, x*y and x*x to the sums and 1 to N"

	t.Run("the line of 500 points equals batch least squares", func(t *testing.T) {
		pts := g8Points(1, 500)
		m := &RunningLine{}
		for _, p := range pts {
			if !labtest.Guard(t, "RunningLine.Learn", func() {
				if err := m.Learn(p.x, p.y); err != nil {
					t.Fatalf("Learn(%v, %v) returned an error for a good point: %v", p.x, p.y, err)
				}
			}) {
				return
			}
		}
		if m.N != len(pts) {
			t.Errorf("after learning %d points N = %d", len(pts), m.N)
		}
		g8CheckLine(t, "after learning every point", m, pts, formulas)
	})

	t.Run("forgetting points leaves the line of the others", func(t *testing.T) {
		pts := g8Points(2, 400)
		m := &RunningLine{}
		ok := labtest.Guard(t, "RunningLine", func() {
			for _, p := range pts {
				if err := m.Learn(p.x, p.y); err != nil {
					t.Fatalf("Learn(%v, %v): %v", p.x, p.y, err)
				}
			}
			// Forget every third point, in an order of their own.
			for i := len(pts) - 1; i >= 0; i-- {
				if i%3 == 0 {
					if err := m.Forget(pts[i].x, pts[i].y); err != nil {
						t.Fatalf("Forget(%v, %v) of a point learned before: %v", pts[i].x, pts[i].y, err)
					}
				}
			}
		})
		if !ok {
			return
		}
		var rest []g8Pt
		for i, p := range pts {
			if i%3 != 0 {
				rest = append(rest, p)
			}
		}
		if m.N != len(rest) {
			t.Errorf("after learning %d points and forgetting %d, N = %d, want %d", len(pts), len(pts)-len(rest), m.N, len(rest))
		}
		g8CheckLine(t, "after forgetting every third point", m, rest, "Forget subtracts exactly what Learn added: the same terms with a minus sign, and 1 from N")
	})

	t.Run("one point, or every x the same, gives no line", func(t *testing.T) {
		cases := []struct {
			name string
			pts  []g8Pt
		}{
			{"no points", nil},
			{"one point (3, 1)", []g8Pt{{3, 1}}},
			{"three points at x = 3", []g8Pt{{3, 1}, {3, 5}, {3, 7}}},
			{"five points at x = 0.1 (d is rounding noise, not 0)", []g8Pt{{0.1, 1}, {0.1, 2}, {0.1, 3}, {0.1, 4}, {0.1, 5}}},
		}
		for _, c := range cases {
			m := &RunningLine{}
			if !labtest.Guard(t, "RunningLine", func() {
				for _, p := range c.pts {
					if err := m.Learn(p.x, p.y); err != nil {
						t.Fatalf("Learn(%v, %v): %v", p.x, p.y, err)
					}
				}
			}) {
				return
			}
			a, b, err, ok := g8Line(t, m)
			if ok && !errors.Is(err, mlkit.ErrUndetermined) {
				t.Errorf("%s: Line() = %v, %v, %v; want an error wrapping mlkit.ErrUndetermined: a vertical spread of points has no least-squares line (d = n*Sxx - Sx*Sx is 0, or within rounding of 0: compare d with 1e-12*n*Sxx)", c.name, a, b, err)
			}
		}
		// The same model must give a line once x varies.
		m := &RunningLine{}
		two := []g8Pt{{3, 1}, {3, 5}, {5, 9}}
		labtest.Guard(t, "RunningLine", func() {
			for _, p := range two {
				_ = m.Learn(p.x, p.y)
			}
		})
		g8CheckLine(t, "with x = 3, 3, 5", m, two, "two different x values determine a line")
	})

	t.Run("not-finite points are refused and change nothing", func(t *testing.T) {
		pts := g8Points(3, 50)
		m := &RunningLine{}
		labtest.Guard(t, "RunningLine", func() {
			if err := m.Forget(1, 2); err == nil {
				t.Errorf("Forget(1, 2) on an empty line returned no error: there is nothing to forget")
			}
			for _, p := range pts {
				if err := m.Learn(p.x, p.y); err != nil {
					t.Fatalf("Learn(%v, %v) of a good point: %v", p.x, p.y, err)
				}
			}
			for _, bad := range []g8Pt{{math.NaN(), 1}, {1, math.Inf(1)}, {math.Inf(-1), 0}} {
				if err := m.Learn(bad.x, bad.y); err == nil {
					t.Errorf("Learn(%v, %v) returned no error: a NaN or an infinity would poison every sum for good", bad.x, bad.y)
				}
				if err := m.Forget(bad.x, bad.y); err == nil {
					t.Errorf("Forget(%v, %v) returned no error", bad.x, bad.y)
				}
			}
		})
		if m.N != len(pts) {
			t.Errorf("after %d good points and refused bad ones, N = %d: a refused point must change nothing", len(pts), m.N)
		}
		g8CheckLine(t, "after refusing NaN and infinite points", m, pts, "check the point before changing any sum")
	})

	t.Run("compensated sums: no drift over 100 000 learns and forgets", func(t *testing.T) {
		var s Sum
		labtest.Guard(t, "Sum", func() {
			s.Add(1e16)
			s.Add(1)
			s.Add(-1e16)
		})
		if s.Value() != 1 {
			t.Errorf("%s", labtest.Mismatch("Sum: Add(1e16), Add(1), Add(-1e16), then Value()", 1.0, s.Value(),
				"a float64 holds 16 digits: 1e16 + 1 rounds the 1 away. Keep what each addition lost, (larger - t) + smaller with t = S + v, in C, and return S + C"))
		}
		keep := g8Points(4, 8)
		m := &RunningLine{}
		r := rand.New(rand.NewPCG(5, 5))
		ok := labtest.Guard(t, "RunningLine", func() {
			for _, p := range keep {
				_ = m.Learn(p.x, p.y)
			}
			// A stream of readings far from the ones kept, each corrected
			// (forgotten) later: with plain float64 sums, what rounding
			// loses piles up.
			var pending []g8Pt
			for i := range 50000 {
				p := g8Pt{1e4 + r.Float64()*1e3, 1e6 * r.Float64()}
				if err := m.Learn(p.x, p.y); err != nil {
					t.Fatalf("Learn(%v, %v): %v", p.x, p.y, err)
				}
				pending = append(pending, p)
				if i%7 == 6 || i == 49999 {
					for _, q := range pending {
						if err := m.Forget(q.x, q.y); err != nil {
							t.Fatalf("Forget(%v, %v): %v", q.x, q.y, err)
						}
					}
					pending = pending[:0]
				}
			}
		})
		if !ok {
			return
		}
		g8CheckLine(t, "after 50 000 large points learned and forgotten again", m, keep,
			"the sums drifted: use Sum (compensated) for Sx, Sy, Sxy and Sxx, not plain float64 additions")
	})
}

// ---------------------------------------------------------------------------
// Exercise 2: the sums and the line in KSQL.

// g8Input is one record of a points topic: a value or a tombstone.
type g8Input struct {
	key  string
	val  *g8Pt
	raw  string // a bad value, sent as is
	tomb bool
}

func g8Val(key string, x, y float64) g8Input { return g8Input{key: key, val: &g8Pt{x, y}} }
func g8Tomb(key string) g8Input              { return g8Input{key: key, tomb: true} }
func g8Bad(key, raw string) g8Input          { return g8Input{key: key, raw: raw} }

func (in g8Input) value() []byte {
	switch {
	case in.tomb:
		return nil
	case in.val != nil:
		b, _ := json.Marshal(map[string]float64{"x": in.val.x, "y": in.val.y})
		return b
	}
	return []byte(in.raw)
}

func (in g8Input) String() string {
	switch {
	case in.tomb:
		return in.key + "=null"
	case in.val != nil:
		return fmt.Sprintf("%s=(%v, %v)", in.key, in.val.x, in.val.y)
	}
	return fmt.Sprintf("%s=%s", in.key, in.raw)
}

// g8Live applies inputs in order, as a table would (bad values and
// tombstones of keys with no point change nothing), and returns the points
// alive at the end.
func g8Live(inputs []g8Input) (map[string]g8Pt, []g8Pt) {
	live := map[string]g8Pt{}
	for _, in := range inputs {
		switch {
		case in.tomb:
			delete(live, in.key)
		case in.val != nil:
			live[in.key] = *in.val
		}
	}
	keys := make([]string, 0, len(live))
	for k := range live {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pts := make([]g8Pt, len(keys))
	for i, k := range keys {
		pts[i] = live[k]
	}
	return live, pts
}

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
				t.Fatalf("line.sql created no table: write CREATE TABLE %s AS SELECT ... (a file of comments only creates nothing)", strings.ToLower(table))
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
				wrong = append(wrong, fmt.Sprintf("%s %v (want %v)", c.col, v, c.want))
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

// ---------------------------------------------------------------------------
// Exercise 3: updates and tombstones on a stream, safe to replay.

// g8Sent is an input as written: where it landed.
type g8Sent struct {
	in        g8Input
	partition int32
	offset    int64
}

// g8Produce writes inputs to topic, each key always to the same partition.
func g8Produce(t *testing.T, bootstrap, topic string, partitions int32, inputs []g8Input) []g8Sent {
	t.Helper()
	msgs := make([]*sarama.ProducerMessage, len(inputs))
	for i, in := range inputs {
		var h uint32
		for _, c := range []byte(in.key) {
			h = h*31 + uint32(c)
		}
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(in.key), Partition: int32(h % uint32(partitions))}
		if v := in.value(); v != nil {
			msgs[i].Value = sarama.ByteEncoder(v)
		}
	}
	labtest.Produce(t, bootstrap, msgs...)
	out := make([]g8Sent, len(inputs))
	for i, m := range msgs {
		out[i] = g8Sent{inputs[i], m.Partition, m.Offset}
	}
	return out
}

// g8ForgetInputs: n records of new points, updates and deletes.
func g8ForgetInputs(seed uint64, from, n int) []g8Input {
	r := rand.New(rand.NewPCG(seed, 3))
	var all []g8Input
	live := []string{}
	for i := range n {
		switch {
		case len(live) > 4 && i%7 == 3:
			k := live[r.IntN(len(live))]
			all = append(all, g8Val(k, r.Float64()*20, r.Float64()*40)) // update
		case len(live) > 4 && i%9 == 5:
			j := r.IntN(len(live))
			all = append(all, g8Tomb(live[j]))
			live = slices.Delete(live, j, j+1)
		default:
			k := "p-" + strconv.Itoa(from+i)
			x := r.Float64() * 20
			all = append(all, g8Val(k, x, 1.5+2*x+r.NormFloat64()))
			live = append(live, k)
		}
	}
	return all
}

// g8WithBad inserts bad records among inputs and returns where each one
// is, with why it is bad. deleted is a key deleted in inputs before the
// last quarter of them.
func g8WithBad(inputs []g8Input, deleted string) ([]g8Input, map[int]string) {
	bads := []struct {
		in  g8Input
		why string
	}{
		{g8Bad("p-bad-1", `{"x":"twelve","y":3}`), "x is not a number"},
		{g8Bad("p-bad-2", `{"x":4}`), "y is missing"},
		{g8Bad("p-bad-3", `{"y":4}`), "x is missing"},
		{g8Bad("p-bad-4", `not json`), "not JSON"},
		{g8Tomb("p-never-sent"), "a tombstone for a point never seen"},
		{g8Tomb(deleted), "a second tombstone for " + deleted + ", deleted before"},
		{g8Bad("p-bad-5", `{"x":1e999,"y":2}`), "x is not finite"},
	}
	out := slices.Clone(inputs)
	whys := make([]string, len(out))
	// From the end backwards, every third position: after the tombstone of
	// deleted, which is early in the inputs.
	for i, b := range bads {
		pos := len(inputs) - 2 - 3*i
		out = slices.Insert(out, pos, b.in)
		whys = slices.Insert(whys, pos, b.why)
	}
	where := map[int]string{}
	for i, why := range whys {
		if why != "" {
			where[i] = why
		}
	}
	return out, where
}

// g8Changelog reads the changelog as a table.
func g8Changelog(t *testing.T, bootstrap, topic string) map[string][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 30*time.Second))
	defer cancel()
	tbl, err := stream.ReadTable(ctx, bootstrap, topic)
	if err != nil && !errors.Is(err, stream.ErrUnknownTopic) {
		t.Fatalf("reading the changelog %s: %v", topic, err)
	}
	return tbl
}

// g8LineOf reads the LineState in a changelog table.
func g8LineOf(t *testing.T, tbl map[string][]byte) (LineState, bool) {
	t.Helper()
	raw, ok := tbl[LineKey]
	if !ok {
		return LineState{}, false
	}
	var st LineState
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("the changelog's %q entry is not a LineState: %v: %s", LineKey, err, raw)
	}
	return st, true
}

func g8LastUpdate(t *testing.T, recs []stream.Record) (LineUpdate, int) {
	t.Helper()
	var last LineUpdate
	n := 0
	for _, r := range recs {
		var u LineUpdate
		if err := json.Unmarshal(r.Value, &u); err != nil {
			t.Fatalf("an output record is not a LineUpdate: %v: %s", err, r.Value)
		}
		last, n = u, n+1
	}
	return last, n
}

func TestForgetOnStream(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	points := labtest.Topic(t, "points")
	lines := labtest.Topic(t, "lines")
	changelog := labtest.Topic(t, "line-state")
	group := labtest.Group(t, "line")
	labtest.CreateTopic(t, bootstrap, points, 3)
	labtest.CreateTopic(t, bootstrap, lines, 1)

	good1 := g8ForgetInputs(11, 0, 60)
	deleted := ""
	for _, in := range good1 {
		if in.tomb {
			deleted = in.key
			break
		}
	}
	batch1, badAt := g8WithBad(good1, deleted)
	sent1 := g8Produce(t, bootstrap, points, 3, batch1)
	cfg := stream.Config{Bootstrap: bootstrap, Group: group, Inputs: []string{points}, Output: lines, Changelog: changelog, TableTransform: ApplyPoint}
	run1 := labtest.RunStream(t, cfg, int64(len(batch1)), 90*time.Second, 0)
	var outputs1 int
	// lineRight1 says the first run's line was right, so that a wrong line
	// after the restart can be blamed on the replay rather than on updates.
	lineRight1 := false

	t.Run("updates and deletes: the line equals batch least squares over the live points", func(t *testing.T) {
		if p := run1.Problem(int64(len(batch1))); p != "" {
			t.Fatalf("%s", p)
		}
		liveMap, live := g8Live(batch1)
		tbl := g8Changelog(t, bootstrap, changelog)
		st, ok := g8LineOf(t, tbl)
		if !ok {
			t.Fatalf("the changelog %s has no %q entry after %d records: Put the LineState under LineKey for every record applied", changelog, LineKey, len(batch1))
		}
		if st.Line.N != len(live) {
			hint := "an update replaces its key's point (forget the old value, learn the new one); a tombstone forgets it"
			if st.Line.N > len(live) {
				hint = "N counts more points than are alive: are updates learned without forgetting the old value, or tombstones ignored?"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the line's N after %d records (%d skipped as bad)", len(batch1), len(badAt)), len(live), st.Line.N, hint))
		}
		before := t.Failed()
		g8CheckLine(t, "the line in the changelog", &st.Line, live, "")
		lineRight1 = st.Line.N == len(live) && t.Failed() == before
		// The table holds the live points and nothing else.
		for k, p := range liveMap {
			raw, ok := tbl[PointPrefix+k]
			var got Point
			if !ok || json.Unmarshal(raw, &got) != nil || got.X != p.x || got.Y != p.y {
				t.Errorf("the changelog's %q is %s, want {\"x\":%v,\"y\":%v}: the table keeps each live point's latest value", PointPrefix+k, raw, p.x, p.y)
				break
			}
		}
		for k := range tbl {
			if id, ok := strings.CutPrefix(k, PointPrefix); ok {
				if _, live := liveMap[id]; !live {
					t.Errorf("the changelog still holds %q, a point that was deleted or never valid: a tombstone must Delete its entry (GDPR's right to be forgotten reaches the changelog too)", k)
					break
				}
			}
		}
		recs := labtest.ReadStream(t, bootstrap, lines)
		last, n := g8LastUpdate(t, recs)
		outputs1 = n
		if want := len(batch1) - len(badAt); n != want {
			t.Errorf("the output topic holds %d LineUpdates for %d good records: return one per record applied, none for a skipped one", n, want)
		}
		wantA, wantB := g8BatchLine(t, live)
		if last.N != len(live) || last.Intercept == nil || last.Slope == nil || !g8Close(wantA, *last.Intercept, g8Tol) || !g8Close(wantB, *last.Slope, g8Tol) {
			hint := "return NewLineUpdate(&state.Line) after the change"
			if last.N == st.Line.N && !lineRight1 {
				hint = "it shows the line of the changelog, which is wrong (above): fix that, and this follows"
			}
			t.Errorf("%s", labtest.Mismatch("the last LineUpdate on the output topic", fmt.Sprintf("n %d, intercept %.10g, slope %.10g", len(live), wantA, wantB), g8FmtUpdate(last), hint))
		}
	})

	t.Run("bad records are skipped and reported with topic, partition and offset", func(t *testing.T) {
		if p := run1.Problem(int64(len(batch1))); p != "" {
			t.Fatalf("%s", p)
		}
		g8CheckSkipped(t, g8WhereInputs(sent1), badAt, run1.Skipped, points)
		if run1.Stats.Processed-run1.Stats.Skipped < int64(len(batch1)-len(badAt)) || outputs1 == 0 {
			t.Errorf("only %d of %d good records were applied", run1.Stats.Processed-run1.Stats.Skipped, len(batch1)-len(badAt))
		}
		for _, s := range run1.Skipped {
			if s.Key != nil && strings.HasPrefix(string(s.Key), "p-never") && !errors.Is(s.Err, mlkit.ErrUnknownKey) {
				t.Errorf("the tombstone for p-never-sent was skipped with %q; want an error wrapping mlkit.ErrUnknownKey, so readers can tell a delete of nothing from bad data", s.Err)
			}
		}
	})

	t.Run("a restart after a crash does not count records twice", func(t *testing.T) {
		if run1.Problem(int64(len(batch1))) != "" || outputs1 == 0 {
			t.Fatalf("cannot test a restart: the first run did not apply the records (see the first subtest)")
		}
		good2 := g8ForgetInputs(12, 1000, 30)
		// Updates and deletes of points of the first batch, too.
		liveMap1, _ := g8Live(batch1)
		var keys1 []string
		for k := range liveMap1 {
			keys1 = append(keys1, k)
		}
		slices.Sort(keys1)
		good2 = append(good2, g8Val(keys1[0], 7, 7), g8Tomb(keys1[1]), g8Val(keys1[2], 9.5, 20))
		// A crash right after the changelog was written and before the
		// commit: the group is back at the start of every partition.
		labtest.CommitOffsets(t, bootstrap, group, points, map[int32]int64{0: 0, 1: 0, 2: 0})
		g8Produce(t, bootstrap, points, 3, good2)
		all := append(slices.Clone(batch1), good2...)
		run2 := labtest.RunStream(t, cfg, int64(len(all)), 90*time.Second, 0)
		if p := run2.Problem(int64(len(all))); p != "" {
			t.Fatalf("the restarted processor: %s", p)
		}
		_, live := g8Live(all)
		st, ok := g8LineOf(t, g8Changelog(t, bootstrap, changelog))
		if !ok {
			t.Fatalf("the changelog has no %q entry", LineKey)
		}
		if st.Line.N != len(live) {
			hint := "skip a record when state.Counted.Covers(in): the changelog already holds its effect"
			if !lineRight1 {
				hint = "the line was wrong before the crash already (see the first check): make updates and tombstones right first, then this check tells whether a replay counts twice"
			}
			t.Errorf("%s", labtest.Mismatch("the line's N after a crash replayed the first run's records", len(live), st.Line.N, hint))
		}
		g8CheckLine(t, "the line after a crash, a replay and more records", &st.Line, live, "")
		recs := labtest.ReadStream(t, bootstrap, lines)
		if _, n := g8LastUpdate(t, recs); n-outputs1 != len(good2) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("LineUpdates written by the restarted processor, which read %d old records again and %d new ones", len(batch1), len(good2)), len(good2), n-outputs1,
				"the replayed records were applied again: check state.Counted.Covers(in) first and return nothing for those; Advance the positions in the same Put as the sums"))
		}
		replayedSkips := 0
		for _, s := range run2.Skipped {
			if s.Offset >= 0 && g8IsOld(sent1, s) {
				replayedSkips++
			}
		}
		if replayedSkips > len(badAt) {
			t.Errorf("the restarted processor skipped %d replayed records (only %d of them are bad): a replayed tombstone was applied again and found no point", replayedSkips, len(badAt))
		}
	})
}

func g8WhereInputs(sent []g8Sent) []g8Where {
	out := make([]g8Where, len(sent))
	for i, x := range sent {
		out[i] = g8Where{x.partition, x.offset, x.in.String()}
	}
	return out
}

func g8WhereRows(sent []g8RowSent) []g8Where {
	out := make([]g8Where, len(sent))
	for i, x := range sent {
		out[i] = g8Where{x.partition, x.offset, x.what}
	}
	return out
}

func g8IsOld(sent []g8Sent, s stream.Skipped) bool {
	for _, x := range sent {
		if x.partition == s.Partition && x.offset == s.Offset {
			return true
		}
	}
	return false
}

func g8FmtUpdate(u LineUpdate) string {
	f := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%.10g", *p)
	}
	return fmt.Sprintf("n %d, intercept %s, slope %s", u.N, f(u.Intercept), f(u.Slope))
}

// g8Where is where a record sent landed, and what it was.
type g8Where struct {
	partition int32
	offset    int64
	what      string
}

// g8CheckSkipped compares the records skipped with the bad ones sent.
func g8CheckSkipped(t *testing.T, sent []g8Where, badAt map[int]string, skipped []stream.Skipped, topic string) {
	t.Helper()
	where := func(i int) (int32, int64, string) { return sent[i].partition, sent[i].offset, sent[i].what }
	got := map[string]bool{}
	for _, s := range skipped {
		got[fmt.Sprintf("%s/%d/%d", s.Topic, s.Partition, s.Offset)] = true
	}
	var missing []string
	want := map[string]bool{}
	for i, why := range badAt {
		p, o, what := where(i)
		k := fmt.Sprintf("%s/%d/%d", topic, p, o)
		want[k] = true
		if !got[k] {
			missing = append(missing, fmt.Sprintf("%s at partition %d offset %d (%s)", what, p, o, why))
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("these bad records were not skipped: %s\n  return an error for them: the processor skips the record, reports its topic, partition and offset, and undoes any change to the table", strings.Join(missing, "; "))
	}
	for _, s := range skipped {
		if !want[fmt.Sprintf("%s/%d/%d", s.Topic, s.Partition, s.Offset)] {
			t.Errorf("a good record was skipped: %s", s)
			break
		}
	}
}

// ---------------------------------------------------------------------------
// Exercise 4: multiple regression from X'X and X'y.

func g8Fit(t *testing.T, m *NormalEquations) (a float64, w []float64, err error, ok bool) {
	t.Helper()
	ok = labtest.Guard(t, "NormalEquations.Fit", func() { a, w, err = m.Fit() })
	return
}

func g8CheckFit(t *testing.T, what string, m *NormalEquations, X [][]float64, y []float64, hint string) {
	t.Helper()
	wantA, wantW := g8Batch(t, X, y)
	a, w, err, ok := g8Fit(t, m)
	switch {
	case !ok:
		return
	case err != nil:
		t.Errorf("%s: Fit() returned an error: %v (batch least squares over the %d rows gives intercept %.8g)", what, err, len(X), wantA)
		return
	case len(w) != len(wantW):
		t.Errorf("%s: Fit() returned %d coefficients, want %d (one per feature; the intercept apart)", what, len(w), len(wantW))
		return
	}
	if !g8Close(wantA, a, g8Tol) {
		t.Errorf("%s", labtest.Mismatch(what+", the intercept", fmt.Sprintf("%.12g (mlkit.LinearRegression over %d rows)", wantA, len(X)), fmt.Sprintf("%.12g", a), hint))
	}
	for j := range w {
		if !g8Close(wantW[j], w[j], g8Tol) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s, coefficient %d", what, j), fmt.Sprintf("%.12g", wantW[j]), fmt.Sprintf("%.12g", w[j]), hint))
			return
		}
	}
}

func TestMultipleRegression(t *testing.T) {
	d := labtest.Dataset(t, "diabetes")
	rows, p := d.Rows(), d.Cols()
	row := func(i int) []float64 { return slices.Clone(d.X.RawRowView(i)) }
	const shape = "the normal equations (X'X) w = X'y over rows [1, x...]: X'X[i][j] += row[i]*row[j], X'y[i] += row[i]*y; solve with mat.Cholesky"

	t.Run("diabetes, streamed row by row, equals batch least squares", func(t *testing.T) {
		m := NewNormalEquations(p)
		var X [][]float64
		ok := labtest.Guard(t, "NormalEquations.Learn", func() {
			for i := range rows {
				if err := m.Learn(row(i), d.Y[i]); err != nil {
					t.Fatalf("Learn(row %d): %v", i, err)
				}
				X = append(X, row(i))
			}
		})
		if ok {
			g8CheckFit(t, fmt.Sprintf("after learning the %d rows of diabetes", rows), m, X, d.Y, shape)
		}
	})

	t.Run("updates and deletes: equals batch over the live rows", func(t *testing.T) {
		m := NewNormalEquations(p)
		live := map[int]float64{}
		r := rand.New(rand.NewPCG(8, 4))
		ok := labtest.Guard(t, "NormalEquations", func() {
			for i := range rows {
				if err := m.Learn(row(i), d.Y[i]); err != nil {
					t.Fatalf("Learn(row %d): %v", i, err)
				}
				live[i] = d.Y[i]
			}
			for i := range rows {
				switch {
				case i%4 == 1: // deleted
					if err := m.Forget(row(i), live[i]); err != nil {
						t.Fatalf("Forget(row %d): %v", i, err)
					}
					delete(live, i)
				case i%5 == 2: // a corrected label
					newY := live[i] + 50*r.NormFloat64()
					if err := m.Forget(row(i), live[i]); err != nil {
						t.Fatalf("Forget(row %d): %v", i, err)
					}
					if err := m.Learn(row(i), newY); err != nil {
						t.Fatalf("Learn(row %d): %v", i, err)
					}
					live[i] = newY
				}
			}
		})
		if !ok {
			return
		}
		var X [][]float64
		var y []float64
		for i := range rows {
			if v, ok := live[i]; ok {
				X, y = append(X, row(i)), append(y, v)
			}
		}
		if m.N != len(X) {
			t.Errorf("N = %d after learning %d rows, deleting %d and updating some; want %d", m.N, rows, rows-len(X), len(X))
		}
		g8CheckFit(t, "after deleting every fourth row and correcting the labels of others", m, X, y, "Forget subtracts exactly what Learn added")
	})

	t.Run("too few rows or dependent columns give no model", func(t *testing.T) {
		m := NewNormalEquations(3)
		var a float64
		var err error
		labtest.Guard(t, "NormalEquations", func() {
			_ = m.Learn([]float64{1, 2, 3}, 4)
			_ = m.Learn([]float64{2, 1, 0}, 5)
			a, _, err = m.Fit()
		})
		if !errors.Is(err, mlkit.ErrUndetermined) {
			t.Errorf("Fit() over 2 rows of 3 features = %v, %v; want an error wrapping mlkit.ErrUndetermined: 4 unknowns (with the intercept) and 2 equations. Cholesky fails (Factorize returns false) or is ill-conditioned (Cond() > 1e12)", a, err)
		}
		dep := NewNormalEquations(2)
		labtest.Guard(t, "NormalEquations", func() {
			for i := range 20 {
				x := float64(i)
				_ = dep.Learn([]float64{x, 2 * x}, 3*x+1) // the second column is twice the first
			}
			a, _, err = dep.Fit()
		})
		if !errors.Is(err, mlkit.ErrUndetermined) {
			t.Errorf("Fit() with a column that is twice another = %v, %v; want an error wrapping mlkit.ErrUndetermined (infinitely many solutions)", a, err)
		}
		// And enough independent rows do give a model.
		ok3 := NewNormalEquations(3)
		var X [][]float64
		var y []float64
		labtest.Guard(t, "NormalEquations", func() {
			for i := range 12 {
				x := []float64{float64(i), float64(i * i % 7), float64(i%3) - 1}
				X, y = append(X, x), append(y, 1+x[0]-2*x[1]+0.5*x[2]+float64(i%2))
				_ = ok3.Learn(x, y[len(y)-1])
			}
		})
		g8CheckFit(t, "12 independent rows of 3 features", ok3, X, y, shape)
	})

	t.Run("bad rows are refused and change nothing", func(t *testing.T) {
		m := NewNormalEquations(p)
		var X [][]float64
		labtest.Guard(t, "NormalEquations", func() {
			if err := m.Forget(row(0), d.Y[0]); err == nil {
				t.Errorf("Forget on an empty model returned no error")
			}
			for i := range 100 {
				if err := m.Learn(row(i), d.Y[i]); err != nil {
					t.Fatalf("Learn(row %d): %v", i, err)
				}
				X = append(X, row(i))
			}
			bad := row(5)
			bad[3] = math.NaN()
			for _, c := range []struct {
				x    []float64
				y    float64
				what string
			}{
				{row(1)[:p-1], 100, fmt.Sprintf("a row of %d features", p-1)},
				{append(row(1), 1), 100, fmt.Sprintf("a row of %d features", p+1)},
				{bad, 100, "a NaN feature"},
				{row(2), math.Inf(1), "an infinite label"},
			} {
				if err := m.Learn(c.x, c.y); err == nil {
					t.Errorf("Learn of %s returned no error", c.what)
				}
				if err := m.Forget(c.x, c.y); err == nil {
					t.Errorf("Forget of %s returned no error", c.what)
				}
			}
		})
		if m.N != 100 {
			t.Errorf("N = %d after 100 good rows and refused bad ones: a refused row changes nothing", m.N)
		}
		g8CheckFit(t, "after refusing bad rows", m, X, d.Y[:100], "check the whole row (width, every value) before changing any sum")
	})
}

// ---------------------------------------------------------------------------
// Exercises 5 and 6: rows of a data set on a topic.

// g8RowSent is a row record as written.
type g8RowSent struct {
	row       int // -1 for a tombstone or a bad record
	key       string
	tomb      bool
	what      string
	partition int32
	offset    int64
}

// g8ProduceRows writes rows of d (and tombstones, bad records) to a topic
// of one partition, in order.
func g8ProduceRows(t *testing.T, bootstrap, topic string, d *mlkit.Dataset, items []g8RowSent, bad map[int]string) []g8RowSent {
	t.Helper()
	msgs := make([]*sarama.ProducerMessage, len(items))
	for i, it := range items {
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(it.key)}
		switch {
		case it.tomb:
		case it.row >= 0:
			msgs[i] = labtest.RowRecord(t, d, topic, it.row)
			msgs[i].Key = sarama.StringEncoder(it.key)
		default:
			msgs[i].Value = sarama.StringEncoder(bad[i])
		}
	}
	labtest.Produce(t, bootstrap, msgs...)
	out := slices.Clone(items)
	for i, m := range msgs {
		out[i].partition, out[i].offset = m.Partition, m.Offset
		if out[i].what == "" {
			out[i].what = "key " + out[i].key
		}
	}
	return out
}

func g8Accuracies(t *testing.T, recs []stream.Record) []AccuracyRecord {
	t.Helper()
	out := make([]AccuracyRecord, 0, len(recs))
	for _, r := range recs {
		var a AccuracyRecord
		if err := json.Unmarshal(r.Value, &a); err != nil {
			t.Fatalf("an output record is not an AccuracyRecord: %v: %s", err, r.Value)
		}
		out = append(out, a)
	}
	return out
}

// ---------------------------------------------------------------------------
// Exercise 5: online classification, evaluated test-then-train.

func TestPrequentialSGD(t *testing.T) {
	d := labtest.Dataset(t, "breast_cancer")
	bootstrap := labtest.Bootstrap(t)
	rowsTopic := labtest.Topic(t, "cancer-rows")
	accTopic := labtest.Topic(t, "cancer-accuracy")
	labtest.CreateTopic(t, bootstrap, rowsTopic, 1)
	labtest.CreateTopic(t, bootstrap, accTopic, 1)
	order := mlkit.Permutation(d.Rows(), 21)
	var items []g8RowSent
	bad := map[int]string{}
	for k, i := range order {
		if k == 100 {
			bad[len(items)] = `{"mean radius": "big"}`
			items = append(items, g8RowSent{row: -1, key: "bad-1", what: "a row with a feature that is not a number"})
		}
		if k == 300 {
			bad[len(items)] = `not json`
			items = append(items, g8RowSent{row: -1, key: "bad-2", what: "a value that is not JSON"})
		}
		items = append(items, g8RowSent{row: i, key: strconv.Itoa(i)})
	}
	sent := g8ProduceRows(t, bootstrap, rowsTopic, d, items, bad)
	badWhy := map[int]string{}
	for i, it := range sent {
		if it.row < 0 {
			badWhy[i] = it.what
		}
	}

	var e *Evaluation
	if !labtest.Guard(t, "NewEvaluation", func() { e = NewEvaluation(d) }) {
		return
	}
	if e == nil {
		t.Fatalf("NewEvaluation returned nil")
	}
	cfg := stream.Config{Bootstrap: bootstrap, Group: labtest.Group(t, "sgd"), Inputs: []string{rowsTopic}, Output: accTopic, Transform: e.Transform}
	run := labtest.RunStream(t, cfg, int64(len(sent)), 90*time.Second, 0)

	// The reference: the same classifier, the same order.
	ref := &mlkit.SGDClassifier{Standardize: true}
	refScore := mlkit.Prequential{Window: AccuracyWindow}
	var want []mlkit.PrequentialPoint
	for _, i := range order {
		x := d.X.RawRowView(i)
		pred, _ := ref.Predict(x)
		_ = ref.Learn(x, d.Y[i])
		want = append(want, refScore.Add(pred, d.Y[i]))
	}
	final := want[len(want)-1]

	t.Run("each record is predicted before it is learned", func(t *testing.T) {
		if p := run.Problem(int64(len(sent))); p != "" {
			t.Fatalf("%s", p)
		}
		got := g8Accuracies(t, labtest.ReadStream(t, bootstrap, accTopic))
		if len(got) != len(want) {
			t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("AccuracyRecords on the output topic for %d rows (and 2 bad records)", len(want)), len(want), len(got), "return one record per row, none for a bad record"))
		}
		if len(e.Curve) != len(want) {
			t.Errorf("Curve has %d points after %d rows: append each point Score.Add returns", len(e.Curve), len(want))
		}
		for k := range want {
			w, g := want[k], got[k]
			if g.Seen != w.Seen || !g8Close(w.Accuracy, g.Accuracy, 1e-12) || !g8Close(w.WindowAccuracy, g.WindowAccuracy, 1e-12) {
				hint := "predict with the model as it was before this row, add (prediction, label) to Score, then Learn"
				if g.Accuracy > w.Accuracy {
					hint = "your accuracy is higher than the honest one: is the row learned before it is predicted? Then the model has seen the answer"
				}
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the AccuracyRecord of row %d of the stream (data set row %d)", k+1, order[k]),
					fmt.Sprintf("seen %d, accuracy %.6f, window accuracy %.6f (mlkit.SGDClassifier{Standardize: true}, mlkit.Prequential{Window: %d})", w.Seen, w.Accuracy, w.WindowAccuracy, AccuracyWindow),
					fmt.Sprintf("seen %d, accuracy %.6f, window accuracy %.6f", g.Seen, g.Accuracy, g.WindowAccuracy), hint))
			}
		}
		t.Logf("prequential accuracy over %d rows: %.4f (last %d: %.4f)", final.Seen, final.Accuracy, AccuracyWindow, final.WindowAccuracy)
	})

	t.Run("bad rows are skipped and reported", func(t *testing.T) {
		if p := run.Problem(int64(len(sent))); p != "" {
			t.Fatalf("%s", p)
		}
		if e.Score.Seen != len(want) {
			t.Errorf("Score has seen %d rows, want %d: every good row is scored once", e.Score.Seen, len(want))
		}
		g8CheckSkipped(t, g8WhereRows(sent), badWhy, run.Skipped, rowsTopic)
	})

	t.Run("the batch model of lab 6 as the yardstick", func(t *testing.T) {
		var got float64
		var err error
		if !labtest.Guard(t, "BatchBaseline", func() { got, err = BatchBaseline(d) }) {
			return
		}
		wantB := g8Baseline(t, d)
		if err != nil || !g8Close(wantB, got, 1e-12) {
			t.Fatalf("%s", labtest.Mismatch("BatchBaseline(breast_cancer)", fmt.Sprintf("%.6f (rows i%%5 == 0 test; StandardScaler fitted on train; NewLogisticRegression(1))", wantB), fmt.Sprintf("%.6f, %v", got, err), "fit the scaler on the training rows only, then Transform the test rows"))
		}
		t.Logf("prequential accuracy (each row seen once, before it was learned) %.4f; batch model held-out accuracy %.4f", final.Accuracy, wantB)
	})

	t.Run("a chart of accuracy over time", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "accuracy.png")
		var err error
		if !labtest.Guard(t, "PlotAccuracy", func() { err = PlotAccuracy(want, 0.97, path) }) {
			return
		}
		if err != nil {
			t.Fatalf("PlotAccuracy(%d points, 0.97, %s): %v", len(want), path, err)
		}
		img, err := labtest.ReadPNG(path)
		if err != nil {
			t.Fatalf("%v", err)
		}
		if n := labtest.ColorsIn(img, 8); n < 4 {
			t.Errorf("the chart has %d colours: it looks blank; draw the curve (charts.AccuracyOverTime) and the batch line", n)
		}
		for _, c := range []struct {
			pts   []mlkit.PrequentialPoint
			batch float64
			what  string
		}{{nil, 0.9, "no points"}, {want, 1.5, "a batch accuracy of 1.5"}, {want, math.NaN(), "a batch accuracy of NaN"}} {
			p := filepath.Join(dir, "bad.png")
			labtest.Guard(t, "PlotAccuracy", func() { err = PlotAccuracy(c.pts, c.batch, p) })
			if err == nil {
				t.Errorf("PlotAccuracy with %s returned no error", c.what)
			}
			if _, serr := os.Stat(p); serr == nil {
				t.Errorf("PlotAccuracy with %s wrote %s: check everything before drawing", c.what, p)
				_ = os.Remove(p)
			}
		}
	})
}

// g8Baseline is lab 6's batch model, computed by the test.
func g8Baseline(t *testing.T, d *mlkit.Dataset) float64 {
	t.Helper()
	var trainRows, testRows []int
	for i := range d.Rows() {
		if i%5 == 0 {
			testRows = append(testRows, i)
		} else {
			trainRows = append(trainRows, i)
		}
	}
	train, _ := d.Subset(trainRows)
	test, _ := d.Subset(testRows)
	s := &mlkit.StandardScaler{}
	trX, _ := s.FitTransform(train.X)
	teX, _ := s.Transform(test.X)
	m := mlkit.NewLogisticRegression(1)
	if err := m.Fit(trX, train.Y); err != nil {
		t.Fatalf("the test's batch model: %v", err)
	}
	pred, _ := m.Predict(teX)
	acc, _ := mlkit.Accuracy(test.Y, pred)
	return acc
}

// ---------------------------------------------------------------------------
// Exercise 6: nearest neighbours over a stream with LSH.

func TestLSHStream(t *testing.T) {
	d := labtest.Dataset(t, "digits")
	bootstrap := labtest.Bootstrap(t)
	imagesTopic := labtest.Topic(t, "digits")
	predTopic := labtest.Topic(t, "digit-predictions")
	labtest.CreateTopic(t, bootstrap, imagesTopic, 1)
	labtest.CreateTopic(t, bootstrap, predTopic, 1)

	// Every image in order; every 10th is deleted again 100 images later
	// (a tombstone); some bad records.
	var items []g8RowSent
	bad := map[int]string{}
	for i := range d.Rows() {
		items = append(items, g8RowSent{row: i, key: strconv.Itoa(i)})
		if i%10 == 5 && i > 100 {
			items = append(items, g8RowSent{row: -1, key: strconv.Itoa(i - 100), tomb: true})
		}
		switch i {
		case 400:
			items = append(items, g8RowSent{row: -1, key: "not-an-image", what: "a value that is not an image"})
			bad[len(items)-1] = `{"pixel_0_0": "dark"}`
		case 700:
			items = append(items, g8RowSent{row: -1, key: "123456", tomb: true, what: "a tombstone for an image never seen"})
		case 900:
			items = append(items, g8RowSent{row: -1, key: "105", tomb: true, what: "a second tombstone for image 105"})
		}
	}
	sent := g8ProduceRows(t, bootstrap, imagesTopic, d, items, bad)
	badWhy := map[int]string{}
	for i, it := range sent {
		if it.what != "" && !strings.HasPrefix(it.what, "key ") {
			badWhy[i] = it.what
		}
	}

	var s *DigitStream
	var err error
	if !labtest.Guard(t, "NewDigitStream", func() { s, err = NewDigitStream(d) }) {
		return
	}
	if err != nil || s == nil {
		t.Fatalf("NewDigitStream(digits) = %v, %v", s, err)
	}
	cfg := stream.Config{Bootstrap: bootstrap, Group: labtest.Group(t, "lsh"), Inputs: []string{imagesTopic}, Output: predTopic, Transform: s.Transform}
	run := labtest.RunStream(t, cfg, int64(len(sent)), 120*time.Second, 0)

	// Brute force over the same stream: the same classifier looking at
	// every live example.
	brute, _ := mlkit.NewLSHKNN(len(d.Features), LSHNeighbours, 1, 1, 1e12, 1)
	bk := mlkit.NewKeyed(brute)
	var queries, bruteHits, bruteDistances int
	for _, it := range sent {
		switch {
		case it.tomb:
			_ = bk.Delete(it.key)
		case it.row >= 0:
			x := d.X.RawRowView(it.row)
			if bk.Live() > 0 {
				p, _ := brute.Predict(x)
				queries++
				bruteDistances += bk.Live()
				if p == d.Y[it.row] {
					bruteHits++
				}
			}
			_ = bk.Upsert(it.key, x, d.Y[it.row])
		}
	}
	bruteAcc := float64(bruteHits) / float64(queries)

	var rep Report
	reported := func(t *testing.T) bool {
		t.Helper()
		if p := run.Problem(int64(len(sent))); p != "" {
			t.Fatalf("%s", p)
		}
		return labtest.Guard(t, "Report", func() { rep = s.Report() })
	}

	t.Run("tombstones delete images from the index", func(t *testing.T) {
		if !reported(t) {
			return
		}
		if s.Examples == nil || s.Index == nil {
			t.Fatalf("the DigitStream has no Index or Examples: NewDigitStream builds them")
		}
		if s.Examples.Live() != bk.Live() || s.Index.Count() != bk.Live() {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("images held after %d images and %d tombstones", d.Rows(), d.Rows()-bk.Live()), bk.Live(),
				fmt.Sprintf("%d live keys, %d examples in the index", s.Examples.Live(), s.Index.Count()), "a tombstone (nil value) calls Examples.Delete(key): the image leaves the index"))
		}
	})

	t.Run("every image is classified against those before it", func(t *testing.T) {
		if !reported(t) {
			return
		}
		got := g8Accuracies(t, labtest.ReadStream(t, bootstrap, predTopic))
		if len(got) != queries || rep.Queries != queries {
			t.Fatalf("%s", labtest.Mismatch("predictions (output records, and Report().Queries)", fmt.Sprintf("%d: every image but the first", queries), fmt.Sprintf("%d records, Queries %d", len(got), rep.Queries), "predict each image before learning it, from the second on; a tombstone predicts nothing"))
		}
		hits := 0
		for _, a := range got {
			if a.Predicted == a.Actual {
				hits++
			}
		}
		acc := float64(hits) / float64(queries)
		if !g8Close(acc, rep.Accuracy, 1e-12) || !g8Close(acc, got[len(got)-1].Accuracy, 1e-12) {
			t.Errorf("the records' predictions are right %.4f of the time, Report().Accuracy says %.4f and the last record %.4f", acc, rep.Accuracy, got[len(got)-1].Accuracy)
		}
		if rep.Accuracy < 0.95*bruteAcc {
			t.Errorf("%s", labtest.Mismatch("LSH accuracy, tested before learning", fmt.Sprintf("at least 95%% of brute force's %.4f", bruteAcc), fmt.Sprintf("%.4f", rep.Accuracy), "use the settings given (3 neighbours, 12 tables, 4 hashes, width 32): fewer tables or narrower slots miss true neighbours"))
		}
		t.Logf("accuracy over %d images: LSH %.4f, brute force %.4f", queries, rep.Accuracy, bruteAcc)
	})

	t.Run("LSH computes far fewer distances than brute force", func(t *testing.T) {
		if !reported(t) {
			return
		}
		if rep.BruteForceDistances != bruteDistances {
			t.Errorf("%s", labtest.Mismatch("Report().BruteForceDistances", bruteDistances, rep.BruteForceDistances, "add Examples.Live() (the images brute force would compare with) before each prediction"))
		}
		if rep.LSHDistances != s.Index.Candidates || rep.LSHDistances == 0 {
			t.Errorf("Report().LSHDistances = %d, the index computed %d (Index.Candidates)", rep.LSHDistances, s.Index.Candidates)
		}
		want := float64(rep.BruteForceDistances) / math.Max(1, float64(rep.LSHDistances))
		if !g8Close(want, rep.SpeedUp, 1e-12) || rep.SpeedUp < 5 {
			t.Errorf("SpeedUp = %.2f; BruteForceDistances / LSHDistances = %.2f, and LSH must compute at least 5 times fewer distances", rep.SpeedUp, want)
		}
		t.Logf("distances: LSH %d, brute force %d: %.1fx fewer, at %.4f of brute force's accuracy", rep.LSHDistances, rep.BruteForceDistances, rep.SpeedUp, rep.Accuracy/bruteAcc)
	})

	t.Run("bad records are skipped and reported", func(t *testing.T) {
		if !reported(t) {
			return
		}
		if rep.Queries == 0 {
			t.Fatalf("no image was classified")
		}
		g8CheckSkipped(t, g8WhereRows(sent), badWhy, run.Skipped, imagesTopic)
		for _, sk := range run.Skipped {
			if string(sk.Key) == "123456" && !errors.Is(sk.Err, mlkit.ErrUnknownKey) {
				t.Errorf("the tombstone for image 123456 (never seen) was skipped with %q; want an error wrapping mlkit.ErrUnknownKey (Examples.Delete returns one)", sk.Err)
			}
		}
	})
}
