//go:build solution

package lab07

// Exercise 4: ONNX, PMML and the model card.

import (
	"bytes"
	"fmt"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
)

// NewModelCard writes the card of a fitted model: what it is, what it
// reads in which order, what it predicts, how it did on held-out rows
// (never the rows it was fitted on), and a fingerprint of its training
// data, so anyone can later check which data made it.
//
// m was fitted on train (behind scaler, when not nil) and is measured on
// test: "accuracy" for a classifier, "r2" and "rmse" for a regressor.
func NewModelCard(name string, version int, m mlkit.Model, scaler *mlkit.StandardScaler, train, test *mlkit.Dataset, created time.Time) (mlkit.ModelCard, error) {
	X := test.X
	if scaler != nil {
		Xs, err := scaler.Transform(test.X)
		if err != nil {
			return mlkit.ModelCard{}, err
		}
		X = Xs
	}
	pred, err := m.Predict(X)
	if err != nil {
		return mlkit.ModelCard{}, err
	}
	card := mlkit.ModelCard{
		Name:            name,
		Version:         version,
		Model:           m.Type(),
		Features:        train.Features,
		Label:           train.Label,
		Scaled:          scaler != nil,
		TrainRows:       train.Rows(),
		TestRows:        test.Rows(),
		DataFingerprint: mlkit.DatasetFingerprint(train),
		Created:         created.UTC(),
		Metrics:         map[string]float64{},
	}
	if _, ok := m.(mlkit.Classifier); ok {
		card.Classes = train.ClassNames()
		if card.Metrics["accuracy"], err = mlkit.Accuracy(test.Y, pred); err != nil {
			return mlkit.ModelCard{}, err
		}
	} else {
		if card.Metrics["r2"], err = mlkit.R2(test.Y, pred); err != nil {
			return mlkit.ModelCard{}, err
		}
		if card.Metrics["rmse"], err = mlkit.RMSE(test.Y, pred); err != nil {
			return mlkit.ModelCard{}, err
		}
	}
	return card, card.Validate()
}

// ExportONNX writes the model as an ONNX file, with the card in its
// metadata. The scaler is folded into the weights (LinearFormOf), so the
// file reads raw features, in the card's order, as they come off the stream.
func ExportONNX(m mlkit.Model, scaler *mlkit.StandardScaler, card mlkit.ModelCard) ([]byte, error) {
	form, err := mlkit.LinearFormOf(m, scaler, card.Features)
	if err != nil {
		return nil, err
	}
	return onnxmodel.Export(form, onnxmodel.Options{Name: card.Name, Card: &card})
}

// ExportPMML writes the model as a PMML 4.4 document: its target is the
// card's label, its model name the card's name, its timestamp the card's
// creation time.
func ExportPMML(m mlkit.Model, scaler *mlkit.StandardScaler, card mlkit.ModelCard) ([]byte, error) {
	form, err := mlkit.LinearFormOf(m, scaler, card.Features)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := form.WritePMML(&buf, mlkit.PMMLOptions{Target: card.Label, ModelName: card.Name, Created: card.Created}); err != nil {
		return nil, fmt.Errorf("PMML export of %s v%d: %w", card.Name, card.Version, err)
	}
	return buf.Bytes(), nil
}
