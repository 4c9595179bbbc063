package mlkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// LogisticRegression is L2-regularized logistic regression, like
// scikit-learn's LogisticRegression with its default lbfgs solver. With two
// classes it fits one weight vector and the sigmoid; with more it fits the
// multinomial (softmax) model with one weight vector per class.
//
// Fit minimizes sum_i logloss_i + |W|^2 / (2C) with gonum's L-BFGS, starting
// from zero; the intercepts are not penalized. It stops when the largest
// gradient component falls below Tol (scikit-learn's tol on the same
// objective) or after MaxIter iterations. The zero value uses scikit-learn's
// defaults C=1, Tol=1e-4, MaxIter=100. Standardize the features first (see
// StandardScaler): unscaled features make the optimization slow to converge.
type LogisticRegression struct {
	C           float64 // inverse regularization strength, > 0; 0 means 1
	Tol         float64 // gradient tolerance; 0 means 1e-4
	MaxIter     int     // iteration limit; 0 means 100
	NoIntercept bool    // fit without intercepts

	// ClassLabels are the classes seen in Fit, increasing. With two
	// classes, ClassLabels[1] is the positive class.
	ClassLabels []float64
	// Coef is 1 x features for two classes (the weights of the positive
	// class) and classes x features otherwise.
	Coef *mat.Dense
	// Intercept has one value per row of Coef.
	Intercept []float64
	// Iterations is the number of L-BFGS iterations the last Fit took, and
	// Converged whether it met Tol (rather than stopping at MaxIter or
	// because no further progress was possible in floating point).
	Iterations int
	Converged  bool
}

// NewLogisticRegression returns a logistic regression with inverse
// regularization strength c and the other settings at their defaults.
func NewLogisticRegression(c float64) *LogisticRegression { return &LogisticRegression{C: c} }

// Type returns "logistic_regression".
func (m *LogisticRegression) Type() string { return TypeLogisticRegression }

// Classes returns the class labels seen in Fit.
func (m *LogisticRegression) Classes() []float64 { return m.ClassLabels }

func (m *LogisticRegression) settings() (c, tol float64, maxIter int, err error) {
	c, tol, maxIter = m.C, m.Tol, m.MaxIter
	if c == 0 {
		c = 1
	}
	if tol == 0 {
		tol = 1e-4
	}
	if maxIter == 0 {
		maxIter = 100
	}
	switch {
	case !(c > 0) || math.IsInf(c, 0):
		return 0, 0, 0, fmt.Errorf("logistic regression: C %v must be a finite number > 0", m.C)
	case !(tol > 0) || math.IsInf(tol, 0):
		return 0, 0, 0, fmt.Errorf("logistic regression: tol %v must be a finite number > 0", m.Tol)
	case maxIter < 0:
		return 0, 0, 0, fmt.Errorf("logistic regression: max iterations %d must be > 0", m.MaxIter)
	}
	return c, tol, maxIter, nil
}

