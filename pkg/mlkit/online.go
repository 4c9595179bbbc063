package mlkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Online is a model that learns from a stream, one record at a time, and
// (where it can) forgets a record it learned: Forget(x, y) after Learn(x, y)
// leaves the model as if the record had never come. A stream of updates and
// deletes keeps such a model equal to a batch fit on the records alive now
// (see Keyed).
type Online interface {
	// Learn adds one record.
	Learn(x []float64, y float64) error
	// Forget removes one record learned before; models that cannot forget
	// exactly return ErrCannotForget.
	Forget(x []float64, y float64) error
	// Predict answers for one row.
	Predict(x []float64) (float64, error)
	// Count is the number of records the model holds.
	Count() int
	// Snapshot is the model's state as JSON, to save and restore it.
	Snapshot() ([]byte, error)
}

// Errors of online models.
var (
	// ErrCannotForget: the model's updates cannot be undone exactly (SGD).
	ErrCannotForget = errors.New("this model cannot forget a record exactly")
	// ErrUndetermined: the records so far do not determine the model (fewer
	// than two distinct x values for a line, a singular X'X).
	ErrUndetermined = errors.New("the records so far do not determine the model")
)

// sum is a compensated (Neumaier) running sum: adding and later subtracting
// the same values returns to the old total to within one rounding, so a
// model that learns and forgets millions of records does not drift.
type sum struct{ S, C float64 }

func (s *sum) add(v float64) {
	t := s.S + v
	if math.Abs(s.S) >= math.Abs(v) {
		s.C += (s.S - t) + v
	} else {
		s.C += (v - t) + s.S
	}
	s.S = t
}

func (s sum) value() float64 { return s.S + s.C }

func checkOnline(x []float64, y float64, want int) error {
	if want >= 0 && len(x) != want {
		return fmt.Errorf("mlkit: %d features, the model has %d: %w", len(x), want, ErrShape)
	}
	for j, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("mlkit: feature %d is %v: %w", j, v, ErrNotFinite)
		}
	}
	if math.IsNaN(y) || math.IsInf(y, 0) {
		return fmt.Errorf("mlkit: label is %v: %w", y, ErrNotFinite)
	}
	return nil
}

// SimpleRegression is the least-squares line y = Intercept + Slope*x kept as
// five running sums, n, Σx, Σy, Σxy and Σx²:
//
//	d         = n·Σx² − (Σx)²
//	slope     = (n·Σxy − Σx·Σy) / d
//	intercept = (Σy·Σx² − Σx·Σxy) / d
//
// Learning adds a point's terms and forgetting subtracts them, so the line
// always equals batch least squares over the points it holds. d is zero when
// fewer than two distinct x values are held: the line is then undetermined.
type SimpleRegression struct {
	N                int
	Sx, Sy, Sxy, Sxx sum
}

// Learn adds the point (x[0], y).
func (m *SimpleRegression) Learn(x []float64, y float64) error {
	if err := checkOnline(x, y, 1); err != nil {
		return err
	}
	m.apply(x[0], y, 1)
	return nil
}

// Forget removes the point (x[0], y), learned before.
func (m *SimpleRegression) Forget(x []float64, y float64) error {
	if err := checkOnline(x, y, 1); err != nil {
		return err
	}
	if m.N == 0 {
		return fmt.Errorf("mlkit: forget: the model holds no points: %w", ErrEmpty)
	}
	m.apply(x[0], y, -1)
	return nil
}

func (m *SimpleRegression) apply(x, y, sign float64) {
	m.N += int(sign)
	m.Sx.add(sign * x)
	m.Sy.add(sign * y)
	m.Sxy.add(sign * x * y)
	m.Sxx.add(sign * x * x)
}

// Line returns the intercept and slope of the points held.
func (m *SimpleRegression) Line() (intercept, slope float64, err error) {
	n := float64(m.N)
	sx, sy, sxy, sxx := m.Sx.value(), m.Sy.value(), m.Sxy.value(), m.Sxx.value()
	d := n*sxx - sx*sx
	// d is n² times the variance of x: compare it with the scale of its terms
	// to tell "all x equal" (rounding noise) from a real spread.
	if m.N < 2 || d <= 1e-12*n*sxx {
		return 0, 0, fmt.Errorf("mlkit: simple regression over %d points: %w (it needs two different x values)", m.N, ErrUndetermined)
	}
	slope = (n*sxy - sx*sy) / d
	intercept = (sy*sxx - sx*sxy) / d
	return intercept, slope, nil
}

// Predict returns intercept + slope*x[0].
func (m *SimpleRegression) Predict(x []float64) (float64, error) {
	if err := checkOnline(x, 0, 1); err != nil {
		return 0, err
	}
	a, b, err := m.Line()
	if err != nil {
		return 0, err
	}
	return a + b*x[0], nil
}

// Count is the number of points held.
func (m *SimpleRegression) Count() int { return m.N }

// Snapshot returns the sums as JSON.
func (m *SimpleRegression) Snapshot() ([]byte, error) { return json.Marshal(m) }

