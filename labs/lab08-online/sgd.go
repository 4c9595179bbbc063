package lab08

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Exercise 5: online classification, tested then trained.

// AccuracyWindow is the length of the recent window of the prequential
// accuracy (mlkit.Prequential's Window).
const AccuracyWindow = 50

// Evaluation learns a classifier from a stream of data set rows and scores
// it honestly as it goes: every record is predicted first, with what the
// model knew before it came, and learned afterwards.
type Evaluation struct {
	// Data describes the rows (their features and classes).
	Data *mlkit.Dataset
	// Model learns one record at a time.
	Model *mlkit.SGDClassifier
	// Score keeps the prequential accuracy.
	Score mlkit.Prequential
	// Curve is the accuracy after each record predicted, in order.
	Curve []mlkit.PrequentialPoint
}

// NewEvaluation returns an Evaluation of a fresh mlkit.SGDClassifier with
// Standardize set (features on different scales would make the gradient
// steps lopsided) and the default rates, scored over AccuracyWindow
// records.
func NewEvaluation(d *mlkit.Dataset) *Evaluation {
	// TODO(exercise 5): a Model and a Score window.
	return &Evaluation{Data: d}
}

// Transform is a stream.TransformFunc. For each row: predict it, learn it,
// add the prediction to Score, append the new point to Curve, and return
// one AccuracyRecord (the input's key, no Topic). A value that is not a
// row (DecodeRow fails), or one the model refuses, is an error, and
// counts nowhere.
func (e *Evaluation) Transform(in stream.Record) ([]stream.Record, error) {
	// TODO(exercise 5): test, then train.
	return nil, errors.New("TODO(exercise 5): Evaluation.Transform is not written yet")
}

// BatchBaseline is lab 6's batch model on the same data, as the yardstick:
// rows whose index is a multiple of 5 test, the others train; a
// mlkit.StandardScaler fitted on the training rows; mlkit.LogisticRegression
// (NewLogisticRegression(1)); its accuracy on the test rows.
func BatchBaseline(d *mlkit.Dataset) (float64, error) {
	// TODO(exercise 5)
	return 0, errors.New("TODO(exercise 5): BatchBaseline is not written yet")
}

// PlotAccuracy draws the curve with charts.AccuracyOverTime (window
// AccuracyWindow) and a dashed horizontal line at the batch model's
// accuracy across the whole stream, and saves it with charts.SavePNG
// (import "github.com/mlops-lab/mlops-lab/pkg/charts"; the line
// is a plotter.NewLine of gonum.org/v1/plot/plotter, dashed through its
// Dashes, in vg.Length of gonum.org/v1/plot/vg, added with p.Add). An
// empty curve or a batch accuracy outside [0, 1] (or NaN) is an error, and
// no file is written.
func PlotAccuracy(curve []mlkit.PrequentialPoint, batch float64, path string) error {
	// TODO(exercise 5)
	return errors.New("TODO(exercise 5): PlotAccuracy is not written yet")
}
