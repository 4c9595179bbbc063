package mlkit

import (
	"encoding/json"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// StandardScaler standardizes features: (x - Mean) / Scale per column, where
// Scale is the population standard deviation (divided by n, not n-1), as in
// scikit-learn's StandardScaler. A constant column gets Scale 1 so that it
// maps to 0 instead of dividing by zero.
type StandardScaler struct {
	Mean  []float64 // per feature, once fitted
	Scale []float64 // per feature, once fitted
}

// Type returns "standard_scaler".
func (s *StandardScaler) Type() string { return TypeStandardScaler }

// Fit learns the mean and standard deviation of each column of X.
func (s *StandardScaler) Fit(X mat.Matrix) error {
	data, r, c, err := rowMajor(X, -1)
	if err != nil {
		return fmt.Errorf("standard scaler: %w", err)
	}
	mean := make([]float64, c)
	for i := 0; i < r; i++ {
		for j, v := range data[i*c : (i+1)*c] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(r)
	}
	// Two-pass variance for accuracy.
	scale := make([]float64, c)
	for i := 0; i < r; i++ {
		for j, v := range data[i*c : (i+1)*c] {
			d := v - mean[j]
			scale[j] += d * d
		}
	}
	const eps = 2.220446049250313e-16
	n := float64(r)
	for j := range scale {
		v := scale[j] / n
		// scikit-learn's test for a constant feature: a variance within the
		// rounding error of computing it.
		if bound := n*eps*v + (n*mean[j]*eps)*(n*mean[j]*eps); v <= bound {
			scale[j] = 1
			continue
		}
		scale[j] = math.Sqrt(v)
	}
	s.Mean, s.Scale = mean, scale
	return nil
}

// Transform returns a new matrix holding the standardized X.
func (s *StandardScaler) Transform(X mat.Matrix) (*mat.Dense, error) {
	return s.each(X, func(j int, v float64) float64 { return (v - s.Mean[j]) / s.Scale[j] })
}

// FitTransform is Fit followed by Transform.
func (s *StandardScaler) FitTransform(X mat.Matrix) (*mat.Dense, error) {
	if err := s.Fit(X); err != nil {
		return nil, err
	}
	return s.Transform(X)
}

// InverseTransform maps standardized values back to the original units.
func (s *StandardScaler) InverseTransform(X mat.Matrix) (*mat.Dense, error) {
	return s.each(X, func(j int, v float64) float64 { return v*s.Scale[j] + s.Mean[j] })
}

// each returns a new matrix holding f of every value of X and its column,
// once the scaler is fitted and X has its columns.
func (s *StandardScaler) each(X mat.Matrix, f func(j int, v float64) float64) (*mat.Dense, error) {
	if len(s.Mean) == 0 || len(s.Scale) != len(s.Mean) {
		return nil, notFitted(TypeStandardScaler)
	}
	data, r, c, err := rowMajor(X, len(s.Mean))
	if err != nil {
		return nil, fmt.Errorf("standard scaler: %w", err)
	}
	out := make([]float64, r*c)
	for i := 0; i < r; i++ {
		for j, v := range data[i*c : (i+1)*c] {
			out[i*c+j] = f(j, v)
		}
	}
	return mat.NewDense(r, c, out), nil
}

type scalerJSON struct {
	Model string    `json:"model"`
	Mean  []float64 `json:"mean"`
	Scale []float64 `json:"scale"`
}

// MarshalJSON encodes the scaler as {"model":"standard_scaler",...}.
func (s *StandardScaler) MarshalJSON() ([]byte, error) {
	return json.Marshal(scalerJSON{Model: TypeStandardScaler, Mean: s.Mean, Scale: s.Scale})
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (s *StandardScaler) UnmarshalJSON(data []byte) error {
	var j scalerJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if err := checkTag(j.Model, TypeStandardScaler); err != nil {
		return err
	}
	if len(j.Mean) != len(j.Scale) {
		return fmt.Errorf("mlkit: standard scaler has %d means and %d scales: %w", len(j.Mean), len(j.Scale), ErrShape)
	}
	for _, v := range j.Scale {
		if v == 0 {
			return fmt.Errorf("mlkit: standard scaler has a zero scale")
		}
	}
	*s = StandardScaler{Mean: j.Mean, Scale: j.Scale}
	return nil
}
