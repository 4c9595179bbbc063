package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func newMLCmd(app *App) *cobra.Command {
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
	cmd.AddCommand(newMLPredictCmd(app), newMLSplitCmd(app), newMLTrainCmd(app), newMLExportCmd(app), newMLPublishCmd(app), newMLServeCmd(app), newMLOnlineCmd(app))
	return cmd
}

// mlModelNames are the --model values, in the order help lists them.
var mlModelNames = mlrun.ModelNames

// mlModelOptions are the flags that choose and configure a model, shared by
// ml predict and ml train.
type mlModelOptions struct {
	model   string
	k       int
	metric  string
	weights string
	alpha   float64
	c       float64
	maxIter int
	scale   bool
	// changed records which model-specific flags were given.
	changed map[string]bool
}

type mlPredictOptions struct {
	mlModelOptions
	train    string
	test     string
	label    string
	features []string
	format   string
	plot     string
}

// register adds the model flags to a command.
func (o *mlModelOptions) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&o.model, "model", "m", "", "the model: "+strings.Join(mlModelNames, ", "))
	fl.IntVar(&o.k, "k", 5, "knn: number of neighbours")
	fl.StringVar(&o.metric, "metric", string(mlkit.Euclidean), "knn: distance, euclidean or manhattan")
	fl.StringVar(&o.weights, "weights", string(mlkit.Uniform), "knn: neighbour votes, uniform or distance (1/distance)")
	fl.Float64Var(&o.alpha, "alpha", 1, "ridge: penalty strength (>= 0)")
	fl.Float64Var(&o.c, "c", 1, "logreg: inverse penalty strength (> 0; smaller is stronger)")
	fl.IntVar(&o.maxIter, "max-iter", 100, "logreg: iteration limit of the optimizer")
	fl.BoolVar(&o.scale, "scale", false, "standardize the features (mean and standard deviation of the training rows)")
}

// noteChanged records which model-specific flags the command line gave.
func (o *mlModelOptions) noteChanged(cmd *cobra.Command) {
	o.changed = map[string]bool{}
	for f := range mlModelFlags {
		o.changed[f] = cmd.Flags().Changed(f)
	}
}

func newMLPredictCmd(app *App) *cobra.Command {
	opts := &mlPredictOptions{}
	cmd := &cobra.Command{
		Use:   "predict --model MODEL --train TRAIN.csv --test TEST.csv --label COLUMN",
		Short: "Train a model on one CSV file and predict the rows of another",
		Long: `Train a model on the rows of --train and predict every row of --test.

Models:
  linreg  ordinary least squares                       (regression)
  ridge   least squares with an L2 penalty, --alpha    (regression)
  logreg  logistic regression, L2 with --c             (classification)
  knn     k nearest neighbours, --k, --metric, --weights (classification)
  nb      Gaussian naive Bayes                         (classification)

Every column of the training file except --label is a feature (or only those
given with --features); the test file must have the same feature columns, in
any order. When the test file also has the label column, the metrics are
printed: accuracy, precision, recall and F1 for classifiers; MSE, RMSE, MAE
and R² for regressions. --plot draws the confusion matrix (classifiers) or the
predicted against the actual values (regressions) to a PNG file.`,
		Example: `  mlops-lab ml predict --model knn --k 5 --train train.csv --test test.csv --label species
  mlops-lab ml predict --model logreg --scale --train dataset:breast_cancer.csv --test dataset:breast_cancer.csv --label benign --format json
  mlops-lab ml predict --model ridge --alpha 10 --train train.csv --test test.csv --label progression --plot fit.png`,
		Args: exactArgs(0, "ml predict takes no arguments, only flags: `mlops-lab ml predict --model knn --train TRAIN.csv --test TEST.csv --label COLUMN`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.noteChanged(cmd)
			return runMLPredict(app, opts)
		},
	}
	opts.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.train, "train", "", "CSV file to train on (or dataset:NAME)")
	fl.StringVar(&opts.test, "test", "", "CSV file whose rows to predict (or dataset:NAME)")
	fl.StringVarP(&opts.label, "label", "l", "", "the label column")
	fl.StringSliceVar(&opts.features, "features", nil, "feature columns to use, comma-separated (default: all but the label)")
	fl.StringVarP(&opts.format, "format", "o", "text", "output format: text or json")
	fl.StringVar(&opts.plot, "plot", "", "also draw a PNG: the confusion matrix or predicted vs actual values")
	return cmd
}

