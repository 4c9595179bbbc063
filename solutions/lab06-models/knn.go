//go:build solution

package lab06

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Exercise 1: k nearest neighbours.

// KNN is a k-nearest-neighbours classifier: it predicts for a row the class
// most common among the K training rows nearest to it. It gives the same
// answers as mlkit.NewKNN(K, mlkit.Euclidean, mlkit.Uniform).
type KNN struct {
	// K is the number of neighbours that vote, at least 1.
	K int

	rows   [][]float64 // the training rows, copied
	labels []float64   // their labels
}

// Fit remembers the training rows: a nearest-neighbour model has nothing
// else to learn.
//
// Contract:
//   - keep a copy of every row of X and of y (the caller may change them
//     afterwards).
//   - K < 1, K larger than the number of rows, or len(y) != rows: an error.
func (m *KNN) Fit(X mat.Matrix, y []float64) error {
	r, c := X.Dims()
	if len(y) != r {
		return fmt.Errorf("knn: %d labels for %d rows", len(y), r)
	}
	if m.K < 1 || m.K > r {
		return fmt.Errorf("knn: K=%d, but it must be between 1 and the %d training rows", m.K, r)
	}
	m.rows = make([][]float64, r)
	for i := range m.rows {
		m.rows[i] = make([]float64, c)
		mat.Row(m.rows[i], i, X)
	}
	m.labels = slices.Clone(y)
	return nil
}

// Predict returns the predicted class of every row of X.
//
// Contract:
//   - distance: Euclidean. Comparing squared distances picks the same
//     neighbours without a square root.
//   - the K nearest training rows vote, one vote each; a row at the same
//     distance as another comes after it when it comes later in the
//     training data.
//   - the class with the most votes wins; between classes with as many
//     votes, the smallest label.
//   - predicting before Fit, or rows whose width differs from the training
//     rows': an error.
func (m *KNN) Predict(X mat.Matrix) ([]float64, error) {
	if m.rows == nil {
		return nil, errors.New("knn: Predict before Fit")
	}
	r, c := X.Dims()
	if c != len(m.rows[0]) {
		return nil, fmt.Errorf("knn: rows of %d features, but the model was fitted on %d", c, len(m.rows[0]))
	}
	type neighbour struct {
		dist  float64
		index int
	}
	out := make([]float64, r)
	q := make([]float64, c)
	near := make([]neighbour, len(m.rows))
	for i := 0; i < r; i++ {
		mat.Row(q, i, X)
		for t, row := range m.rows {
			d := 0.0
			for j := range q {
				diff := q[j] - row[j]
				d += diff * diff
			}
			near[t] = neighbour{d, t}
		}
		// Sort by distance, then by training order: the tie rule that
		// makes the answer the same on every machine and in every library.
		slices.SortFunc(near, func(a, b neighbour) int {
			return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.index, b.index))
		})
		votes := map[float64]int{}
		for _, n := range near[:m.K] {
			votes[m.labels[n.index]]++
		}
		best, bestVotes := 0.0, 0
		for label, v := range votes {
			if v > bestVotes || (v == bestVotes && label < best) {
				best, bestVotes = label, v
			}
		}
		out[i] = best
	}
	return out, nil
}
