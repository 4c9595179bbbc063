package ml

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
)

// OnlineOptions is what `ml online` needs.
type OnlineOptions struct {
	KafkaOptions

	Model    string
	Input    string
	Features []string
	Label    string
	UntilEnd bool
	Window   int
	Plot     string
	Interval time.Duration
	Format   string
	K        int
	Seed     uint64
}

// NewCmdOnline returns `ml online`; runF, when not nil, runs instead of the
// command once the flags are checked (for tests).
func NewCmdOnline(f *cmdutil.Factory, runF func(*OnlineOptions) error) *cobra.Command {
	opts := &OnlineOptions{KafkaOptions: newKafkaOptions(f)}
	cmd := &cobra.Command{
		Use:   "online --model line|linreg|sgd|lsh --input TOPIC --features F1,F2 --label Y",
		Short: "Learn a model from a topic as records arrive, and un-learn updated or deleted ones",
		Long: `Read JSON records from --input (from its beginning) and learn each one:

  line    y = a + b x from five running sums (one feature)     regression
  linreg  multiple regression from X'X and X'y                  regression
  sgd     logistic regression by stochastic gradient descent    classification (labels 0/1)
  lsh     k nearest neighbours over locality-sensitive hashes   classification

line, linreg and lsh un-learn: a record whose key was seen before replaces
the earlier one, and a tombstone deletes it, so the model always equals a
batch fit over the records alive on the topic. sgd cannot un-learn; every
record is new to it, and tombstones are skipped.

Each record is predicted before it is learned (prequential evaluation): the
progress line shows the accuracy (classifiers) or the mean absolute error
(regressions) on records the model had not seen, and the model so far.
--plot draws the accuracy over time. --until-end stops at the end the topic
had at the start; otherwise Ctrl+C stops.`,
		Example: `  mlops-lab datagen points --count 5000 &
  mlops-lab ml online --model line --input points --features x --label y --until-end
  mlops-lab ml online --model sgd --input breast_cancer --features mean_radius,mean_texture --label benign --plot acc.png`,
		Args: cmdutil.ExactArgs(0, "ml online takes no arguments, only flags: `mlops-lab ml online --model line --input TOPIC --features x --label y`"),
		RunE: cmdutil.RunE(opts, opts.withContext(opts.check), runF, onlineRun),
	}
	opts.Env.Register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&opts.Model, "model", "m", "", "the model: "+strings.Join(mlrun.OnlineModels, ", "))
	fl.StringVar(&opts.Input, "input", "", "topic of JSON records to learn from")
	fl.StringSliceVar(&opts.Features, "features", nil, "feature fields, comma-separated, in order")
	fl.StringVarP(&opts.Label, "label", "l", "", "the label field")
	fl.BoolVar(&opts.UntilEnd, "until-end", false, "stop at the end the topic has now")
	fl.IntVar(&opts.Window, "window", 100, "records in the recent-accuracy window")
	fl.StringVar(&opts.Plot, "plot", "", "draw the accuracy over time to this PNG file (classifiers)")
	fl.DurationVar(&opts.Interval, "progress-interval", 2*time.Second, "how often to print the progress line")
	fl.StringVarP(&opts.Format, "format", "o", "text", "output format of the final summary: text or json")
	fl.IntVar(&opts.K, "k", 3, "lsh: neighbours")
	fl.Uint64Var(&opts.Seed, "seed", 1, "lsh: seed of the hash functions")
	return cmd
}

// check checks the flags, and that the model can be built, before Kafka
// is reached.
func (o *OnlineOptions) check() error {
	switch {
	case o.Model == "":
		return fmt.Errorf("--model is required: one of %s", strings.Join(mlrun.OnlineModels, ", "))
	case !slices.Contains(mlrun.OnlineModels, o.Model):
		return fmt.Errorf("--model %q is not an online model; choose one of %s", o.Model, strings.Join(mlrun.OnlineModels, ", "))
	case o.Input == "":
		return errors.New("--input is required: the topic to learn from")
	case len(o.Features) == 0:
		return errors.New("--features is required: the feature fields, in order")
	case o.Label == "":
		return errors.New("--label is required: the label field")
	case o.Model == "line" && len(o.Features) != 1:
		return fmt.Errorf("--model line fits y = a + b x: give one feature, not %d", len(o.Features))
	case o.Window < 1:
		return fmt.Errorf("--window %d must be at least 1", o.Window)
	case o.Interval <= 0:
		return fmt.Errorf("--progress-interval %v must be positive", o.Interval)
	case o.Format != "text" && o.Format != "json":
		return checkFormat(o.Format)
	case o.K < 1:
		return fmt.Errorf("--k %d must be at least 1", o.K)
	case o.Plot != "" && (o.Model == "line" || o.Model == "linreg"):
		return errors.New("--plot draws accuracy over time, which only classifiers (sgd, lsh) have")
	case o.Plot != "" && !strings.EqualFold(filepath.Ext(o.Plot), ".png"):
		return fmt.Errorf("--plot %s: the file name must end in .png", o.Plot)
	}
	_, _, _, err := o.spec().OnlineModel()
	return err
}

// spec is the online job the flags describe.
func (o *OnlineOptions) spec() mlrun.OnlineSpec {
	return mlrun.OnlineSpec{
		Model: o.Model, Input: o.Input, Features: o.Features, Label: o.Label, UntilEnd: o.UntilEnd,
		Window: o.Window, Plot: o.Plot, Interval: o.Interval, K: o.K, Seed: o.Seed, Log: o.IO.ErrOut,
	}
}

func onlineRun(opts *OnlineOptions) error {
	return opts.Kafka.With(opts.Ctx, &opts.Env, func(bootstrap string) error {
		l, err := mlrun.NewOnline(bootstrap, opts.spec())
		if err != nil {
			return err
		}
		if err := l.Run(opts.Ctx); err != nil {
			return err
		}
		if opts.Plot != "" {
			if err := l.DrawPlot(opts.Job.Path(opts.Plot)); err != nil {
				return err
			}
		}
		if opts.Format == "json" {
			sum, err := l.Summary()
			if err != nil {
				return err
			}
			return json.NewEncoder(opts.IO.Out).Encode(sum)
		}
		return l.WriteText(opts.IO.Out)
	})
}
