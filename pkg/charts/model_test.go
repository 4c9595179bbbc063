package charts_test

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"

	"gonum.org/v1/gonum/mat"
)

// outDir is where the charts go: CHARTS_DIR if set (to look at them),
// otherwise a temporary folder.
func outDir(t *testing.T) string {
	if d := os.Getenv("CHARTS_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func load(t *testing.T, name, label string) *mlkit.Dataset {
	t.Helper()
	d, err := mlkit.LoadCSVFS(datasets.FS, name, mlkit.LoadOptions{Label: label})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCharts(t *testing.T) {
	diabetes := load(t, "diabetes.csv", "progression")
	var ols mlkit.LinearRegression
	if err := ols.Fit(diabetes.X, diabetes.Y); err != nil {
		t.Fatal(err)
	}
	pred, _ := ols.Predict(diabetes.X)

	bmi := mat.Col(nil, diabetes.Column("bmi"), diabetes.X)
	var line mlkit.LinearRegression
	if err := line.Fit(mat.NewDense(len(bmi), 1, bmi), diabetes.Y); err != nil {
		t.Fatal(err)
	}

	iris := load(t, "iris.csv", "species")
	knn := &mlkit.KNN{K: 5}
	if err := knn.Fit(iris.X, iris.Y); err != nil {
		t.Fatal(err)
	}
	ip, _ := knn.Predict(iris.X)
	cm, err := mlkit.NewConfusionMatrix(iris.Y, ip)
	if err != nil {
		t.Fatal(err)
	}

	cancer := load(t, "breast_cancer.csv", "benign")
	var nb mlkit.GaussianNB
	if err := nb.Fit(cancer.X, cancer.Y); err != nil {
		t.Fatal(err)
	}
	proba, _ := nb.PredictProba(cancer.X)
	roc, err := mlkit.ROC(cancer.Y, mat.Col(nil, 1, proba), 1)
	if err != nil {
		t.Fatal(err)
	}

	dir := outDir(t)
	for _, tc := range []struct {
		file string
		make func() (*plot.Plot, error)
	}{
		{"predicted_vs_actual.png", func() (*plot.Plot, error) {
			return charts.PredictedVsActual(diabetes.Y, pred, "OLS on diabetes")
		}},
		{"feature_fit.png", func() (*plot.Plot, error) {
			return charts.FeatureFit(bmi, diabetes.Y, line.Coef[0], line.Intercept, "bmi", "progression", "progression ~ bmi")
		}},
		{"confusion_matrix.png", func() (*plot.Plot, error) {
			return charts.ConfusionMatrix(cm, iris.Classes, "5-NN on iris (training data)")
		}},
		{"roc.png", func() (*plot.Plot, error) {
			return charts.ROC("Gaussian NB on breast cancer", charts.ROCSeries{Name: "benign", Curve: roc})
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p, err := tc.make()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, tc.file)
			if err := charts.SavePNG(path, p); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 300 {
				t.Errorf("image is only %dx%d", b.Dx(), b.Dy())
			}
		})
	}
}

func TestWritePNGSize(t *testing.T) {
	p, err := charts.ROC("", charts.ROCSeries{Curve: &mlkit.ROCCurve{FPR: []float64{0, 1}, TPR: []float64{0, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := charts.WritePNG(&buf, p, 4*vg.Inch, 3*vg.Inch); err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(&buf)
	if err != nil || cfg.Width <= cfg.Height {
		t.Errorf("4x3 inch PNG decodes as %dx%d (%v)", cfg.Width, cfg.Height, err)
	}
}

func TestChartErrors(t *testing.T) {
	cm := &mlkit.ConfusionMatrix{Labels: []float64{0, 1}, Counts: [][]int{{1, 0}, {0, 1}}}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"mismatched", second(charts.PredictedVsActual([]float64{1, 2}, []float64{1}, "")), mlkit.ErrShape},
		{"empty", second(charts.PredictedVsActual(nil, nil, "")), mlkit.ErrEmpty},
		{"NaN", second(charts.FeatureFit([]float64{1}, []float64{math.NaN()}, 1, 0, "", "", "")), mlkit.ErrNotFinite},
		{"NaN slope", second(charts.FeatureFit([]float64{1}, []float64{1}, math.NaN(), 0, "", "", "")), mlkit.ErrNotFinite},
		{"nil matrix", second(charts.ConfusionMatrix(nil, nil, "")), mlkit.ErrEmpty},
		{"names", second(charts.ConfusionMatrix(cm, []string{"a"}, "")), mlkit.ErrShape},
		{"ragged", second(charts.ConfusionMatrix(&mlkit.ConfusionMatrix{Labels: []float64{0, 1}, Counts: [][]int{{1}, {0, 1}}}, nil, "")), mlkit.ErrShape},
		{"negative count", second(charts.ConfusionMatrix(&mlkit.ConfusionMatrix{Labels: []float64{0}, Counts: [][]int{{-1}}}, nil, "")), nil},
		{"no curves", second(charts.ROC("")), mlkit.ErrEmpty},
		{"nil curve", second(charts.ROC("", charts.ROCSeries{})), mlkit.ErrEmpty},
	} {
		if tc.err == nil || (tc.want != nil && !errors.Is(tc.err, tc.want)) {
			t.Errorf("%s: error %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	p, _ := charts.ConfusionMatrix(cm, nil, "")
	if err := charts.SavePNG(filepath.Join(t.TempDir(), "x.jpg"), p); err == nil {
		t.Error("SavePNG to .jpg: no error")
	}
	if err := charts.WritePNG(&bytes.Buffer{}, nil, vg.Inch, vg.Inch); err == nil {
		t.Error("WritePNG(nil): no error")
	}
}

func second(_ *plot.Plot, err error) error { return err }

func TestAccuracyOverTime(t *testing.T) {
	var pq mlkit.Prequential
	var pts []mlkit.PrequentialPoint
	for i := 0; i < 300; i++ {
		pred := 1.0
		if i%4 == 0 {
			pred = 0
		}
		pts = append(pts, pq.Add(pred, 1))
	}
	p, err := charts.AccuracyOverTime(pts, 100, "sgd on a stream")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "acc.png")
	if err := charts.SavePNG(path, p); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() < 5000 {
		t.Fatalf("PNG %v, %v", st, err)
	}
	if _, err := charts.AccuracyOverTime(nil, 100, "x"); err == nil {
		t.Error("no points drew a chart")
	}
	if _, err := charts.AccuracyOverTime([]mlkit.PrequentialPoint{{Seen: 1, Accuracy: 2}}, 100, "x"); err == nil {
		t.Error("accuracy 2 drew a chart")
	}
}
