//go:build solution

package lab06

import (
	"errors"
	"fmt"

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
	r, c := X.Dims()
	if len(y) != r {
		return nil, 0, fmt.Errorf("linear: %d targets for %d rows", len(y), r)
	}
	if r < c+1 {
		return nil, 0, fmt.Errorf("linear: %d rows cannot fit %d coefficients and an intercept", r, c)
	}
	// The intercept is the coefficient of a column of ones: A = [1 | X].
	A := mat.NewDense(r, c+1, nil)
	for i := 0; i < r; i++ {
		A.Set(i, 0, 1)
		for j := 0; j < c; j++ {
			A.Set(i, j+1, X.At(i, j))
		}
	}
	// SolveVec on a tall matrix is least squares by QR: more accurate than
	// inverting A^T A, whose condition number is the square of A's.
	var w mat.VecDense
	if err := w.SolveVec(A, mat.NewVecDense(r, y)); err != nil {
		return nil, 0, fmt.Errorf("linear: %w", err)
	}
	coef = make([]float64, c)
	for j := range coef {
		coef[j] = w.AtVec(j + 1)
	}
	return coef, w.AtVec(0), nil
}

// PredictLinear returns x_i.coef + intercept for every row of X.
//
// Contract: len(coef) must equal X's columns: an error otherwise.
func PredictLinear(X mat.Matrix, coef []float64, intercept float64) ([]float64, error) {
	r, c := X.Dims()
	if len(coef) != c {
		return nil, fmt.Errorf("linear: %d coefficients for %d columns", len(coef), c)
	}
	out := make([]float64, r)
	for i := range out {
		s := intercept
		for j, w := range coef {
			s += X.At(i, j) * w
		}
		out[i] = s
	}
	return out, nil
}

// R2 returns the coefficient of determination, 1 - SS_res / SS_tot: the
// share of the variance of yTrue that the predictions explain. 1 is perfect;
// 0 is no better than always predicting the mean of yTrue; below 0 is worse.
//
// Contract: SS_res = sum (yTrue_i - yPred_i)^2, SS_tot = sum (yTrue_i -
// mean(yTrue))^2. Different lengths, no values, or a constant yTrue (SS_tot
// = 0, so nothing to explain): an error.
func R2(yTrue, yPred []float64) (float64, error) {
	if len(yTrue) != len(yPred) || len(yTrue) == 0 {
		return 0, fmt.Errorf("r2: %d true values and %d predictions", len(yTrue), len(yPred))
	}
	mean := 0.0
	for _, v := range yTrue {
		mean += v
	}
	mean /= float64(len(yTrue))
	var res, tot float64
	for i, v := range yTrue {
		res += (v - yPred[i]) * (v - yPred[i])
		tot += (v - mean) * (v - mean)
	}
	if tot == 0 {
		return 0, errors.New("r2: the true values are all the same")
	}
	return 1 - res/tot, nil
}
