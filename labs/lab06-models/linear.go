package lab06

import (
	"errors"

	"gonum.org/v1/gonum/mat"
)

// Exercise 3: least squares on diabetes.

// FitLinear finds the coefficients w and the intercept b that minimize the
// squared error sum_i (y_i - x_i.w - b)^2: ordinary least squares, as
// mlkit.LinearRegression and scikit-learn's LinearRegression fit it.
//
// Contract:
//   - one coefficient per column of X, in column order.
//   - len(y) != rows, or fewer rows than columns + 1 (too few equations to
//     pin down every coefficient and the intercept): an error.
func FitLinear(X mat.Matrix, y []float64) (coef []float64, intercept float64, err error) {
	// TODO(exercise 3): build A = [1 | X], solve A w = y in the
	// least-squares sense; w[0] is the intercept.
	return nil, 0, errors.New("TODO(exercise 3): FitLinear is not written yet")
}

// PredictLinear returns x_i.coef + intercept for every row of X.
//
// Contract: len(coef) must equal X's columns: an error otherwise.
func PredictLinear(X mat.Matrix, coef []float64, intercept float64) ([]float64, error) {
	// TODO(exercise 3)
	return nil, errors.New("TODO(exercise 3): PredictLinear is not written yet")
}

// R2 returns the coefficient of determination, 1 - SS_res / SS_tot: the
// share of the variance of yTrue that the predictions explain. 1 is perfect;
// 0 is no better than always predicting the mean of yTrue; below 0 is worse.
//
// Contract: SS_res = sum (yTrue_i - yPred_i)^2, SS_tot = sum (yTrue_i -
// mean(yTrue))^2. Different lengths, no values, or a constant yTrue (SS_tot
// = 0, so nothing to explain): an error.
func R2(yTrue, yPred []float64) (float64, error) {
	// TODO(exercise 3)
	return 0, errors.New("TODO(exercise 3): R2 is not written yet")
}
