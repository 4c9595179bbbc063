//go:build grading

package lab06

import (
	"errors"
	"fmt"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestLinearRegression(t *testing.T) {
	diabetes := labtest.Dataset(t, "diabetes")
	ref := &mlkit.LinearRegression{}
	if err := ref.Fit(diabetes.X, diabetes.Y); err != nil {
		t.Fatal(err)
	}
	refPred, err := ref.Predict(diabetes.X)
	if err != nil {
		t.Fatal(err)
	}

	var (
		coef      []float64
		intercept float64
		fitErr    error
	)
	if !labtest.Guard(t, "FitLinear", func() { coef, intercept, fitErr = FitLinear(diabetes.X, diabetes.Y) }) {
		fitErr = errors.New("it panicked")
	}

	t.Run("coefficients and intercept on diabetes", func(t *testing.T) {
		if fitErr != nil {
			t.Fatalf("FitLinear(diabetes: 442 rows, 10 features) returned an error: %v", fitErr)
		}
		if len(coef) != len(ref.Coef) {
			t.Fatalf("%s", labtest.Mismatch("number of coefficients", len(ref.Coef), len(coef), "one per feature, in column order; the intercept is returned apart"))
		}
		if !labtest.Close(ref.Intercept, intercept, 1e-6) {
			hint := "scikit-learn's intercept is -334.567139: fit it as the coefficient of a column of ones"
			if intercept == 0 {
				hint = "an intercept of 0 is a plane through the origin: add a column of ones to X and its coefficient is the intercept"
			}
			t.Errorf("%s", labtest.Mismatch("the intercept", ref.Intercept, intercept, hint))
		}
		for j, want := range ref.Coef {
			if !labtest.Close(want, coef[j], 1e-6) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the coefficient of %s", diabetes.Features[j]), want, coef[j],
					"solve the least-squares problem for [1 | X] and y, e.g. w.SolveVec(A, y) with A the tall matrix: gonum then uses a QR factorization"))
			}
		}
	})

	t.Run("predictions on rows it has not seen", func(t *testing.T) {
		train, test, err := EveryFifth(diabetes)
		if err != nil {
			t.Fatal(err)
		}
		m := &mlkit.LinearRegression{}
		if err := m.Fit(train.X, train.Y); err != nil {
			t.Fatal(err)
		}
		want, _ := m.Predict(test.X)
		var got []float64
		if !labtest.Guard(t, "PredictLinear", func() { got, err = PredictLinear(test.X, m.Coef, m.Intercept) }) {
			return
		}
		if err != nil {
			t.Fatalf("PredictLinear(%d rows, the library's coefficients) returned an error: %v", test.Rows(), err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s", labtest.Mismatch("PredictLinear: number of predictions", len(want), len(got), "one per row of X"))
		}
		for i := range want {
			if !labtest.Close(want[i], got[i], 1e-9) {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("PredictLinear: the prediction for test row %d", i), want[i], got[i], "x_i . coef + intercept"))
			}
		}
	})

	t.Run("R^2", func(t *testing.T) {
		for _, tc := range []struct {
			what           string
			yTrue, yPred   []float64
			reference, why string
		}{
			{"least squares on all of diabetes", diabetes.Y, refPred, " (scikit-learn: 0.517748)", ""},
			{"predicting the mean of [1 2 3 4]", []float64{1, 2, 3, 4}, []float64{2.5, 2.5, 2.5, 2.5}, "", "predicting the mean explains nothing: 0"},
			{"worse than the mean", []float64{1, 2, 3}, []float64{3, 2, 1}, "", "a model worse than the mean has a negative R^2"},
		} {
			want, _ := mlkit.R2(tc.yTrue, tc.yPred)
			var got float64
			var err error
			if !labtest.Guard(t, "R2", func() { got, err = R2(tc.yTrue, tc.yPred) }) {
				continue
			}
			if err != nil {
				t.Errorf("R2 of %s returned an error: %v", tc.what, err)
				continue
			}
			if labtest.Close(want, got, 1e-9) {
				continue
			}
			hint := "R^2 = 1 - SS_res / SS_tot, with SS_tot the squared deviations of yTrue from its mean"
			if labtest.Close(1-want, got, 1e-9) {
				hint = "that is SS_res / SS_tot: R^2 is 1 minus it"
			}
			if tc.why != "" {
				hint += "; " + tc.why
			}
			t.Errorf("%s", labtest.Mismatch("R2 of "+tc.what+tc.reference, want, got, hint))
		}
	})

	t.Run("bad input is an error, not a panic", func(t *testing.T) {
		if fitErr != nil {
			t.Fatalf("FitLinear must work on diabetes first: %v", fitErr)
		}
		try := func(what, why string, fn func() error) {
			var err error
			if labtest.Guard(t, what, func() { err = fn() }) && err == nil {
				t.Errorf("%s returned no error: %s", what, why)
			}
		}
		X := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 7})
		try("FitLinear with 2 targets for 3 rows", "every row needs its target", func() error {
			_, _, err := FitLinear(X, []float64{1, 2})
			return err
		})
		try("FitLinear of 2 rows and 2 features", "3 unknowns (2 coefficients and the intercept) cannot be pinned down by 2 rows", func() error {
			_, _, err := FitLinear(mat.NewDense(2, 2, []float64{1, 2, 3, 5}), []float64{1, 2})
			return err
		})
		try("PredictLinear with 3 coefficients for 2 columns", "the coefficients must match the columns", func() error {
			_, err := PredictLinear(X, []float64{1, 2, 3}, 0)
			return err
		})
		try("R2 of 3 values and 2 predictions", "the vectors must be as long as each other", func() error {
			_, err := R2([]float64{1, 2, 3}, []float64{1, 2})
			return err
		})
		try("R2 of no values", "there is nothing to score", func() error {
			_, err := R2(nil, nil)
			return err
		})
		try("R2 of the constant [2 2 2]", "SS_tot is 0: the division has no answer", func() error {
			_, err := R2([]float64{2, 2, 2}, []float64{2, 2, 1})
			return err
		})
	})
}
