//go:build solution

package lab05

import (
	"errors"
	"fmt"
)

// Exercise 4: accuracy and the confusion matrix.

// Accuracy returns the share of predictions equal to the true labels.
//
// Contract: yTrue and yPred have the same length, at least 1: an error
// otherwise (a score of nothing is not 0 or 1, it is a mistake upstream).
func Accuracy(yTrue, yPred []float64) (float64, error) {
	if err := checkLabels(yTrue, yPred); err != nil {
		return 0, err
	}
	right := 0
	for i := range yTrue {
		if yTrue[i] == yPred[i] {
			right++
		}
	}
	return float64(right) / float64(len(yTrue)), nil
}

// ConfusionMatrix counts the rows of each (true label, predicted label)
// pair.
//
// Contract:
//   - the result is len(labels) x len(labels): counts[i][j] is the number of
//     rows whose true label is labels[i] and whose prediction is labels[j]
//     (rows: the truth, columns: the prediction, as scikit-learn's
//     confusion_matrix). The diagonal holds the right predictions.
//   - a label never seen still has its row and column, of zeros.
//   - yTrue and yPred of different lengths or empty, a label or prediction
//     that is not in labels, or a label listed twice: an error.
func ConfusionMatrix(yTrue, yPred, labels []float64) ([][]int, error) {
	if err := checkLabels(yTrue, yPred); err != nil {
		return nil, err
	}
	index := make(map[float64]int, len(labels))
	for i, l := range labels {
		if _, dup := index[l]; dup {
			return nil, fmt.Errorf("label %v is listed twice", l)
		}
		index[l] = i
	}
	counts := make([][]int, len(labels))
	for i := range counts {
		counts[i] = make([]int, len(labels))
	}
	for k := range yTrue {
		i, ok := index[yTrue[k]]
		if !ok {
			return nil, fmt.Errorf("row %d: the label %v is not one of %v", k, yTrue[k], labels)
		}
		j, ok := index[yPred[k]]
		if !ok {
			return nil, fmt.Errorf("row %d: the prediction %v is not one of %v", k, yPred[k], labels)
		}
		counts[i][j]++
	}
	return counts, nil
}

func checkLabels(yTrue, yPred []float64) error {
	if len(yTrue) != len(yPred) {
		return fmt.Errorf("%d labels but %d predictions", len(yTrue), len(yPred))
	}
	if len(yTrue) == 0 {
		return errors.New("no labels to compare")
	}
	return nil
}
