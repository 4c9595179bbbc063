package lab06

import (
	"errors"

	"gonum.org/v1/gonum/mat"
)

// Exercise 1: k nearest neighbours.

// KNN is a k-nearest-neighbours classifier: it predicts for a row the class
// most common among the K training rows nearest to it. It gives the same
// answers as mlkit.NewKNN(K, mlkit.Euclidean, mlkit.Uniform).
type KNN struct {
	// K is the number of neighbours that vote, at least 1.
	K int

	// TODO(exercise 1): add the fields Fit fills in: the training rows and
	// their labels.
}

// Fit remembers the training rows: a nearest-neighbour model has nothing
// else to learn.
//
// Contract:
//   - keep a copy of every row of X and of y (the caller may change them
//     afterwards).
//   - K < 1, K larger than the number of rows, or len(y) != rows: an error.
func (m *KNN) Fit(X mat.Matrix, y []float64) error {
	// TODO(exercise 1): check, then copy the rows (mat.Row(dst, i, X)
	// copies row i) and the labels.
	return errors.New("TODO(exercise 1): KNN.Fit is not written yet")
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
	// TODO(exercise 1): for each row of X, the distance to every training
	// row, the K nearest, their vote.
	return nil, errors.New("TODO(exercise 1): KNN.Predict is not written yet")
}
