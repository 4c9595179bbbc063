package ml

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
)

// TrainOptions is what `ml train` needs.
type TrainOptions struct {
	IO  *iostreams.IOStreams
	Job mlrun.Env

	ModelFlags
	Data     string
	Label    string
	Features []string
	TestSize float64
	Seed     uint64
	Name     string
	Version  int
	Out      string
	Format   string
}

// NewCmdTrain returns `ml train`; runF, when not nil, runs instead of the
// command once the flags are checked (for tests).
func NewCmdTrain(f *cmdutil.Factory, runF func(*TrainOptions) error) *cobra.Command {
	opts := &TrainOptions{IO: f.IOStreams, Job: jobEnv(f)}
	cmd := &cobra.Command{
		Use:   "train --data FILE.csv --label COLUMN --model MODEL --name NAME --out MODEL.json",
		Short: "Train a model on a held-out split and save it with its model card",
		Long: `Split --data (stratified for classifiers), fit the model on the training
part, measure it on the held-out part, and write one JSON file holding the
model, the scaler it reads its features through (with --scale), and its model
card: name, version, features in order, label, classes, held-out metrics,
the split's sizes and the fingerprint of the training rows.

That file is what ml export, ml publish and ml serve --model read.`,
		Example: `  mlops-lab ml train --data dataset:breast_cancer.csv --label benign --model logreg --scale --name cancer --out cancer.json
  mlops-lab ml train --data dataset:diabetes.csv --label progression --model linreg --name diabetes --version 2 --out diabetes-v2.json`,
		Args: cmdutil.ExactArgs(0, "ml train takes no arguments, only flags: `mlops-lab ml train --data FILE.csv --label COLUMN --model MODEL --name NAME --out MODEL.json`"),
		RunE: cmdutil.RunE(opts, opts.noteAndCheck(opts.check), runF, trainRun),
	}
	opts.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&opts.Data, "data", "d", "", "CSV file to learn from (or dataset:NAME)")
	fl.StringVarP(&opts.Label, "label", "l", "", "the label column")
	fl.StringSliceVar(&opts.Features, "features", nil, "feature columns to use, comma-separated (default: all but the label)")
	fl.Float64Var(&opts.TestSize, "test-size", 0.25, "share of the rows held out to measure the model")
	fl.Uint64Var(&opts.Seed, "seed", 0, "seed of the split")
	fl.StringVar(&opts.Name, "name", "", "the model's name (the key on a models topic)")
	fl.IntVar(&opts.Version, "version", 1, "the model's version")
	fl.StringVar(&opts.Out, "out", "", "file to write the model to (.json)")
	fl.StringVarP(&opts.Format, "format", "o", "text", "output format: text or json")
	return cmd
}

// check checks the flags before any file is read.
func (o *TrainOptions) check() error {
	if err := o.checkName(); err != nil {
		return err
	}
	switch {
	case o.Data == "":
		return errors.New("--data is required: the CSV file to learn from (or dataset:NAME)")
	case o.Label == "":
		return errors.New("--label is required: the name of the label column")
	case o.Name == "":
		return errors.New("--name is required: the model's name, its key on a models topic")
	case o.Version < 1:
		return fmt.Errorf("--version %d must be at least 1", o.Version)
	case o.Out == "":
		return errors.New("--out is required: the file to write the model to")
	case !(o.TestSize > 0 && o.TestSize < 1):
		return fmt.Errorf("--test-size %v must be between 0 and 1", o.TestSize)
	}
	if err := checkFormat(o.Format); err != nil {
		return err
	}
	return o.checkParams()
}

func trainRun(opts *TrainOptions) error {
	res, err := mlrun.Train(opts.Job, mlrun.TrainSpec{
		Model: opts.spec(), Data: opts.Data, Label: opts.Label, Features: opts.Features,
		TestSize: opts.TestSize, Seed: opts.Seed, Name: opts.Name, Version: opts.Version, Out: opts.Out,
	})
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		return json.NewEncoder(opts.IO.Out).Encode(res)
	}
	return res.WriteText(opts.IO.Out)
}
