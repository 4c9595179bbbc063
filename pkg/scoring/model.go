// Package scoring deploys models onto Kafka streams. A scoring service reads
// feature records from an input topic, scores each with the model currently
// deployed and writes a prediction record per input; models are published as
// records of a compacted models topic and swapped into a running service
// without a restart. It is the course's "embedded model" serving pattern:
// the model runs inside the stream processor, with no model server to call.
//
// The pieces:
//   - Model scores one row of features; FromLinearForm, FromONNX and FromMLKit
//     adapt the course's model kinds.
//   - Artifact is a model as it travels on the models topic: its card
//     (name, version, features, metrics) and its weights, as mlkit JSON or an
//     ONNX file.
//   - Watcher follows the models topic and holds the current model.
//   - Service is the consume-score-produce processor, built on the lab-2
//     stream helper (at-least-once: offsets are committed after the
//     predictions are acknowledged).
package scoring

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
)

// Prediction is a model's answer for one row.
type Prediction struct {
	// Value is the predicted number of a regressor, or the predicted class
	// label of a classifier.
	Value float64
	// Probability is, for a classifier, the probability of its positive
	// class (Classes[1]) when it has two classes, and of the predicted class
	// otherwise; nil for a regressor.
	Probability *float64
}

// Model scores rows of features given in the order of Features.
type Model interface {
	Features() []string
	Predict(x []float64) (Prediction, error)
}

// FromLinearForm scores with a linear or logistic model's weights, in
// process: the fastest path, a dot product per record.
func FromLinearForm(f *mlkit.LinearForm) Model { return linearModel{f} }

type linearModel struct{ f *mlkit.LinearForm }

func (m linearModel) Features() []string { return m.f.Features }

func (m linearModel) Predict(x []float64) (Prediction, error) {
	out, err := m.f.Output(x)
	if err != nil {
		return Prediction{}, err
	}
	if m.f.Classes == nil {
		return Prediction{Value: out[0]}, nil
	}
	return classify(m.f.Classes, out), nil
}

// classify turns class probabilities into a Prediction.
func classify(classes, probs []float64) Prediction {
	best := 0
	for k, p := range probs {
		if p > probs[best] {
			best = k
		}
	}
	p := probs[best]
	if len(classes) == 2 {
		p = probs[1]
	}
	return Prediction{Value: classes[best], Probability: &p}
}

// FromONNX scores through the ONNX runtime, as a model server would run an
// exported file.
func FromONNX(m *onnxmodel.Model) Model { return onnxModel{m} }

type onnxModel struct{ m *onnxmodel.Model }

func (m onnxModel) Features() []string { return m.m.Features }

func (m onnxModel) Predict(x []float64) (Prediction, error) {
	out, err := m.m.Run(mat.NewDense(1, len(x), slices.Clone(x)))
	if err != nil {
		return Prediction{}, err
	}
	row := out.RawRowView(0)
	if m.m.Classes == nil {
		return Prediction{Value: row[0]}, nil
	}
	if len(row) != len(m.m.Classes) {
		return Prediction{}, fmt.Errorf("scoring: the ONNX model gave %d probabilities for %d classes", len(row), len(m.m.Classes))
	}
	return classify(m.m.Classes, row), nil
}

// FromMLKit scores with any fitted mlkit model (KNN, naive Bayes, ...),
// standardizing the row first when scaler is not nil.
func FromMLKit(m mlkit.Model, scaler *mlkit.StandardScaler, features []string) Model {
	return mlkitModel{m: m, scaler: scaler, features: features}
}

type mlkitModel struct {
	m        mlkit.Model
	scaler   *mlkit.StandardScaler
	features []string
}

func (m mlkitModel) Features() []string { return m.features }

func (m mlkitModel) Predict(x []float64) (Prediction, error) {
	var X mat.Matrix = mat.NewDense(1, len(x), slices.Clone(x))
	if m.scaler != nil {
		Xs, err := m.scaler.Transform(X)
		if err != nil {
			return Prediction{}, err
		}
		X = Xs
	}
	if c, ok := m.m.(mlkit.Classifier); ok {
		p, err := c.PredictProba(X)
		if err != nil {
			return Prediction{}, err
		}
		return classify(c.Classes(), p.RawRowView(0)), nil
	}
	y, err := m.m.Predict(X)
	if err != nil {
		return Prediction{}, err
	}
	return Prediction{Value: y[0]}, nil
}

// checkRow refuses values no model can score.
func checkRow(features []string, x []float64) error {
	for j, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("feature %q is %v", features[j], v)
		}
	}
	return nil
}
