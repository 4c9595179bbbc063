//go:build grading

// Grading tests of lab 6. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. The tests
// train your models on the shipped data sets and compare them with the
// course's model library, pkg/mlkit, whose answers match scikit-learn's (the
// reference numbers quoted below were computed with scikit-learn 1.2.1).
package lab06

import (
	"errors"
	"fmt"
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