// Fit learns the weights from X (n x features) and the class labels y; y
// needs at least two distinct classes.
func (m *LogisticRegression) Fit(X mat.Matrix, y []float64) error {
	c, tol, maxIter, err := m.settings()
	if err != nil {
		return err
	}
	data, r, p, err := rowMajor(X, -1)
	if err != nil {
		return fmt.Errorf("logistic regression: %w", err)
	}
	if err := checkTarget(y, r); err != nil {
		return fmt.Errorf("logistic regression: %w", err)
	}
	classes := uniqueSorted(y)
	if len(classes) < 2 {
		return fmt.Errorf("logistic regression: needs at least 2 classes, y has only %v", classes)
	}
	target := make([]int, r)
	for i, v := range y {
		target[i] = sort.SearchFloat64s(classes, v)
	}
	obj := &logLoss{x: data, n: r, p: p, y: target, lambda: 1 / c, intercept: !m.NoIntercept}
	k := 1
	if len(classes) > 2 {
		k = len(classes)
	}
	obj.k = k
	dim := k * (p + 1)

	problem := optimize.Problem{Func: obj.Func, Grad: obj.Grad}
	settings := &optimize.Settings{
		GradientThreshold: tol,
		MajorIterations:   maxIter,
		// Stop only on the gradient or the iteration limit.
		Converger: &optimize.FunctionConverge{Iterations: math.MaxInt},
	}
	res, err := optimize.Minimize(problem, make([]float64, dim), settings, &optimize.LBFGS{})
	if res == nil {
		return fmt.Errorf("logistic regression: %w", err)
	}
	w := res.X
	if err != nil && !isNoProgress(err) {
		return fmt.Errorf("logistic regression: %w", err)
	}
	for _, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("logistic regression: the optimization diverged: %w", ErrNotFinite)
		}
	}
	coef := mat.NewDense(k, p, nil)
	intercept := make([]float64, k)
	for ci := 0; ci < k; ci++ {
		copy(coef.RawRowView(ci), w[ci*(p+1):ci*(p+1)+p])
		intercept[ci] = w[ci*(p+1)+p]
	}
	m.ClassLabels, m.Coef, m.Intercept = classes, coef, intercept
	m.Iterations = res.Stats.MajorIterations
	m.Converged = res.Status == optimize.GradientThreshold || floats.Norm(obj.gradAt(w), math.Inf(1)) < tol
	return nil
}

// isNoProgress reports whether the optimizer stopped because a line search
// could not improve the objective any more, which happens at the optimum when
// floating point limits the precision; the location is then still the best.
func isNoProgress(err error) bool {
	return errors.Is(err, optimize.ErrLinesearcherFailure) || errors.Is(err, optimize.ErrNoProgress) ||
		errors.Is(err, optimize.ErrNonDescentDirection)
}

// logLoss is the objective: the summed log loss plus lambda/2 |W|^2.
// Parameters are laid out per class: p weights, then the intercept.
//
// The rows are summed in fixed chunks whose partial sums are added in chunk
// order, so the result does not depend on how many CPUs share the work.
type logLoss struct {
	x         []float64 // n x p, row-major
	n, p, k   int
	y         []int // class index per row
	lambda    float64
	intercept bool

	// The last evaluation, shared by Func and Grad at the same point.
	lastX    []float64
	lastF    float64
	lastGrad []float64

	chunks []lossChunk
}

// lossChunk is one block of rows and its partial loss and gradient.
type lossChunk struct {
	lo, hi int
	f      float64
	grad   []float64
	z      []float64 // scratch: the k scores of one row
}

// lossChunkRows is the number of rows per chunk.
const lossChunkRows = 128

func (o *logLoss) Func(w []float64) float64 {
	o.evaluate(w)
	return o.lastF
}

func (o *logLoss) Grad(grad, w []float64) {
	if !floats.Equal(w, o.lastX) {
		o.evaluate(w)
	}
	copy(grad, o.lastGrad)
}

func (o *logLoss) gradAt(w []float64) []float64 {
	o.evaluate(w)
	return o.lastGrad
}

func (o *logLoss) evaluate(w []float64) {
	if o.lastGrad == nil {
		o.lastGrad = make([]float64, len(w))
		for lo := 0; lo < o.n; lo += lossChunkRows {
			o.chunks = append(o.chunks, lossChunk{lo: lo, hi: min(lo+lossChunkRows, o.n),
				grad: make([]float64, len(w)), z: make([]float64, o.k)})
		}
	}
	o.lastX = append(o.lastX[:0], w...)
	workers := min(runtime.GOMAXPROCS(0), len(o.chunks))
	if o.n*o.p*o.k < 1<<16 {
		workers = 1 // too little work to share
	}
	if workers <= 1 {
		for c := range o.chunks {
			o.chunkLoss(&o.chunks[c], w)
		}
	} else {
		var wg sync.WaitGroup
		for wk := 1; wk < workers; wk++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := wk; c < len(o.chunks); c += workers {
					o.chunkLoss(&o.chunks[c], w)
				}
			}()
		}
		for c := 0; c < len(o.chunks); c += workers {
			o.chunkLoss(&o.chunks[c], w)
		}
		wg.Wait()
	}
	g := o.lastGrad
	for i := range g {
		g[i] = 0
	}
	f := 0.0
	for c := range o.chunks {
		f += o.chunks[c].f
		floats.Add(g, o.chunks[c].grad)
	}
	p := o.p
	for ci := 0; ci < o.k; ci++ {
		wc := w[ci*(p+1) : ci*(p+1)+p]
		gc := g[ci*(p+1) : ci*(p+1)+p]
		for j, v := range wc {
			f += 0.5 * o.lambda * v * v
			gc[j] += o.lambda * v
		}
	}
	o.lastF = f
}

