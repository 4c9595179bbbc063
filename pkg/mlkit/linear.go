package mlkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// LinearRegression is ordinary least squares: it finds the coefficients w and
// intercept b minimizing sum_i (y_i - x_i.w - b)^2, like scikit-learn's
// LinearRegression. The zero value fits an intercept.
//
// Fit centres X and y and solves the least-squares problem with a QR
// factorization; when the features are linearly dependent (or there are fewer
// rows than features) it falls back to the minimum-norm solution from an SVD,
// as scikit-learn's lstsq does.
type LinearRegression struct {
	// NoIntercept fits a line through the origin (scikit-learn's
	// fit_intercept=False).
	NoIntercept bool

	// Coef holds one coefficient per feature once fitted.
	Coef []float64
	// Intercept is the fitted intercept (0 with NoIntercept).
	Intercept float64
}

// Type returns "linear_regression".
func (m *LinearRegression) Type() string { return TypeLinearRegression }

// Fit learns the coefficients from X (n x features) and y (length n).
func (m *LinearRegression) Fit(X mat.Matrix, y []float64) error {
	coef, b, err := fitLeastSquares(X, y, 0, !m.NoIntercept)
	if err != nil {
		return fmt.Errorf("linear regression: %w", err)
	}
	m.Coef, m.Intercept = coef, b
	return nil
}

// Predict returns x_i.Coef + Intercept for each row of X.
func (m *LinearRegression) Predict(X mat.Matrix) ([]float64, error) {
	return predictLinear(TypeLinearRegression, m.Coef, m.Intercept, X)
}

// Ridge is least squares with an L2 penalty: it minimizes
// sum_i (y_i - x_i.w - b)^2 + Alpha*|w|^2, like scikit-learn's Ridge. The
// intercept is not penalized. Alpha 0 is ordinary least squares; scikit-learn's
// default is Alpha 1 (use NewRidge(1)).
type Ridge struct {
	Alpha       float64 // penalty strength, >= 0
	NoIntercept bool    // fit through the origin

	Coef      []float64 // one coefficient per feature once fitted
	Intercept float64   // the fitted intercept
}

// NewRidge returns a ridge regression with penalty alpha.
func NewRidge(alpha float64) *Ridge { return &Ridge{Alpha: alpha} }

// Type returns "ridge".
func (m *Ridge) Type() string { return TypeRidge }

// Fit learns the coefficients from X (n x features) and y (length n).
func (m *Ridge) Fit(X mat.Matrix, y []float64) error {
	if m.Alpha < 0 || math.IsNaN(m.Alpha) || math.IsInf(m.Alpha, 0) {
		return fmt.Errorf("ridge: alpha %v must be a finite number >= 0", m.Alpha)
	}
	coef, b, err := fitLeastSquares(X, y, m.Alpha, !m.NoIntercept)
	if err != nil {
		return fmt.Errorf("ridge: %w", err)
	}
	m.Coef, m.Intercept = coef, b
	return nil
}

// Predict returns x_i.Coef + Intercept for each row of X.
func (m *Ridge) Predict(X mat.Matrix) ([]float64, error) {
	return predictLinear(TypeRidge, m.Coef, m.Intercept, X)
}

