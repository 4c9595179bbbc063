package mlrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

func TestTrainAndExport(t *testing.T) {
	dir := t.TempDir()
	var warn bytes.Buffer
	e := Env{Path: func(n string) string { return filepath.Join(dir, n) }, Warn: &warn}
	spec := TrainSpec{Model: ModelSpec{Name: "logreg", C: 1, MaxIter: 100, Scale: true}, Data: "dataset:breast_cancer.csv", Label: "benign",
		TestSize: 0.25, Seed: 4, Name: "cancer", Version: 3, Out: "cancer.json"}
	res, err := Train(e, spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.File != "cancer.json" || res.Card.Version != 3 || res.Card.TrainRows != 426 || res.Card.TestRows != 143 || res.Card.Metrics["accuracy"] < 0.9 {
		t.Errorf("result %+v", res)
	}
	if warn.Len() != 0 {
		t.Errorf("warnings for a scaled logistic regression: %s", warn.String())
	}
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"trained logreg on 426 rows of dataset:breast_cancer.csv (30 features), measured on 143 held-out rows\n", "\n  accuracy  0.9", "wrote cancer.json: model cancer v3, features mean_radius,"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	js := encode(t, res)
	if !strings.HasPrefix(js, `{"file":"cancer.json","card":{`) {
		t.Errorf("JSON %.100s", js)
	}

	a, err := e.ReadArtifact("cancer.json")
	if err != nil {
		t.Fatal(err)
	}
	onnx, err := Export(a, ExportSpec{ModelFile: "cancer.json", Format: "onnx", Producer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if om, err := onnxmodel.Load(onnx); err != nil || om.Card == nil || om.Card.Version != 3 {
		t.Errorf("ONNX read back: %v", err)
	}
	pmml, err := Export(a, ExportSpec{ModelFile: "cancer.json", Format: "pmml", Producer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if form, target, err := mlkit.ReadPMML(bytes.NewReader(pmml)); err != nil || target != "benign" || len(form.Features) != 30 {
		t.Errorf("PMML read back: %v, target %q", err, target)
	}
	stmt, err := Export(a, ExportSpec{ModelFile: "cancer.json", Format: "ksql", Source: "CELLS", Sink: "SCORED", Keep: []string{"ID"}})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(stmt); !strings.HasPrefix(s, "CREATE STREAM SCORED AS") || !strings.Contains(s, "FROM CELLS") || !strings.HasSuffix(s, "\n") {
		t.Errorf("statement:\n%s", s)
	}
	if _, err := Export(a, ExportSpec{ModelFile: "cancer.json", Format: "pfa"}); err == nil || !strings.Contains(err.Error(), `"pfa" is not an export format`) {
		t.Errorf("pfa: %v", err)
	}
}

func TestExportClassProbabilities(t *testing.T) {
	dir := t.TempDir()
	e := Env{Path: func(n string) string { return filepath.Join(dir, n) }}
	if _, err := Train(e, TrainSpec{Model: ModelSpec{Name: "logreg", C: 1, MaxIter: 200, Scale: true}, Data: "dataset:iris.csv", Label: "species",
		TestSize: 0.25, Name: "iris", Version: 1, Out: "iris.json"}); err != nil {
		t.Fatal(err)
	}
	a, err := e.ReadArtifact("iris.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Export(a, ExportSpec{ModelFile: "iris.json", Format: "ksql"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{" AS P_SETOSA,\n", " AS P_VERSICOLOR,\n", " AS P_VIRGINICA\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("expressions lack %q:\n%s", want, out)
		}
	}
}

func TestExportRefusesNonLinear(t *testing.T) {
	dir := t.TempDir()
	e := Env{Path: func(n string) string { return filepath.Join(dir, n) }}
	if _, err := Train(e, TrainSpec{Model: knnSpec(), Data: "dataset:iris.csv", Label: "species", TestSize: 0.25, Name: "iris", Version: 1, Out: "knn.json"}); err != nil {
		t.Fatal(err)
	}
	a, err := e.ReadArtifact("knn.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Export(a, ExportSpec{ModelFile: "knn.json", Format: "pmml"}); err == nil || !strings.HasPrefix(err.Error(), "knn.json: ") || !strings.Contains(err.Error(), "no linear form") {
		t.Errorf("knn to PMML: %v", err)
	}
	d, err := e.Deployable("knn.json")
	if err != nil {
		t.Fatal(err)
	}
	if d.Offset != -1 || d.Topic != "knn.json" || deployedFrom(d) != "file knn.json" {
		t.Errorf("deployed %+v from %s", d, deployedFrom(d))
	}
}

func TestReadArtifactErrors(t *testing.T) {
	dir := t.TempDir()
	e := Env{Path: func(n string) string { return filepath.Join(dir, n) }}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"card":`), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"nope.json": "--model nope.json: no such file (write one with `mlops-lab ml train ... --out nope.json`)",
		"bad.json":  "--model bad.json: ",
	} {
		if _, err := e.ReadArtifact(name); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

func TestSQLName(t *testing.T) {
	labels := []float64{0, 1, 2, 3}
	names := []string{"setosa", "two words", ""}
	for i, want := range []string{"SETOSA", "1", "2", "3"} {
		if got := SQLName(names, labels, i); got != want {
			t.Errorf("class %d: %q, want %q", i, got, want)
		}
	}
}

func TestServeAndPublishText(t *testing.T) {
	var b bytes.Buffer
	if err := (&PublishResult{Name: "cancer", Version: 2, Topic: "models", Partition: 0, Offset: 7}).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if want := "published cancer v2 to models (partition 0, offset 7)\n"; b.String() != want {
		t.Errorf("%q, want %q", b.String(), want)
	}
	js := encode(t, &PublishResult{Name: "cancer", Version: 2, Topic: "models", Offset: 7})
	if want := asMap(t, js); js != want {
		t.Errorf("publish JSON %s, want %s", js, want)
	}

	var st scoring.Stats
	st.Processed, st.Skipped = 12, 1
	st.ByVersion = map[int]int64{2: 4, 1: 7}
	b.Reset()
	if err := (&ServeResult{Stats: st}).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if want := "scored 11 records, skipped 1 (by version v1: 7, v2: 4)\n"; b.String() != want {
		t.Errorf("%q, want %q", b.String(), want)
	}
	st.Processed, st.ByVersion = 2, map[int]int64{1: 1}
	b.Reset()
	if err := (&ServeResult{Stats: st}).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if want := "scored 1 record, skipped 1\n"; b.String() != want {
		t.Errorf("%q, want %q", b.String(), want)
	}
	if got := ShortList([]string{"a", "b", "c"}, 2); got != "a,b,... (3 in all)" {
		t.Errorf("ShortList: %q", got)
	}
}
