package mlkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// fittedModels are the exportable models, each fitted on a real data set,
// with the data they were fitted on and whether a scaler sits in front.
type fittedModel struct {
	name   string
	model  mlkit.Model
	scaler *mlkit.StandardScaler
	data   *mlkit.Dataset
}

func exportableModels(t *testing.T) []fittedModel {
	t.Helper()
	diabetes := loadData(t, "diabetes.csv", "progression")
	cancer := loadData(t, "breast_cancer.csv", "benign")
	iris := loadData(t, "iris.csv", "species")

	ols := &mlkit.LinearRegression{}
	if err := ols.Fit(diabetes.X, diabetes.Y); err != nil {
		t.Fatal(err)
	}
	ridge := mlkit.NewRidge(1)
	if err := ridge.Fit(diabetes.X, diabetes.Y); err != nil {
		t.Fatal(err)
	}
	fitScaled := func(d *mlkit.Dataset) (*mlkit.LogisticRegression, *mlkit.StandardScaler) {
		s := &mlkit.StandardScaler{}
		Xs, err := s.FitTransform(d.X)
		if err != nil {
			t.Fatal(err)
		}
		m := mlkit.NewLogisticRegression(1)
		if err := m.Fit(Xs, d.Y); err != nil {
			t.Fatal(err)
		}
		return m, s
	}
	logit, cancerScaler := fitScaled(cancer)
	multi, irisScaler := fitScaled(iris)
	return []fittedModel{
		{"ols diabetes", ols, nil, diabetes},
		{"ridge diabetes", ridge, nil, diabetes},
		{"logistic breast_cancer scaled", logit, cancerScaler, cancer},
		{"multinomial iris scaled", multi, irisScaler, iris},
	}
}

