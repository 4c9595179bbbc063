//go:build grading

package lab06

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestLogisticRegression(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { _, err := ClassifyCancer(nil, nil); return err },
		func() error { ProbabilityBenign(nil, nil); return nil })
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
			t.Fatalf("%s returned %s and no result", what, labtest.ErrText(resErr))
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
			t.Errorf("ProbabilityBenign of a row of 3 features, for a model of 30, returned %.4g: want NaN", got)
		}
	})
}
