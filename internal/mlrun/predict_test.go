package mlrun

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// encode writes v the way the command does: one JSON line.
func encode(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// asMap re-reads a typed result as generic JSON and writes it again: a map
// encodes its keys sorted, so this is the output's earlier form, and equal
// bytes mean the struct fields are in that order.
func asMap(t *testing.T, s string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return encode(t, m)
}

// sortedFields checks that the objects the output held as maps before
// (params, metrics) still write their fields in sorted order.
func sortedFields(t *testing.T, objects ...any) {
	t.Helper()
	for _, o := range objects {
		js := encode(t, o)
		if want := asMap(t, js); js != want {
			t.Errorf("JSON fields out of order:\n got %s\nwant %s", js, want)
		}
	}
}

func knnSpec() ModelSpec {
	return ModelSpec{Name: "knn", K: 5, Metric: "euclidean", Weights: "uniform", Alpha: 1, C: 1, MaxIter: 100}
}

func TestPredictClassifier(t *testing.T) {
	dir := t.TempDir()
	e := Env{Path: func(n string) string { return filepath.Join(dir, n) }}
	spec := PredictSpec{Model: knnSpec(), Train: "dataset:iris.csv", Test: "dataset:iris.csv", Label: "species", Plot: "cm.png"}
	spec.Model.Scale = true
	res, err := Predict(e, spec)
	if err != nil {
		t.Fatal(err)
	}
	names, ok := res.Predictions.([]string)
	if !ok || len(names) != 150 || names[0] != "setosa" || names[149] != "virginica" {
		t.Fatalf("predictions %T, first and last of %v", res.Predictions, res.Predictions)
	}
	m, ok := res.Metrics.(*ClassifierMetrics)
	if !ok {
		t.Fatalf("metrics are %T", res.Metrics)
	}
	if m.Accuracy < 0.9 || m.Accuracy > 1 {
		t.Errorf("accuracy %v on its own training rows", m.Accuracy)
	}
	total := 0
	for _, row := range m.ConfusionMatrix.Counts {
		for _, n := range row {
			total += n
		}
	}
	if total != 150 || strings.Join(m.ConfusionMatrix.Labels, ",") != "setosa,versicolor,virginica" || m.PerClass["setosa"].Support != 50 {
		t.Errorf("confusion matrix %+v, per class %+v", m.ConfusionMatrix, m.PerClass)
	}

	js := encode(t, res)
	sortedFields(t, res.Params, res.Metrics)
	if !strings.HasPrefix(js, `{"model":"knn","params":{"k":5,"metric":"euclidean","scale":true,"weights":"uniform"},"predictions":["setosa",`) {
		t.Errorf("JSON starts %.120s", js)
	}

	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"model knn (k=5, metric=euclidean, weights=uniform, scale=true): trained on 150 rows of dataset:iris.csv (4 features), predicted 150 rows of dataset:iris.csv\n",
		"row  predicted   species\n1    setosa      setosa\n",
		"confusion matrix (rows: true class, columns: predicted)\n",
		"\nwrote cm.png\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	f, err := os.Open(filepath.Join(dir, "cm.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("cm.png: %v", err)
	}
}

func TestPredictRegression(t *testing.T) {
	res, err := Predict(Env{}, PredictSpec{Model: ModelSpec{Name: "ridge", Alpha: 0}, Train: "dataset:diabetes.csv", Test: "dataset:diabetes.csv", Label: "progression"})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := res.Metrics.(*RegressionMetrics)
	if !ok || !(m.R2 > 0.4 && m.R2 < 1) || m.RMSE*m.RMSE-m.MSE > 1e-6*m.MSE {
		t.Fatalf("metrics %T %+v", res.Metrics, res.Metrics)
	}
	js := encode(t, res)
	sortedFields(t, res.Params, res.Metrics)
	// alpha 0 is a setting given, not an absent one.
	if !strings.Contains(js, `"params":{"alpha":0}`) || !strings.Contains(js, `"metrics":{"mae":`) {
		t.Errorf("JSON %.200s ... %s", js, js[len(js)-120:])
	}
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "model ridge (alpha=0): trained on 442 rows") || !strings.Contains(text.String(), "\nrmse  ") {
		t.Errorf("text:\n%.300s", text.String())
	}
}

func TestPredictWithoutTestLabels(t *testing.T) {
	dir := t.TempDir()
	test := "a,b\n1,2\n3,4\n"
	train := "a,b,y\n1,2,0\n3,4,1\n1,3,0\n3,3,1\n"
	for n, s := range map[string]string{"train.csv": train, "test.csv": test} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := Env{Path: func(n string) string { return filepath.Join(dir, n) }}
	res, err := Predict(e, PredictSpec{Model: ModelSpec{Name: "linreg"}, Train: "train.csv", Test: "test.csv", Label: "y"})
	if err != nil {
		t.Fatal(err)
	}
	js := encode(t, res)
	if strings.Contains(js, "metrics") || !strings.HasPrefix(js, `{"model":"linreg","params":{},"predictions":[`) {
		t.Errorf("JSON %s", js)
	}
	if _, err := Predict(e, PredictSpec{Model: ModelSpec{Name: "linreg"}, Train: "train.csv", Test: "test.csv", Label: "y", Plot: "x.png"}); err == nil || !strings.Contains(err.Error(), "--plot needs the label column") {
		t.Errorf("plot without labels: %v", err)
	}
}

func TestPredictErrors(t *testing.T) {
	for _, tc := range []struct {
		spec PredictSpec
		want string
	}{
		{PredictSpec{Model: ModelSpec{Name: "svm"}, Train: "dataset:iris.csv", Test: "dataset:iris.csv", Label: "species"}, `--model "svm" is not a model`},
		{PredictSpec{Model: ModelSpec{Name: "linreg"}, Train: "dataset:iris.csv", Test: "dataset:iris.csv", Label: "species"}, `label "species" has values that are not numbers ("setosa", "versicolor", "virginica")`},
		{PredictSpec{Model: ModelSpec{Name: "nb"}, Train: "dataset:nope.csv", Test: "dataset:iris.csv", Label: "species"}, "dataset:nope.csv: no such data set"},
		{PredictSpec{Model: ModelSpec{Name: "nb"}, Train: "missing.csv", Test: "dataset:iris.csv", Label: "species"}, "missing.csv: no such file"},
	} {
		_, err := Predict(Env{Path: func(n string) string { return filepath.Join(t.TempDir(), n) }}, tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.spec, err, tc.want)
		}
	}
}

func TestParamsString(t *testing.T) {
	k, c, it := 3, 0.5, 20
	for _, tc := range []struct {
		p    Params
		want string
	}{
		{Params{}, ""},
		{Params{Scale: true}, " (scale=true)"},
		{Params{K: &k, Metric: "manhattan", Weights: "distance"}, " (k=3, metric=manhattan, weights=distance)"},
		{Params{C: &c, MaxIter: &it, Scale: true}, " (c=0.5, max_iter=20, scale=true)"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}
