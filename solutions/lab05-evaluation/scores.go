//go:build solution

package lab05

import "fmt"

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
	k := len(labels)
	if len(counts) != k {
		return nil, fmt.Errorf("%d labels but %d rows of counts", k, len(counts))
	}
	for i, row := range counts {
		if len(row) != k {
			return nil, fmt.Errorf("row %d of the counts has %d columns, want %d", i, len(row), k)
		}
	}
	scores := make([]ClassScores, k)
	for i := range labels {
		tp := counts[i][i]
		actual, predicted := 0, 0
		for j := 0; j < k; j++ {
			actual += counts[i][j]    // row i: the rows that are labels[i]
			predicted += counts[j][i] // column i: the rows predicted labels[i]
		}
		s := ClassScores{Label: labels[i], Support: actual}
		s.Precision = ratio(tp, predicted)
		s.Recall = ratio(tp, actual)
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		scores[i] = s
	}
	return scores, nil
}

// Macro returns the unweighted means of the classes' precision, recall and
// F1: every class counts the same, however many rows it has, so a model
// that ignores a small class is not hidden by a big one. No scores: zeros.
func Macro(scores []ClassScores) (precision, recall, f1 float64) {
	if len(scores) == 0 {
		return 0, 0, 0
	}
	for _, s := range scores {
		precision += s.Precision
		recall += s.Recall
		f1 += s.F1
	}
	n := float64(len(scores))
	return precision / n, recall / n, f1 / n
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
