package lab08

import (
	"errors"
)

// Exercise 4: multiple regression from X'X and X'y.

// NormalEquations is least-squares regression with p features kept as the
// sufficient statistics of the normal equations (X'X) w = X'y, over rows
// extended with a leading 1 for the intercept: X'X is (p+1)×(p+1), X'y has
// p+1 entries, whatever the number of rows. Learning a row adds its outer
// product; forgetting subtracts it. Make one with NewNormalEquations.
type NormalEquations struct {
	Features int
	N        int
	XtX      [][]Sum // (p+1)×(p+1); row and column 0 belong to the intercept
	Xty      []Sum
}

// NewNormalEquations returns an empty model of p features.
func NewNormalEquations(p int) *NormalEquations {
	// TODO(exercise 4): make XtX and Xty their size.
	return &NormalEquations{Features: p}
}

// Learn adds a row: with r = [1, x...], XtX[i][j] += r[i]·r[j] and
// Xty[i] += r[i]·y, and 1 to N.
//
// Contract: a row of the wrong width (wrap mlkit.ErrShape), or holding a
// NaN or infinite value (x or y), is an error and changes nothing.
func (m *NormalEquations) Learn(x []float64, y float64) error {
	// TODO(exercise 4)
	return errors.New("TODO(exercise 4): NormalEquations.Learn is not written yet")
}

// Forget removes a row learned before: it subtracts exactly what Learn
// added. A bad row, or a model holding no rows, is an error.
func (m *NormalEquations) Forget(x []float64, y float64) error {
	// TODO(exercise 4)
	return errors.New("TODO(exercise 4): NormalEquations.Forget is not written yet")
}

// Fit solves the normal equations for the rows held now and returns the
// intercept (w[0]) and the coefficients (w[1:]).
//
// Contract: when the rows do not determine the model (no rows, fewer rows
// than coefficients, a column that depends on others), an error wrapping
// mlkit.ErrUndetermined. Use gonum: a mat.SymDense of X'X, mat.Cholesky
// (Factorize fails on a singular matrix), and its Cond() to catch one that
// is singular in all but rounding: treat Cond() > 1e12 as singular.
func (m *NormalEquations) Fit() (intercept float64, coef []float64, err error) {
	// TODO(exercise 4)
	return 0, nil, errors.New("TODO(exercise 4): NormalEquations.Fit is not written yet")
}
