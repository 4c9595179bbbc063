// Package lab05 is lab 5 of mlops-lab: train/test splits and evaluation.
//
// You read labelled rows off a topic into a data set, cut it into a training
// part and a test part whose labels you hold back, and measure how well a
// model does on rows it has never seen: accuracy, the confusion matrix, and
// precision, recall and F1 per class, computed by hand and checked against
// the course's model library, github.com/mlops-lab/mlops-lab/pkg/mlkit.
// Each exercise lives in its own file: README.md lists them, with their
// files and points.
//
// This file holds what they share. You do not need to change it.
package lab05

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// The topics `mlops-lab start lab5` fills, each with one shipped data set
// replayed by `mlops-lab datagen dataset NAME`: one record per row, keyed by
// the row's index in the file ("0", "1", ...), its value the row's columns as
// a JSON object:
//
//	heart          key "0"  {"id":0,"age":63,"sex":1,"trestbps":233,"target":1}
//	breast_cancer  key "0"  {"mean_radius":17.99, ... 30 features ...,"benign":0}
const (
	HeartTopic        = "heart"
	BreastCancerTopic = "breast_cancer"
)

// The label columns: heart's target (1: heart disease), breast_cancer's
// benign (1: benign, 0: malignant).
const (
	HeartLabel        = "target"
	BreastCancerLabel = "benign"
)

// HeartFeatures are the heart sample's features. Its id column is left out:
// it numbers the rows, and a model that learns from row numbers learns
// nothing that holds for a new patient.
var HeartFeatures = []string{"age", "sex", "trestbps"}

// Holdout is a data set cut in two (exercises 2 and 3): the rows a model
// learns from, and the rows it is tested on, whose labels are kept apart so
// that the model never sees them.
type Holdout struct {
	// Train holds the training rows, features and labels.
	Train *mlkit.Dataset
	// Test holds the test rows' features only: no Label, Y or Classes.
	Test *mlkit.Dataset
	// TestLabels are the held-back labels: TestLabels[i] is the label of
	// row i of Test.
	TestLabels []float64
	// TrainRows and TestRows are the indices, in the original data set, of
	// the rows of Train and of Test, in the same order.
	TrainRows, TestRows []int
}

// ClassScores are the scores of one class, treating it as the positive
// class and every other class as negative (exercise 5).
type ClassScores struct {
	Label     float64
	Precision float64 // of the rows predicted Label, the share that are Label
	Recall    float64 // of the rows that are Label, the share predicted Label
	F1        float64 // the harmonic mean of Precision and Recall
	Support   int     // the number of rows that are Label
}

// Evaluation is how a model did on a holdout (exercise 6).
type Evaluation struct {
	// Model is the model's type, model.Type().
	Model string
	// TrainRows and TestRows count the rows trained on and tested on.
	TrainRows, TestRows int
	// Predictions are the model's labels for the test rows, in order.
	Predictions []float64
	// Accuracy is the share of test rows predicted right.
	Accuracy float64
	// Majority is the most common class of the training rows (the
	// smallest of the most common, when several tie).
	Majority float64
	// Baseline is the accuracy of the simplest rule there is: predict
	// Majority for every test row. A model must beat it to be worth
	// anything.
	Baseline float64
	// Labels are the classes of the training and test rows, increasing:
	// the rows and columns of Confusion, the order of Classes.
	Labels []float64
	// Confusion[i][j] counts the test rows whose label is Labels[i] and
	// whose prediction is Labels[j].
	Confusion [][]int
	// Classes holds the scores of each of Labels.
	Classes []ClassScores
	// The unweighted means of the classes' scores.
	MacroPrecision, MacroRecall, MacroF1 float64
	// ClassName names a label ("benign", "setosa"); nil prints the number.
	ClassName func(float64) string `json:"-"`
}

// String prints the evaluation as a small report:
//
//	knn: 143 test rows (426 trained on)
//	accuracy 0.930  (baseline 0.636: always 1)
//	confusion (rows: true, columns: predicted)
//	               0     1
//	    0         49     3
//	    1          7    84
//	class      precision  recall     f1  support
//	0              0.875   0.942  0.907       52
//	1              0.966   0.923  0.944       91
//	macro          0.920   0.933  0.926
func (e *Evaluation) String() string {
	if e == nil {
		return "<no evaluation>"
	}
	name := e.ClassName
	if name == nil {
		name = func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d test rows (%d trained on)\n", e.Model, e.TestRows, e.TrainRows)
	fmt.Fprintf(&b, "accuracy %.3f  (baseline %.3f: always %s)\n", e.Accuracy, e.Baseline, name(e.Majority))
	if len(e.Confusion) == len(e.Labels) && len(e.Labels) > 0 {
		b.WriteString("confusion (rows: true, columns: predicted)\n")
		fmt.Fprintf(&b, "%-10s", "")
		for _, l := range e.Labels {
			fmt.Fprintf(&b, "%6.6s", name(l))
		}
		b.WriteByte('\n')
		for i, row := range e.Confusion {
			fmt.Fprintf(&b, "    %-6.6s", name(e.Labels[i]))
			for _, c := range row {
				fmt.Fprintf(&b, "%6d", c)
			}
			b.WriteByte('\n')
		}
	}
	if len(e.Classes) > 0 {
		fmt.Fprintf(&b, "%-10s %9s %7s %6s %8s\n", "class", "precision", "recall", "f1", "support")
		for _, c := range e.Classes {
			fmt.Fprintf(&b, "%-10.10s %9.3f %7.3f %6.3f %8d\n", name(c.Label), c.Precision, c.Recall, c.F1, c.Support)
		}
		fmt.Fprintf(&b, "%-10s %9.3f %7.3f %6.3f\n", "macro", e.MacroPrecision, e.MacroRecall, e.MacroF1)
	}
	return b.String()
}
