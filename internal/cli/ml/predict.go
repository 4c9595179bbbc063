package ml

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
)

// PredictOptions is what `ml predict` needs.
type PredictOptions struct {
	IO  *iostreams.IOStreams
	Job mlrun.Env

	ModelFlags
	Train    string
	Test     string
	Label    string
	Features []string
	Format   string
	Plot     string
}

// NewCmdPredict returns `ml predict`; runF, when not nil, runs instead of
// the command once the flags are checked (for tests).
func NewCmdPredict(f *cmdutil.Factory, runF func(*PredictOptions) error) *cobra.Command {
	opts := &PredictOptions{IO: f.IOStreams, Job: jobEnv(f)}
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
		Args: cmdutil.ExactArgs(0, "ml predict takes no arguments, only flags: `mlops-lab ml predict --model knn --train TRAIN.csv --test TEST.csv --label COLUMN`"),
		RunE: cmdutil.RunE(opts, opts.noteAndCheck(opts.check), runF, predictRun),
	}
	opts.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Train, "train", "", "CSV file to train on (or dataset:NAME)")
	fl.StringVar(&opts.Test, "test", "", "CSV file whose rows to predict (or dataset:NAME)")
	fl.StringVarP(&opts.Label, "label", "l", "", "the label column")
	fl.StringSliceVar(&opts.Features, "features", nil, "feature columns to use, comma-separated (default: all but the label)")
	fl.StringVarP(&opts.Format, "format", "o", "text", "output format: text or json")
	fl.StringVar(&opts.Plot, "plot", "", "also draw a PNG: the confusion matrix or predicted vs actual values")
	return cmd
}

// check checks the flags before any file is read.
func (o *PredictOptions) check() error {
	if err := o.checkName(); err != nil {
		return err
	}
	switch {
	case o.Train == "":
		return errors.New("--train is required: the CSV file to train on")
	case o.Test == "":
		return errors.New("--test is required: the CSV file whose rows to predict")
	case o.Label == "":
		return errors.New("--label is required: the name of the label column")
	case o.Format != "text" && o.Format != "json":
		return checkFormat(o.Format)
	case o.Plot != "" && !strings.EqualFold(filepath.Ext(o.Plot), ".png"):
		return fmt.Errorf("--plot %s: the file name must end in .png", o.Plot)
	}
	return o.checkParams()
}

func predictRun(opts *PredictOptions) error {
	res, err := mlrun.Predict(opts.Job, mlrun.PredictSpec{
		Model: opts.spec(), Train: opts.Train, Test: opts.Test, Label: opts.Label, Features: opts.Features, Plot: opts.Plot,
	})
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		// One line, for jq and for programs reading the output.
		return json.NewEncoder(opts.IO.Out).Encode(res)
	}
	return res.WriteText(opts.IO.Out)
}
