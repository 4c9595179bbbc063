//go:build live

// Run this lab's models on the shipped data sets, beside the library's, and
// draw the charts (the grader never runs this file):
//
//	go test -tags live -run TestLive -v ./labs/lab06-models/
//
// The charts go to the folder named by LAB6_OUT, or to mlops-lab-lab6 in the
// system's temporary folder; the test prints where.
package lab06

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestLive(t *testing.T) {
	out := os.Getenv("LAB6_OUT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "mlops-lab-lab6")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	load := func(name string, n int) (train, test *mlkit.Dataset) {
		d, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			train, test, err = FirstRows(d, n)
		} else {
			train, test, err = EveryFifth(d)
		}
		if err != nil {
			t.Fatal(err)
		}
		return train, test
	}
	type model interface {
		Fit(mat.Matrix, []float64) error
		Predict(mat.Matrix) ([]float64, error)
	}
	accuracy := func(m model, train, test *mlkit.Dataset) string {
		if err := m.Fit(train.X, train.Y); err != nil {
			return "Fit: " + err.Error()
		}
		pred, err := m.Predict(test.X)
		if err != nil {
			return "Predict: " + err.Error()
		}
		acc, err := mlkit.Accuracy(test.Y, pred)
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("%.4f", acc)
	}

	fmt.Println("classifiers: accuracy on the test rows (yours / the library's)")
	for _, c := range []struct {
		name string
		n    int
		k    int
	}{{"iris", 0, 5}, {"wine", 0, 5}, {"digits", 1347, 3}} {
		train, test := load(c.name, c.n)
		fmt.Printf("  %-7s %d-NN %s / %s    naive Bayes %s / %s\n", c.name, c.k,
			accuracy(&KNN{K: c.k}, train, test), accuracy(mlkit.NewKNN(c.k, mlkit.Euclidean, mlkit.Uniform), train, test),
			accuracy(&GaussianNB{}, train, test), accuracy(&mlkit.GaussianNB{}, train, test))
	}

	train, test := load("diabetes", 0)
	coef, intercept, err := FitLinear(train.X, train.Y)
	if err != nil {
		t.Fatalf("FitLinear: %v", err)
	}
	fmt.Printf("\ndiabetes, least squares on %d rows: intercept %.3f\n", train.Rows(), intercept)
	for j, f := range train.Features {
		fmt.Printf("  %-4s %10.4f\n", f, coef[j])
	}
	pred, err := PredictLinear(test.X, coef, intercept)
	if err != nil {
		t.Fatalf("PredictLinear: %v", err)
	}
	r2, err := R2(test.Y, pred)
	fmt.Printf("  R^2 on the %d test rows: %.4f (%v)\n", test.Rows(), r2, err)
	residuals := filepath.Join(out, "residuals.png")
	if err := PlotResiduals(pred, test.Y, residuals); err != nil {
		t.Fatalf("PlotResiduals: %v", err)
	}
	pva, err := charts.PredictedVsActual(test.Y, pred, "diabetes: least squares")
	if err == nil {
		err = charts.SavePNG(filepath.Join(out, "predicted_vs_actual.png"), pva)
	}
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("  charts: %s, %s\n", residuals, filepath.Join(out, "predicted_vs_actual.png"))

	ctrain, ctest := load("breast_cancer", 0)
	res, err := ClassifyCancer(ctrain, ctest)
	if err != nil {
		t.Fatalf("ClassifyCancer: %v", err)
	}
	fmt.Printf("\nbreast_cancer, standardized logistic regression: accuracy %.4f, baseline %.4f (%d iterations, converged %v)\n",
		res.Accuracy, res.Baseline, res.Model.Iterations, res.Model.Converged)
}
