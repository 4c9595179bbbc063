//go:build grading

// Grading tests of lab 6. Each exercise has one top-level test; each of its
// subtests earns a share of the exercise's points. The tests train your
// models on the shipped data sets and compare them with the course's model
// library, pkg/mlkit, whose answers match scikit-learn's (the reference
// numbers quoted below were computed with scikit-learn 1.2.1).
package lab06

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// split is a data set cut in two, with a name for messages.
type split struct {
	name        string
	train, test *mlkit.Dataset
}

func irisSplit(t *testing.T) split {
	t.Helper()
	train, test, err := EveryFifth(labtest.Dataset(t, "iris"))
	if err != nil {
		t.Fatal(err)
	}
	return split{"iris (trained on rows whose index % 5 != 0, tested on the others)", train, test}
}

func digitsSplit(t *testing.T) split {
	t.Helper()
	train, test, err := FirstRows(labtest.Dataset(t, "digits"), 1347)
	if err != nil {
		t.Fatal(err)
	}
	return split{"digits (trained on the first 1347 rows, tested on the last 450)", train, test}
}

// predictions calls fit and predict on a split, turning a panic into an
// error.
func predictions(t *testing.T, what string, s split, fit func(mat.Matrix, []float64) error, predict func(mat.Matrix) ([]float64, error)) ([]float64, error) {
	t.Helper()
	var (
		pred []float64
		err  error
	)
	if !labtest.Guard(t, what, func() {
		if err = fit(s.train.X, s.train.Y); err != nil {
			err = fmt.Errorf("Fit on %s returned an error: %w", s.name, err)
			return
		}
		if pred, err = predict(s.test.X); err != nil {
			err = fmt.Errorf("Predict on %s returned an error: %w", s.name, err)
		}
	}) {
		return nil, errors.New("it panicked")
	}
	return pred, err
}

// comparePredictions fails the test when got differs from the library's
// predictions, saying where and with what accuracy.
func comparePredictions(t *testing.T, what string, s split, want, got []float64, reference float64, hint string) {
	t.Helper()
	n, diff := labtest.LabelDiff(want, got, s.test.ClassName)
	if n == 0 {
		return
	}
	msg := fmt.Sprintf("%s on %s: %s", what, s.name, diff)
	if n > 0 {
		wantAcc, _ := mlkit.Accuracy(s.test.Y, want)
		gotAcc, _ := mlkit.Accuracy(s.test.Y, got)
		msg = fmt.Sprintf("%s on %s: %d of %d predictions differ from the library's (%s).\n  accuracy: expected %.4f (scikit-learn: %.4f), got %.4f",
			what, s.name, n, len(want), diff, wantAcc, reference, gotAcc)
	}
	if hint != "" {
		msg += "\n  " + hint
	}
	t.Error(msg)
}

// ---------------------------------------------------------------------------
// Exercise 1: k nearest neighbours.

