package mlkit

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// GaussianNB is Gaussian naive Bayes, like scikit-learn's GaussianNB: each
// class is modelled by an independent normal distribution per feature (the
// class's mean and population variance), and a row is assigned the class of
// highest posterior probability, with class priors from the training counts.
//
// To keep variances away from zero, VarSmoothing times the largest variance
// of any feature (over all rows) is added to every variance.
type GaussianNB struct {
	// VarSmoothing is the share of the largest feature variance added to
	// all variances; 0 means scikit-learn's default 1e-9.
	VarSmoothing float64

	ClassLabels []float64  // the classes, increasing, once fitted
	Prior       []float64  // the share of training rows in each class
	Theta       *mat.Dense // classes x features: per-class feature means
	Var         *mat.Dense // classes x features: per-class variances, smoothed
	Epsilon     float64    // the amount added to the variances
}

// Type returns "gaussian_nb".
func (m *GaussianNB) Type() string { return TypeGaussianNB }

// Classes returns the class labels seen in Fit.
func (m *GaussianNB) Classes() []float64 { return m.ClassLabels }

// Fit estimates the per-class means, variances and priors.
func (m *GaussianNB) Fit(X mat.Matrix, y []float64) error {
	smoothing := m.VarSmoothing
	if smoothing == 0 {
		smoothing = 1e-9
	}
	if smoothing < 0 || math.IsNaN(smoothing) || math.IsInf(smoothing, 0) {
		return fmt.Errorf("gaussian nb: var smoothing %v must be a finite number >= 0", m.VarSmoothing)
	}
	data, r, c, err := rowMajor(X, -1)
	if err != nil {
		return fmt.Errorf("gaussian nb: %w", err)
	}
	if err := checkTarget(y, r); err != nil {
		return fmt.Errorf("gaussian nb: %w", err)
	}
	classes, members, err := classMembers(y)
	if err != nil {
		return fmt.Errorf("gaussian nb: %w", err)
	}
	// The largest variance of any feature over all rows.
	maxVar := 0.0
	for j := 0; j < c; j++ {
		if v := columnVariance(data, c, j, nil); v > maxVar {
			maxVar = v
		}
	}
	eps := smoothing * maxVar
	if eps == 0 {
		eps = smoothing // every feature is constant: avoid zero variances
	}
	k := len(classes)
	theta := mat.NewDense(k, c, nil)
	variance := mat.NewDense(k, c, nil)
	prior := make([]float64, k)
	for ci, rows := range members {
		prior[ci] = float64(len(rows)) / float64(r)
		for j := 0; j < c; j++ {
			mean := 0.0
			for _, i := range rows {
				mean += data[i*c+j]
			}
			mean /= float64(len(rows))
			theta.Set(ci, j, mean)
			variance.Set(ci, j, columnVariance(data, c, j, rows)+eps)
		}
	}
	*m = GaussianNB{VarSmoothing: m.VarSmoothing, ClassLabels: classes, Prior: prior, Theta: theta, Var: variance, Epsilon: eps}
	return nil
}

// columnVariance is the population variance of column j over the given rows
// (all rows when rows is nil), computed in two passes.
func columnVariance(data []float64, c, j int, rows []int) float64 {
	n := len(data) / c
	if rows != nil {
		n = len(rows)
	}
	at := func(k int) float64 {
		if rows != nil {
			return data[rows[k]*c+j]
		}
		return data[k*c+j]
	}
	mean := 0.0
	for k := 0; k < n; k++ {
		mean += at(k)
	}
	mean /= float64(n)
	s := 0.0
	for k := 0; k < n; k++ {
		d := at(k) - mean
		s += d * d
	}
	return s / float64(n)
}

func (m *GaussianNB) fitted() bool {
	return len(m.ClassLabels) > 0 && m.Theta != nil && m.Var != nil && len(m.Prior) == len(m.ClassLabels)
}

