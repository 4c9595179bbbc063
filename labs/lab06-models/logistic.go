package lab06

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Exercise 4: logistic regression on standardized features.

// CancerResult is what ClassifyCancer found.
type CancerResult struct {
	// Scaler standardizes the features; it is fitted on the training rows.
	Scaler *mlkit.StandardScaler
	// Model is the logistic regression, fitted on the standardized
	// training rows.
	Model *mlkit.LogisticRegression
	// Predictions are the model's labels for the test rows, in order.
	Predictions []float64
	// Accuracy is the share of test rows predicted right.
	Accuracy float64
	// Baseline is the accuracy of predicting the most common training label
	// for every test row.
	Baseline float64
}

// ClassifyCancer trains a logistic regression on breast_cancer's training
// rows and tests it on its test rows (both with labels).
//
// Contract:
//   - standardize: fit a mlkit.StandardScaler on the training features
//     only, and transform both parts with it. The test rows are scaled with
//     the training rows' means and deviations, as new rows will be.
//   - fit a mlkit.LogisticRegression with its defaults (C = 1) on the
//     standardized training rows; predict the standardized test rows.
//   - Accuracy compares the predictions with the test labels; Baseline is
//     the accuracy of always predicting the most common training label (the
//     smallest on a tie).
//   - a part without labels, or any error on the way: an error.
func ClassifyCancer(train, test *mlkit.Dataset) (*CancerResult, error) {
	// TODO(exercise 4): scale, fit, predict, score.
	return nil, errors.New("TODO(exercise 4): ClassifyCancer is not written yet")
}

// ProbabilityBenign computes by hand what m.PredictProba gives for the
// positive class (m.ClassLabels[1], benign) of one standardized row x:
// the sigmoid of the linear score, 1 / (1 + e^-(x.w + b)), with w the
// single row of m.Coef and b m.Intercept[0].
//
// Contract: m is a fitted two-class model and len(x) its number of
// features; otherwise return NaN.
func ProbabilityBenign(m *mlkit.LogisticRegression, x []float64) float64 {
	// TODO(exercise 4)
	panic("TODO(exercise 4): ProbabilityBenign is not written yet")
}
