//go:build grading

// Grading tests of lab 5. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. Exercise 1
// writes rows of the shipped data sets to fresh topics of the grader's broker
// (or an embedded one) and reads them back with your LoadTopic; the others
// call your functions on the shipped data sets and compare what comes back
// with the course's model library, pkg/mlkit.
package lab05

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// tol is how close two scores must be: they are ratios of small counts, so
// only rounding separates a right answer from the library's.
const tol = 1e-9

// heartData is the heart sample as the lab uses it: HeartFeatures and the
// target label.
func heartData(t *testing.T) *mlkit.Dataset {
	t.Helper()
	d := labtest.Dataset(t, "heart_sample")
	cols := make([]int, len(HeartFeatures))
	for j, f := range HeartFeatures {
		cols[j] = d.Column(f)
	}
	X := mat.NewDense(d.Rows(), len(cols), nil)
	for i := 0; i < d.Rows(); i++ {
		for j, c := range cols {
			X.Set(i, j, d.X.At(i, c))
		}
	}
	out, err := mlkit.NewDataset(X, slices.Clone(HeartFeatures), d.Label, slices.Clone(d.Y), nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rowText prints row i of d as "age=63 sex=1 trestbps=233 target=1" (the
// first few features of a wide data set, then "...").
func rowText(d *mlkit.Dataset, i int) string {
	var parts []string
	for j, f := range d.Features {
		if j == 4 && len(d.Features) > 5 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, fmt.Sprintf("%s=%g", f, d.X.At(i, j)))
	}
	if d.HasLabels() {
		parts = append(parts, d.Label+"="+d.ClassName(d.Y[i]))
	}
	return strings.Join(parts, " ")
}

// sameRow reports whether row i of got equals row k of want, features and
// label.
func sameRow(want *mlkit.Dataset, k int, got *mlkit.Dataset, i int) bool {
	if !slices.Equal(want.X.RawRowView(k), got.X.RawRowView(i)) {
		return false
	}
	if want.HasLabels() != got.HasLabels() {
		return false
	}
	return !want.HasLabels() || want.ClassName(want.Y[k]) == got.ClassName(got.Y[i])
}

type holdoutCall struct {
	h   *Holdout
	err error
}

func callHoldout(t *testing.T, what string, fn func() (*Holdout, error)) holdoutCall {
	t.Helper()
	var c holdoutCall
	if !labtest.Guard(t, what, func() { c.h, c.err = fn() }) {
		c.err = errors.New("it panicked")
	}
	return c
}

// checkHoldout checks a holdout against the rows it should hold: the parts'
// contents, the labels held back, and the row indices.
func checkHoldout(t *testing.T, what string, d *mlkit.Dataset, c holdoutCall, trainRows, testRows []int) {
	t.Helper()
	if c.err != nil {
		t.Errorf("%s returned an error: %v", what, c.err)
		return
	}
	h := c.h
	if h == nil || h.Train == nil || h.Test == nil {
		t.Errorf("%s returned a holdout without a Train or Test part (or none at all)", what)
		return
	}
	if !slices.Equal(h.TrainRows, trainRows) || !slices.Equal(h.TestRows, testRows) {
		t.Errorf("%s", labtest.Mismatch(what+": TrainRows and TestRows", fmt.Sprintf("%v and %v", trainRows, testRows), fmt.Sprintf("%v and %v", h.TrainRows, h.TestRows), "they are the indices in the original data set, in the order of the parts"))
		return
	}
	if h.Test.Label != "" || h.Test.Y != nil || h.Test.Classes != nil {
		t.Errorf("%s: the Test part still carries its labels (Label %q, %d labels): give it test.WithoutLabels(); the labels go to TestLabels only, so that the model cannot see them", what, h.Test.Label, len(h.Test.Y))
	}
	if h.Train.Rows() != len(trainRows) || h.Test.Rows() != len(testRows) {
		t.Errorf("%s: Train has %d rows and Test %d, want %d and %d", what, h.Train.Rows(), h.Test.Rows(), len(trainRows), len(testRows))
		return
	}
	if !h.Train.HasLabels() {
		t.Errorf("%s: the Train part has no labels: a model learns from the training rows and their labels", what)
		return
	}
	for k, i := range trainRows {
		if !sameRow(d, i, h.Train, k) {
			t.Errorf("%s: row %d of Train should be row %d of the data set (%s), got %s", what, k, i, rowText(d, i), rowText(h.Train, k))
			return
		}
	}
	for k, i := range testRows {
		if !slices.Equal(d.X.RawRowView(i), h.Test.X.RawRowView(k)) {
			t.Errorf("%s: row %d of Test should hold the features of row %d of the data set (%v), got %v", what, k, i, d.X.RawRowView(i), h.Test.X.RawRowView(k))
			return
		}
	}
	wantLabels := make([]float64, len(testRows))
	for k, i := range testRows {
		wantLabels[k] = d.Y[i]
	}
	if !slices.Equal(h.TestLabels, wantLabels) {
		t.Errorf("%s", labtest.Mismatch(what+": TestLabels (the labels of the test rows, in order)", wantLabels, h.TestLabels, ""))
	}
}

func sorted(v []int) []int {
	s := slices.Clone(v)
	slices.Sort(s)
	return s
}

// A small three-class example, and the binary one of a cancer screen.
var (
	yTrue3 = []float64{0, 1, 2, 2, 1, 0, 2, 1, 1, 0, 2, 2}
	yPred3 = []float64{0, 2, 2, 2, 1, 0, 1, 1, 0, 0, 2, 1}
	yTrue2 = []float64{1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 1}
	yPred2 = []float64{1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1}
)

func transpose(c [][]int) [][]int {
	out := make([][]int, len(c))
	for i := range c {
		out[i] = make([]int, len(c))
		for j := range c {
			out[i][j] = c[j][i]
		}
	}
	return out
}

// scoresText writes a class's scores for a message, to four digits.
func scoresText(s ClassScores) string {
	return fmt.Sprintf("{Label:%g Precision:%.4g Recall:%.4g F1:%.4g Support:%d}", s.Label, s.Precision, s.Recall, s.F1, s.Support)
}
