//go:build solution

package lab08

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
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
	m := &NormalEquations{Features: p, XtX: make([][]Sum, p+1), Xty: make([]Sum, p+1)}
	for i := range m.XtX {
		m.XtX[i] = make([]Sum, p+1)
	}
	return m
}

// Learn adds a row.
func (m *NormalEquations) Learn(x []float64, y float64) error {
	if err := m.check(x, y); err != nil {
		return err
	}
	m.apply(x, y, 1)
	return nil
}

// Forget removes a row learned before.
func (m *NormalEquations) Forget(x []float64, y float64) error {
	if err := m.check(x, y); err != nil {
		return err
	}
	if m.N == 0 {
		return fmt.Errorf("cannot forget a row: the model holds none")
	}
	m.apply(x, y, -1)
	return nil
}

func (m *NormalEquations) check(x []float64, y float64) error {
	if len(x) != m.Features {
		return fmt.Errorf("a row of %d features, the model has %d: %w", len(x), m.Features, mlkit.ErrShape)
	}
	for j, v := range x {
		if err := finite(v, y); err != nil {
			return fmt.Errorf("feature %d: %w", j, err)
		}
	}
	return finite(0, y)
}

func (m *NormalEquations) apply(x []float64, y, sign float64) {
	row := append([]float64{1}, x...)
	for i, a := range row {
		// X'X is symmetric: keep the upper triangle, j >= i.
		for j := i; j < len(row); j++ {
			m.XtX[i][j].Add(sign * a * row[j])
		}
		m.Xty[i].Add(sign * a * y)
	}
	m.N += int(sign)
}

// Fit solves the normal equations for the rows held now.
func (m *NormalEquations) Fit() (intercept float64, coef []float64, err error) {
	p := m.Features + 1
	a := mat.NewSymDense(p, nil)
	b := mat.NewVecDense(p, nil)
	for i := range p {
		for j := i; j < p; j++ {
			a.SetSym(i, j, m.XtX[i][j].Value())
		}
		b.SetVec(i, m.Xty[i].Value())
	}
	// X'X is symmetric and, when the rows determine the model, positive
	// definite: Cholesky is the cheap and stable way to solve it. It fails
	// (or is badly conditioned) when columns depend on each other or there
	// are fewer rows than coefficients.
	var chol mat.Cholesky
	if m.N == 0 || !chol.Factorize(a) || chol.Cond() > 1e12 {
		return 0, nil, fmt.Errorf("%d rows, %d coefficients: %w", m.N, p, mlkit.ErrUndetermined)
	}
	var w mat.VecDense
	if err := chol.SolveVecTo(&w, b); err != nil {
		return 0, nil, fmt.Errorf("solving the normal equations: %w", err)
	}
	out := w.RawVector().Data
	return out[0], append([]float64(nil), out[1:]...), nil
}