// chunkLoss computes the loss and gradient of one chunk of rows.
func (o *logLoss) chunkLoss(ch *lossChunk, w []float64) {
	g := ch.grad
	for i := range g {
		g[i] = 0
	}
	p, k := o.p, o.k
	zs := ch.z
	f := 0.0
	for i := ch.lo; i < ch.hi; i++ {
		x := o.x[i*p : (i+1)*p]
		for ci := 0; ci < k; ci++ {
			s := dot(x, w[ci*(p+1):ci*(p+1)+p])
			if o.intercept {
				s += w[ci*(p+1)+p]
			}
			zs[ci] = s
		}
		if k == 1 {
			// Binary: loss = log(1+exp(z)) - y z, dloss/dz = sigmoid(z) - y,
			// both from one exp(-|z|).
			z := zs[0]
			yi := float64(o.y[i])
			e := math.Exp(-math.Abs(z))
			var sig float64
			if z >= 0 {
				f += z + math.Log1p(e)
				sig = 1 / (1 + e)
			} else {
				f += math.Log1p(e)
				sig = e / (1 + e)
			}
			f -= yi * z
			zs[0] = sig - yi
		} else {
			// Multinomial: loss = logsumexp(z) - z_y, dloss/dz = softmax(z) - onehot(y).
			f -= zs[o.y[i]]
			f += logSumExp(zs)
			softmaxInPlace(zs)
			zs[o.y[i]]--
		}
		for ci := 0; ci < k; ci++ {
			d := zs[ci]
			if d == 0 {
				continue
			}
			axpy(d, x, g[ci*(p+1):ci*(p+1)+p])
			if o.intercept {
				g[ci*(p+1)+p] += d
			}
		}
	}
	ch.f = f
}

// dot returns the dot product of a and b (len(b) >= len(a)), with four
// independent sums.
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(a); j += 4 {
		s0 += a[j] * b[j]
		s1 += a[j+1] * b[j+1]
		s2 += a[j+2] * b[j+2]
		s3 += a[j+3] * b[j+3]
	}
	for ; j < len(a); j++ {
		s0 += a[j] * b[j]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds alpha*x to y (len(y) >= len(x)).
func axpy(alpha float64, x, y []float64) {
	y = y[:len(x)]
	for j, v := range x {
		y[j] += alpha * v
	}
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func logSumExp(v []float64) float64 {
	top := v[argmax(v)]
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - top)
	}
	return top + math.Log(s)
}

func (m *LogisticRegression) fitted() bool {
	if len(m.ClassLabels) < 2 || m.Coef == nil || m.Coef.IsEmpty() {
		return false
	}
	r, _ := m.Coef.Dims()
	want := len(m.ClassLabels)
	if want == 2 {
		want = 1
	}
	return r == want && len(m.Intercept) == r
}