// reference is what the model itself answers for the raw rows: predictions
// of a regressor, class probabilities of a classifier.
func reference(t *testing.T, fm fittedModel) *mat.Dense {
	t.Helper()
	X := mat.Matrix(fm.data.X)
	if fm.scaler != nil {
		Xs, err := fm.scaler.Transform(fm.data.X)
		if err != nil {
			t.Fatal(err)
		}
		X = Xs
	}
	if c, ok := fm.model.(mlkit.Classifier); ok {
		p, err := c.PredictProba(X)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	y, err := fm.model.Predict(X)
	if err != nil {
		t.Fatal(err)
	}
	return mat.NewDense(len(y), 1, y)
}

func TestLinearFormMatchesModels(t *testing.T) {
	for _, fm := range exportableModels(t) {
		t.Run(fm.name, func(t *testing.T) {
			form, err := mlkit.LinearFormOf(fm.model, fm.scaler, fm.data.Features)
			if err != nil {
				t.Fatal(err)
			}
			want := reference(t, fm)
			for i := 0; i < fm.data.Rows(); i++ {
				got, err := form.Output(fm.data.X.RawRowView(i))
				if err != nil {
					t.Fatal(err)
				}
				for k, g := range got {
					if w := want.At(i, k); !within(g, w, 1e-9) {
						t.Fatalf("row %d output %d: linear form %.12g, model %.12g", i, k, g, w)
					}
				}
			}
		})
	}
}

func TestLinearFormRefusesWhatItCannotExpress(t *testing.T) {
	iris := loadData(t, "iris.csv", "species")
	knn := &mlkit.KNN{K: 3}
	if err := knn.Fit(iris.X, iris.Y); err != nil {
		t.Fatal(err)
	}
	_, err := mlkit.LinearFormOf(knn, nil, iris.Features)
	if !errors.Is(err, mlkit.ErrNotExportable) || !strings.Contains(err.Error(), "knn") {
		t.Errorf("KNN export: got %v, want ErrNotExportable naming knn", err)
	}
	_, err = mlkit.LinearFormOf(&mlkit.LinearRegression{}, nil, []string{"a"})
	if !errors.Is(err, mlkit.ErrNotFitted) {
		t.Errorf("unfitted export: got %v, want ErrNotFitted", err)
	}
	ols := &mlkit.LinearRegression{}
	if err := ols.Fit(iris.X, iris.Y); err != nil {
		t.Fatal(err)
	}
	if _, err := mlkit.LinearFormOf(ols, nil, iris.Features[:2]); !errors.Is(err, mlkit.ErrShape) {
		t.Errorf("2 names for 4 features: got %v, want ErrShape", err)
	}
	if _, err := mlkit.LinearFormOf(ols, nil, []string{"a", "b", "a", "c"}); err == nil || !strings.Contains(err.Error(), `"a" appears twice`) {
		t.Errorf("duplicate feature names: got %v", err)
	}
	multi := mlkit.NewLogisticRegression(1)
	if err := multi.Fit(iris.X, iris.Y); err != nil {
		t.Fatal(err)
	}
	form, err := mlkit.LinearFormOf(multi, nil, iris.Features)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := form.KSQLExpression(nil); !errors.Is(err, mlkit.ErrNotExportable) || !strings.Contains(err.Error(), "KSQLClassExpressions") {
		t.Errorf("one expression for a 3-class model: got %v, want a pointer to KSQLClassExpressions", err)
	}
}

// TestKSQLExpressionScoresInTheEngine deploys each model as a persistent
// query on the embedded engine and compares what the query writes with the
// model's own answers, record by record.
func TestKSQLExpressionScoresInTheEngine(t *testing.T) {
	for _, fm := range exportableModels(t) {
		t.Run(fm.name, func(t *testing.T) {
			form, err := mlkit.LinearFormOf(fm.model, fm.scaler, fm.data.Features)
			if err != nil {
				t.Fatal(err)
			}
			cols := make([]string, len(fm.data.Features))
			decl := []string{"ID STRING KEY"}
			for j := range fm.data.Features {
				cols[j] = "F" + fmt.Sprint(j)
				decl = append(decl, cols[j]+" DOUBLE")
			}
			var selects []string
			if form.Link == mlkit.LinkSoftmax {
				exprs, err := form.KSQLClassExpressions(cols)
				if err != nil {
					t.Fatal(err)
				}
				for k, e := range exprs {
					selects = append(selects, fmt.Sprintf("%s AS P%d", e, k))
				}
			} else {
				e, err := form.KSQLExpression(cols)
				if err != nil {
					t.Fatal(err)
				}
				selects = append(selects, e+" AS P")
			}
			sql := fmt.Sprintf("CREATE STREAM FEATURES (%s) WITH (KAFKA_TOPIC='features', VALUE_FORMAT='JSON');\n"+
				"CREATE STREAM SCORES AS SELECT ID, %s FROM FEATURES EMIT CHANGES;",
				strings.Join(decl, ", "), strings.Join(selects, ", "))
			n := min(fm.data.Rows(), 60)
			var inputs []testrunner.Record
			for i := 0; i < n; i++ {
				value := map[string]any{}
				for j := range cols {
					value[cols[j]] = fm.data.X.At(i, j)
				}
				inputs = append(inputs, testrunner.R("features", fmt.Sprint(i), value))
			}
			exec, err := (&testrunner.InProcess{}).Execute(context.Background(), testrunner.Case{Statements: sql, Inputs: inputs})
			if err != nil {
				t.Fatalf("%v\n%s", err, sql)
			}
			if len(exec.ProcessingErrors) > 0 {
				t.Fatalf("processing errors: %v", exec.ProcessingErrors)
			}
			out := exec.Outputs["SCORES"]
			if len(out) != n {
				t.Fatalf("%d scores for %d inputs", len(out), n)
			}
			want := reference(t, fm)
			for i, rec := range out {
				var value map[string]float64
				if err := json.Unmarshal(rec.Value.(json.RawMessage), &value); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				for k := 0; k < len(selects); k++ {
					name := "P"
					wantK := k
					if form.Link == mlkit.LinkSoftmax {
						name = fmt.Sprintf("P%d", k)
					} else if form.Link == mlkit.LinkLogistic {
						wantK = 1 // the expression is P(positive class)
					}
					got, ok := value[name]
					if !ok {
						t.Fatalf("record %d has no %s: %v", i, name, value)
					}
					if w := want.At(i, wantK); !within(got, w, 1e-9) {
						t.Fatalf("record %d %s: KSQL %.15g, model %.15g\nquery: %s", i, name, got, w, sql)
					}
				}
			}
		})
	}
}

func TestKSQLStatement(t *testing.T) {
	diabetes := loadData(t, "diabetes.csv", "progression")
	ols := &mlkit.LinearRegression{}
	if err := ols.Fit(mat.NewDense(3, 2, []float64{1, 0, 0, 1, 1, 1}), []float64{3, -2, 1}); err != nil {
		t.Fatal(err)
	}
	form, err := mlkit.LinearFormOf(ols, nil, []string{"units", "zip"})
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := form.KSQLStatement(mlkit.KSQLQuery{Sink: "SCORED", Source: "ORDERS", Columns: []string{"ORDERUNITS", "ADDRESS->ZIPCODE"}, Keep: []string{"ORDERID"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CREATE STREAM SCORED AS", "SELECT ORDERID,", " * ORDERUNITS", " * ADDRESS->ZIPCODE", "AS PREDICTION", "FROM ORDERS", "EMIT CHANGES;"} {
		if !strings.Contains(stmt, want) {
			t.Errorf("statement lacks %q:\n%s", want, stmt)
		}
	}
	// A feature that is itself an expression keeps its meaning.
	e, err := form.KSQLExpression([]string{"A + B", "C"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e, "* (A + B)") {
		t.Errorf("compound column not bracketed: %s", e)
	}
	if _, err := form.KSQLExpression([]string{"A"}); !errors.Is(err, mlkit.ErrShape) {
		t.Errorf("one column for two features: got %v", err)
	}
	_ = diabetes
}

func TestPMMLRoundTrip(t *testing.T) {
	for _, fm := range exportableModels(t) {
		t.Run(fm.name, func(t *testing.T) {
			form, err := mlkit.LinearFormOf(fm.model, fm.scaler, fm.data.Features)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := form.WritePMML(&buf, mlkit.PMMLOptions{Target: fm.data.Label, ModelName: fm.name, Version: "test", Created: time.Unix(0, 0)}); err != nil {
				t.Fatal(err)
			}
			checkPMMLStructure(t, buf.Bytes(), form)
			back, target, err := mlkit.ReadPMML(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			if target != fm.data.Label {
				t.Errorf("target %q, want %q", target, fm.data.Label)
			}
			want := reference(t, fm)
			for i := 0; i < fm.data.Rows(); i++ {
				got, err := back.Output(fm.data.X.RawRowView(i))
				if err != nil {
					t.Fatal(err)
				}
				for k, g := range got {
					if w := want.At(i, k); !within(g, w, 1e-9) {
						t.Fatalf("row %d output %d: PMML %.12g, model %.12g", i, k, g, w)
					}
				}
			}
		})
	}
}

// checkPMMLStructure reads the document generically and checks what PMML
// 4.4 requires of a RegressionModel: the namespace and version, a
// DataDictionary whose numberOfFields is right, a MiningSchema naming every
// field, and a RegressionTable per score with a NumericPredictor per
// feature.
func checkPMMLStructure(t *testing.T, doc []byte, form *mlkit.LinearForm) {
	t.Helper()
	type node struct {
		XMLName  xml.Name
		Attrs    []xml.Attr `xml:",any,attr"`
		Children []node     `xml:",any"`
	}
	var root node
	if err := xml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	attr := func(n node, name string) string {
		for _, a := range n.Attrs {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	child := func(n node, name string) []node {
		var out []node
		for _, c := range n.Children {
			if c.XMLName.Local == name {
				if c.XMLName.Space != mlkit.PMMLNamespace {
					t.Errorf("%s is in namespace %q", name, c.XMLName.Space)
				}
				out = append(out, c)
			}
		}
		return out
	}
	if root.XMLName.Space != mlkit.PMMLNamespace || root.XMLName.Local != "PMML" || attr(root, "version") != "4.4" {
		t.Fatalf("root %v version %q", root.XMLName, attr(root, "version"))
	}
	if len(child(root, "Header")) != 1 {
		t.Error("no Header")
	}
	dd := child(root, "DataDictionary")
	if len(dd) != 1 {
		t.Fatal("no DataDictionary")
	}
	fields := child(dd[0], "DataField")
	if fmt.Sprint(len(fields)) != attr(dd[0], "numberOfFields") || len(fields) != len(form.Features)+1 {
		t.Errorf("numberOfFields %s, %d DataFields, %d features", attr(dd[0], "numberOfFields"), len(fields), len(form.Features))
	}
	models := child(root, "RegressionModel")
	if len(models) != 1 {
		t.Fatal("no RegressionModel")
	}
	ms := child(models[0], "MiningSchema")
	if len(ms) != 1 || len(child(ms[0], "MiningField")) != len(fields) {
		t.Error("the MiningSchema does not name every field")
	}
	tables := child(models[0], "RegressionTable")
	if len(tables) == 0 || len(child(tables[0], "NumericPredictor")) != len(form.Features) {
		t.Errorf("%d RegressionTables; the first has no predictor per feature", len(tables))
	}
}

func TestModelCard(t *testing.T) {
	iris := loadData(t, "iris.csv", "species")
	fp := mlkit.DatasetFingerprint(iris)
	if !strings.HasPrefix(fp, "sha256:") || len(fp) != len("sha256:")+64 {
		t.Fatalf("fingerprint %q", fp)
	}
	if again := mlkit.DatasetFingerprint(iris.Clone()); again != fp {
		t.Error("a copy of the data has another fingerprint")
	}
	changed := iris.Clone()
	changed.X.Set(7, 2, changed.X.At(7, 2)+0.1)
	if mlkit.DatasetFingerprint(changed) == fp {
		t.Error("changing one value keeps the fingerprint")
	}
	card := mlkit.ModelCard{Name: "iris", Version: 1, Model: mlkit.TypeLogisticRegression, Features: iris.Features, Label: iris.Label,
		Classes: iris.Classes, Metrics: map[string]float64{"accuracy": 0.97}, DataFingerprint: fp, Created: time.Unix(0, 0).UTC()}
	if err := card.Validate(); err != nil {
		t.Fatal(err)
	}
	data, err := card.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	var back mlkit.ModelCard
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.DataFingerprint != fp || back.Version != 1 || len(back.Features) != 4 || back.Metrics["accuracy"] != 0.97 {
		t.Errorf("round trip: %+v", back)
	}
	bad := mlkit.ModelCard{Version: 0, Features: []string{"a", "a"}, Metrics: map[string]float64{"r2": math.NaN()}}
	err = bad.Validate()
	for _, want := range []string{"no name", "version 0", "no model type", `feature "a" twice`, "metric r2 is NaN"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want it to say %q", err, want)
		}
	}
	// Every problem on one line, so that a report indents it as one.
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("Validate: %q spans several lines", err)
	}
	const want = `mlkit: model card: no name; version 0 (versions start at 1); no model type; no features`
	if err := (&mlkit.ModelCard{}).Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate of an empty card: %v, want %q", err, want)
	}
}

// within compares to tol, relative to |b| when |b| > 1 and absolute below.
func within(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

func TestTrainForDeployment(t *testing.T) {
	iris := loadData(t, "iris.csv", "species")
	tr, err := mlkit.Train(iris, mlkit.TrainSpec{Model: mlkit.NewLogisticRegression(1), Scale: true, Seed: 3, Name: "iris", Version: 2, Created: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	c := tr.Card
	if c.TrainRows+c.TestRows != 150 || c.TestRows != 38 || c.Version != 2 || !c.Scaled || len(c.Classes) != 3 || c.Model != mlkit.TypeLogisticRegression {
		t.Errorf("card %+v", c)
	}
	// The held-out accuracy is what predicting the held-out rows gives.
	split, err := mlkit.StratifiedSplit(iris, 0.25, 3)
	if err != nil {
		t.Fatal(err)
	}
	Xs, err := tr.Scaler.Transform(split.Test.X)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := tr.Model.Predict(Xs)
	if err != nil {
		t.Fatal(err)
	}
	acc, _ := mlkit.Accuracy(split.TestLabels(), pred)
	if acc != c.Metrics["accuracy"] || acc < 0.85 {
		t.Errorf("card accuracy %v, held-out accuracy %v", c.Metrics["accuracy"], acc)
	}
	if c.DataFingerprint != mlkit.DatasetFingerprint(split.Train) {
		t.Error("the fingerprint is not the training rows'")
	}
	diabetes := loadData(t, "diabetes.csv", "progression")
	reg, err := mlkit.Train(diabetes, mlkit.TrainSpec{Model: &mlkit.LinearRegression{}, Name: "d", Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.Card.Metrics["r2"]; !ok || reg.Scaler != nil {
		t.Errorf("regression card %+v", reg.Card)
	}
	if _, err := mlkit.Train(iris, mlkit.TrainSpec{Model: &mlkit.LinearRegression{}, Name: "x", Version: 1}); err == nil || !strings.Contains(err.Error(), "class names") {
		t.Errorf("regression on class names: %v", err)
	}
	if _, err := mlkit.Train(iris, mlkit.TrainSpec{Model: mlkit.NewLogisticRegression(1), Version: 1}); err == nil || !strings.Contains(err.Error(), "no name") {
		t.Errorf("no name: %v", err)
	}
}
