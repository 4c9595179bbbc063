package mlkit

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
)

// TrainSpec says how Train fits a model for deployment.
type TrainSpec struct {
	// Model is the unfitted model.
	Model Model
	// Scale standardizes the features first (the scaler is fitted on the
	// training rows only and returned with the model).
	Scale bool
	// TestSize is the share of rows held out to measure the model on;
	// 0.25 when zero.
	TestSize float64
	// Seed drives the split. A classifier's split is stratified.
	Seed uint64
	// Name and Version identify the model in its card.
	Name    string
	Version int
	// Created stamps the card; time.Now when zero.
	Created time.Time
}

// Trained is a model fitted for deployment: the model, the scaler it reads
// its features through (nil without Scale), and its card, whose metrics are
// measured on the held-out rows.
type Trained struct {
	Model  Model
	Scaler *StandardScaler
	Card   ModelCard
}

// Train splits d, fits the model on the training part and measures it on
// the held-out part: accuracy and macro F1 for a classifier, R², RMSE and MAE
// for a regressor. The card records the features in order, the label and
// classes, the split's sizes and the fingerprint of the training rows.
func Train(d *Dataset, spec TrainSpec) (*Trained, error) {
	if spec.Model == nil {
		return nil, errors.New("mlkit: train: no model")
	}
	if !d.HasLabels() {
		return nil, errors.New("mlkit: train: the data has no label column")
	}
	testSize := spec.TestSize
	if testSize == 0 {
		testSize = 0.25
	}
	clf, isClassifier := spec.Model.(Classifier)
	if !isClassifier && d.Categorical() {
		return nil, fmt.Errorf("mlkit: train: label %q holds class names; a %s predicts numbers", d.Label, spec.Model.Type())
	}
	var split *Split
	var err error
	if isClassifier {
		split, err = StratifiedSplit(d, testSize, spec.Seed)
	} else {
		split, err = TrainTestSplit(d, testSize, spec.Seed)
	}
	if err != nil {
		return nil, fmt.Errorf("mlkit: train: %w", err)
	}
	trainX, testX := mat.Matrix(split.Train.X), mat.Matrix(split.Test.X)
	var scaler *StandardScaler
	if spec.Scale {
		scaler = &StandardScaler{}
		if trainX, err = scaler.FitTransform(split.Train.X); err != nil {
			return nil, err
		}
		if testX, err = scaler.Transform(split.Test.X); err != nil {
			return nil, err
		}
	}
	if err := spec.Model.Fit(trainX, split.Train.Y); err != nil {
		return nil, fmt.Errorf("mlkit: train %s: %w", spec.Model.Type(), err)
	}
	pred, err := spec.Model.Predict(testX)
	if err != nil {
		return nil, err
	}
	metrics := map[string]float64{}
	yTest := split.TestLabels()
	if isClassifier {
		labels := append([]float64(nil), clf.Classes()...)
		for _, y := range yTest {
			if !containsFloat(labels, y) {
				labels = append(labels, y)
			}
		}
		cm, err := ConfusionMatrixOf(yTest, pred, uniqueSorted(labels))
		if err != nil {
			return nil, err
		}
		r := cm.Report()
		metrics["accuracy"], metrics["macro_f1"] = r.Accuracy, r.MacroF1
	} else {
		m, err := EvaluateRegression(yTest, pred)
		if err != nil {
			return nil, err
		}
		metrics["r2"], metrics["rmse"], metrics["mae"] = m.R2, m.RMSE, m.MAE
	}
	for k, v := range metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(metrics, k) // R² of a constant test label, for example
		}
	}
	created := spec.Created
	if created.IsZero() {
		created = time.Now()
	}
	card := ModelCard{
		Name:            spec.Name,
		Version:         spec.Version,
		Model:           spec.Model.Type(),
		Features:        cloneStrings(d.Features),
		Label:           d.Label,
		Classes:         cloneStrings(d.Classes),
		Scaled:          spec.Scale,
		Metrics:         metrics,
		TrainRows:       split.Train.Rows(),
		TestRows:        split.Test.Rows(),
		DataFingerprint: DatasetFingerprint(split.Train),
		Created:         created.UTC(),
	}
	if err := card.Validate(); err != nil {
		return nil, err
	}
	return &Trained{Model: spec.Model, Scaler: scaler, Card: card}, nil
}

func containsFloat(s []float64, v float64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
