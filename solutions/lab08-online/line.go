//go:build solution

package lab08

import (
	"fmt"
	"math"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Exercise 1: a least-squares line from five running sums.

// Sum is a compensated running sum (Neumaier's variant of Kahan
// summation): S is the sum as a float64 holds it, C the low-order bits
// that each addition rounded away. A stream that adds and later subtracts
// millions of values returns to its true total instead of drifting.
type Sum struct {
	S float64 `json:"s"`
	C float64 `json:"c"`
}

// Add adds v.
func (s *Sum) Add(v float64) {
	t := s.S + v
	// Whichever of the two is larger in size keeps its bits in t; what the
	// smaller one lost is (larger - t) + smaller, exactly.
	if math.Abs(s.S) >= math.Abs(v) {
		s.C += (s.S - t) + v
	} else {
		s.C += (v - t) + s.S
	}
	s.S = t
}

// Value is the sum, with the lost bits added back.
func (s Sum) Value() float64 { return s.S + s.C }

// RunningLine is the least-squares line y = intercept + slope·x kept as
// its sufficient statistics: n, Σx, Σy, Σxy and Σx². They are all a line
// needs, so a model of a million points is five numbers, and a point
// learned can be forgotten by subtracting what it added.
type RunningLine struct {
	N   int `json:"n"`
	Sx  Sum `json:"sx"`
	Sy  Sum `json:"sy"`
	Sxy Sum `json:"sxy"`
	Sxx Sum `json:"sxx"`
}

// Learn adds the point (x, y).
func (m *RunningLine) Learn(x, y float64) error {
	if err := finite(x, y); err != nil {
		return err
	}
	m.apply(x, y, 1)
	return nil
}

// Forget removes the point (x, y), learned before.
func (m *RunningLine) Forget(x, y float64) error {
	if err := finite(x, y); err != nil {
		return err
	}
	if m.N == 0 {
		return fmt.Errorf("cannot forget (%v, %v): the line holds no points", x, y)
	}
	m.apply(x, y, -1)
	return nil
}

// apply adds (sign 1) or subtracts (sign -1) one point's terms.
func (m *RunningLine) apply(x, y, sign float64) {
	m.N += int(sign)
	m.Sx.Add(sign * x)
	m.Sy.Add(sign * y)
	m.Sxy.Add(sign * x * y)
	m.Sxx.Add(sign * x * x)
}

// Line returns the intercept and slope of the points held:
//
//	d         = n·Σx² − (Σx)²
//	intercept = (Σy·Σx² − Σx·Σxy) / d
//	slope     = (n·Σxy − Σx·Σy) / d
func (m *RunningLine) Line() (intercept, slope float64, err error) {
	n := float64(m.N)
	sx, sy, sxy, sxx := m.Sx.Value(), m.Sy.Value(), m.Sxy.Value(), m.Sxx.Value()
	d := n*sxx - sx*sx
	// d is n² times the variance of x. With every x equal it is zero in
	// exact arithmetic, and a little rounding noise in float64: compare it
	// with the size of its terms rather than with 0.
	if m.N < 2 || d <= 1e-12*n*sxx {
		return 0, 0, fmt.Errorf("%d points with %s: %w (a line needs two different x values)", m.N, spread(m.N), mlkit.ErrUndetermined)
	}
	return (sy*sxx - sx*sxy) / d, (n*sxy - sx*sy) / d, nil
}

func spread(n int) string {
	if n < 2 {
		return "not enough of them"
	}
	return "every x the same"
}

func finite(x, y float64) error {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
		return fmt.Errorf("the point (%v, %v) is not finite: %w", x, y, mlkit.ErrNotFinite)
	}
	return nil
}
