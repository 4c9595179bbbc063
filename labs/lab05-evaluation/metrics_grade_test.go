//go:build grading

package lab05

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestMetrics(t *testing.T) {
	accuracy := func(t *testing.T, yt, yp []float64) (v float64, err error) {
		if !labtest.Guard(t, "Accuracy", func() { v, err = Accuracy(yt, yp) }) {
			err = errors.New("it panicked")
		}
		return v, err
	}
	confusion := func(t *testing.T, yt, yp, labels []float64) (c [][]int, err error) {
		if !labtest.Guard(t, "ConfusionMatrix", func() { c, err = ConfusionMatrix(yt, yp, labels) }) {
			err = errors.New("it panicked")
		}
		return c, err
	}

	t.Run("accuracy", func(t *testing.T) {
		for _, tc := range [][2][]float64{{yTrue3, yPred3}, {yTrue2, yPred2}, {yTrue2, yTrue2}, {{1, 0}, {0, 1}}} {
			want, _ := mlkit.Accuracy(tc[0], tc[1])
			got, err := accuracy(t, tc[0], tc[1])
			what := fmt.Sprintf("Accuracy(yTrue=%v, yPred=%v)", tc[0], tc[1])
			if err != nil {
				t.Errorf("%s returned an error: %v", what, err)
				continue
			}
			if !labtest.Close(want, got, tol) {
				hint := "the share of rows where the prediction equals the label: right / total"
				if got == want*float64(len(tc[0])) {
					hint = "that is the number of right predictions: divide it by the number of rows"
				} else if got != 0 && labtest.Close(1-want, got, tol) {
					hint = "that is the error rate, the share of wrong predictions"
				}
				t.Errorf("%s", labtest.Mismatch(what, want, got, hint))
			}
		}
	})

	t.Run("accuracy refuses what it cannot compare", func(t *testing.T) {
		if got, err := accuracy(t, yTrue2, yPred2); err != nil || !labtest.Close(11.0/14, got, tol) {
			t.Fatalf("Accuracy(yTrue=%v, yPred=%v) must work first: expected %.4f, got %s", yTrue2, yPred2, 11.0/14, labtest.Returned(got, err))
		}
		if _, err := accuracy(t, []float64{1, 0, 1}, []float64{1, 0}); err == nil {
			t.Error("Accuracy of 3 labels and 2 predictions returned no error: the vectors must be as long as each other, or a row was lost on the way")
		}
		if _, err := accuracy(t, nil, nil); err == nil {
			t.Error("Accuracy of no labels returned no error: 0 right of 0 is not a score (and 0/0 is NaN)")
		}
	})

	t.Run("the confusion matrix: rows are labels, columns predictions", func(t *testing.T) {
		for _, tc := range []struct{ yt, yp, labels []float64 }{
			{yTrue3, yPred3, []float64{0, 1, 2}},
			{yTrue2, yPred2, []float64{0, 1}},
			{yTrue3, yPred3, []float64{0, 1, 2, 3}}, // class 3 never appears
			{yTrue2, yPred2, []float64{1, 0}},       // labels in the order given
		} {
			cm, _ := mlkit.ConfusionMatrixOf(tc.yt, tc.yp, tc.labels)
			got, err := confusion(t, tc.yt, tc.yp, tc.labels)
			what := fmt.Sprintf("ConfusionMatrix(yTrue=%v, yPred=%v, labels=%v)", tc.yt, tc.yp, tc.labels)
			if err != nil {
				t.Errorf("%s returned an error: %v", what, err)
				continue
			}
			if fmt.Sprint(got) == fmt.Sprint(cm.Counts) {
				continue
			}
			hint := "counts[i][j] counts the rows whose label is labels[i] and whose prediction is labels[j]"
			if fmt.Sprint(got) == fmt.Sprint(transpose(cm.Counts)) {
				hint = "rows and columns are swapped: the row is the true label, the column the prediction"
			} else if len(got) != len(tc.labels) {
				hint = fmt.Sprintf("one row and one column per label, %d x %d, even for a label that never occurs", len(tc.labels), len(tc.labels))
			}
			t.Errorf("%s", labtest.Mismatch(what, cm.Counts, got, hint))
		}
	})

	t.Run("the confusion matrix refuses labels outside the list", func(t *testing.T) {
		if got, err := confusion(t, yTrue2, yPred2, []float64{0, 1}); err != nil || fmt.Sprint(got) != "[[4 1] [2 7]]" {
			t.Fatalf("ConfusionMatrix(yTrue=%v, yPred=%v, labels=[0 1]) must work first: expected [[4 1] [2 7]], got %s", yTrue2, yPred2, labtest.Returned(got, err))
		}
		if _, err := confusion(t, []float64{0, 1, 1}, []float64{0, 5, 1}, []float64{0, 1}); err == nil {
			t.Error("ConfusionMatrix with a prediction 5 outside labels [0 1] returned no error: it has no column to be counted in, and dropping it hides a broken model")
		}
		if _, err := confusion(t, []float64{0, 2, 1}, []float64{0, 1, 1}, []float64{0, 1}); err == nil {
			t.Error("ConfusionMatrix with a label 2 outside labels [0 1] returned no error")
		}
		if _, err := confusion(t, []float64{0, 1, 1}, []float64{0, 1}, []float64{0, 1}); err == nil {
			t.Error("ConfusionMatrix of 3 labels and 2 predictions returned no error")
		}
	})
}