// fitLeastSquares minimizes |y - Xw - b|^2 + alpha|w|^2. With an intercept it
// centres X and y, so the intercept is not penalized, and recovers
// b = mean(y) - mean(X).w. The ridge term is solved as least squares on X
// stacked over sqrt(alpha)*I, which is better conditioned than the normal
// equations.
func fitLeastSquares(X mat.Matrix, y []float64, alpha float64, intercept bool) ([]float64, float64, error) {
	data, r, c, err := rowMajor(X, -1)
	if err != nil {
		return nil, 0, err
	}
	if err := checkTarget(y, r); err != nil {
		return nil, 0, err
	}
	xmean := make([]float64, c)
	ymean := 0.0
	if intercept {
		for i := 0; i < r; i++ {
			row := data[i*c : (i+1)*c]
			for j, v := range row {
				xmean[j] += v
			}
			ymean += y[i]
		}
		for j := range xmean {
			xmean[j] /= float64(r)
		}
		ymean /= float64(r)
	}
	rows := r
	if alpha > 0 {
		rows += c
	}
	a := make([]float64, rows*c)
	for i := 0; i < r; i++ {
		src, dst := data[i*c:(i+1)*c], a[i*c:(i+1)*c]
		for j, v := range src {
			dst[j] = v - xmean[j]
		}
	}
	if alpha > 0 {
		s := math.Sqrt(alpha)
		for j := 0; j < c; j++ {
			a[(r+j)*c+j] = s
		}
	}
	b := make([]float64, rows)
	for i := 0; i < r; i++ {
		b[i] = y[i] - ymean
	}
	A := mat.NewDense(rows, c, a)
	B := mat.NewDense(rows, 1, b)

	var w mat.Dense
	solved := false
	if rows >= c {
		var qr mat.QR
		qr.Factorize(A)
		if err := qr.SolveTo(&w, false, B); err == nil {
			solved = true
		} else {
			var cond mat.Condition
			if !errors.As(err, &cond) {
				return nil, 0, err
			}
		}
	}
	coef := make([]float64, c)
	if solved {
		copy(coef, w.RawMatrix().Data)
	} else {
		// Rank-deficient: the minimum-norm least-squares solution.
		var svd mat.SVD
		if !svd.Factorize(A, mat.SVDThin) {
			return nil, 0, errors.New("least squares: SVD did not converge")
		}
		rank := svd.Rank(math.Nextafter(1, 2) - 1) // machine epsilon, relative
		if rank > 0 {
			svd.SolveTo(&w, B, rank)
			for j := 0; j < c; j++ {
				coef[j] = w.At(j, 0)
			}
		}
	}
	b0 := 0.0
	if intercept {
		b0 = ymean
		for j, v := range coef {
			b0 -= xmean[j] * v
		}
	}
	return coef, b0, nil
}

func predictLinear(model string, coef []float64, intercept float64, X mat.Matrix) ([]float64, error) {
	if len(coef) == 0 {
		return nil, notFitted(model)
	}
	data, r, c, err := rowMajor(X, len(coef))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", model, err)
	}
	out := make([]float64, r)
	for i := range out {
		s := intercept
		for j, v := range data[i*c : (i+1)*c] {
			s += v * coef[j]
		}
		out[i] = s
	}
	return out, nil
}

// linearJSON is the JSON form of LinearRegression and Ridge.
type linearJSON struct {
	Model       string    `json:"model"`
	Alpha       *float64  `json:"alpha,omitempty"`
	NoIntercept bool      `json:"no_intercept,omitempty"`
	Coef        []float64 `json:"coef"`
	Intercept   float64   `json:"intercept"`
}

// MarshalJSON encodes the model as {"model":"linear_regression",...}.
func (m *LinearRegression) MarshalJSON() ([]byte, error) {
	return json.Marshal(linearJSON{Model: TypeLinearRegression, NoIntercept: m.NoIntercept, Coef: m.Coef, Intercept: m.Intercept})
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (m *LinearRegression) UnmarshalJSON(data []byte) error {
	var j linearJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if err := checkTag(j.Model, TypeLinearRegression); err != nil {
		return err
	}
	*m = LinearRegression{NoIntercept: j.NoIntercept, Coef: j.Coef, Intercept: j.Intercept}
	return nil
}

// MarshalJSON encodes the model as {"model":"ridge","alpha":...,...}.
func (m *Ridge) MarshalJSON() ([]byte, error) {
	a := m.Alpha
	return json.Marshal(linearJSON{Model: TypeRidge, Alpha: &a, NoIntercept: m.NoIntercept, Coef: m.Coef, Intercept: m.Intercept})
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (m *Ridge) UnmarshalJSON(data []byte) error {
	var j linearJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if err := checkTag(j.Model, TypeRidge); err != nil {
		return err
	}
	*m = Ridge{NoIntercept: j.NoIntercept, Coef: j.Coef, Intercept: j.Intercept}
	if j.Alpha != nil {
		m.Alpha = *j.Alpha
	}
	return nil
}
