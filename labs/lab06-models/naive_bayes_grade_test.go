//go:build grading

package lab06

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestGaussianNB(t *testing.T) {
	type fitted struct {
		s    split
		ref  *mlkit.GaussianNB
		m    *GaussianNB
		want []float64
		got  []float64
		err  error
	}
	fit := func(s split) *fitted {
		f := &fitted{s: s, ref: &mlkit.GaussianNB{}, m: &GaussianNB{}}
		var err error
		if f.want, err = predictions(t, "mlkit", s, f.ref.Fit, f.ref.Predict); err != nil {
			t.Fatal(err)
		}
		f.got, f.err = predictions(t, "your GaussianNB", s, f.m.Fit, f.m.Predict)
		return f
	}
	iris, digits := fit(irisSplit(t)), fit(digitsSplit(t))

	// fittedOK fails the subtest when Fit did not fill in the model.
	fittedOK := func(t *testing.T, f *fitted) bool {
		t.Helper()
		k, c := f.ref.Theta.Dims()
		m := f.m
		if len(m.Classes) != k || len(m.Priors) != k || len(m.Means) != k || len(m.Variances) != k {
			t.Errorf("after Fit on %s: %d Classes, %d Priors, %d rows of Means, %d rows of Variances; want %d of each (one per class)%s",
				f.s.name, len(m.Classes), len(m.Priors), len(m.Means), len(m.Variances), k, errNote(f.err))
			return false
		}
		for ci := 0; ci < k; ci++ {
			if len(m.Means[ci]) != c || len(m.Variances[ci]) != c {
				t.Errorf("after Fit on %s: class %d has %d means and %d variances, want %d each (one per feature)", f.s.name, ci, len(m.Means[ci]), len(m.Variances[ci]), c)
				return false
			}
		}
		return true
	}

	t.Run("classes, priors and means", func(t *testing.T) {
		for _, f := range []*fitted{iris, digits} {
			if !fittedOK(t, f) {
				continue
			}
			if !slices.Equal(f.m.Classes, f.ref.ClassLabels) {
				t.Errorf("%s", labtest.Mismatch("Classes after Fit on "+f.s.name, f.ref.ClassLabels, f.m.Classes, "the distinct labels, increasing"))
				continue
			}
			for ci := range f.m.Classes {
				if !labtest.Close(f.ref.Prior[ci], f.m.Priors[ci], 1e-12) {
					t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Priors[%d] (class %s) after Fit on %s", ci, f.s.train.ClassName(f.m.Classes[ci]), f.s.name),
						f.ref.Prior[ci], f.m.Priors[ci], "the share of training rows in the class: its count / all rows"))
				}
				for j, want := range f.ref.Theta.RawRowView(ci) {
					if !labtest.Close(want, f.m.Means[ci][j], 1e-9) {
						t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Means[%d][%d] (class %s, feature %s) after Fit on %s", ci, j, f.s.train.ClassName(f.m.Classes[ci]), f.s.train.Features[j], f.s.name),
							want, f.m.Means[ci][j], "the mean of the feature over the class's training rows only"))
						break
					}
				}
			}
		}
	})

	t.Run("variances, smoothed", func(t *testing.T) {
		for _, f := range []*fitted{iris, digits} {
			if !fittedOK(t, f) {
				continue
			}
		classes:
			for ci := range f.ref.ClassLabels {
				n := 0
				for _, y := range f.s.train.Y {
					if y == f.ref.ClassLabels[ci] {
						n++
					}
				}
				for j, want := range f.ref.Var.RawRowView(ci) {
					got := f.m.Variances[ci][j]
					if labtest.Close(want, got, 1e-9) {
						continue
					}
					raw := want - f.ref.Epsilon
					hint := fmt.Sprintf("the population variance over the class's rows (divide by n = %d), plus epsilon = 1e-9 x the largest variance of any feature over all training rows (here %.4g)", n, f.ref.Epsilon)
					switch {
					case labtest.Close(raw*float64(n)/float64(n-1)+f.ref.Epsilon, got, 1e-9) || labtest.Close(raw*float64(n)/float64(n-1), got, 1e-9):
						hint = fmt.Sprintf("that is the sample variance (divided by n-1 = %d): naive Bayes uses the population variance, divided by n = %d", n-1, n)
					case labtest.Close(raw, got, 1e-12):
						hint = fmt.Sprintf("the variance has no smoothing: add epsilon = 1e-9 x the largest variance of any feature over all training rows (here %.4g) to every variance", f.ref.Epsilon)
					}
					t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Variances[%d][%d] (class %s, feature %s) after Fit on %s", ci, j, f.s.train.ClassName(f.ref.ClassLabels[ci]), f.s.train.Features[j], f.s.name),
						want, got, hint))
					break classes
				}
			}
		}
	})

	t.Run("iris predictions match the library", func(t *testing.T) {
		if iris.err != nil {
			t.Fatal(iris.err)
		}
		comparePredictions(t, "Gaussian naive Bayes", iris.s, iris.want, iris.got, 0.9667,
			"each row gets the class of largest log Priors[k] + sum_j log N(x_j; Means[k][j], Variances[k][j])")
	})

	t.Run("digits predictions match the library", func(t *testing.T) {
		if digits.err != nil {
			t.Fatal(digits.err)
		}
		hint := "64 features: add log-densities (a product of 64 densities underflows), and keep the smoothing, or a pixel that is always 0 in a class divides by zero"
		for _, v := range digits.got {
			if math.IsNaN(v) {
				hint = "some predictions are NaN: a variance of 0 (a pixel constant within a class) makes the log-density NaN or infinite; add epsilon to every variance"
				break
			}
		}
		comparePredictions(t, "Gaussian naive Bayes", digits.s, digits.want, digits.got, 0.8378, hint)
	})

	t.Run("predicting before fitting is an error, not a panic", func(t *testing.T) {
		if iris.err != nil {
			t.Fatalf("GaussianNB must work on iris first: %v", iris.err)
		}
		var err error
		if labtest.Guard(t, "GaussianNB.Predict before Fit", func() { _, err = (&GaussianNB{}).Predict(iris.s.test.X) }) && err == nil {
			t.Error("Predict on a GaussianNB that was never fitted returned no error: there are no classes to choose from")
		}
		if labtest.Guard(t, "GaussianNB.Fit", func() { err = (&GaussianNB{}).Fit(iris.s.train.X, iris.s.train.Y[:10]) }) && err == nil {
			t.Errorf("Fit with 10 labels for %d rows returned no error", iris.s.train.Rows())
		}
		if labtest.Guard(t, "GaussianNB.Predict", func() { _, err = iris.m.Predict(mat.NewDense(1, 3, []float64{1, 2, 3})) }) && err == nil {
			t.Error("Predict of a row of 3 features on a model fitted on 4 returned no error")
		}
	})
}

func errNote(err error) string {
	if err != nil {
		return " (Fit or Predict returned: " + err.Error() + ")"
	}
	return ""
}
