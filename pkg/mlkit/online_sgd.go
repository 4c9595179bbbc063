package mlkit

import (
	"encoding/json"
	"fmt"
	"math"
)

// SGDClassifier is binary logistic regression learned by stochastic
// gradient descent, one record at a time: for a record (x, y) with y in
// {0, 1} and p = sigmoid(w·x + b),
//
//	w ← w − η_t ((p − y) x + λ w)
//	b ← b − η_t (p − y)
//
// with the learning rate η_t = Eta0 / (1 + Eta0 λ t) after t records: large
// steps while the model knows little, smaller ones as evidence piles up (the
// schedule of Bottou's "SGD tricks"; with λ = 0 it stays Eta0). Features
// should be on similar scales: with Standardize the classifier keeps a
// running mean and variance (Welford); a prediction standardizes the record
// by what was seen before it, a learning step by the statistics with the
// record included. SGD cannot forget a record exactly; Forget
// returns ErrCannotForget.
type SGDClassifier struct {
	Eta0   float64 `json:"eta0"`   // initial learning rate; 0.1 when zero
	Lambda float64 `json:"lambda"` // L2 strength; 1e-4 when zero
	// Standardize scales features by running statistics.
	Standardize bool `json:"standardize"`

	W []float64 `json:"w"`
	B float64   `json:"b"`
	T int       `json:"t"` // records learned

	Mean []float64 `json:"mean,omitempty"` // running statistics (Standardize)
	M2   []float64 `json:"m2,omitempty"`
}

func (m *SGDClassifier) rates() (eta0, lambda float64) {
	eta0, lambda = m.Eta0, m.Lambda
	if eta0 == 0 {
		eta0 = 0.1
	}
	if lambda == 0 {
		lambda = 1e-4
	}
	return eta0, lambda
}

// scaled returns x standardized by the running statistics of n records.
func (m *SGDClassifier) scaled(x []float64, n int) []float64 {
	if !m.Standardize || n < 1 {
		return x
	}
	out := make([]float64, len(x))
	for j, v := range x {
		sd := math.Sqrt(m.M2[j] / float64(n))
		if sd == 0 {
			sd = 1
		}
		out[j] = (v - m.Mean[j]) / sd
	}
	return out
}

func (m *SGDClassifier) checkRow(x []float64, y float64) error {
	want := len(m.W)
	if want == 0 {
		want = -1
	}
	return checkOnline(x, y, want)
}

// PredictProba returns P(y = 1 | x).
func (m *SGDClassifier) PredictProba(x []float64) (float64, error) {
	if err := m.checkRow(x, 0); err != nil {
		return 0, err
	}
	if m.T == 0 {
		return 0.5, nil
	}
	return sigmoid(dot(m.W, m.scaled(x, m.T)) + m.B), nil
}

// Predict returns 1 when P(y = 1 | x) > 0.5, else 0.
func (m *SGDClassifier) Predict(x []float64) (float64, error) {
	p, err := m.PredictProba(x)
	if err != nil {
		return 0, err
	}
	if p > 0.5 {
		return 1, nil
	}
	return 0, nil
}

// Learn takes one gradient step on (x, y); y must be 0 or 1.
func (m *SGDClassifier) Learn(x []float64, y float64) error {
	if err := m.checkRow(x, y); err != nil {
		return err
	}
	if y != 0 && y != 1 {
		return fmt.Errorf("mlkit: SGD classifier: label %v, want 0 or 1", y)
	}
	if m.W == nil {
		m.W = make([]float64, len(x))
		if m.Standardize {
			m.Mean, m.M2 = make([]float64, len(x)), make([]float64, len(x))
		}
	}
	if m.Standardize {
		// The record joins the statistics before the step: a step on raw
		// features (areas in the hundreds) would throw the weights far off
		// before the scales are known.
		n := float64(m.T + 1)
		for j, v := range x {
			d := v - m.Mean[j]
			m.Mean[j] += d / n
			m.M2[j] += d * (v - m.Mean[j])
		}
	}
	eta0, lambda := m.rates()
	eta := eta0 / (1 + eta0*lambda*float64(m.T))
	xs := m.scaled(x, m.T+1)
	g := sigmoid(dot(m.W, xs)+m.B) - y
	for j, v := range xs {
		m.W[j] -= eta * (g*v + lambda*m.W[j])
	}
	m.B -= eta * g
	m.T++
	return nil
}

// Forget is not possible for SGD: it returns ErrCannotForget.
func (m *SGDClassifier) Forget(x []float64, y float64) error {
	return fmt.Errorf("mlkit: SGD classifier: %w (its steps depend on the order of records)", ErrCannotForget)
}

// Count is the number of records learned.
func (m *SGDClassifier) Count() int { return m.T }

// Snapshot returns the weights, step count and statistics as JSON.
func (m *SGDClassifier) Snapshot() ([]byte, error) { return json.Marshal(m) }

// Prequential evaluates a model that learns from a stream the honest way:
// each record is first predicted, then learned ("test, then train"), so
// every prediction is on a record the model had not seen. It keeps the
// accuracy so far and over the last Window records.
type Prequential struct {
	// Window is the length of the recent window; 100 when zero.
	Window int

	Seen, Correct int
	recent        []bool
	next, inWin   int
	hitsInWindow  int
}

// PrequentialPoint is the evaluation after one more record.
type PrequentialPoint struct {
	Seen           int     `json:"seen"`
	Accuracy       float64 `json:"accuracy"`        // over every record so far
	WindowAccuracy float64 `json:"window_accuracy"` // over the last Window records
}

// Add records whether the prediction for one record was right.
func (p *Prequential) Add(predicted, actual float64) PrequentialPoint {
	w := p.Window
	if w <= 0 {
		w = 100
	}
	if p.recent == nil {
		p.recent = make([]bool, w)
	}
	hit := predicted == actual
	p.Seen++
	if hit {
		p.Correct++
	}
	if p.inWin == len(p.recent) {
		if p.recent[p.next] {
			p.hitsInWindow--
		}
	} else {
		p.inWin++
	}
	p.recent[p.next] = hit
	if hit {
		p.hitsInWindow++
	}
	p.next = (p.next + 1) % len(p.recent)
	return PrequentialPoint{
		Seen:           p.Seen,
		Accuracy:       float64(p.Correct) / float64(p.Seen),
		WindowAccuracy: float64(p.hitsInWindow) / float64(p.inWin),
	}
}
