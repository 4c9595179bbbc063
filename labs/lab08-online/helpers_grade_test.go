//go:build grading

// Grading tests of lab 8. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. The tests
// compare your models with batch least squares (mlkit.LinearRegression) over
// the records alive at the end, and with the course's online models in
// pkg/mlkit, and run your stream code through the course's stream processor on
// real topics.
package lab08

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
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

// g8Input is one record of a points topic: a value or a tombstone.
type g8Input struct {
	key  string
	val  *g8Pt
	raw  string // a bad value, sent as is
	tomb bool
}

func g8Val(key string, x, y float64) g8Input { return g8Input{key: key, val: &g8Pt{x, y}} }

func g8Tomb(key string) g8Input { return g8Input{key: key, tomb: true} }

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
		return fmt.Sprintf("%s=(%.6g, %.6g)", in.key, in.val.x, in.val.y)
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

func g8WhereRows(sent []g8RowSent) []g8Where {
	out := make([]g8Where, len(sent))
	for i, x := range sent {
		out[i] = g8Where{x.partition, x.offset, x.what}
	}
	return out
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