func TestKNN(t *testing.T) {
	knnPredict := func(t *testing.T, k int, s split) ([]float64, []float64, error) {
		ref := mlkit.NewKNN(k, mlkit.Euclidean, mlkit.Uniform)
		want, err := predictions(t, "mlkit", s, ref.Fit, ref.Predict)
		if err != nil {
			t.Fatal(err)
		}
		m := &KNN{K: k}
		got, err := predictions(t, "your KNN", s, m.Fit, m.Predict)
		return want, got, err
	}

	t.Run("5-NN on iris matches the library", func(t *testing.T) {
		s := irisSplit(t)
		want, got, err := knnPredict(t, 5, s)
		if err != nil {
			t.Fatal(err)
		}
		comparePredictions(t, "5-NN", s, want, got, 0.9667,
			"each test row gets the class most common among its 5 nearest training rows (Euclidean distance over all 4 features)")
	})

	t.Run("3-NN on digits matches the library", func(t *testing.T) {
		s := digitsSplit(t)
		want, got, err := knnPredict(t, 3, s)
		if err != nil {
			t.Fatal(err)
		}
		comparePredictions(t, "3-NN", s, want, got, 0.9711,
			"the distance runs over all 64 pixels; with 10 classes, a 1-1-1 vote goes to the smallest label")
	})

	t.Run("ties: the nearer row, then the earlier row, then the smaller class", func(t *testing.T) {
		cases := []struct {
			what   string
			k      int
			x      []float64 // one feature per training row
			y      []float64
			query  float64
			expect float64
			why    string
		}{
			{"two rows at distance 1 from the query, labelled 1 then 0", 1, []float64{0, 2}, []float64{1, 0}, 1, 1,
				"at equal distance the earlier training row is nearer: sort by (distance, training index), e.g. with a stable sort"},
			{"two rows at distance 1 from the query, labelled 0 then 1", 1, []float64{2, 0}, []float64{0, 1}, 1, 0,
				"at equal distance the earlier training row is nearer: sort by (distance, training index), e.g. with a stable sort"},
			{"a 1-1 vote between classes 2 and 1", 2, []float64{0, 1, 5}, []float64{2, 1, 0}, 0.4, 1,
				"when classes have as many votes, the smallest label wins (a map's iteration order is random: compare labels explicitly)"},
			{"a 2-1 vote where the lone vote is the nearest", 3, []float64{0, 1, 1.2, 9}, []float64{3, 1, 1, 3}, 0.1, 1,
				"every one of the K neighbours has one vote, however near: the class with the most votes wins"},
		}
		for _, tc := range cases {
			X := mat.NewDense(len(tc.x), 1, slices.Clone(tc.x))
			q := mat.NewDense(1, 1, []float64{tc.query})
			ref := mlkit.NewKNN(tc.k, mlkit.Euclidean, mlkit.Uniform)
			if err := ref.Fit(X, tc.y); err != nil {
				t.Fatal(err)
			}
			if want, _ := ref.Predict(q); want[0] != tc.expect {
				t.Fatalf("the library predicts %v for %s: the test is wrong", want[0], tc.what)
			}
			m := &KNN{K: tc.k}
			var (
				got []float64
				err error
			)
			if !labtest.Guard(t, "your KNN", func() {
				if err = m.Fit(X, tc.y); err == nil {
					got, err = m.Predict(q)
				}
			}) {
				continue
			}
			what := fmt.Sprintf("%d-NN trained on x=%v, labels %v, asked about x=%g (%s)", tc.k, tc.x, tc.y, tc.query, tc.what)
			switch {
			case err != nil:
				t.Errorf("%s: returned an error: %v", what, err)
			case len(got) != 1:
				t.Errorf("%s: %d predictions for 1 row", what, len(got))
			case got[0] != tc.expect:
				t.Errorf("%s", labtest.Mismatch(what, tc.expect, got[0], tc.why))
			}
		}
	})

	t.Run("bad input is an error, not a panic", func(t *testing.T) {
		s := irisSplit(t)
		m := &KNN{K: 5}
		if _, err := predictions(t, "your KNN", s, m.Fit, m.Predict); err != nil {
			t.Fatalf("5-NN must work on iris first: %v", err)
		}
		X := mat.NewDense(3, 2, []float64{0, 0, 1, 1, 2, 2})
		try := func(what, why string, fn func() error) {
			var err error
			if !labtest.Guard(t, what, func() { err = fn() }) {
				return
			}
			if err == nil {
				t.Errorf("%s returned no error: %s", what, why)
			}
		}
		try("Predict before Fit", "there is nothing to compare with yet", func() error {
			_, err := (&KNN{K: 1}).Predict(X)
			return err
		})
		try("Fit with K=0", "K must be at least 1", func() error { return (&KNN{K: 0}).Fit(X, []float64{0, 1, 1}) })
		try("Fit with K=4 on 3 rows", "there are not K neighbours to vote", func() error { return (&KNN{K: 4}).Fit(X, []float64{0, 1, 1}) })
		try("Fit with 2 labels for 3 rows", "every row needs its label", func() error { return (&KNN{K: 1}).Fit(X, []float64{0, 1}) })
		try("Predict rows of 3 features after fitting on 2", "the distance between rows of different widths means nothing", func() error {
			m := &KNN{K: 1}
			if err := m.Fit(X, []float64{0, 1, 1}); err != nil {
				return nil // already reported as an error above, not this one
			}
			_, err := m.Predict(mat.NewDense(1, 3, []float64{0, 0, 0}))
			return err
		})
	})
}

// ---------------------------------------------------------------------------
// Exercise 2: Gaussian naive Bayes.

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

// ---------------------------------------------------------------------------
// Exercise 3: least squares on diabetes.

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

// ---------------------------------------------------------------------------
// Exercise 4: logistic regression on standardized features.

