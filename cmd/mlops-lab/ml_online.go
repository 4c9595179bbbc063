package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/mlrun"
)

// mlOnlineModels are the --model values of ml online.
var mlOnlineModels = mlrun.OnlineModels

type mlOnlineOptions struct {
	env      envFlags
	model    string
	input    string
	features []string
	label    string
	untilEnd bool
	window   int
	plot     string
	interval time.Duration
	format   string
	k        int
	seed     uint64
}

func newMLOnlineCmd(app *App) *cobra.Command {
	opts := &mlOnlineOptions{}
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
		Args: exactArgs(0, "ml online takes no arguments, only flags: `mlops-lab ml online --model line --input TOPIC --features x --label y`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMLOnline(cmd.Context(), app, opts)
		},
	}
	opts.env.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&opts.model, "model", "m", "", "the model: "+strings.Join(mlOnlineModels, ", "))
	fl.StringVar(&opts.input, "input", "", "topic of JSON records to learn from")
	fl.StringSliceVar(&opts.features, "features", nil, "feature fields, comma-separated, in order")
	fl.StringVarP(&opts.label, "label", "l", "", "the label field")
	fl.BoolVar(&opts.untilEnd, "until-end", false, "stop at the end the topic has now")
	fl.IntVar(&opts.window, "window", 100, "records in the recent-accuracy window")
	fl.StringVar(&opts.plot, "plot", "", "draw the accuracy over time to this PNG file (classifiers)")
	fl.DurationVar(&opts.interval, "progress-interval", 2*time.Second, "how often to print the progress line")
	fl.StringVarP(&opts.format, "format", "o", "text", "output format of the final summary: text or json")
	fl.IntVar(&opts.k, "k", 3, "lsh: neighbours")
	fl.Uint64Var(&opts.seed, "seed", 1, "lsh: seed of the hash functions")
	return cmd
}

func (o *mlOnlineOptions) validate() error {
	switch {
	case o.model == "":
		return fmt.Errorf("--model is required: one of %s", strings.Join(mlOnlineModels, ", "))
	case !slices.Contains(mlOnlineModels, o.model):
		return fmt.Errorf("--model %q is not an online model; choose one of %s", o.model, strings.Join(mlOnlineModels, ", "))
	case o.input == "":
		return errors.New("--input is required: the topic to learn from")
	case len(o.features) == 0:
		return errors.New("--features is required: the feature fields, in order")
	case o.label == "":
		return errors.New("--label is required: the label field")
	case o.model == "line" && len(o.features) != 1:
		return fmt.Errorf("--model line fits y = a + b x: give one feature, not %d", len(o.features))
	case o.window < 1:
		return fmt.Errorf("--window %d must be at least 1", o.window)
	case o.interval <= 0:
		return fmt.Errorf("--progress-interval %v must be positive", o.interval)
	case o.format != "text" && o.format != "json":
		return fmt.Errorf("--format %q is not a format; use text or json", o.format)
	case o.k < 1:
		return fmt.Errorf("--k %d must be at least 1", o.k)
	case o.plot != "" && (o.model == "line" || o.model == "linreg"):
		return errors.New("--plot draws accuracy over time, which only classifiers (sgd, lsh) have")
	case o.plot != "" && !strings.EqualFold(filepath.Ext(o.plot), ".png"):
		return fmt.Errorf("--plot %s: the file name must end in .png", o.plot)
	}
	return nil
}

func runMLOnline(ctx context.Context, app *App, opts *mlOnlineOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	spec := mlrun.OnlineSpec{
		Model: opts.model, Input: opts.input, Features: opts.features, Label: opts.label, UntilEnd: opts.untilEnd,
		Window: opts.window, Plot: opts.plot, Interval: opts.interval, K: opts.k, Seed: opts.seed, Log: app.Err,
	}
	// A model that cannot be built is reported before Kafka is reached.
	if _, _, _, err := spec.OnlineModel(); err != nil {
		return err
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		l, err := mlrun.NewOnline(bootstrap, spec)
		if err != nil {
			return err
		}
		if err := l.Run(ctx); err != nil {
			return err
		}
		if opts.plot != "" {
			if err := l.DrawPlot(mlPath(app, opts.plot)); err != nil {
				return err
			}
		}
		if opts.format == "json" {
			sum, err := l.Summary()
			if err != nil {
				return err
			}
			return json.NewEncoder(app.Out).Encode(sum)
		}
		return l.WriteText(app.Out)
	})
}
