//go:build grading

package lab05

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// scoreCase is a confusion matrix and the library's report of it.
type scoreCase struct {
	name   string
	labels []float64
	counts [][]int
	report *mlkit.Report
}

func scoreCases(t *testing.T) []scoreCase {
	t.Helper()
	mk := func(name string, yt, yp, labels []float64) scoreCase {
		cm, err := mlkit.ConfusionMatrixOf(yt, yp, labels)
		if err != nil {
			t.Fatal(err)
		}
		return scoreCase{name, labels, cm.Counts, cm.Report()}
	}
	return []scoreCase{
		mk("three classes", yTrue3, yPred3, []float64{0, 1, 2}),
		mk("a cancer screen (1: benign)", yTrue2, yPred2, []float64{0, 1}),
		// Class 2 is never predicted, class 3 never occurs.
		mk("a class never predicted, a class never seen", []float64{0, 0, 1, 1, 2, 2, 1}, []float64{0, 1, 1, 1, 0, 1, 3}, []float64{0, 1, 2, 3}),
	}
}

func TestScores(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { _, err := Scores([]float64{0}, [][]int{{1}}); return err },
		func() error { Macro(nil); return nil })
	cases := scoreCases(t)
	got := make([][]ClassScores, len(cases))
	errs := make([]error, len(cases))
	for k, c := range cases {
		if !labtest.Guard(t, "Scores", func() { got[k], errs[k] = Scores(c.labels, c.counts) }) {
			errs[k] = errors.New("it panicked")
		}
	}
	// each runs check on every class of every case that Scores answered.
	each := func(t *testing.T, check func(c scoreCase, want mlkit.ClassMetrics, got ClassScores)) {
		for k, c := range cases {
			if errs[k] != nil {
				t.Errorf("Scores(labels=%v, counts=%v) returned an error: %v", c.labels, c.counts, errs[k])
				continue
			}
			if len(got[k]) != len(c.labels) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Scores(labels=%v, counts=%v): number of classes scored", c.labels, c.counts), len(c.labels), len(got[k]), "one ClassScores per label, in the order of labels"))
				continue
			}
			for i, want := range c.report.Classes {
				check(c, want, got[k][i])
			}
		}
	}
	name := func(c scoreCase, label float64) string {
		return fmt.Sprintf("%s, counts %v: class %g", c.name, c.counts, label)
	}

	t.Run("precision per class", func(t *testing.T) {
		each(t, func(c scoreCase, want mlkit.ClassMetrics, got ClassScores) {
			if got.Label != want.Label {
				t.Errorf("%s: Label is %g: scores come in the order of labels", name(c, want.Label), got.Label)
				return
			}
			if labtest.Close(want.Precision, got.Precision, tol) {
				return
			}
			hint := "precision = TP / (the rows predicted as the class: the sum of its column)"
			if labtest.Close(want.Recall, got.Precision, tol) && want.Recall != want.Precision {
				hint = "that is the recall: precision divides by the predicted count (the column's sum), not the true count (the row's sum)"
			}
			t.Errorf("%s", labtest.Mismatch(name(c, want.Label)+": precision", want.Precision, got.Precision, hint))
		})
	})

	t.Run("recall per class", func(t *testing.T) {
		each(t, func(c scoreCase, want mlkit.ClassMetrics, got ClassScores) {
			if labtest.Close(want.Recall, got.Recall, tol) {
				return
			}
			hint := "recall = TP / (the rows that are the class: the sum of its row)"
			if labtest.Close(want.Precision, got.Recall, tol) && want.Recall != want.Precision {
				hint = "that is the precision: recall divides by the true count (the row's sum), not the predicted count (the column's sum)"
			}
			t.Errorf("%s", labtest.Mismatch(name(c, want.Label)+": recall", want.Recall, got.Recall, hint))
		})
	})

	t.Run("F1 and support per class", func(t *testing.T) {
		each(t, func(c scoreCase, want mlkit.ClassMetrics, got ClassScores) {
			if got.Support != want.Support {
				t.Errorf("%s", labtest.Mismatch(name(c, want.Label)+": support", want.Support, got.Support, "the support is the number of rows that are the class: the sum of its row"))
			}
			if labtest.Close(want.F1, got.F1, tol) {
				return
			}
			hint := "F1 = 2 * P * R / (P + R), the harmonic mean of precision and recall"
			if labtest.Close((want.Precision+want.Recall)/2, got.F1, tol) {
				hint = "that is the arithmetic mean of precision and recall; F1 is the harmonic mean, 2PR / (P + R)"
			}
			t.Errorf("%s", labtest.Mismatch(name(c, want.Label)+": F1", want.F1, got.F1, hint))
		})
	})

	t.Run("a class never predicted or never seen scores 0, not NaN", func(t *testing.T) {
		c := cases[2]
		if errs[2] != nil || len(got[2]) != len(c.labels) {
			t.Fatalf("Scores(labels=%v, counts=%v) returned %s: want one ClassScores per label", c.labels, c.counts, labtest.Returned(got[2], errs[2]))
		}
		for i, s := range got[2] {
			if s.Label != c.labels[i] {
				t.Errorf("score %d is for label %g, want %g", i, s.Label, c.labels[i])
			}
			for _, v := range []struct {
				what string
				v    float64
			}{{"precision", s.Precision}, {"recall", s.Recall}, {"F1", s.F1}} {
				if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
					t.Errorf("class %g of counts %v: %s is %v; a ratio whose denominator is 0 is 0 (scikit-learn's zero_division default): check the denominator before dividing", s.Label, c.counts, v.what, v.v)
				}
			}
		}
		if s := got[2][2]; s.Precision != 0 || s.Recall != 0 || s.F1 != 0 || s.Support != 2 {
			t.Errorf("class 2 is never predicted: expected precision 0, recall 0, F1 0, support 2; got %s", scoresText(s))
		}
		if s := got[2][3]; s.Precision != 0 || s.Recall != 0 || s.F1 != 0 || s.Support != 0 {
			t.Errorf("class 3 never occurs (and is predicted once): expected precision 0, recall 0, F1 0, support 0; got %s", scoresText(s))
		}
	})

	t.Run("macro averages", func(t *testing.T) {
		for _, c := range cases {
			want := c.report
			scores := make([]ClassScores, len(want.Classes))
			for i, m := range want.Classes {
				scores[i] = ClassScores(m)
			}
			var p, r, f float64
			if !labtest.Guard(t, "Macro", func() { p, r, f = Macro(scores) }) {
				continue
			}
			if labtest.Close(want.MacroPrecision, p, tol) && labtest.Close(want.MacroRecall, r, tol) && labtest.Close(want.MacroF1, f, tol) {
				continue
			}
			hint := "the macro average is the plain mean over the classes: every class counts the same"
			if labtest.Close(want.WeightedPrecision, p, tol) && labtest.Close(want.WeightedRecall, r, tol) {
				hint = "those are the averages weighted by support; macro averages weigh every class the same"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Macro of the scores of %s (precision, recall, F1)", c.name),
				fmt.Sprintf("%.4f %.4f %.4f", want.MacroPrecision, want.MacroRecall, want.MacroF1), fmt.Sprintf("%.4f %.4f %.4f", p, r, f), hint))
		}
		var p, r, f float64
		if labtest.Guard(t, "Macro(nil)", func() { p, r, f = Macro(nil) }) && (p != 0 || r != 0 || f != 0) {
			t.Errorf("Macro(nil) = %.4g %.4g %.4g, want zeros (and no NaN): with no classes there is nothing to average", p, r, f)
		}
	})
}
