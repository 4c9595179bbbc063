//go:build solution

package lab05

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Exercise 6: an evaluation report.

// Evaluate trains model on the holdout's training rows, predicts its test
// rows, and scores the predictions against the held-back labels.
//
// Contract:
//   - model.Fit gets h.Train's features and labels, once; model.Predict gets
//     h.Test's features. The model never sees a test label.
//   - Model is model.Type(); TrainRows and TestRows count the rows;
//     Predictions are what Predict returned.
//   - Majority is the most common class among the training labels (the
//     smallest one when several are as common), and Baseline the accuracy
//     of predicting it for every test row.
//   - Labels are the distinct training and test labels, increasing;
//     Confusion, Classes and the macro scores are over those labels. From
//     here on use the library (mlkit.Accuracy, mlkit.ConfusionMatrixOf and
//     its Report), which exercises 4 and 5 showed you agree with, or your
//     own functions.
//   - ClassName is h.Train.ClassName, so the report prints class names.
//   - a nil model or holdout, or an error from Fit or Predict: an error.
func Evaluate(model mlkit.Classifier, h *Holdout) (*Evaluation, error) {
	if model == nil || h == nil || h.Train == nil || h.Test == nil {
		return nil, errors.New("evaluate needs a model and a holdout")
	}
	if err := model.Fit(h.Train.X, h.Train.Y); err != nil {
		return nil, fmt.Errorf("training %s: %w", model.Type(), err)
	}
	pred, err := model.Predict(h.Test.X)
	if err != nil {
		return nil, fmt.Errorf("predicting with %s: %w", model.Type(), err)
	}
	acc, err := mlkit.Accuracy(h.TestLabels, pred)
	if err != nil {
		return nil, err
	}

	// Every class of either part gets a row and a column, even one the
	// model never predicts: that is the class it fails on.
	labels := slices.Concat(h.Train.Y, h.TestLabels)
	slices.Sort(labels)
	labels = slices.Compact(labels)
	cm, err := mlkit.ConfusionMatrixOf(h.TestLabels, pred, labels)
	if err != nil {
		return nil, err
	}
	report := cm.Report()

	// The baseline learns one thing from the training rows, the most
	// common class; it must not peek at the test labels either.
	majority, best := labels[0], -1
	for _, l := range labels {
		if n := count(h.Train.Y, l); n > best {
			majority, best = l, n
		}
	}
	e := &Evaluation{
		Model:          model.Type(),
		TrainRows:      h.Train.Rows(),
		TestRows:       len(h.TestLabels),
		Predictions:    pred,
		Accuracy:       acc,
		Majority:       majority,
		Baseline:       float64(count(h.TestLabels, majority)) / float64(len(h.TestLabels)),
		Labels:         labels,
		Confusion:      cm.Counts,
		MacroPrecision: report.MacroPrecision,
		MacroRecall:    report.MacroRecall,
		MacroF1:        report.MacroF1,
		ClassName:      h.Train.ClassName,
	}
	for _, c := range report.Classes {
		e.Classes = append(e.Classes, ClassScores(c))
	}
	return e, nil
}

// count returns how many of ys equal y.
func count(ys []float64, y float64) int {
	n := 0
	for _, v := range ys {
		if v == y {
			n++
		}
	}
	return n
}
