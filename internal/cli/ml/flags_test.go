package ml

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

// parse runs a command built by newCmd on args with a runF that captures
// the options instead of running: no file is read and no broker is needed.
// It returns nil options when the command did not get as far as runF.
func parse[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args ...string) (*O, *cmdutil.Factory, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.NewFactory(ios)
	f.WorkDir = t.TempDir()
	f.Version = "v9.9.9-test"
	var got *O
	cmd := newCmd(f, func(o *O) error { got = o; return nil })
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.ExecuteContext(context.Background())
	if err != nil && got != nil {
		t.Errorf("%v: runF ran, and the command failed with %v", args, err)
	}
	return got, f, err
}

func TestPredictFlags(t *testing.T) {
	opts, f, err := parse(t, NewCmdPredict, "-m", "knn", "--k", "3", "--weights", "distance", "--scale", "--train", "a.csv", "--test", "/x/../b.csv",
		"-l", "y", "--features", "f1,f2", "-o", "json", "--plot", "cm.PNG")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Model != "knn" || opts.K != 3 || opts.Metric != "euclidean" || opts.Weights != "distance" || !opts.Scale || opts.Train != "a.csv" ||
		opts.Test != "/x/../b.csv" || opts.Label != "y" || strings.Join(opts.Features, "|") != "f1|f2" || opts.Format != "json" || opts.Plot != "cm.PNG" {
		t.Errorf("options %+v", opts)
	}
	if !opts.Changed["k"] || !opts.Changed["weights"] || opts.Changed["metric"] || opts.Changed["alpha"] {
		t.Errorf("changed flags %v", opts.Changed)
	}
	if s := opts.spec(); s.Name != "knn" || s.K != 3 || s.Alpha != 1 || s.C != 1 || s.MaxIter != 100 || !s.Scale {
		t.Errorf("model spec %+v", s)
	}
	// File names lead into the folder the command acts in; absolute ones
	// stay where they point.
	if got, want := opts.Job.Path("a.csv"), filepath.Join(f.WorkDir, "a.csv"); got != want {
		t.Errorf("a.csv resolves to %s, want %s", got, want)
	}
	if got := opts.Job.Path(opts.Test); got != "/b.csv" {
		t.Errorf("%s resolves to %s, want /b.csv", opts.Test, got)
	}

	opts, _, err = parse(t, NewCmdPredict, "--model", "ridge", "--train", "a", "--test", "b", "--label", "y")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Alpha != 1 || opts.Format != "text" || opts.Plot != "" || opts.Features != nil || opts.Scale {
		t.Errorf("defaults %+v", opts)
	}
}