func TestLogisticRegression(t *testing.T) {
	cancer := labtest.Dataset(t, "breast_cancer")
	train, test, err := EveryFifth(cancer)
	if err != nil {
		t.Fatal(err)
	}
	// The reference pipeline.
	scaler := &mlkit.StandardScaler{}
	trainX, _ := scaler.FitTransform(train.X)
	testX, _ := scaler.Transform(test.X)
	ref := &mlkit.LogisticRegression{}
	if err := ref.Fit(trainX, train.Y); err != nil {
		t.Fatal(err)
	}
	refPred, _ := ref.Predict(testX)
	refAcc, _ := mlkit.Accuracy(test.Y, refPred)

	var res *CancerResult
	var resErr error
	if !labtest.Guard(t, "ClassifyCancer", func() { res, resErr = ClassifyCancer(train, test) }) {
		resErr = errors.New("it panicked")
	}
	what := "ClassifyCancer(breast_cancer rows whose index % 5 != 0, the others)"
	need := func(t *testing.T) {
		t.Helper()
		if resErr != nil || res == nil {
			t.Fatalf("%s returned %v and no result", what, resErr)
		}
	}

	t.Run("the scaler learns from the training rows only", func(t *testing.T) {
		need(t)
		if res.Scaler == nil || len(res.Scaler.Mean) != cancer.Cols() {
			t.Fatalf("%s: the result has no fitted Scaler (want a *mlkit.StandardScaler with %d means)", what, cancer.Cols())
		}
		all := &mlkit.StandardScaler{}
		_ = all.Fit(cancer.X)
		for j := range scaler.Mean {
			if labtest.Close(scaler.Mean[j], res.Scaler.Mean[j], 1e-12) && labtest.Close(scaler.Scale[j], res.Scaler.Scale[j], 1e-12) {
				continue
			}
			hint := "fit the scaler on train.X, then Transform both parts with it"
			if labtest.Close(all.Mean[j], res.Scaler.Mean[j], 1e-12) {
				hint = "those are the means of all the rows, test rows included: fit the scaler on the training rows only, or the test rows leak into training"
			}
			t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("%s: the scaler's mean and scale of %s", what, cancer.Features[j]),
				fmt.Sprintf("%.6g and %.6g", scaler.Mean[j], scaler.Scale[j]), fmt.Sprintf("%.6g and %.6g", res.Scaler.Mean[j], res.Scaler.Scale[j]), hint))
		}
	})

	t.Run("predictions and accuracy", func(t *testing.T) {
		need(t)
		s := split{"breast_cancer (rows whose index % 5 != 0 train)", train, test}
		hint := "standardize both parts with the training rows' scaler, then fit &mlkit.LogisticRegression{} (its defaults, C = 1) on the standardized training rows"
		if res.Scaler == nil {
			hint = "standardize first: logistic regression on raw features (areas in the thousands, smoothness below 0.2) converges badly"
		}
		comparePredictions(t, "standardized logistic regression", s, refPred, res.Predictions, 0.9649, hint)
		if !labtest.Close(refAcc, res.Accuracy, 1e-12) {
			t.Errorf("%s", labtest.Mismatch(what+": Accuracy", refAcc, res.Accuracy, "the share of test rows whose prediction equals test.Y"))
		}
	})

	t.Run("the majority-class baseline", func(t *testing.T) {
		need(t)
		right := 0
		for _, y := range test.Y {
			if y == 1 { // benign is the more common class of the training rows
				right++
			}
		}
		want := float64(right) / float64(test.Rows())
		if labtest.Close(want, res.Baseline, 1e-12) {
			if res.Accuracy <= res.Baseline {
				t.Errorf("the model's accuracy %.4f does not beat the baseline %.4f", res.Accuracy, res.Baseline)
			}
			return
		}
		hint := "the share of test rows whose label is the most common training label (benign: 1)"
		if labtest.Close(1-want, res.Baseline, 1e-12) {
			hint = "that is the share of the other class: the baseline predicts the most common class of the training labels, benign (1)"
		}
		t.Errorf("%s", labtest.Mismatch(what+": Baseline (scikit-learn: 0.6491)", want, res.Baseline, hint))
	})

	t.Run("the probability by hand", func(t *testing.T) {
		proba, err := ref.PredictProba(testX)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := testX.Dims()
		for i := 0; i < r; i++ {
			x := testX.RawRowView(i)
			var got float64
			if !labtest.Guard(t, "ProbabilityBenign", func() { got = ProbabilityBenign(ref, x) }) {
				return
			}
			want := proba.At(i, 1)
			if labtest.Close(want, got, 1e-9) {
				continue
			}
			hint := "sigmoid(z) = 1 / (1 + exp(-z)) with z = x . Coef row 0 + Intercept[0]"
			if labtest.Close(1-want, got, 1e-9) {
				hint = "that is the probability of the other class: the weights are those of ClassLabels[1] (benign), so sigmoid(z) is P(benign), and 1 - sigmoid(z) P(malignant)"
			}
			t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("ProbabilityBenign(the library's model, standardized test row %d)", i), want, got, hint))
		}
		var got float64
		if labtest.Guard(t, "ProbabilityBenign", func() { got = ProbabilityBenign(ref, []float64{1, 2, 3}) }) && !math.IsNaN(got) {
			t.Errorf("ProbabilityBenign of a row of 3 features, for a model of 30, returned %v: want NaN", got)
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 5: a residual plot.

func TestPlotResiduals(t *testing.T) {
	diabetes := labtest.Dataset(t, "diabetes")
	train, test, err := EveryFifth(diabetes)
	if err != nil {
		t.Fatal(err)
	}
	m := &mlkit.LinearRegression{}
	if err := m.Fit(train.X, train.Y); err != nil {
		t.Fatal(err)
	}
	pred, _ := m.Predict(test.X)
	dir := t.TempDir()
	plot := func(t *testing.T, name string, predicted, actual []float64) (string, error) {
		path := filepath.Join(dir, name)
		err := errors.New("it panicked")
		labtest.Guard(t, "PlotResiduals", func() { err = PlotResiduals(predicted, actual, path) })
		return path, err
	}
	path, plotErr := plot(t, "residuals.png", pred, test.Y)
	what := fmt.Sprintf("PlotResiduals(%d predictions of diabetes, their actual values, residuals.png)", len(pred))
	read := func(t *testing.T, path string) (w, h int, colours int) {
		t.Helper()
		if plotErr != nil {
			t.Fatalf("%s returned an error: %v", what, plotErr)
		}
		img, err := labtest.ReadPNG(path)
		if err != nil {
			t.Fatalf("%s: %v (save the chart with charts.SavePNG(path, p))", what, err)
		}
		b := img.Bounds()
		return b.Dx(), b.Dy(), labtest.ColorsIn(img, 64)
	}

	t.Run("the file is a PNG image of a sensible size", func(t *testing.T) {
		w, h, _ := read(t, path)
		if w < 300 || h < 300 || w > 4000 || h > 4000 {
			t.Errorf("%s drew a %dx%d image: want between 300 and 4000 pixels a side (charts.SavePNG draws 5 inches square)", what, w, h)
		}
	})

	t.Run("the chart shows the data", func(t *testing.T) {
		_, _, colours := read(t, path)
		if colours < 8 {
			t.Fatalf("%s drew an image of %d colours: an empty canvas? Add a scatter of the residuals and a line at 0 to the plot before saving", what, colours)
		}
		// Different residuals must give a different picture.
		shifted := slices.Clone(test.Y)
		for i := range shifted {
			shifted[i] += 40 * math.Sin(float64(i))
		}
		other, err := plot(t, "other.png", pred, shifted)
		if err != nil {
			t.Fatalf("PlotResiduals of other values returned an error: %v", err)
		}
		a, _ := os.ReadFile(path)
		b, _ := os.ReadFile(other)
		if slices.Equal(a, b) {
			t.Errorf("PlotResiduals drew the same image for two different sets of residuals: plot the points (predicted[i], actual[i] - predicted[i])")
		}
	})

	t.Run("bad input is an error and writes no file", func(t *testing.T) {
		if _, err := os.Stat(path); plotErr != nil || err != nil {
			t.Fatalf("%s must work first: it returned %v, and the file: %v", what, plotErr, err)
		}
		for _, tc := range []struct {
			name              string
			predicted, actual []float64
			why               string
		}{
			{"mismatch.png", []float64{1, 2, 3}, []float64{1, 2}, "3 predictions and 2 actual values do not pair up"},
			{"empty.png", nil, nil, "there is nothing to draw"},
			{"nan.png", []float64{1, math.NaN(), 3}, []float64{1, 2, 3}, "a NaN has no place on the chart (and gonum's plotter refuses it)"},
		} {
			p, err := plot(t, tc.name, tc.predicted, tc.actual)
			if err == nil {
				t.Errorf("PlotResiduals(%v, %v) returned no error: %s", tc.predicted, tc.actual, tc.why)
			}
			if _, statErr := os.Stat(p); statErr == nil {
				t.Errorf("PlotResiduals(%v, %v) wrote %s: check the input before creating the file, so that a failure leaves nothing half-drawn", tc.predicted, tc.actual, tc.name)
			}
		}
	})
}
