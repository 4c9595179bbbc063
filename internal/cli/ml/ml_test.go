package ml

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// runML runs `mlops-lab ml ARGS...` in dir with buffers for its output.
func runML(t *testing.T, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut syncBuffer
	err = executeML(context.Background(), dir, &out, &errOut, args...)
	return out.String(), errOut.String(), err
}

// executeML runs `mlops-lab ml ARGS...` in dir until it ends or ctx does.
func executeML(ctx context.Context, dir string, out, errOut io.Writer, args ...string) error {
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(""), out, errOut))
	f.WorkDir = dir
	root := &cobra.Command{Use: "mlops-lab", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(NewCmdML(f))
	root.SetArgs(append([]string{"ml"}, args...))
	root.SetOut(out)
	root.SetErr(errOut)
	return root.ExecuteContext(ctx)
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// writeIrisFifths writes iris rows whose index % 5 != 0 to train.csv and the
// others to test.csv: the split the scikit-learn reference numbers use.
func writeIrisFifths(t *testing.T, dir string) {
	t.Helper()
	iris, err := mlkit.LoadCSVFS(datasets.FS, "iris.csv", mlkit.LoadOptions{Label: "species"})
	if err != nil {
		t.Fatal(err)
	}
	var tr, te []int
	for i := 0; i < iris.Rows(); i++ {
		if i%5 == 0 {
			te = append(te, i)
		} else {
			tr = append(tr, i)
		}
	}
	for name, rows := range map[string][]int{"train.csv": tr, "test.csv": te} {
		d, err := iris.Subset(rows)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := d.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMLPredictJSONMatchesScikitLearn(t *testing.T) {
	dir := t.TempDir()
	writeIrisFifths(t, dir)
	// scikit-learn 1.2.1's 5-NN and Gaussian NB predictions for these rows.
	want := strings.Split("000000000011112111112222222222", "")
	classes := []string{"setosa", "versicolor", "virginica"}
	for _, model := range []string{"knn", "nb"} {
		t.Run(model, func(t *testing.T) {
			out, errOut, err := runML(t, dir, "predict", "--model", model, "--train", "train.csv", "--test", "test.csv", "--label", "species", "--format", "json")
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			var res struct {
				Model       string         `json:"model"`
				Params      map[string]any `json:"params"`
				Predictions []string       `json:"predictions"`
				Metrics     map[string]any `json:"metrics"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("output is not the JSON expected: %v\n%s", err, out)
			}
			if res.Model != model || len(res.Predictions) != 30 {
				t.Fatalf("model %q with %d predictions", res.Model, len(res.Predictions))
			}
			for i, p := range res.Predictions {
				if w := classes[want[i][0]-'0']; p != w {
					t.Errorf("prediction %d = %s, scikit-learn says %s", i, p, w)
				}
			}
			if acc := res.Metrics["accuracy"].(float64); math.Abs(acc-0.9667) > 5e-5 {
				t.Errorf("accuracy %v, want 0.9667", acc)
			}
			if model == "knn" && (res.Params["k"] != 5.0 || res.Params["metric"] != "euclidean") {
				t.Errorf("params %v", res.Params)
			}
			cm := res.Metrics["confusion_matrix"].(map[string]any)
			if got, _ := json.Marshal(cm["counts"]); string(got) != "[[10,0,0],[0,9,1],[0,0,10]]" {
				t.Errorf("confusion matrix %s", got)
			}
		})
	}
}

func TestMLPredictRegression(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runML(t, dir, "predict", "--model", "linreg", "--train", "dataset:diabetes.csv", "--test", "dataset:diabetes.csv",
		"--label", "progression", "--format", "json", "--plot", "fit.png")
	if err != nil {
		t.Fatal(err)
	}
	// Read as a program reading the output would.
	var res struct {
		Predictions []any          `json:"predictions"`
		Metrics     map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if r2 := res.Metrics["r2"].(float64); math.Abs(r2-0.517748) > 1e-6 {
		t.Errorf("R^2 %v, scikit-learn 0.517748", r2)
	}
	for _, k := range []string{"mse", "rmse", "mae"} {
		if _, ok := res.Metrics[k]; !ok {
			t.Errorf("metric %s missing from %v", k, res.Metrics)
		}
	}
	if len(res.Predictions) != 442 {
		t.Errorf("%d predictions", len(res.Predictions))
	}
	assertPNG(t, filepath.Join(dir, "fit.png"))

	// Text output, ridge.
	out, _, err = runML(t, dir, "predict", "--model", "ridge", "--alpha", "0.5", "--train", "dataset:diabetes.csv",
		"--test", "dataset:diabetes.csv", "--label", "progression")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"model ridge (alpha=0.5): trained on 442 rows of dataset:diabetes.csv (10 features)", "row  predicted  progression", "r2    0.51"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%.600s", want, out)
		}
	}
}

func TestMLPredictTextAndPlot(t *testing.T) {
	dir := t.TempDir()
	writeIrisFifths(t, dir)
	out, _, err := runML(t, dir, "predict", "--model", "logreg", "--scale", "--c", "0.5", "--train", "train.csv", "--test", "test.csv",
		"--label", "species", "--plot", "cm.png")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"model logreg (c=0.5, max_iter=100, scale=true): trained on 120 rows of train.csv (4 features), predicted 30 rows of test.csv",
		"row  predicted   species",
		"accuracy  ",
		"confusion matrix (rows: true class, columns: predicted)",
		"macro avg",
		"wrote cm.png",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	assertPNG(t, filepath.Join(dir, "cm.png"))
}

func TestMLPredictWithoutTestLabels(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "new.csv"), []byte("petal_width,petal_length,sepal_width,sepal_length\n0.2,1.4,3.5,5.1\n2.3,5.9,3.0,6.8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runML(t, dir, "predict", "-m", "knn", "--train", "dataset:iris.csv", "--test", "new.csv", "-l", "species", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "metrics") {
		t.Errorf("metrics without test labels:\n%s", out)
	}
	// Read as a program reading the output would.
	var res struct {
		Predictions []any          `json:"predictions"`
		Metrics     map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Predictions) != 2 || res.Predictions[0] != "setosa" || res.Predictions[1] != "virginica" {
		t.Errorf("predictions %v", res.Predictions)
	}
	text, _, err := runML(t, dir, "predict", "-m", "nb", "--train", "dataset:iris.csv", "--test", "new.csv", "-l", "species")
	if err != nil || strings.Contains(text, "accuracy") || !strings.Contains(text, "1    setosa") {
		t.Errorf("text without labels (%v):\n%s", err, text)
	}
}

func TestMLSplit(t *testing.T) {
	dir := t.TempDir()
	args := []string{"split", "--input", "dataset:iris.csv", "--label", "species", "--stratify", "--seed", "7", "--test-size", "0.2",
		"--train-out", "train.csv", "--test-out", "test.csv"}
	out, _, err := runML(t, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	if want := "split 150 rows of dataset:iris.csv (stratified by species, seed 7): 120 to train.csv, 30 to test.csv\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	train, err := mlkit.LoadCSV(filepath.Join(dir, "train.csv"), mlkit.LoadOptions{Label: "species"})
	if err != nil {
		t.Fatal(err)
	}
	test, err := mlkit.LoadCSV(filepath.Join(dir, "test.csv"), mlkit.LoadOptions{Label: "species"})
	if err != nil {
		t.Fatal(err)
	}
	if train.Rows() != 120 || test.Rows() != 30 {
		t.Fatalf("%d and %d rows", train.Rows(), test.Rows())
	}
	perClass := map[float64]int{}
	for _, y := range test.Y {
		perClass[y]++
	}
	if perClass[0] != 10 || perClass[1] != 10 || perClass[2] != 10 {
		t.Errorf("test rows per class %v, want 10 each", perClass)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "test.csv"))

	// The same seed writes the same files; holding the labels back.
	if _, _, err := runML(t, dir, append(args, "--test-labels-out", "answers.csv")...); err != nil {
		t.Fatal(err)
	}
	unlabelled, _ := os.ReadFile(filepath.Join(dir, "test.csv"))
	answers, _ := os.ReadFile(filepath.Join(dir, "answers.csv"))
	lines := strings.Split(strings.TrimSpace(string(unlabelled)), "\n")
	labels := strings.Split(strings.TrimSpace(string(answers)), "\n")
	firstLines := strings.Split(strings.TrimSpace(string(first)), "\n")
	if len(lines) != 31 || len(labels) != 31 || lines[0] != "sepal_length,sepal_width,petal_length,petal_width" || labels[0] != "species" {
		t.Fatalf("test file header %q (%d lines), labels header %q (%d lines)", lines[0], len(lines), labels[0], len(labels))
	}
	for i := 1; i < len(lines); i++ {
		if firstLines[i] != lines[i]+","+labels[i] {
			t.Fatalf("row %d: %q + %q differs from the first split's %q", i, lines[i], labels[i], firstLines[i])
		}
	}

	// A random split without labels.
	out, _, err = runML(t, dir, "split", "-i", "dataset:diabetes.csv", "--train-out", "a.csv", "--test-out", "b.csv")
	if err != nil || !strings.Contains(out, "(random, seed 0): 331 to a.csv, 111 to b.csv") {
		t.Errorf("random split: %v %q", err, out)
	}
}

func TestMLErrors(t *testing.T) {
	dir := t.TempDir()
	writeIrisFifths(t, dir)
	files := map[string]string{
		"bad.csv":     "a,b,y\n1,2,0\n3,x,1\n",
		"short.csv":   "a,b,y\n1,2,0\n3,1\n",
		"classes.csv": "a,b,y\n1,2,cat\n3,4,dog\n",
		"nums.csv":    "a,b,y\n1,2,0\n3,4,1\n",
		"onlya.csv":   "a,y\n1,0\n",
		"nolabel.csv": "a,b\n1,2\n",
		"eel.csv":     "a,b,y\n1,2,eel\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	iris := []string{"--train", "train.csv", "--test", "test.csv", "--label", "species"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no model", append([]string{"predict"}, iris...), "--model is required"},
		{"unknown model", append([]string{"predict", "--model", "svm"}, iris...), `--model "svm" is not a model; choose one of linreg, ridge, logreg, knn, nb`},
		{"no train", []string{"predict", "--model", "knn", "--test", "test.csv", "--label", "species"}, "--train is required"},
		{"no label", []string{"predict", "--model", "knn", "--train", "train.csv", "--test", "test.csv"}, "--label is required"},
		{"flag of another model", append([]string{"predict", "--model", "linreg", "--k", "3"}, iris...), "--k applies to --model knn only, not linreg"},
		{"alpha on logreg", append([]string{"predict", "--model", "logreg", "--alpha", "3"}, iris...), "--alpha applies to --model ridge only"},
		{"k zero", append([]string{"predict", "--model", "knn", "--k", "0"}, iris...), "--k 0 must be at least 1"},
		{"k too large", append([]string{"predict", "--model", "knn", "--k", "500"}, iris...), "k=500 neighbours but only 120 training rows"},
		{"bad metric", append([]string{"predict", "--model", "knn", "--metric", "cosine"}, iris...), `--metric "cosine" is not a distance`},
		{"negative alpha", append([]string{"predict", "--model", "ridge", "--alpha", "-1"}, iris...), "--alpha -1 must be a number >= 0"},
		{"zero c", append([]string{"predict", "--model", "logreg", "--c", "0"}, iris...), "--c 0 must be a number > 0"},
		{"bad format", append([]string{"predict", "--model", "knn", "--format", "xml"}, iris...), `--format "xml" is not a format`},
		{"plot not png", append([]string{"predict", "--model", "knn", "--plot", "x.jpg"}, iris...), "must end in .png"},
		{"missing file", []string{"predict", "--model", "knn", "--train", "nope.csv", "--test", "test.csv", "--label", "species"}, "nope.csv: no such file"},
		{"unknown data set", []string{"predict", "--model", "knn", "--train", "dataset:nope.csv", "--test", "test.csv", "--label", "species"}, "dataset:nope.csv: no such data set; the shipped ones are breast_cancer.csv"},
		{"not a number", []string{"predict", "--model", "knn", "--k", "1", "--train", "bad.csv", "--test", "nums.csv", "--label", "y"}, `bad.csv: data row 2 (line 3), column "b": "x" is not a number`},
		{"short row", []string{"predict", "--model", "nb", "--train", "short.csv", "--test", "nums.csv", "--label", "y"}, `short.csv: data row 2 (line 3), column "y": missing`},
		{"label not in train", []string{"predict", "--model", "knn", "--train", "nums.csv", "--test", "nums.csv", "--label", "z"}, `nums.csv: header (line 1), column "z": no such label column; the columns are a, b, y`},
		{"regression on classes", []string{"predict", "--model", "linreg", "--train", "classes.csv", "--test", "classes.csv", "--label", "y"}, `label "y" has values that are not numbers ("cat", "dog")`},
		{"test lacks a feature", []string{"predict", "--model", "nb", "--train", "nums.csv", "--test", "onlya.csv", "--label", "y"}, `onlya.csv: header (line 1), column "b": no such feature column`},
		{"unknown test class", []string{"predict", "--model", "nb", "--train", "classes.csv", "--test", "eel.csv", "--label", "y"}, `eel.csv: data row 1 (line 2), column "y": class "eel" is not one of the known classes (cat, dog)`},
		{"numbers for classes", []string{"predict", "--model", "nb", "--train", "nums.csv", "--test", "classes.csv", "--label", "y"}, `classes.csv: label "y" holds class names ("cat", "dog") but the training labels are numbers`},
		{"plot without test labels", []string{"predict", "--model", "nb", "--train", "nums.csv", "--test", "nolabel.csv", "--label", "y", "--plot", "p.png"}, `--plot needs the label column "y" in the test file nolabel.csv`},
		{"arguments", []string{"predict", "extra"}, "ml predict takes no arguments"},
		{"split test size", []string{"split", "--input", "dataset:iris.csv", "--test-size", "1.5", "--train-out", "a.csv", "--test-out", "b.csv"}, "--test-size 1.5 must be between 0 and 1"},
		{"split stratify without label", []string{"split", "--input", "dataset:iris.csv", "--stratify", "--train-out", "a.csv", "--test-out", "b.csv"}, "--stratify needs --label"},
		{"split no outputs", []string{"split", "--input", "dataset:iris.csv"}, "--train-out and --test-out are required"},
		{"split overwrites input", []string{"split", "--input", "nums.csv", "--train-out", "nums.csv", "--test-out", "b.csv"}, "--train-out nums.csv would overwrite the input"},
		{"split same outputs", []string{"split", "--input", "nums.csv", "--train-out", "a.csv", "--test-out", "a.csv"}, "--train-out and --test-out are the same file a.csv"},
		{"split too small for strata", []string{"split", "--input", "classes.csv", "--label", "y", "--stratify", "--train-out", "a.csv", "--test-out", "b.csv"}, `class "cat" has only 1 row`},
		{"split categorical without label", []string{"split", "--input", "dataset:iris.csv", "--train-out", "a.csv", "--test-out", "b.csv"}, `dataset:iris.csv: data row 1 (line 2), column "species": "setosa" is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runML(t, dir, tc.args...)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func assertPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("%s is not a PNG: %v", path, err)
	}
}