// DecisionFunction returns the linear scores: n x 1 for two classes (the
// log-odds of the positive class), n x classes otherwise.
func (m *LogisticRegression) DecisionFunction(X mat.Matrix) (*mat.Dense, error) {
	if !m.fitted() {
		return nil, notFitted(TypeLogisticRegression)
	}
	k, p := m.Coef.Dims()
	data, r, _, err := rowMajor(X, p)
	if err != nil {
		return nil, fmt.Errorf("logistic regression: %w", err)
	}
	out := mat.NewDense(r, k, nil)
	for i := 0; i < r; i++ {
		x := data[i*p : (i+1)*p]
		for ci := 0; ci < k; ci++ {
			s := m.Intercept[ci]
			for j, v := range m.Coef.RawRowView(ci) {
				s += v * x[j]
			}
			out.Set(i, ci, s)
		}
	}
	return out, nil
}

// PredictProba returns the probability of each class per row.
func (m *LogisticRegression) PredictProba(X mat.Matrix) (*mat.Dense, error) {
	scores, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	r, k := scores.Dims()
	if k == 1 {
		out := mat.NewDense(r, 2, nil)
		for i := 0; i < r; i++ {
			p := sigmoid(scores.At(i, 0))
			out.Set(i, 0, 1-p)
			out.Set(i, 1, p)
		}
		return out, nil
	}
	for i := 0; i < r; i++ {
		softmaxInPlace(scores.RawRowView(i))
	}
	return scores, nil
}

// Predict returns the most probable class of each row.
func (m *LogisticRegression) Predict(X mat.Matrix) ([]float64, error) {
	scores, err := m.DecisionFunction(X)
	if err != nil {
		return nil, err
	}
	r, k := scores.Dims()
	out := make([]float64, r)
	for i := range out {
		if k == 1 {
			if scores.At(i, 0) > 0 {
				out[i] = m.ClassLabels[1]
			} else {
				out[i] = m.ClassLabels[0]
			}
			continue
		}
		out[i] = m.ClassLabels[argmax(scores.RawRowView(i))]
	}
	return out, nil
}

type logisticJSON struct {
	Model       string      `json:"model"`
	C           float64     `json:"c,omitempty"`
	Tol         float64     `json:"tol,omitempty"`
	MaxIter     int         `json:"max_iter,omitempty"`
	NoIntercept bool        `json:"no_intercept,omitempty"`
	Classes     []float64   `json:"classes"`
	Coef        [][]float64 `json:"coef"`
	Intercept   []float64   `json:"intercept"`
	Iterations  int         `json:"iterations,omitempty"`
	Converged   bool        `json:"converged,omitempty"`
}

// MarshalJSON encodes the model as {"model":"logistic_regression",...}.
func (m *LogisticRegression) MarshalJSON() ([]byte, error) {
	return json.Marshal(logisticJSON{Model: TypeLogisticRegression, C: m.C, Tol: m.Tol, MaxIter: m.MaxIter,
		NoIntercept: m.NoIntercept, Classes: m.ClassLabels, Coef: denseRows(m.Coef), Intercept: m.Intercept,
		Iterations: m.Iterations, Converged: m.Converged})
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (m *LogisticRegression) UnmarshalJSON(data []byte) error {
	var j logisticJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if err := checkTag(j.Model, TypeLogisticRegression); err != nil {
		return err
	}
	coef, err := denseFromRows(j.Coef)
	if err != nil {
		return err
	}
	out := LogisticRegression{C: j.C, Tol: j.Tol, MaxIter: j.MaxIter, NoIntercept: j.NoIntercept,
		ClassLabels: j.Classes, Coef: coef, Intercept: j.Intercept, Iterations: j.Iterations, Converged: j.Converged}
	if coef != nil || len(j.Classes) > 0 {
		if !out.fitted() {
			return fmt.Errorf("mlkit: logistic regression: %d classes with %d coefficient rows and %d intercepts: %w",
				len(j.Classes), len(j.Coef), len(j.Intercept), ErrShape)
		}
		if !sort.Float64sAreSorted(j.Classes) {
			return errors.New("mlkit: logistic regression: classes are not in increasing order")
		}
	}
	*m = out
	return nil
}
