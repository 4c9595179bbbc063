package mlkit

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Links of a LinearForm: what turns the linear scores into the prediction.
const (
	// LinkIdentity: the score is the prediction (linear regression, ridge).
	LinkIdentity = "identity"
	// LinkLogistic: one score z, P(positive class) = 1/(1+exp(-z)) (binary
	// logistic regression).
	LinkLogistic = "logistic"
	// LinkSoftmax: one score per class, P(class k) = exp(z_k)/sum_j exp(z_j)
	// (multinomial logistic regression).
	LinkSoftmax = "softmax"
)

// ErrNotExportable is returned when a model cannot be written in the
// requested form (a KNN or naive Bayes model has no linear form).
var ErrNotExportable = errors.New("model cannot be exported in this form")

// LinearForm is a fitted linear model written out over the raw features, the
// common ground of every export (KSQL, PMML, ONNX): row k of the scores is
// Intercept[k] + sum_j Coef[k][j] * x_j, and Link turns the scores into the
// prediction. A StandardScaler the model was trained behind is folded into
// the weights, so the form reads the features as they arrive on the stream.
type LinearForm struct {
	// Model is the type tag of the model the form came from.
	Model string
	// Features names the inputs, in order.
	Features []string
	// Coef has one row per score: one for regression and binary logistic
	// regression, one per class for the multinomial model.
	Coef [][]float64
	// Intercept has one value per row of Coef.
	Intercept []float64
	// Link is LinkIdentity, LinkLogistic or LinkSoftmax.
	Link string
	// Classes are the class labels of a classifier (for LinkLogistic,
	// Classes[1] is the positive class); nil for a regressor.
	Classes []float64
}

// LinearFormOf writes a fitted LinearRegression, Ridge or LogisticRegression
// as a LinearForm over the named features. When scaler is not nil the model
// was fitted on scaler.Transform(X); the form then takes raw X, using
// (x - mean)/scale inside the weights: w' = w/scale, b' = b - sum w*mean/scale.
func LinearFormOf(m Model, scaler *StandardScaler, features []string) (*LinearForm, error) {
	var (
		coef      [][]float64
		intercept []float64
		link      = LinkIdentity
		classes   []float64
	)
	switch mm := m.(type) {
	case *LinearRegression:
		if len(mm.Coef) == 0 {
			return nil, notFitted(TypeLinearRegression)
		}
		coef, intercept = [][]float64{slices.Clone(mm.Coef)}, []float64{mm.Intercept}
	case *Ridge:
		if len(mm.Coef) == 0 {
			return nil, notFitted(TypeRidge)
		}
		coef, intercept = [][]float64{slices.Clone(mm.Coef)}, []float64{mm.Intercept}
	case *LogisticRegression:
		if !mm.fitted() {
			return nil, notFitted(TypeLogisticRegression)
		}
		coef = denseRows(mm.Coef)
		intercept = slices.Clone(mm.Intercept)
		classes = slices.Clone(mm.ClassLabels)
		link = LinkLogistic
		if len(coef) > 1 {
			link = LinkSoftmax
		}
	case nil:
		return nil, fmt.Errorf("mlkit: export: no model: %w", ErrNotExportable)
	default:
		return nil, fmt.Errorf("mlkit: export: a %s model has no linear form (only linear_regression, ridge and logistic_regression are weights over the features): %w", m.Type(), ErrNotExportable)
	}
	nf := len(coef[0])
	if len(features) != nf {
		return nil, fmt.Errorf("mlkit: export: %d feature names for a model of %d features: %w", len(features), nf, ErrShape)
	}
	for i, name := range features {
		if name == "" {
			return nil, fmt.Errorf("mlkit: export: feature %d has no name", i)
		}
		if slices.Index(features, name) != i {
			return nil, fmt.Errorf("mlkit: export: feature name %q appears twice", name)
		}
	}
	if scaler != nil {
		if len(scaler.Mean) != nf || len(scaler.Scale) != nf {
			return nil, fmt.Errorf("mlkit: export: the scaler has %d features, the model %d: %w", len(scaler.Mean), nf, ErrShape)
		}
		for k, row := range coef {
			for j := range row {
				row[j] /= scaler.Scale[j]
				intercept[k] -= row[j] * scaler.Mean[j]
			}
		}
	}
	for k, row := range coef {
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("mlkit: export: weight %d of feature %q is %v: %w", k, features[j], v, ErrNotFinite)
			}
		}
	}
	return &LinearForm{
		Model:     m.Type(),
		Features:  slices.Clone(features),
		Coef:      coef,
		Intercept: intercept,
		Link:      link,
		Classes:   classes,
	}, nil
}

// Scores returns the linear scores of one row of raw features.
func (f *LinearForm) Scores(x []float64) ([]float64, error) {
	if len(x) != len(f.Features) {
		return nil, fmt.Errorf("mlkit: %d values for %d features: %w", len(x), len(f.Features), ErrShape)
	}
	out := make([]float64, len(f.Coef))
	for k, row := range f.Coef {
		s := f.Intercept[k]
		for j, w := range row {
			s += w * x[j]
		}
		out[k] = s
	}
	return out, nil
}

// Output returns what the model answers for one row: the prediction of a
// regressor, or the probability of each class of a classifier (for
// LinkLogistic, [P(Classes[0]), P(Classes[1])]).
func (f *LinearForm) Output(x []float64) ([]float64, error) {
	z, err := f.Scores(x)
	if err != nil {
		return nil, err
	}
	switch f.Link {
	case LinkLogistic:
		p := sigmoid(z[0])
		return []float64{1 - p, p}, nil
	case LinkSoftmax:
		lse := logSumExp(z)
		for k := range z {
			z[k] = math.Exp(z[k] - lse)
		}
		return z, nil
	default:
		return z, nil
	}
}
