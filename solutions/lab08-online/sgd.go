//go:build solution

package lab08

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/mlops-lab/mlops-lab/pkg/charts"
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
	return &Evaluation{
		Data:  d,
		Model: &mlkit.SGDClassifier{Standardize: true},
		Score: mlkit.Prequential{Window: AccuracyWindow},
	}
}

// Transform is a stream.TransformFunc. For each row: predict it, learn it,
// add the prediction to Score, append the new point to Curve, and return
// one AccuracyRecord (the input's key, no Topic). A value that is not a
// row (DecodeRow fails), or one the model refuses, is an error, and
// counts nowhere.
func (e *Evaluation) Transform(in stream.Record) ([]stream.Record, error) {
	x, y, err := DecodeRow(e.Data, in.Value)
	if err != nil {
		return nil, err
	}
	// Test first: the model has not seen this record, so the prediction is
	// as honest as one on a held-out test set.
	pred, err := e.Model.Predict(x)
	if err != nil {
		return nil, err
	}
	// Then train. Learn before scoring, so a record SGD refuses (a label
	// that is not 0 or 1) is skipped without counting in the accuracy.
	if err := e.Model.Learn(x, y); err != nil {
		return nil, err
	}
	pt := e.Score.Add(pred, y)
	e.Curve = append(e.Curve, pt)
	value, err := json.Marshal(AccuracyRecord{Seen: pt.Seen, Predicted: pred, Actual: y, Accuracy: pt.Accuracy, WindowAccuracy: pt.WindowAccuracy})
	if err != nil {
		return nil, err
	}
	return []stream.Record{{Key: in.Key, Value: value}}, nil
}

// BatchBaseline is lab 6's batch model on the same data, as the yardstick:
// rows whose index is a multiple of 5 test, the others train; a
// mlkit.StandardScaler fitted on the training rows; mlkit.LogisticRegression
// (NewLogisticRegression(1)); its accuracy on the test rows.
func BatchBaseline(d *mlkit.Dataset) (float64, error) {
	var trainRows, testRows []int
	for i := range d.Rows() {
		if i%5 == 0 {
			testRows = append(testRows, i)
		} else {
			trainRows = append(trainRows, i)
		}
	}
	train, err := d.Subset(trainRows)
	if err != nil {
		return 0, err
	}
	test, err := d.Subset(testRows)
	if err != nil {
		return 0, err
	}
	scaler := &mlkit.StandardScaler{}
	trainX, err := scaler.FitTransform(train.X)
	if err != nil {
		return 0, err
	}
	testX, err := scaler.Transform(test.X)
	if err != nil {
		return 0, err
	}
	model := mlkit.NewLogisticRegression(1)
	if err := model.Fit(trainX, train.Y); err != nil {
		return 0, err
	}
	pred, err := model.Predict(testX)
	if err != nil {
		return 0, err
	}
	return mlkit.Accuracy(test.Y, pred)
}

// PlotAccuracy draws the curve with charts.AccuracyOverTime (window
// AccuracyWindow) and a dashed horizontal line at the batch model's
// accuracy across the whole stream, and saves it with charts.SavePNG. An
// empty curve or a batch accuracy outside [0, 1] is an error, and no file
// is written.
func PlotAccuracy(curve []mlkit.PrequentialPoint, batch float64, path string) error {
	if len(curve) == 0 {
		return fmt.Errorf("accuracy chart: no points: %w", mlkit.ErrEmpty)
	}
	if math.IsNaN(batch) || batch < 0 || batch > 1 {
		return fmt.Errorf("accuracy chart: batch accuracy %v is outside [0, 1]", batch)
	}
	p, err := charts.AccuracyOverTime(curve, AccuracyWindow, "SGD logistic regression, test-then-train")
	if err != nil {
		return err
	}
	last := float64(curve[len(curve)-1].Seen)
	ref, err := plotter.NewLine(plotter.XYs{{X: 0, Y: batch}, {X: last, Y: batch}})
	if err != nil {
		return err
	}
	// The batch model saw 80% of the rows, many times over: a ceiling the
	// streaming model approaches while seeing each row once.
	ref.Color = color.RGBA{A: 255}
	ref.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
	p.Add(ref)
	p.Legend.Add("batch model (lab 6)", ref)
	return charts.SavePNG(path, p)
}