// jointLogLikelihood returns, per row of X, log P(class) + log P(x | class).
func (m *GaussianNB) jointLogLikelihood(X mat.Matrix) ([]float64, int, error) {
	if !m.fitted() {
		return nil, 0, notFitted(TypeGaussianNB)
	}
	_, c := m.Theta.Dims()
	data, r, _, err := rowMajor(X, c)
	if err != nil {
		return nil, 0, fmt.Errorf("gaussian nb: %w", err)
	}
	k := len(m.ClassLabels)
	// The per-class constant: log prior - 1/2 sum log(2 pi var).
	constant := make([]float64, k)
	for ci := 0; ci < k; ci++ {
		s := 0.0
		for _, v := range m.Var.RawRowView(ci) {
			s += math.Log(2 * math.Pi * v)
		}
		constant[ci] = math.Log(m.Prior[ci]) - 0.5*s
	}
	jll := make([]float64, r*k)
	for i := 0; i < r; i++ {
		x := data[i*c : (i+1)*c]
		for ci := 0; ci < k; ci++ {
			theta, variance := m.Theta.RawRowView(ci), m.Var.RawRowView(ci)
			s := 0.0
			for j, v := range x {
				d := v - theta[j]
				s += d * d / variance[j]
			}
			jll[i*k+ci] = constant[ci] - 0.5*s
		}
	}
	return jll, r, nil
}

// Predict returns the most probable class of each row.
func (m *GaussianNB) Predict(X mat.Matrix) ([]float64, error) {
	jll, r, err := m.jointLogLikelihood(X)
	if err != nil {
		return nil, err
	}
	k := len(m.ClassLabels)
	out := make([]float64, r)
	for i := range out {
		out[i] = m.ClassLabels[argmax(jll[i*k:(i+1)*k])]
	}
	return out, nil
}

// PredictProba returns the posterior probability of each class per row.
func (m *GaussianNB) PredictProba(X mat.Matrix) (*mat.Dense, error) {
	jll, r, err := m.jointLogLikelihood(X)
	if err != nil {
		return nil, err
	}
	k := len(m.ClassLabels)
	for i := 0; i < r; i++ {
		softmaxInPlace(jll[i*k : (i+1)*k])
	}
	return mat.NewDense(r, k, jll), nil
}

// argmax returns the index of the first largest value.
func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// softmaxInPlace turns log-weights into probabilities: exp(v - logsumexp(v)).
func softmaxInPlace(v []float64) {
	top := v[argmax(v)]
	s := 0.0
	for i, x := range v {
		v[i] = math.Exp(x - top)
		s += v[i]
	}
	for i := range v {
		v[i] /= s
	}
}

type gaussianNBJSON struct {
	Model        string      `json:"model"`
	VarSmoothing float64     `json:"var_smoothing,omitempty"`
	Classes      []float64   `json:"classes"`
	Prior        []float64   `json:"prior"`
	Theta        [][]float64 `json:"theta"`
	Var          [][]float64 `json:"var"`
	Epsilon      float64     `json:"epsilon"`
}

// MarshalJSON encodes the model as {"model":"gaussian_nb",...}.
func (m *GaussianNB) MarshalJSON() ([]byte, error) {
	return json.Marshal(gaussianNBJSON{Model: TypeGaussianNB, VarSmoothing: m.VarSmoothing,
		Classes: m.ClassLabels, Prior: m.Prior, Theta: denseRows(m.Theta), Var: denseRows(m.Var), Epsilon: m.Epsilon})
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (m *GaussianNB) UnmarshalJSON(data []byte) error {
	var j gaussianNBJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if err := checkTag(j.Model, TypeGaussianNB); err != nil {
		return err
	}
	theta, err := denseFromRows(j.Theta)
	if err != nil {
		return err
	}
	variance, err := denseFromRows(j.Var)
	if err != nil {
		return err
	}
	k := len(j.Classes)
	if theta != nil || variance != nil || k > 0 {
		if theta == nil || variance == nil {
			return fmt.Errorf("mlkit: gaussian nb: theta and var are both needed: %w", ErrShape)
		}
		tr, tc := theta.Dims()
		vr, vc := variance.Dims()
		if tr != k || vr != k || tc != vc || len(j.Prior) != k {
			return fmt.Errorf("mlkit: gaussian nb: %d classes, %d priors, theta %dx%d, var %dx%d: %w", k, len(j.Prior), tr, tc, vr, vc, ErrShape)
		}
		if !sort.Float64sAreSorted(j.Classes) {
			return fmt.Errorf("mlkit: gaussian nb: classes are not in increasing order")
		}
		for _, v := range variance.RawMatrix().Data {
			if !(v > 0) {
				return fmt.Errorf("mlkit: gaussian nb: a variance is %v, not positive", v)
			}
		}
		for _, v := range j.Prior {
			if !(v > 0 && v <= 1) {
				return fmt.Errorf("mlkit: gaussian nb: a prior is %v, not in (0, 1]", v)
			}
		}
	}
	*m = GaussianNB{VarSmoothing: j.VarSmoothing, ClassLabels: j.Classes, Prior: j.Prior, Theta: theta, Var: variance, Epsilon: j.Epsilon}
	return nil
}
