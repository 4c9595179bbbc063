//go:build grading

package lab08

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func g8Fit(t *testing.T, m *NormalEquations) (a float64, w []float64, err error, ok bool) {
	t.Helper()
	ok = labtest.Guard(t, "NormalEquations.Fit", func() { a, w, err = m.Fit() })
	return
}

func g8CheckFit(t *testing.T, what string, m *NormalEquations, X [][]float64, y []float64, hint string) {
	t.Helper()
	wantA, wantW := g8Batch(t, X, y)
	a, w, err, ok := g8Fit(t, m)
	switch {
	case !ok:
		return
	case err != nil:
		t.Errorf("%s: Fit() returned an error: %v (batch least squares over the %d rows gives intercept %.8g)", what, err, len(X), wantA)
		return
	case len(w) != len(wantW):
		t.Errorf("%s: Fit() returned %d coefficients, want %d (one per feature; the intercept apart)", what, len(w), len(wantW))
		return
	}
	if !g8Close(wantA, a, g8Tol) {
		t.Errorf("%s", labtest.Mismatch(what+", the intercept", fmt.Sprintf("%.12g (mlkit.LinearRegression over %d rows)", wantA, len(X)), fmt.Sprintf("%.12g", a), hint))
	}
	for j := range w {
		if !g8Close(wantW[j], w[j], g8Tol) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s, coefficient %d", what, j), fmt.Sprintf("%.12g", wantW[j]), fmt.Sprintf("%.12g", w[j]), hint))
			return
		}
	}
}

func TestMultipleRegression(t *testing.T) {
	d := labtest.Dataset(t, "diabetes")
	rows, p := d.Rows(), d.Cols()
	row := func(i int) []float64 { return slices.Clone(d.X.RawRowView(i)) }
	const shape = "the normal equations (X'X) w = X'y over rows [1, x...]: X'X[i][j] += row[i]*row[j], X'y[i] += row[i]*y; solve with mat.Cholesky"

	t.Run("diabetes, streamed row by row, equals batch least squares", func(t *testing.T) {
		m := NewNormalEquations(p)
		var X [][]float64
		ok := labtest.Guard(t, "NormalEquations.Learn", func() {
			for i := range rows {
				if err := m.Learn(row(i), d.Y[i]); err != nil {
					t.Fatalf("Learn(row %d): %v", i, err)
				}
				X = append(X, row(i))
			}
		})
		if ok {
			g8CheckFit(t, fmt.Sprintf("after learning the %d rows of diabetes", rows), m, X, d.Y, shape)
		}
	})

	t.Run("updates and deletes: equals batch over the live rows", func(t *testing.T) {
		m := NewNormalEquations(p)
		live := map[int]float64{}
		r := rand.New(rand.NewPCG(8, 4))
		ok := labtest.Guard(t, "NormalEquations", func() {
			for i := range rows {
				if err := m.Learn(row(i), d.Y[i]); err != nil {
					t.Fatalf("Learn(row %d): %v", i, err)
				}
				live[i] = d.Y[i]
			}
			for i := range rows {
				switch {
				case i%4 == 1: // deleted
					if err := m.Forget(row(i), live[i]); err != nil {
						t.Fatalf("Forget(row %d): %v", i, err)
					}
					delete(live, i)
				case i%5 == 2: // a corrected label
					newY := live[i] + 50*r.NormFloat64()
					if err := m.Forget(row(i), live[i]); err != nil {
						t.Fatalf("Forget(row %d): %v", i, err)
					}
					if err := m.Learn(row(i), newY); err != nil {
						t.Fatalf("Learn(row %d): %v", i, err)
					}
					live[i] = newY
				}
			}
		})
		if !ok {
			return
		}
		var X [][]float64
		var y []float64
		for i := range rows {
			if v, ok := live[i]; ok {
				X, y = append(X, row(i)), append(y, v)
			}
		}
		if m.N != len(X) {
			t.Errorf("N = %d after learning %d rows, deleting %d and updating some; want %d", m.N, rows, rows-len(X), len(X))
		}
		g8CheckFit(t, "after deleting every fourth row and correcting the labels of others", m, X, y, "Forget subtracts exactly what Learn added")
	})

	t.Run("too few rows or dependent columns give no model", func(t *testing.T) {
		m := NewNormalEquations(3)
		var a float64
		var err error
		labtest.Guard(t, "NormalEquations", func() {
			_ = m.Learn([]float64{1, 2, 3}, 4)
			_ = m.Learn([]float64{2, 1, 0}, 5)
			a, _, err = m.Fit()
		})
		if !errors.Is(err, mlkit.ErrUndetermined) {
			t.Errorf("Fit() over 2 rows of 3 features returned the intercept %s; want an error wrapping mlkit.ErrUndetermined: 4 unknowns (with the intercept) and 2 equations. Cholesky fails (Factorize returns false) or is ill-conditioned (Cond() > 1e12)", labtest.Returned(a, err))
		}
		dep := NewNormalEquations(2)
		labtest.Guard(t, "NormalEquations", func() {
			for i := range 20 {
				x := float64(i)
				_ = dep.Learn([]float64{x, 2 * x}, 3*x+1) // the second column is twice the first
			}
			a, _, err = dep.Fit()
		})
		if !errors.Is(err, mlkit.ErrUndetermined) {
			t.Errorf("Fit() with a column that is twice another returned the intercept %s; want an error wrapping mlkit.ErrUndetermined (infinitely many solutions)", labtest.Returned(a, err))
		}
		// And enough independent rows do give a model.
		ok3 := NewNormalEquations(3)
		var X [][]float64
		var y []float64
		labtest.Guard(t, "NormalEquations", func() {
			for i := range 12 {
				x := []float64{float64(i), float64(i * i % 7), float64(i%3) - 1}
				X, y = append(X, x), append(y, 1+x[0]-2*x[1]+0.5*x[2]+float64(i%2))
				_ = ok3.Learn(x, y[len(y)-1])
			}
		})
		g8CheckFit(t, "12 independent rows of 3 features", ok3, X, y, shape)
	})

	t.Run("bad rows are refused and change nothing", func(t *testing.T) {
		m := NewNormalEquations(p)
		var X [][]float64
		labtest.Guard(t, "NormalEquations", func() {
			if err := m.Forget(row(0), d.Y[0]); err == nil {
				t.Errorf("Forget on an empty model returned no error")
			}
			for i := range 100 {
				if err := m.Learn(row(i), d.Y[i]); err != nil {
					t.Fatalf("Learn(row %d): %v", i, err)
				}
				X = append(X, row(i))
			}
			bad := row(5)
			bad[3] = math.NaN()
			for _, c := range []struct {
				x    []float64
				y    float64
				what string
			}{
				{row(1)[:p-1], 100, fmt.Sprintf("a row of %d features", p-1)},
				{append(row(1), 1), 100, fmt.Sprintf("a row of %d features", p+1)},
				{bad, 100, "a NaN feature"},
				{row(2), math.Inf(1), "an infinite label"},
			} {
				if err := m.Learn(c.x, c.y); err == nil {
					t.Errorf("Learn of %s returned no error", c.what)
				}
				if err := m.Forget(c.x, c.y); err == nil {
					t.Errorf("Forget of %s returned no error", c.what)
				}
			}
		})
		if m.N != 100 {
			t.Errorf("N = %d after 100 good rows and refused bad ones: a refused row changes nothing", m.N)
		}
		g8CheckFit(t, "after refusing bad rows", m, X, d.Y[:100], "check the whole row (width, every value) before changing any sum")
	})
}