// mlModelFlags says which model each model-specific flag belongs to.
var mlModelFlags = map[string]string{
	"k": "knn", "metric": "knn", "weights": "knn", "alpha": "ridge", "c": "logreg", "max-iter": "logreg",
}

// validate checks the flags before any file is read.
func (o *mlPredictOptions) validate() error {
	if err := o.checkModelName(); err != nil {
		return err
	}
	switch {
	case o.train == "":
		return errors.New("--train is required: the CSV file to train on")
	case o.test == "":
		return errors.New("--test is required: the CSV file whose rows to predict")
	case o.label == "":
		return errors.New("--label is required: the name of the label column")
	case o.format != "text" && o.format != "json":
		return fmt.Errorf("--format %q is not a format; use text or json", o.format)
	case o.plot != "" && !strings.EqualFold(filepath.Ext(o.plot), ".png"):
		return fmt.Errorf("--plot %s: the file name must end in .png", o.plot)
	}
	return o.checkModelParams()
}

// checkModelName checks --model.
func (o *mlModelOptions) checkModelName() error {
	switch {
	case o.model == "":
		return fmt.Errorf("--model is required: one of %s", strings.Join(mlModelNames, ", "))
	case !slices.Contains(mlModelNames, o.model):
		return fmt.Errorf("--model %q is not a model; choose one of %s", o.model, strings.Join(mlModelNames, ", "))
	}
	return nil
}

// checkModelParams checks the model-specific flags against --model.
func (o *mlModelOptions) checkModelParams() error {
	for _, f := range []string{"k", "metric", "weights", "alpha", "c", "max-iter"} {
		if o.changed[f] && mlModelFlags[f] != o.model {
			return fmt.Errorf("--%s applies to --model %s only, not %s", f, mlModelFlags[f], o.model)
		}
	}
	switch {
	case o.k < 1:
		return fmt.Errorf("--k %d must be at least 1", o.k)
	case o.metric != string(mlkit.Euclidean) && o.metric != string(mlkit.Manhattan):
		return fmt.Errorf("--metric %q is not a distance; use euclidean or manhattan", o.metric)
	case o.weights != string(mlkit.Uniform) && o.weights != string(mlkit.DistanceWeighted):
		return fmt.Errorf("--weights %q is not a weighting; use uniform or distance", o.weights)
	case o.alpha < 0 || math.IsNaN(o.alpha) || math.IsInf(o.alpha, 0):
		return fmt.Errorf("--alpha %v must be a number >= 0", o.alpha)
	case !(o.c > 0) || math.IsInf(o.c, 0):
		return fmt.Errorf("--c %v must be a number > 0", o.c)
	case o.maxIter < 1:
		return fmt.Errorf("--max-iter %d must be at least 1", o.maxIter)
	}
	return nil
}

// spec is the model the flags choose.
func (o *mlModelOptions) spec() mlrun.ModelSpec {
	return mlrun.ModelSpec{Name: o.model, K: o.k, Metric: o.metric, Weights: o.weights, Alpha: o.alpha, C: o.c, MaxIter: o.maxIter, Scale: o.scale}
}

// mlEnv is what the ml jobs need from the command: where file names lead
// and where warnings go.
func mlEnv(app *App) mlrun.Env {
	return mlrun.Env{Path: func(name string) string { return mlPath(app, name) }, Warn: app.Err}
}

