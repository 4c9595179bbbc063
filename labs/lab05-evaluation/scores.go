package lab05

import "errors"

// Exercise 5: precision, recall and F1 per class.

// Scores computes each class's precision, recall, F1 and support from a
// confusion matrix (rows: true labels, columns: predictions, as
// ConfusionMatrix returns it).
//
// Contract:
//   - one ClassScores per label, in the order of labels.
//   - for class i: TP = counts[i][i]; precision = TP / (column i's sum, the
//     rows predicted i); recall = TP / (row i's sum, the rows that are i);
//     F1 = 2PR / (P + R); support = row i's sum.
//   - a ratio whose denominator is 0 is 0, never NaN (scikit-learn's
//     zero_division default): a class never predicted has precision 0.
//   - counts that are not len(labels) x len(labels): an error.
func Scores(labels []float64, counts [][]int) ([]ClassScores, error) {
	// TODO(exercise 5): for each class, sum its row and its column, then
	// divide.
	return nil, errors.New("TODO(exercise 5): Scores is not written yet")
}

// Macro returns the unweighted means of the classes' precision, recall and
// F1: every class counts the same, however many rows it has, so a model
// that ignores a small class is not hidden by a big one. No scores: zeros.
func Macro(scores []ClassScores) (precision, recall, f1 float64) {
	// TODO(exercise 5): average each score over the classes.
	panic("TODO(exercise 5): Macro is not written yet")
}