// OnlineLinearRegression is multiple least-squares regression kept as the
// sufficient statistics of the normal equations: n, X'X and X'y over rows
// extended with a leading 1 for the intercept. Learn adds a row's outer
// product and Forget subtracts it; Fit solves (X'X) w = X'y with a Cholesky
// factorization (an SVD when X'X is singular, giving the minimum-norm
// solution as LinearRegression does), so the answer equals LinearRegression
// over the rows held. Memory is (features+1)² whatever the stream's length.
// Make one with NewOnlineLinearRegression.
type OnlineLinearRegression struct {
	Features int       `json:"features"`
	N        int       `json:"n"`
	XtX      [][]sum   `json:"xtx"` // (features+1)², row 0 / column 0 the intercept
	Xty      []sum     `json:"xty"`
	coef     []float64 // cached by Fit
	fitAt    int       // N at the last Fit, -1 when stale
}

// NewOnlineLinearRegression returns an empty model of p features.
func NewOnlineLinearRegression(p int) *OnlineLinearRegression {
	m := &OnlineLinearRegression{Features: p, XtX: make([][]sum, p+1), Xty: make([]sum, p+1), fitAt: -1}
	for i := range m.XtX {
		m.XtX[i] = make([]sum, p+1)
	}
	return m
}

func (m *OnlineLinearRegression) apply(x []float64, y, sign float64) {
	row := append([]float64{1}, x...)
	for i, a := range row {
		for j := i; j < len(row); j++ {
			m.XtX[i][j].add(sign * a * row[j])
		}
		m.Xty[i].add(sign * a * y)
	}
	m.N += int(sign)
	m.fitAt = -1
}

// Learn adds one row.
func (m *OnlineLinearRegression) Learn(x []float64, y float64) error {
	if err := checkOnline(x, y, m.Features); err != nil {
		return err
	}
	m.apply(x, y, 1)
	return nil
}

// Forget removes one row learned before.
func (m *OnlineLinearRegression) Forget(x []float64, y float64) error {
	if err := checkOnline(x, y, m.Features); err != nil {
		return err
	}
	if m.N == 0 {
		return fmt.Errorf("mlkit: forget: the model holds no rows: %w", ErrEmpty)
	}
	m.apply(x, y, -1)
	return nil
}

// Fit solves the normal equations and returns the intercept and the
// coefficients of the rows held.
func (m *OnlineLinearRegression) Fit() (intercept float64, coef []float64, err error) {
	if m.fitAt == m.N && m.coef != nil {
		return m.coef[0], slices.Clone(m.coef[1:]), nil
	}
	if m.N == 0 {
		return 0, nil, fmt.Errorf("mlkit: online linear regression: no rows: %w", ErrUndetermined)
	}
	p := m.Features + 1
	a := mat.NewSymDense(p, nil)
	b := mat.NewVecDense(p, nil)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			a.SetSym(i, j, m.XtX[i][j].value())
		}
		b.SetVec(i, m.Xty[i].value())
	}
	w := mat.NewVecDense(p, nil)
	var chol mat.Cholesky
	solved := false
	if chol.Factorize(a) {
		if err := chol.SolveVecTo(w, b); err == nil {
			if c := chol.Cond(); c < 1e12 {
				solved = true
			}
		}
	}
	if !solved {
		// Dependent columns (or fewer rows than features): the minimum-norm
		// least-squares solution from the SVD's pseudo-inverse.
		var svd mat.SVD
		if !svd.Factorize(a, mat.SVDThin) {
			return 0, nil, fmt.Errorf("mlkit: online linear regression: %w", ErrUndetermined)
		}
		vals := svd.Values(nil)
		var u, v mat.Dense
		svd.UTo(&u)
		svd.VTo(&v)
		tol := vals[0] * 1e-12 * float64(p)
		w.Zero()
		for k, s := range vals {
			if s <= tol {
				continue
			}
			uk := mat.Dot(u.ColView(k), b) / s
			w.AddScaledVec(w, uk, v.ColView(k))
		}
	}
	m.coef, m.fitAt = slices.Clone(w.RawVector().Data), m.N
	return m.coef[0], slices.Clone(m.coef[1:]), nil
}

// Predict fits (when rows changed since the last fit) and answers.
func (m *OnlineLinearRegression) Predict(x []float64) (float64, error) {
	if err := checkOnline(x, 0, m.Features); err != nil {
		return 0, err
	}
	b0, w, err := m.Fit()
	if err != nil {
		return 0, err
	}
	return b0 + dot(w, x), nil
}

// Count is the number of rows held.
func (m *OnlineLinearRegression) Count() int { return m.N }

// Snapshot returns the statistics as JSON.
func (m *OnlineLinearRegression) Snapshot() ([]byte, error) { return json.Marshal(m) }

// UnmarshalJSON restores a snapshot.
func (m *OnlineLinearRegression) UnmarshalJSON(data []byte) error {
	type plain OnlineLinearRegression
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	if len(p.XtX) != p.Features+1 || len(p.Xty) != p.Features+1 {
		return fmt.Errorf("mlkit: online linear regression snapshot: %d features but X'X is %dx?: %w", p.Features, len(p.XtX), ErrShape)
	}
	*m = OnlineLinearRegression(p)
	m.fitAt = -1
	return nil
}
