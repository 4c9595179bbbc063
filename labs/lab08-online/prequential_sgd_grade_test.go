//go:build grading

package lab08

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestPrequentialSGD(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { _, err := NewEvaluation(nil).Transform(stream.Record{}); return err },
		func() error { _, err := BatchBaseline(nil); return err },
		func() error { return PlotAccuracy(nil, 0, filepath.Join(t.TempDir(), "probe.png")) })
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
			t.Fatalf("%s", labtest.Mismatch("BatchBaseline(breast_cancer)", fmt.Sprintf("%.6f (rows i%%5 == 0 test; StandardScaler fitted on train; NewLogisticRegression(1))", wantB), labtest.Returned(fmt.Sprintf("%.6f", got), err), "fit the scaler on the training rows only, then Transform the test rows"))
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
