//go:build grading

package lab07

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
)

func TestExport(t *testing.T) {
	created := time.Date(2026, time.December, 6, 9, 30, 0, 0, time.UTC)
	cancer := labtest.Dataset(t, "breast_cancer")
	split, err := mlkit.StratifiedSplit(cancer, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	scaler := &mlkit.StandardScaler{}
	Xs, err := scaler.FitTransform(split.Train.X)
	if err != nil {
		t.Fatal(err)
	}
	logit := mlkit.NewLogisticRegression(1)
	if err := logit.Fit(Xs, split.Train.Y); err != nil {
		t.Fatal(err)
	}
	Xt, _ := scaler.Transform(split.Test.X)
	wantProba, _ := logit.PredictProba(Xt)
	pred, _ := logit.Predict(Xt)
	wantAcc, _ := mlkit.Accuracy(split.Test.Y, pred)

	diabetes := labtest.Dataset(t, "diabetes")
	dsplit, err := mlkit.TrainTestSplit(diabetes, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	ols := &mlkit.LinearRegression{}
	if err := ols.Fit(dsplit.Train.X, dsplit.Train.Y); err != nil {
		t.Fatal(err)
	}

	// The card the exports are given: the reference's, so that the
	// exports are graded even when NewModelCard is not done yet.
	card := mlkit.ModelCard{Name: "cancer", Version: 2, Model: logit.Type(), Features: split.Train.Features, Label: split.Train.Label,
		Classes: split.Train.ClassNames(), Scaled: true, Metrics: map[string]float64{"accuracy": wantAcc},
		TrainRows: split.Train.Rows(), TestRows: split.Test.Rows(), DataFingerprint: mlkit.DatasetFingerprint(split.Train), Created: created}

	t.Run("the card of a classifier", func(t *testing.T) {
		var got mlkit.ModelCard
		var err error
		if !labtest.Guard(t, "NewModelCard", func() {
			got, err = NewModelCard("cancer", 2, logit, scaler, split.Train, split.Test, created)
		}) {
			return
		}
		if err != nil {
			t.Fatalf("NewModelCard for a logistic regression on breast_cancer.csv returned an error: %v", err)
		}
		grCheckCard(t, got, card, "accuracy")
	})

	t.Run("the card of a regressor", func(t *testing.T) {
		pred, _ := ols.Predict(dsplit.Test.X)
		r2, _ := mlkit.R2(dsplit.Test.Y, pred)
		rmse, _ := mlkit.RMSE(dsplit.Test.Y, pred)
		want := mlkit.ModelCard{Name: "progression", Version: 1, Model: ols.Type(), Features: dsplit.Train.Features, Label: dsplit.Train.Label,
			Metrics: map[string]float64{"r2": r2, "rmse": rmse}, TrainRows: dsplit.Train.Rows(), TestRows: dsplit.Test.Rows(),
			DataFingerprint: mlkit.DatasetFingerprint(dsplit.Train), Created: created}
		var got mlkit.ModelCard
		var err error
		if !labtest.Guard(t, "NewModelCard", func() {
			got, err = NewModelCard("progression", 1, ols, nil, dsplit.Train, dsplit.Test, created)
		}) {
			return
		}
		if err != nil {
			t.Fatalf("NewModelCard for a linear regression on diabetes.csv returned an error: %v", err)
		}
		grCheckCard(t, got, want, "r2", "rmse")
	})

	t.Run("the ONNX file scores as the model does, to 1e-6, and carries the card", func(t *testing.T) {
		var data []byte
		var err error
		if !labtest.Guard(t, "ExportONNX", func() { data, err = ExportONNX(logit, scaler, card) }) {
			return
		}
		if err != nil {
			t.Fatalf("ExportONNX(a logistic regression behind a scaler) returned an error: %v", err)
		}
		m, err := onnxmodel.Load(data)
		if err != nil {
			t.Fatalf("the ONNX runtime cannot load what ExportONNX wrote (%d bytes): %v (write it with onnxmodel.Export of the model's mlkit.LinearFormOf)", len(data), err)
		}
		if !slices.Equal(m.Features, card.Features) {
			t.Fatalf("%s", labtest.Mismatch("the ONNX model's features", card.Features, m.Features, "LinearFormOf(m, scaler, card.Features): the file reads the features in the card's order"))
		}
		got, err := m.Run(split.Test.X)
		if err != nil {
			t.Fatalf("running the ONNX model on the %d raw test rows: %v", split.Test.Rows(), err)
		}
		r, c := wantProba.Dims()
		if gr, gc := got.Dims(); gr != r || gc != c {
			t.Fatalf("the ONNX model gave %dx%d outputs for %d rows, want %dx%d (the probability of each class)", gr, gc, r, r, c)
		}
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if math.Abs(got.At(i, j)-wantProba.At(i, j)) > 1e-6 {
					t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the ONNX model's probability of class %d on raw test row %d", j, i), wantProba.At(i, j), got.At(i, j),
						"the file must read raw features: pass the scaler to mlkit.LinearFormOf, which folds it into the weights"))
				}
			}
		}
		if m.Card == nil || m.Card.Name != card.Name || m.Card.Version != card.Version {
			t.Fatalf("the ONNX file carries no model card with name %q and version %d in its metadata (got %+v): onnxmodel.Options{Card: &card}", card.Name, card.Version, m.Card)
		}
	})

	t.Run("the PMML document is a PMML 4.4 RegressionModel that scores as the model does", func(t *testing.T) {
		check := func(what string, m mlkit.Model, sc *mlkit.StandardScaler, c mlkit.ModelCard, d *mlkit.Dataset, function string) {
			t.Helper()
			var data []byte
			var err error
			if !labtest.Guard(t, "ExportPMML", func() { data, err = ExportPMML(m, sc, c) }) {
				t.FailNow()
			}
			if err != nil {
				t.Fatalf("ExportPMML(%s) returned an error: %v", what, err)
			}
			var doc mlkit.PMML
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Fatalf("ExportPMML(%s) wrote something that is not a PMML document: %v\n%.300s", what, err, data)
			}
			if doc.Version != "4.4" || doc.Regression == nil {
				t.Fatalf("ExportPMML(%s): want a PMML version 4.4 document with a RegressionModel, got version %q (use the LinearForm's WritePMML)", what, doc.Version)
			}
			if doc.Regression.FunctionName != function {
				t.Errorf("%s", labtest.Mismatch(what+": the RegressionModel's functionName", function, doc.Regression.FunctionName, ""))
			}
			if doc.Regression.ModelName != c.Name {
				t.Errorf("%s", labtest.Mismatch(what+": the RegressionModel's modelName", c.Name, doc.Regression.ModelName, "PMMLOptions{ModelName: card.Name}"))
			}
			var target string
			var fields []string
			for _, f := range doc.Regression.MiningSchema {
				if f.UsageType == "target" {
					target = f.Name
				} else {
					fields = append(fields, f.Name)
				}
			}
			if target != c.Label {
				t.Errorf("%s", labtest.Mismatch(what+": the target field of the mining schema", c.Label, target, "PMMLOptions{Target: card.Label}: the PMML names what the model predicts"))
			}
			if !slices.Equal(fields, c.Features) {
				t.Errorf("%s", labtest.Mismatch(what+": the mining schema's input fields", c.Features, fields, "the card's features, in order"))
			}
			form, _, err := mlkit.ReadPMML(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("reading the PMML back: %v", err)
			}
			X := d.X
			if sc != nil {
				X, _ = sc.Transform(d.X)
			}
			for i := 0; i < min(d.Rows(), 30); i++ {
				out, err := form.Output(mat.Row(nil, i, d.X))
				if err != nil {
					t.Fatalf("scoring the PMML's model: %v", err)
				}
				var want, got float64
				if cl, ok := m.(mlkit.Classifier); ok {
					p, _ := cl.PredictProba(X.Slice(i, i+1, 0, d.Cols()))
					want, got = p.At(0, 1), out[1]
				} else {
					y, _ := m.Predict(X.Slice(i, i+1, 0, d.Cols()))
					want, got = y[0], out[0]
				}
				if !labtest.Close(want, got, 1e-9) {
					t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("%s: the PMML model on raw row %d", what, i), want, got, "the PMML must read raw features: pass the scaler to mlkit.LinearFormOf"))
				}
			}
		}
		check("a logistic regression behind a scaler", logit, scaler, card, split.Test, "classification")
		regCard := mlkit.ModelCard{Name: "progression", Version: 1, Model: ols.Type(), Features: dsplit.Train.Features, Label: dsplit.Train.Label, Metrics: map[string]float64{}, Created: created}
		check("a linear regression", ols, nil, regCard, dsplit.Test, "regression")
	})

	t.Run("a model with no linear form is refused with an error", func(t *testing.T) {
		knn := &mlkit.KNN{K: 3}
		if err := knn.Fit(Xs, split.Train.Y); err != nil {
			t.Fatal(err)
		}
		c := card
		c.Model = knn.Type()
		for name, export := range map[string]func() ([]byte, error){
			"ExportONNX": func() ([]byte, error) { return ExportONNX(knn, scaler, c) },
			"ExportPMML": func() ([]byte, error) { return ExportPMML(knn, scaler, c) },
		} {
			var data []byte
			var err error
			if !labtest.Guard(t, name+"(a KNN model)", func() { data, err = export() }) {
				continue
			}
			if err == nil || !errors.Is(err, mlkit.ErrNotExportable) {
				t.Errorf("%s(a fitted KNN model): want an error wrapping mlkit.ErrNotExportable (a KNN has no weights to write: it is its training data), got %d bytes and %s", name, len(data), labtest.ErrText(err))
			}
		}
	})
}

