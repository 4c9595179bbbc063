package lab05

import (
	"errors"

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
	// TODO(exercise 6): fit, predict, score, and fill in an Evaluation.
	return nil, errors.New("TODO(exercise 6): Evaluate is not written yet")
}