func runMLPredict(app *App, opts *mlPredictOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	res, err := mlrun.Predict(mlEnv(app), mlrun.PredictSpec{
		Model: opts.spec(), Train: opts.train, Test: opts.test, Label: opts.label, Features: opts.features, Plot: opts.plot,
	})
	if err != nil {
		return err
	}
	if opts.format == "json" {
		// One line, for jq and for programs reading the output.
		return json.NewEncoder(app.Out).Encode(res)
	}
	return res.WriteText(app.Out)
}

type mlSplitOptions struct {
	input         string
	label         string
	testSize      float64
	seed          uint64
	stratify      bool
	trainOut      string
	testOut       string
	testLabelsOut string
}

func newMLSplitCmd(app *App) *cobra.Command {
	opts := &mlSplitOptions{}
	cmd := &cobra.Command{
		Use:   "split --input FILE.csv --train-out TRAIN.csv --test-out TEST.csv",
		Short: "Split a CSV file into training and test files",
		Long: `Shuffle the rows of --input with --seed and write ceil(test-size x rows) of
them to --test-out and the rest to --train-out. The same seed gives the same
split on every machine.

--stratify keeps each class's share of the rows the same in both files (it
needs --label). --test-labels-out holds the test labels back: they go to their
own file, one per row in the order of --test-out, which then has no label
column.`,
		Example: `  mlops-lab ml split --input dataset:iris.csv --label species --stratify --seed 7 --train-out train.csv --test-out test.csv
  mlops-lab ml split --input heart.csv --label target --test-size 0.2 --train-out train.csv --test-out test.csv --test-labels-out answers.csv`,
		Args: exactArgs(0, "ml split takes no arguments, only flags: `mlops-lab ml split --input FILE.csv --train-out TRAIN.csv --test-out TEST.csv`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMLSplit(app, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.input, "input", "i", "", "CSV file to split (or dataset:NAME)")
	fl.StringVarP(&opts.label, "label", "l", "", "the label column (needed for --stratify and --test-labels-out)")
	fl.Float64Var(&opts.testSize, "test-size", 0.25, "share of the rows for the test file, between 0 and 1")
	fl.Uint64Var(&opts.seed, "seed", 0, "seed of the shuffle")
	fl.BoolVar(&opts.stratify, "stratify", false, "keep the class proportions in both files")
	fl.StringVar(&opts.trainOut, "train-out", "", "file to write the training rows to")
	fl.StringVar(&opts.testOut, "test-out", "", "file to write the test rows to")
	fl.StringVar(&opts.testLabelsOut, "test-labels-out", "", "write the test labels here and leave them out of --test-out")
	return cmd
}

func runMLSplit(app *App, opts *mlSplitOptions) error {
	switch {
	case opts.input == "":
		return errors.New("--input is required: the CSV file to split")
	case opts.trainOut == "" || opts.testOut == "":
		return errors.New("--train-out and --test-out are required: the files to write")
	case !(opts.testSize > 0 && opts.testSize < 1):
		return fmt.Errorf("--test-size %v must be between 0 and 1, e.g. 0.25", opts.testSize)
	case opts.stratify && opts.label == "":
		return errors.New("--stratify needs --label, the column whose classes to balance")
	case opts.testLabelsOut != "" && opts.label == "":
		return errors.New("--test-labels-out needs --label, the column to hold back")
	}
	res, err := mlrun.Split(mlEnv(app), mlrun.SplitSpec{
		Input: opts.input, Label: opts.label, TestSize: opts.testSize, Seed: opts.seed, Stratify: opts.stratify,
		TrainOut: opts.trainOut, TestOut: opts.testOut, TestLabelsOut: opts.testLabelsOut,
	})
	if err != nil {
		return err
	}
	return res.WriteText(app.Out)
}

// mlPath resolves a file name given on the command line against the folder
// the command acts in.
func mlPath(app *App, name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(app.workdir(), name)
}
