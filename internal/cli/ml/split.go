package ml

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
)

// SplitOptions is what `ml split` needs.
type SplitOptions struct {
	IO  *iostreams.IOStreams
	Job mlrun.Env

	Input         string
	Label         string
	TestSize      float64
	Seed          uint64
	Stratify      bool
	TrainOut      string
	TestOut       string
	TestLabelsOut string
}

// NewCmdSplit returns `ml split`; runF, when not nil, runs instead of the
// command once the flags are checked (for tests).
func NewCmdSplit(f *cmdutil.Factory, runF func(*SplitOptions) error) *cobra.Command {
	opts := &SplitOptions{IO: f.IOStreams, Job: jobEnv(f)}
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
		Args: cmdutil.ExactArgs(0, "ml split takes no arguments, only flags: `mlops-lab ml split --input FILE.csv --train-out TRAIN.csv --test-out TEST.csv`"),
		RunE: cmdutil.RunE(opts, checkOnly(opts.check), runF, splitRun),
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Input, "input", "i", "", "CSV file to split (or dataset:NAME)")
	fl.StringVarP(&opts.Label, "label", "l", "", "the label column (needed for --stratify and --test-labels-out)")
	fl.Float64Var(&opts.TestSize, "test-size", 0.25, "share of the rows for the test file, between 0 and 1")
	fl.Uint64Var(&opts.Seed, "seed", 0, "seed of the shuffle")
	fl.BoolVar(&opts.Stratify, "stratify", false, "keep the class proportions in both files")
	fl.StringVar(&opts.TrainOut, "train-out", "", "file to write the training rows to")
	fl.StringVar(&opts.TestOut, "test-out", "", "file to write the test rows to")
	fl.StringVar(&opts.TestLabelsOut, "test-labels-out", "", "write the test labels here and leave them out of --test-out")
	return cmd
}

// check checks the flags before any file is read.
func (o *SplitOptions) check() error {
	switch {
	case o.Input == "":
		return errors.New("--input is required: the CSV file to split")
	case o.TrainOut == "" || o.TestOut == "":
		return errors.New("--train-out and --test-out are required: the files to write")
	case !(o.TestSize > 0 && o.TestSize < 1):
		return fmt.Errorf("--test-size %v must be between 0 and 1, e.g. 0.25", o.TestSize)
	case o.Stratify && o.Label == "":
		return errors.New("--stratify needs --label, the column whose classes to balance")
	case o.TestLabelsOut != "" && o.Label == "":
		return errors.New("--test-labels-out needs --label, the column to hold back")
	}
	return nil
}

func splitRun(opts *SplitOptions) error {
	res, err := mlrun.Split(opts.Job, mlrun.SplitSpec{
		Input: opts.Input, Label: opts.Label, TestSize: opts.TestSize, Seed: opts.Seed, Stratify: opts.Stratify,
		TrainOut: opts.TrainOut, TestOut: opts.TestOut, TestLabelsOut: opts.TestLabelsOut,
	})
	if err != nil {
		return err
	}
	return res.WriteText(opts.IO.Out)
}
