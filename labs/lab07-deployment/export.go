package lab07

// Exercise 4: ONNX, PMML and the model card.

import (
	"errors"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// NewModelCard writes the card of a fitted model.
//
// m was fitted on train (behind scaler, when not nil) and is measured on
// test. Contract, field by field:
//   - Name, Version as given; Model is m.Type();
//   - Features are train's feature names, in order; Label train's label;
//   - Classes: a classifier's class names (train.ClassNames()); nil for a
//     regressor (m is a classifier when it implements mlkit.Classifier);
//   - Scaled: whether a scaler is given;
//   - Metrics measured on the test rows: "accuracy" for a classifier,
//     "r2" and "rmse" for a regressor (predict on scaler.Transform(test.X)
//     when there is a scaler);
//   - TrainRows, TestRows; DataFingerprint is mlkit.DatasetFingerprint of
//     the training rows; Created as given.
//
// The card must pass its own Validate.
func NewModelCard(name string, version int, m mlkit.Model, scaler *mlkit.StandardScaler, train, test *mlkit.Dataset, created time.Time) (mlkit.ModelCard, error) {
	// TODO(exercise 4)
	return mlkit.ModelCard{}, errors.New("TODO(exercise 4): NewModelCard is not written yet")
}

// ExportONNX writes the model as an ONNX file (onnxmodel.Export), with the
// card in its metadata. The file reads raw features in the card's order:
// the scaler, when given, is folded into the weights
// (mlkit.LinearFormOf). A model with no linear form (KNN, naive Bayes) is
// an error wrapping mlkit.ErrNotExportable.
func ExportONNX(m mlkit.Model, scaler *mlkit.StandardScaler, card mlkit.ModelCard) ([]byte, error) {
	// TODO(exercise 4)
	return nil, errors.New("TODO(exercise 4): ExportONNX is not written yet")
}

// ExportPMML writes the model as a PMML 4.4 document (the LinearForm's
// WritePMML): its target is the card's label, its model name the card's
// name, its timestamp the card's creation time; it reads raw features, as
// the ONNX file does. A model with no linear form is an error wrapping
// mlkit.ErrNotExportable.
func ExportPMML(m mlkit.Model, scaler *mlkit.StandardScaler, card mlkit.ModelCard) ([]byte, error) {
	// TODO(exercise 4)
	return nil, errors.New("TODO(exercise 4): ExportPMML is not written yet")
}
