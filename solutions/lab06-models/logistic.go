//go:build solution

package lab06

import (
	"errors"
	"fmt"
	"math"

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
	if !train.HasLabels() || !test.HasLabels() {
		return nil, errors.New("both parts need labels")
	}
	// Fitting the scaler on all rows would let the test rows' means leak
	// into training: small here, but the habit matters.
	scaler := &mlkit.StandardScaler{}
	trainX, err := scaler.FitTransform(train.X)
	if err != nil {
		return nil, fmt.Errorf("standardizing the training rows: %w", err)
	}
	testX, err := scaler.Transform(test.X)
	if err != nil {
		return nil, fmt.Errorf("standardizing the test rows: %w", err)
	}
	model := &mlkit.LogisticRegression{}
	if err := model.Fit(trainX, train.Y); err != nil {
		return nil, fmt.Errorf("fitting: %w", err)
	}
	pred, err := model.Predict(testX)
	if err != nil {
		return nil, fmt.Errorf("predicting: %w", err)
	}
	acc, err := mlkit.Accuracy(test.Y, pred)
	if err != nil {
		return nil, err
	}

	counts := map[float64]int{}
	for _, y := range train.Y {
		counts[y]++
	}
	majority := math.Inf(1)
	for y, n := range counts {
		if n > counts[majority] || (n == counts[majority] && y < majority) {
			majority = y
		}
	}
	right := 0
	for _, y := range test.Y {
		if y == majority {
			right++
		}
	}
	return &CancerResult{
		Scaler:      scaler,
		Model:       model,
		Predictions: pred,
		Accuracy:    acc,
		Baseline:    float64(right) / float64(len(test.Y)),
	}, nil
}

// ProbabilityBenign computes by hand what m.PredictProba gives for the
// positive class (m.ClassLabels[1], benign) of one standardized row x:
// the sigmoid of the linear score, 1 / (1 + e^-(x.w + b)), with w the
// single row of m.Coef and b m.Intercept[0].
//
// Contract: m is a fitted two-class model and len(x) its number of
// features; otherwise return NaN.
func ProbabilityBenign(m *mlkit.LogisticRegression, x []float64) float64 {
	if m == nil || m.Coef == nil || len(m.Intercept) != 1 {
		return math.NaN()
	}
	if _, c := m.Coef.Dims(); c != len(x) {
		return math.NaN()
	}
	z := m.Intercept[0]
	for j, v := range x {
		z += m.Coef.At(0, j) * v
	}
	return 1 / (1 + math.Exp(-z))
}
