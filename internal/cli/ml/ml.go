// Package ml is the `mlops-lab ml` command group: command-line access to the
// model library (split, predict, train, export) and to the model life cycle
// on Kafka (publish, serve, online). The work itself is package mlrun's;
// the commands here parse and check the flags and write the results.
package ml

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/kafkatool"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// NewCmdML returns the ml command group.
func NewCmdML(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ml",
		Short: "Split data sets, train models and predict with the course's model library",
		Long: `Command-line access to pkg/mlkit, the models of labs 5 to 8: split a CSV
file into training and test parts, train a model on one file and predict
another, with metrics when the test file has labels.

CSV files need a header row; every column except the label must be numeric.
A file name of the form dataset:NAME reads a data set shipped with mlops-lab
(` + strings.Join(datasets.Names(), ", ") + `).`,
		Example: `  mlops-lab ml split --input dataset:iris.csv --label species --stratify --seed 1 --train-out train.csv --test-out test.csv
  mlops-lab ml predict --model knn --k 5 --train train.csv --test test.csv --label species
  mlops-lab ml predict --model linreg --train dataset:diabetes.csv --test dataset:diabetes.csv --label progression --format json`,
	}
	cmd.AddCommand(
		NewCmdPredict(f, nil),
		NewCmdSplit(f, nil),
		NewCmdTrain(f, nil),
		NewCmdExport(f, nil),
		NewCmdPublish(f, nil),
		NewCmdServe(f, nil),
		NewCmdOnline(f, nil),
	)
	return cmd
}

// jobEnv is what the ml jobs need from the Factory: where file names typed
// on the command line lead, and where warnings go.
func jobEnv(f *cmdutil.Factory) mlrun.Env {
	return mlrun.Env{
		Path: func(name string) string { return filepath.Clean(f.ResolvePath(name)) },
		Warn: f.IOStreams.ErrOut,
	}
}

// checkOnly is the prepare step (see cmdutil.RunE) of a command that only
// checks its flags.
func checkOnly(check func() error) func(*cobra.Command, []string) error {
	return func(*cobra.Command, []string) error { return check() }
}

// KafkaOptions is what the ml commands on Kafka (publish, serve, online)
// need: what every command on Kafka needs, and the job environment.
type KafkaOptions struct {
	kafkatool.Options
	Job mlrun.Env
}

func newKafkaOptions(f *cmdutil.Factory) KafkaOptions {
	return KafkaOptions{Options: kafkatool.NewOptions(f), Job: jobEnv(f)}
}

// withContext is the prepare step (see cmdutil.RunE) of a command on Kafka:
// it takes the command's context, then checks the flags.
func (o *KafkaOptions) withContext(check func() error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		o.Ctx = cmd.Context()
		return check()
	}
}

// checkFormat checks --format of the commands that write text or JSON.
func checkFormat(format string) error {
	if format != "text" && format != "json" {
		return fmt.Errorf("--format %q is not a format; use text or json", format)
	}
	return nil
}

// ModelFlags are the flags that choose and configure a model, shared by ml
// predict and ml train.
type ModelFlags struct {
	Model   string
	K       int
	Metric  string
	Weights string
	Alpha   float64
	C       float64
	MaxIter int
	Scale   bool
	// Changed records which model-specific flags the command line gave.
	Changed map[string]bool
}

// modelFlagOwners says which model each model-specific flag belongs to, in
// the order they are checked.
var modelFlagOwners = []struct{ flag, model string }{
	{"k", "knn"}, {"metric", "knn"}, {"weights", "knn"}, {"alpha", "ridge"}, {"c", "logreg"}, {"max-iter", "logreg"},
}

// register adds the model flags to a command.
func (o *ModelFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&o.Model, "model", "m", "", "the model: "+strings.Join(mlrun.ModelNames, ", "))
	fl.IntVar(&o.K, "k", 5, "knn: number of neighbours")
	fl.StringVar(&o.Metric, "metric", string(mlkit.Euclidean), "knn: distance, euclidean or manhattan")
	fl.StringVar(&o.Weights, "weights", string(mlkit.Uniform), "knn: neighbour votes, uniform or distance (1/distance)")
	fl.Float64Var(&o.Alpha, "alpha", 1, "ridge: penalty strength (>= 0)")
	fl.Float64Var(&o.C, "c", 1, "logreg: inverse penalty strength (> 0; smaller is stronger)")
	fl.IntVar(&o.MaxIter, "max-iter", 100, "logreg: iteration limit of the optimizer")
	fl.BoolVar(&o.Scale, "scale", false, "standardize the features (mean and standard deviation of the training rows)")
}

// noteChanged records which model-specific flags the command line gave.
func (o *ModelFlags) noteChanged(cmd *cobra.Command) {
	o.Changed = map[string]bool{}
	for _, f := range modelFlagOwners {
		o.Changed[f.flag] = cmd.Flags().Changed(f.flag)
	}
}

// noteAndCheck is the prepare step (see cmdutil.RunE) of predict and
// train: it records which model-specific flags were given, then checks the
// flags.
func (o *ModelFlags) noteAndCheck(check func() error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		o.noteChanged(cmd)
		return check()
	}
}

// checkName checks --model.
func (o *ModelFlags) checkName() error {
	switch {
	case o.Model == "":
		return fmt.Errorf("--model is required: one of %s", strings.Join(mlrun.ModelNames, ", "))
	case !slices.Contains(mlrun.ModelNames, o.Model):
		return fmt.Errorf("--model %q is not a model; choose one of %s", o.Model, strings.Join(mlrun.ModelNames, ", "))
	}
	return nil
}

// checkParams checks the model-specific flags against --model.
func (o *ModelFlags) checkParams() error {
	for _, f := range modelFlagOwners {
		if o.Changed[f.flag] && f.model != o.Model {
			return fmt.Errorf("--%s applies to --model %s only, not %s", f.flag, f.model, o.Model)
		}
	}
	switch {
	case o.K < 1:
		return fmt.Errorf("--k %d must be at least 1", o.K)
	case o.Metric != string(mlkit.Euclidean) && o.Metric != string(mlkit.Manhattan):
		return fmt.Errorf("--metric %q is not a distance; use euclidean or manhattan", o.Metric)
	case o.Weights != string(mlkit.Uniform) && o.Weights != string(mlkit.DistanceWeighted):
		return fmt.Errorf("--weights %q is not a weighting; use uniform or distance", o.Weights)
	case o.Alpha < 0 || math.IsNaN(o.Alpha) || math.IsInf(o.Alpha, 0):
		return fmt.Errorf("--alpha %v must be a number >= 0", o.Alpha)
	case !(o.C > 0) || math.IsInf(o.C, 0):
		return fmt.Errorf("--c %v must be a number > 0", o.C)
	case o.MaxIter < 1:
		return fmt.Errorf("--max-iter %d must be at least 1", o.MaxIter)
	}
	return nil
}

// spec is the model the flags choose.
func (o *ModelFlags) spec() mlrun.ModelSpec {
	return mlrun.ModelSpec{Name: o.Model, K: o.K, Metric: o.Metric, Weights: o.Weights, Alpha: o.Alpha, C: o.C, MaxIter: o.MaxIter, Scale: o.Scale}
}
