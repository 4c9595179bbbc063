package onnxmodel_test

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
)

type fitted struct {
	name   string
	form   *mlkit.LinearForm
	data   *mlkit.Dataset
	want   *mat.Dense // what mlkit answers for data.X
	isProb bool
}

func load(t testing.TB, name, label string) *mlkit.Dataset {
	t.Helper()
	d, err := mlkit.LoadCSVFS(datasets.FS, name, mlkit.LoadOptions{Label: label})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// models fits a regressor, a binary and a multinomial classifier (behind
// scalers) on the shipped data and keeps mlkit's own answers.
func models(t testing.TB) []fitted {
	t.Helper()
	diabetes := load(t, "diabetes.csv", "progression")
	ols := &mlkit.LinearRegression{}
	if err := ols.Fit(diabetes.X, diabetes.Y); err != nil {
		t.Fatal(err)
	}
	pred, err := ols.Predict(diabetes.X)
	if err != nil {
		t.Fatal(err)
	}
	olsForm, err := mlkit.LinearFormOf(ols, nil, diabetes.Features)
	if err != nil {
		t.Fatal(err)
	}
	out := []fitted{{"ols diabetes", olsForm, diabetes, mat.NewDense(len(pred), 1, pred), false}}
	for _, c := range []struct{ file, label string }{{"breast_cancer.csv", "benign"}, {"iris.csv", "species"}} {
		d := load(t, c.file, c.label)
		s := &mlkit.StandardScaler{}
		Xs, err := s.FitTransform(d.X)
		if err != nil {
			t.Fatal(err)
		}
		m := mlkit.NewLogisticRegression(1)
		if err := m.Fit(Xs, d.Y); err != nil {
			t.Fatal(err)
		}
		p, err := m.PredictProba(Xs)
		if err != nil {
			t.Fatal(err)
		}
		form, err := mlkit.LinearFormOf(m, s, d.Features)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fitted{"logistic " + c.file, form, d, p, true})
	}
	return out
}

// TestExportRunsInTheGoRuntime exports each model, loads the file into the
// ONNX runtime and compares every row's output with mlkit's to 1e-6.
func TestExportRunsInTheGoRuntime(t *testing.T) {
	for _, f := range models(t) {
		t.Run(f.name, func(t *testing.T) {
			card := &mlkit.ModelCard{Name: "m", Version: 3, Model: f.form.Model, Features: f.form.Features, Label: f.data.Label, Created: time.Unix(0, 0).UTC()}
			data, err := onnxmodel.Export(f.form, onnxmodel.Options{Name: "test", Card: card})
			if err != nil {
				t.Fatal(err)
			}
			m, err := onnxmodel.Load(data)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(m.Features, ",") != strings.Join(f.data.Features, ",") {
				t.Errorf("features %v, want %v", m.Features, f.data.Features)
			}
			if f.isProb != (m.Classes != nil) || m.Card == nil || m.Card.Version != 3 {
				t.Errorf("classes %v, card %+v", m.Classes, m.Card)
			}
			got, err := m.Run(f.data.X)
			if err != nil {
				t.Fatal(err)
			}
			r, c := f.want.Dims()
			if gr, gc := got.Dims(); gr != r || gc != c {
				t.Fatalf("output %dx%d, want %dx%d", gr, gc, r, c)
			}
			var worst float64
			for i := 0; i < r; i++ {
				for k := 0; k < c; k++ {
					d := math.Abs(got.At(i, k)-f.want.At(i, k)) / math.Max(1, math.Abs(f.want.At(i, k)))
					worst = math.Max(worst, d)
					if d > 1e-6 {
						t.Fatalf("row %d column %d: ONNX %.10g, mlkit %.10g", i, k, got.At(i, k), f.want.At(i, k))
					}
				}
			}
			t.Logf("%d rows, largest difference %.3g", r, worst)
		})
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	if _, err := onnxmodel.Load([]byte("not a model")); err == nil {
		t.Error("garbage loaded")
	}
	f := models(t)[0]
	data, err := onnxmodel.Export(f.form, onnxmodel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxmodel.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(mat.NewDense(2, 3, nil)); !errors.Is(err, mlkit.ErrShape) {
		t.Errorf("3 columns into a 10-feature model: %v, want ErrShape", err)
	}
	if _, err := onnxmodel.Export(&mlkit.LinearForm{}, onnxmodel.Options{}); err == nil {
		t.Error("an empty form exported")
	}
}

// TestONNXCheckerAcceptsExports runs the ONNX project's own checker (full
// check, with shape inference) over every exported file. It needs Python's
// onnx package (Debian: python3-onnx, which the CI script installs).
func TestONNXCheckerAcceptsExports(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import onnx").Run(); err != nil {
		t.Skipf("the ONNX checker is not installed (%s -c 'import onnx': %v); apt-get install python3-onnx", python, err)
	}
	dir := t.TempDir()
	var files []string
	for i, f := range models(t) {
		data, err := onnxmodel.Export(f.form, onnxmodel.Options{})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, strings.ReplaceAll(f.name, " ", "_")+".onnx")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
		_ = i
	}
	script := `
import sys, onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    print(path, "ok opset", m.opset_import[0].version)
`
	out, err := exec.Command(python, append([]string{"-c", script}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx.checker.check_model: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), " ok opset 13"); n != len(files) {
		t.Fatalf("checker output for %d files:\n%s", len(files), out)
	}
	// The checker must be able to refuse: a graph whose MatMul reads a
	// tensor nobody defines.
	broken := filepath.Join(dir, "broken.onnx")
	data, _ := os.ReadFile(files[0])
	data = []byte(strings.Replace(string(data), "XW", "QQ", 1))
	if err := os.WriteFile(broken, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(python, "-c", script, broken).CombinedOutput(); err == nil {
		t.Fatalf("the checker accepted a broken graph:\n%s", out)
	}
}

func BenchmarkONNXRun(b *testing.B) {
	f := models(b)[1]
	data, err := onnxmodel.Export(f.form, onnxmodel.Options{})
	if err != nil {
		b.Fatal(err)
	}
	m, err := onnxmodel.Load(data)
	if err != nil {
		b.Fatal(err)
	}
	row := mat.NewDense(1, len(f.form.Features), f.data.X.RawRowView(0))
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Run(row); err != nil {
			b.Fatal(err)
		}
	}
}
