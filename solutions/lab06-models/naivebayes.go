//go:build solution

package lab06

import (
	"errors"
	"fmt"
	"math"
	"slices"

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
	r, c := X.Dims()
	if r == 0 || len(y) != r {
		return fmt.Errorf("gaussian nb: %d labels for %d rows", len(y), r)
	}
	classes := slices.Clone(y)
	slices.Sort(classes)
	classes = slices.Compact(classes)

	// The smoothing is relative to the data's own scale.
	all := make([]int, r)
	for i := range all {
		all[i] = i
	}
	largest := 0.0
	for j := 0; j < c; j++ {
		_, v := meanVariance(X, all, j)
		largest = max(largest, v)
	}
	epsilon := VarSmoothing * largest

	*m = GaussianNB{Classes: classes}
	for _, class := range classes {
		var rows []int
		for i, label := range y {
			if label == class {
				rows = append(rows, i)
			}
		}
		means, variances := make([]float64, c), make([]float64, c)
		for j := 0; j < c; j++ {
			means[j], variances[j] = meanVariance(X, rows, j)
			variances[j] += epsilon
		}
		m.Priors = append(m.Priors, float64(len(rows))/float64(r))
		m.Means = append(m.Means, means)
		m.Variances = append(m.Variances, variances)
	}
	return nil
}

// meanVariance returns the mean and population variance of column j over
// the given rows, in two passes (one pass, E[x^2] - E[x]^2, loses digits to
// cancellation).
func meanVariance(X mat.Matrix, rows []int, j int) (mean, variance float64) {
	for _, i := range rows {
		mean += X.At(i, j)
	}
	mean /= float64(len(rows))
	for _, i := range rows {
		d := X.At(i, j) - mean
		variance += d * d
	}
	return mean, variance / float64(len(rows))
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
	if len(m.Classes) == 0 {
		return nil, errors.New("gaussian nb: Predict before Fit")
	}
	r, c := X.Dims()
	if c != len(m.Means[0]) {
		return nil, fmt.Errorf("gaussian nb: rows of %d features, but the model was fitted on %d", c, len(m.Means[0]))
	}
	out := make([]float64, r)
	for i := 0; i < r; i++ {
		best, bestScore := 0, math.Inf(-1)
		for k := range m.Classes {
			score := math.Log(m.Priors[k])
			for j := 0; j < c; j++ {
				v, d := m.Variances[k][j], X.At(i, j)-m.Means[k][j]
				score += -0.5*math.Log(2*math.Pi*v) - d*d/(2*v)
			}
			if score > bestScore {
				best, bestScore = k, score
			}
		}
		out[i] = m.Classes[best]
	}
	return out, nil
}