func TestTrainFlags(t *testing.T) {
	opts, _, err := parse(t, NewCmdTrain, "-d", "dataset:iris.csv", "-l", "species", "-m", "logreg", "--c", "0.5", "--max-iter", "300",
		"--name", "iris", "--version", "4", "--seed", "9", "--test-size", "0.3", "--out", "iris.json", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Data != "dataset:iris.csv" || opts.Label != "species" || opts.C != 0.5 || opts.MaxIter != 300 || opts.Name != "iris" || opts.Version != 4 ||
		opts.Seed != 9 || opts.TestSize != 0.3 || opts.Out != "iris.json" || opts.Format != "json" || !opts.Changed["c"] || !opts.Changed["max-iter"] {
		t.Errorf("options %+v", opts)
	}
	opts, _, err = parse(t, NewCmdTrain, "-d", "x.csv", "-l", "y", "-m", "nb", "--name", "n", "--out", "n.json")
	if err != nil || opts.Version != 1 || opts.TestSize != 0.25 || opts.Seed != 0 || opts.Format != "text" {
		t.Errorf("defaults %+v, %v", opts, err)
	}
}

func TestSplitAndExportFlags(t *testing.T) {
	s, _, err := parse(t, NewCmdSplit, "-i", "in.csv", "-l", "y", "--stratify", "--seed", "3", "--train-out", "a.csv", "--test-out", "b.csv", "--test-labels-out", "c.csv")
	if err != nil {
		t.Fatal(err)
	}
	if s.Input != "in.csv" || s.Label != "y" || !s.Stratify || s.Seed != 3 || s.TestSize != 0.25 || s.TrainOut != "a.csv" || s.TestOut != "b.csv" || s.TestLabelsOut != "c.csv" {
		t.Errorf("split options %+v", s)
	}
	e, _, err := parse(t, NewCmdExport, "--model", "m.json", "-f", "ksql", "--columns", "A,B->C", "--source", "S", "--sink", "T", "--keep", "ID,TS")
	if err != nil {
		t.Fatal(err)
	}
	if e.Model != "m.json" || e.Format != "ksql" || strings.Join(e.Columns, "|") != "A|B->C" || e.Source != "S" || e.Sink != "T" ||
		strings.Join(e.Keep, "|") != "ID|TS" || e.Version != "v9.9.9-test" || e.Out != "" {
		t.Errorf("export options %+v", e)
	}
}

func TestKafkaCommandFlags(t *testing.T) {
	// Parsed without a broker: runF stands in for the command.
	p, _, err := parse(t, NewCmdPublish, "--model", "m.json", "--bootstrap", "127.0.0.1:1", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if p.Model != "m.json" || p.Topic != "models" || p.Format != "json" || p.Env.Bootstrap != "127.0.0.1:1" || p.Kafka == nil || p.Ctx == nil {
		t.Errorf("publish options %+v", p)
	}
	s, _, err := parse(t, NewCmdServe, "--input", "f", "--output", "s", "--models", "models", "--name", "cancer", "--group", "g", "--progress-interval", "150ms")
	if err != nil {
		t.Fatal(err)
	}
	if s.Input != "f" || s.Output != "s" || s.Models != "models" || s.Name != "cancer" || s.Group != "g" || s.Interval != 150*time.Millisecond || s.Model != "" {
		t.Errorf("serve options %+v", s)
	}
	o, _, err := parse(t, NewCmdOnline, "-m", "lsh", "--input", "digits", "--features", "a,b,c", "-l", "digit", "--until-end", "--k", "5", "--seed", "2", "--plot", "acc.png")
	if err != nil {
		t.Fatal(err)
	}
	if o.Model != "lsh" || o.Input != "digits" || len(o.Features) != 3 || o.Label != "digit" || !o.UntilEnd || o.K != 5 || o.Seed != 2 ||
		o.Window != 100 || o.Interval != 2*time.Second || o.Format != "text" || o.Plot != "acc.png" {
		t.Errorf("online options %+v", o)
	}
	if spec := o.spec(); spec.Model != "lsh" || spec.K != 5 || spec.Log == nil {
		t.Errorf("online spec %+v", spec)
	}
}

// TestFlagErrors: a wrong command line is one line saying what is wrong, and
// nothing runs.
func TestFlagErrors(t *testing.T) {
	type tc struct {
		args []string
		want string
	}
	check := func(name string, cases []tc, run func(args []string) (bool, error)) {
		for _, c := range cases {
			ran, err := run(c.args)
			if ran || err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s %v: ran %v, error %v; want %q", name, c.args, ran, err, c.want)
			}
		}
	}
	check("predict", []tc{
		{[]string{"--train", "a", "--test", "b", "-l", "y"}, "--model is required: one of linreg, ridge, logreg, knn, nb"},
		{[]string{"-m", "knn", "--train", "a", "--test", "b", "-l", "y", "--alpha", "2"}, "--alpha applies to --model ridge only, not knn"},
		{[]string{"-m", "logreg", "--train", "a", "--test", "b", "-l", "y", "--max-iter", "0"}, "--max-iter 0 must be at least 1"},
		{[]string{"-m", "knn", "--train", "a", "--test", "b", "-l", "y", "--weights", "votes"}, `--weights "votes" is not a weighting`},
		{[]string{"-m", "ridge", "--train", "a", "--test", "b", "-l", "y", "--alpha", "NaN"}, "--alpha NaN must be a number >= 0"},
		{[]string{"-m", "knn", "--train", "a", "-l", "y"}, "--test is required"},
		{[]string{"-m", "knn", "--train", "a", "--test", "b", "-l", "y", "x"}, "ml predict takes no arguments"},
	}, func(args []string) (bool, error) { o, _, err := parse(t, NewCmdPredict, args...); return o != nil, err })
	check("train", []tc{
		{[]string{"-d", "x", "-l", "y", "-m", "nb", "--out", "o.json"}, "--name is required"},
		{[]string{"-d", "x", "-l", "y", "-m", "nb", "--name", "n"}, "--out is required"},
		{[]string{"-d", "x", "-l", "y", "-m", "nb", "--name", "n", "--out", "o", "--version", "0"}, "--version 0 must be at least 1"},
		{[]string{"-d", "x", "-l", "y", "-m", "nb", "--name", "n", "--out", "o", "--test-size", "1"}, "--test-size 1 must be between 0 and 1"},
		{[]string{"-d", "x", "-l", "y", "-m", "nb", "--name", "n", "--out", "o", "-o", "yaml"}, `--format "yaml" is not a format`},
		{[]string{"-l", "y", "-m", "nb", "--name", "n", "--out", "o"}, "--data is required"},
	}, func(args []string) (bool, error) { o, _, err := parse(t, NewCmdTrain, args...); return o != nil, err })
	check("split", []tc{
		{[]string{"--train-out", "a", "--test-out", "b"}, "--input is required"},
		{[]string{"-i", "x", "--train-out", "a", "--test-out", "b", "--test-labels-out", "c"}, "--test-labels-out needs --label"},
	}, func(args []string) (bool, error) { o, _, err := parse(t, NewCmdSplit, args...); return o != nil, err })
	check("export", []tc{
		{[]string{"-f", "onnx", "--out", "m.onnx"}, "--model is required"},
		{[]string{"--model", "m.json"}, "--format is required: one of onnx, pmml, ksql"},
		{[]string{"--model", "m.json", "-f", "onnx"}, "--out is required for onnx"},
		{[]string{"--model", "m.json", "-f", "pmml", "--columns", "A"}, "apply to --format ksql only"},
		{[]string{"--model", "m.json", "-f", "ksql", "--sink", "T"}, "--source and --sink go together"},
	}, func(args []string) (bool, error) { o, _, err := parse(t, NewCmdExport, args...); return o != nil, err })
	check("publish", []tc{
		{[]string{"--topic", "models"}, "--model is required"},
		{[]string{"--model", "m.json", "-o", "csv"}, `--format "csv" is not a format`},
	}, func(args []string) (bool, error) { o, _, err := parse(t, NewCmdPublish, args...); return o != nil, err })
	check("serve", []tc{
		{[]string{"--input", "f", "--models", "m", "--name", "n"}, "--input and --output are required"},
		{[]string{"--input", "f", "--output", "s", "--models", "m"}, "give --models TOPIC --name NAME"},
		{[]string{"--input", "f", "--output", "s", "--model", "m.json", "--name", "n"}, "--model serves one file; it does not go with --models or --name"},
		{[]string{"--input", "f", "--output", "s", "--model", "m.json", "--progress-interval", "0s"}, "--progress-interval 0s must be positive"},
	}, func(args []string) (bool, error) { o, _, err := parse(t, NewCmdServe, args...); return o != nil, err })
	check("online", []tc{
		{[]string{"-m", "sgd", "--features", "a", "-l", "y"}, "--input is required"},
		{[]string{"-m", "sgd", "--input", "t", "-l", "y"}, "--features is required"},
		{[]string{"-m", "sgd", "--input", "t", "--features", "a", "-l", "y", "--window", "0"}, "--window 0 must be at least 1"},
		{[]string{"-m", "lsh", "--input", "t", "--features", "a", "-l", "y", "--k", "0"}, "--k 0 must be at least 1"},
		{[]string{"-m", "sgd", "--input", "t", "--features", "a", "-l", "y", "--plot", "acc.svg"}, "--plot acc.svg: the file name must end in .png"},
	}, func(args []string) (bool, error) { o, _, err := parse(t, NewCmdOnline, args...); return o != nil, err })
}
