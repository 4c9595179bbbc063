package mlrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestSplit(t *testing.T) {
	dir := t.TempDir()
	e := Env{Path: func(n string) string { return filepath.Join(dir, n) }}
	spec := SplitSpec{Input: "dataset:iris.csv", Label: "species", TestSize: 0.2, Seed: 3, Stratify: true,
		TrainOut: "train.csv", TestOut: "test.csv", TestLabelsOut: "answers.csv"}
	res, err := Split(e, spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 150 || res.TestRows != 30 || res.TrainRows != 120 {
		t.Errorf("split %+v", res)
	}
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "split 150 rows of dataset:iris.csv (stratified by species, seed 3): 120 to train.csv, 30 to test.csv, their labels to answers.csv\n"; text.String() != want {
		t.Errorf("text %q, want %q", text.String(), want)
	}
	test, err := e.Load("test.csv", mlkit.LoadOptions{Label: "species", LabelOptional: true})
	if err != nil {
		t.Fatal(err)
	}
	if test.HasLabels() || test.Rows() != 30 {
		t.Errorf("test.csv: labels %v, %d rows", test.HasLabels(), test.Rows())
	}
	answers, err := os.ReadFile(filepath.Join(dir, "answers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(answers)), "\n")
	if len(lines) != 31 || lines[0] != "species" || strings.Count(string(answers), "setosa") != 10 {
		t.Errorf("answers.csv: %d lines, %d setosa", len(lines), strings.Count(string(answers), "setosa"))
	}

	// The same seed gives the same files.
	first, _ := os.ReadFile(filepath.Join(dir, "train.csv"))
	spec.TrainOut, spec.TestOut, spec.TestLabelsOut = "train2.csv", "test2.csv", ""
	if _, err := Split(e, spec); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "train2.csv")); !bytes.Equal(first, again) {
		t.Error("the same seed split differently")
	}
}

func TestSplitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	e := Env{Path: func(n string) string { return filepath.Join(dir, n) }}
	if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte("a,y\n1,0\n2,1\n3,0\n4,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec SplitSpec
		want string
	}{
		{SplitSpec{Input: "in.csv", TestSize: 0.5, TrainOut: "in.csv", TestOut: "b.csv"}, "--train-out in.csv would overwrite the input"},
		{SplitSpec{Input: "in.csv", TestSize: 0.5, TrainOut: "a.csv", TestOut: "a.csv"}, "--train-out and --test-out are the same file a.csv"},
	} {
		if _, err := Split(e, tc.spec); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: error %v, want %q", tc.spec, err, tc.want)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "in.csv")); string(data) != "a,y\n1,0\n2,1\n3,0\n4,1\n" {
		t.Errorf("the input changed: %q", data)
	}
}

func TestWriteLabelsQuotes(t *testing.T) {
	d := &mlkit.Dataset{Label: "kind, of", Classes: []string{"a", `say "hi"`, " b"}, Y: []float64{0, 1, 2}}
	var b bytes.Buffer
	if err := WriteLabels(&b, d); err != nil {
		t.Fatal(err)
	}
	if want := "\"kind, of\"\na\n\"say \"\"hi\"\"\"\n\" b\"\n"; b.String() != want {
		t.Errorf("labels %q, want %q", b.String(), want)
	}
}
