package lab05

import "errors"

// Exercise 4: accuracy and the confusion matrix.

// Accuracy returns the share of predictions equal to the true labels.
//
// Contract: yTrue and yPred have the same length, at least 1: an error
// otherwise (a score of nothing is not 0 or 1, it is a mistake upstream).
func Accuracy(yTrue, yPred []float64) (float64, error) {
	// TODO(exercise 4): count the rows where the prediction is right.
	return 0, errors.New("TODO(exercise 4): Accuracy is not written yet")
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
	// TODO(exercise 4): map each label to its position, make the
	// len(labels) x len(labels) counts, and count every row in.
	return nil, errors.New("TODO(exercise 4): ConfusionMatrix is not written yet")
}
