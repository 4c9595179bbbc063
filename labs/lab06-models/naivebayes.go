package lab06

import (
	"errors"

	"gonum.org/v1/gonum/mat"
)

// Exercise 2: Gaussian naive Bayes.

// GaussianNB is Gaussian naive Bayes: every class is described by a normal
// distribution per feature, the features taken as independent given the
// class (the "naive" part). It gives the same answers as mlkit.GaussianNB.
type GaussianNB struct {
	// Classes are the labels seen in Fit, increasing.
	Classes []float64
	// Priors[k] is the share of training rows in Classes[k].
	Priors []float64
	// Means[k][j] is the mean of feature j over the rows of Classes[k].
	Means [][]float64
	// Variances[k][j] is the variance of feature j over the rows of
	// Classes[k] (divided by the class's row count, not one less), plus
	// the smoothing epsilon.
	Variances [][]float64
}

// VarSmoothing is the share of the largest feature variance added to every
// variance (scikit-learn's var_smoothing default).
const VarSmoothing = 1e-9

// Fit estimates each class's prior, and the mean and variance of every
// feature within each class.
//
// Contract:
//   - Classes: the distinct labels, increasing; Priors, Means and Variances
//     follow that order.
//   - the variances are population variances (divide by n, not n - 1).
//   - epsilon = VarSmoothing x the largest variance of any feature over all
//     the training rows, added to every variance: a feature that is constant
//     within a class (a pixel always 0) would otherwise have variance 0, and
//     its log-density would be infinite.
//   - no rows, or len(y) != rows: an error.
func (m *GaussianNB) Fit(X mat.Matrix, y []float64) error {
	// TODO(exercise 2): find the classes, epsilon, then per class its
	// prior and per feature its mean and variance.
	return errors.New("TODO(exercise 2): GaussianNB.Fit is not written yet")
}

// Predict returns the most probable class of every row of X.
//
// Contract:
//   - for each class k, the log of prior x likelihood:
//     log Priors[k] + sum over j of
//     -1/2 log(2 pi Variances[k][j]) - (x_j - Means[k][j])^2 / (2 Variances[k][j]).
//     Logs, because the product of 64 small densities underflows to 0.
//   - the class with the largest value wins (the first, on a tie).
//   - predicting before Fit, or rows whose width differs from the training
//     rows': an error.
func (m *GaussianNB) Predict(X mat.Matrix) ([]float64, error) {
	// TODO(exercise 2): score every class for every row, keep the best.
	return nil, errors.New("TODO(exercise 2): GaussianNB.Predict is not written yet")
}
