package lab08

import (
	"errors"
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
//
// Contract: t := S + v is the new S; what that addition lost goes into C.
// If |S| >= |v| the lost part is (S - t) + v, otherwise (v - t) + S.
func (s *Sum) Add(v float64) {
	// TODO(exercise 1): a compensated addition.
	panic("TODO(exercise 1): Sum.Add is not written yet")
}

// Value is the sum, with the lost bits added back: S + C.
func (s Sum) Value() float64 {
	// TODO(exercise 1)
	panic("TODO(exercise 1): Sum.Value is not written yet")
}

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

// Learn adds the point (x, y): 1 to N, and x, y, x·y and x² to the sums.
//
// Contract: a point with a NaN or infinite coordinate is an error (wrap
// mlkit.ErrNotFinite) and changes nothing.
func (m *RunningLine) Learn(x, y float64) error {
	// TODO(exercise 1)
	return errors.New("TODO(exercise 1): RunningLine.Learn is not written yet")
}

// Forget removes the point (x, y), learned before: it subtracts exactly
// what Learn added.
//
// Contract: a point that is not finite, or a line that holds no points,
// is an error, and nothing changes.
func (m *RunningLine) Forget(x, y float64) error {
	// TODO(exercise 1)
	return errors.New("TODO(exercise 1): RunningLine.Forget is not written yet")
}

// Line returns the intercept and slope of the points held:
//
//	d         = n·Σx² − (Σx)²
//	intercept = (Σy·Σx² − Σx·Σxy) / d
//	slope     = (n·Σxy − Σx·Σy) / d
//
// Contract: fewer than two points, or every x the same, is an error
// wrapping mlkit.ErrUndetermined. "Every x the same" is d = 0 in exact
// arithmetic; in float64 it can be a little rounding noise, so treat
// d <= 1e-12·n·Σx² as zero.
func (m *RunningLine) Line() (intercept, slope float64, err error) {
	// TODO(exercise 1)
	return 0, 0, errors.New("TODO(exercise 1): RunningLine.Line is not written yet")
}
