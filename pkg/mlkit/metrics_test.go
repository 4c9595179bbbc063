package mlkit_test

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// The expected numbers below come from scikit-learn 1.2.1's metrics on the
// same vectors.

var (
	cmTrue = []float64{0, 1, 2, 2, 1, 0, 1, 2}
	cmPred = []float64{0, 2, 2, 2, 1, 0, 0, 1}
)

func TestConfusionMatrixAndReport(t *testing.T) {
	cm, err := mlkit.NewConfusionMatrix(cmTrue, cmPred)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]int{{2, 0, 0}, {1, 1, 1}, {0, 1, 2}}; !reflect.DeepEqual(cm.Counts, want) {
		t.Errorf("counts %v, want %v", cm.Counts, want)
	}
	if cm.Total() != 8 {
		t.Errorf("total %d", cm.Total())
	}
	r := cm.Report()
	want := []mlkit.ClassMetrics{
		{Label: 0, Precision: 2.0 / 3, Recall: 1, F1: 0.8, Support: 2},
		{Label: 1, Precision: 0.5, Recall: 1.0 / 3, F1: 0.4, Support: 3},
		{Label: 2, Precision: 2.0 / 3, Recall: 2.0 / 3, F1: 2.0 / 3, Support: 3},
	}
	for i, w := range want {
		g := r.Classes[i]
		if g.Label != w.Label || g.Support != w.Support || !near(g.Precision, w.Precision) || !near(g.Recall, w.Recall) || !near(g.F1, w.F1) {
			t.Errorf("class %v: %+v, want %+v", w.Label, g, w)
		}
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"accuracy", r.Accuracy, 5.0 / 8},
		{"macro precision", r.MacroPrecision, 0.611111111111111},
		{"macro recall", r.MacroRecall, 0.6666666666666666},
		{"macro F1", r.MacroF1, 0.6222222222222222},
		{"weighted precision", r.WeightedPrecision, 0.6041666666666666},
		{"weighted recall", r.WeightedRecall, 0.625},
		{"weighted F1", r.WeightedF1, 0.6000000000000001},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	// A class never predicted keeps its column when the labels are given.
	cm, err = mlkit.ConfusionMatrixOf([]float64{0, 0}, []float64{0, 0}, []float64{0, 1})
	if err != nil || !reflect.DeepEqual(cm.Counts, [][]int{{2, 0}, {0, 0}}) {
		t.Errorf("ConfusionMatrixOf: %v %v", cm, err)
	}
	if _, err := mlkit.ConfusionMatrixOf([]float64{0, 2}, []float64{0, 0}, []float64{0, 1}); err == nil {
		t.Error("a label outside the given labels: no error")
	}
}

func TestBinaryMetrics(t *testing.T) {
	yTrue := []float64{1, 1, 0, 0, 1}
	yPred := []float64{1, 0, 1, 0, 1}
	for _, c := range []struct {
		name string
		f    func([]float64, []float64, float64) (float64, error)
		want float64
	}{
		{"precision", mlkit.Precision, 2.0 / 3}, {"recall", mlkit.Recall, 2.0 / 3}, {"F1", mlkit.F1, 2.0 / 3},
	} {
		got, err := c.f(yTrue, yPred, 1)
		if err != nil || !near(got, c.want) {
			t.Errorf("%s = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	// Nothing predicted positive: precision 0 (scikit-learn's zero_division).
	if p, err := mlkit.Precision([]float64{1, 0}, []float64{0, 0}, 1); err != nil || p != 0 {
		t.Errorf("precision with no positive predictions = %v, %v", p, err)
	}
}

func TestROC(t *testing.T) {
	c, err := mlkit.ROC([]float64{0, 0, 1, 1}, []float64{0.1, 0.4, 0.35, 0.8}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.FPR, []float64{0, 0, 0.5, 0.5, 1}) || !reflect.DeepEqual(c.TPR, []float64{0, 0.5, 0.5, 1, 1}) ||
		!reflect.DeepEqual(c.Thresholds, []float64{1.8, 0.8, 0.4, 0.35, 0.1}) {
		t.Errorf("ROC %+v", c)
	}
	if c.AUC() != 0.75 {
		t.Errorf("AUC %v, want 0.75", c.AUC())
	}
	// Tied scores make one point, and the diagonal between.
	auc, err := mlkit.ROCAUC([]float64{0, 0, 1, 1, 0, 1}, []float64{0.5, 0.5, 0.5, 0.9, 0.1, 0.2}, 1)
	if err != nil || !near(auc, 0.6666666666666667) {
		t.Errorf("AUC with ties %v, %v", auc, err)
	}
	if _, err := mlkit.ROC([]float64{1, 1}, []float64{0.2, 0.3}, 1); err == nil {
		t.Error("ROC with no negatives: no error")
	}
	if _, err := mlkit.AUC([]float64{0, 1, 0.5}, []float64{0, 1, 1}); err == nil {
		t.Error("AUC of a non-monotonic x: no error")
	}
}

func TestRegressionMetrics(t *testing.T) {
	yTrue := []float64{3, -0.5, 2, 7}
	yPred := []float64{2.5, 0, 2, 8}
	m, err := mlkit.EvaluateRegression(yTrue, yPred)
	if err != nil {
		t.Fatal(err)
	}
	want := mlkit.RegressionMetrics{MSE: 0.375, RMSE: math.Sqrt(0.375), MAE: 0.5, R2: 0.9486081370449679}
	if !near(m.MSE, want.MSE) || !near(m.RMSE, want.RMSE) || !near(m.MAE, want.MAE) || !near(m.R2, want.R2) {
		t.Errorf("got %+v, want %+v", m, want)
	}
	for _, c := range []struct {
		yTrue, yPred []float64
		want         float64
	}{
		{[]float64{2, 2}, []float64{2, 2}, 1}, // constant truth, perfect
		{[]float64{2, 2}, []float64{2, 3}, 0}, // constant truth, imperfect
		{[]float64{1, 2, 3}, []float64{2, 2, 2}, 0},
	} {
		if r2, _ := mlkit.R2(c.yTrue, c.yPred); r2 != c.want {
			t.Errorf("R2(%v, %v) = %v, want %v", c.yTrue, c.yPred, r2, c.want)
		}
	}
}

func TestMetricErrors(t *testing.T) {
	metrics := map[string]func([]float64, []float64) (float64, error){
		"accuracy": mlkit.Accuracy, "mse": mlkit.MSE, "rmse": mlkit.RMSE, "mae": mlkit.MAE, "r2": mlkit.R2,
		"roc auc": func(a, b []float64) (float64, error) { return mlkit.ROCAUC(a, b, 1) },
		"f1":      func(a, b []float64) (float64, error) { return mlkit.F1(a, b, 1) },
	}
	for name, f := range metrics {
		if _, err := f([]float64{1, 0}, []float64{1}); !errors.Is(err, mlkit.ErrShape) {
			t.Errorf("%s of mismatched lengths: %v", name, err)
		}
		if _, err := f(nil, nil); !errors.Is(err, mlkit.ErrEmpty) {
			t.Errorf("%s of nothing: %v", name, err)
		}
		if _, err := f([]float64{1, 0}, []float64{math.NaN(), 1}); !errors.Is(err, mlkit.ErrNotFinite) {
			t.Errorf("%s with NaN: %v", name, err)
		}
	}
	if _, err := mlkit.NewConfusionMatrix([]float64{1}, nil); !errors.Is(err, mlkit.ErrShape) {
		t.Errorf("confusion matrix of mismatched lengths: %v", err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