// grCheckCard compares a card field by field.
func grCheckCard(t *testing.T, got, want mlkit.ModelCard, metrics ...string) {
	t.Helper()
	check := func(field string, ok bool, w, g any, hint string) {
		t.Helper()
		if !ok {
			t.Errorf("%s", labtest.Mismatch("the card's "+field, w, g, hint))
		}
	}
	check("Name", got.Name == want.Name, want.Name, got.Name, "")
	check("Version", got.Version == want.Version, want.Version, got.Version, "")
	check("Model", got.Model == want.Model, want.Model, got.Model, "the model's type tag: m.Type()")
	check("Features", slices.Equal(got.Features, want.Features), want.Features, got.Features, "the training data's feature names, in the order the model reads them")
	check("Label", got.Label == want.Label, want.Label, got.Label, "the training data's label column")
	check("Classes", slices.Equal(got.Classes, want.Classes), want.Classes, got.Classes, "a classifier's class names (train.ClassNames()); none for a regressor")
	check("Scaled", got.Scaled == want.Scaled, want.Scaled, got.Scaled, "true when the model sits behind a scaler")
	check("TrainRows", got.TrainRows == want.TrainRows, want.TrainRows, got.TrainRows, "")
	check("TestRows", got.TestRows == want.TestRows, want.TestRows, got.TestRows, "")
	check("DataFingerprint", got.DataFingerprint == want.DataFingerprint, want.DataFingerprint, got.DataFingerprint, "mlkit.DatasetFingerprint of the training rows: the data the model learned from")
	check("Created", got.Created.Equal(want.Created), want.Created, got.Created, "the time given")
	for _, m := range metrics {
		g, ok := got.Metrics[m]
		hint := "measured on the held-out test rows, never on the training rows"
		if m == "accuracy" {
			hint += "; predict on the scaled test rows (scaler.Transform) for a model behind a scaler"
		}
		check("Metrics[\""+m+"\"]", ok && labtest.Close(want.Metrics[m], g, 1e-9), want.Metrics[m], g, hint)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the card does not validate: %v", err)
	}
}
