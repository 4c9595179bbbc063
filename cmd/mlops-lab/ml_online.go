package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	mlplot "github.com/mlops-lab/mlops-lab/pkg/mlkit/plot"
	"github.com/mlops-lab/mlops-lab/pkg/streamlearn"
)

// mlOnlineModels are the --model values of ml online.
var mlOnlineModels = []string{"line", "linreg", "sgd", "lsh"}

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

// newModel builds the online model and says whether it classifies and
// whether it can un-learn.
func (o *mlOnlineOptions) newModel() (m mlkit.Online, classifier, keyed bool, err error) {
	switch o.model {
	case "line":
		return &mlkit.SimpleRegression{}, false, true, nil
	case "linreg":
		return mlkit.NewOnlineLinearRegression(len(o.features)), false, true, nil
	case "sgd":
		return &mlkit.SGDClassifier{Standardize: true}, true, false, nil
	default: // lsh; validate rejected anything else
		// The settings chosen on digits (see docs/benchmarks.md).
		m, err := mlkit.NewLSHKNN(len(o.features), o.k, 12, 4, 32, o.seed)
		return m, true, true, err
	}
}

// describeModel says what the model has learned so far, in one line.
func describeModel(m mlkit.Online) string {
	switch mm := m.(type) {
	case *mlkit.SimpleRegression:
		a, b, err := mm.Line()
		if err != nil {
			return "line not determined yet"
		}
		return fmt.Sprintf("y = %.4g %+.4g x", a, b)
	case *mlkit.OnlineLinearRegression:
		b0, w, err := mm.Fit()
		if err != nil {
			return "not determined yet"
		}
		parts := []string{fmt.Sprintf("%.4g", b0)}
		for j, c := range w {
			parts = append(parts, fmt.Sprintf("%+.4g x%d", c, j+1))
		}
		return "y = " + strings.Join(parts, " ")
	default:
		return fmt.Sprintf("%d examples", m.Count())
	}
}

func runMLOnline(ctx context.Context, app *App, opts *mlOnlineOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	model, classifier, keyed, err := opts.newModel()
	if err != nil {
		return err
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		var mu sync.Mutex
		say := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(app.Err, format+"\n", args...)
		}
		const shownSkips = 20
		skips := 0
		l, err := streamlearn.New(streamlearn.Config{
			Bootstrap: bootstrap, Topic: opts.input, Model: model, Classifier: classifier,
			Features: opts.features, Label: opts.label, Keyed: keyed, Window: opts.window, UntilEnd: opts.untilEnd,
			OnSkip: func(s streamlearn.Skipped) {
				skips++
				if skips <= shownSkips {
					say("skipped %v", s)
				} else if skips == shownSkips+1 {
					say("(more skipped records are counted, not shown)")
				}
			},
		})
		if err != nil {
			return err
		}
		line := func() string {
			p := l.Progress()
			var what string
			l.Inspect(func(m mlkit.Online) { what = describeModel(m) })
			eval := fmt.Sprintf("mean abs error %.4g", p.MAE)
			if classifier {
				eval = fmt.Sprintf("accuracy %.4f (last %d: %.4f)", p.Point.Accuracy, opts.window, p.Point.WindowAccuracy)
			}
			return fmt.Sprintf("%d records: %d learned, %d forgotten, %d skipped, %d live; %s; %s", p.Records, p.Learned, p.Forgotten, p.Skipped, p.Live, eval, what)
		}
		say("learning %s from %s (%s)", opts.model, opts.input, map[bool]string{true: "until its current end", false: "Ctrl+C to stop"}[opts.untilEnd])
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(opts.interval)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					say("%s", line())
				}
			}
		}()
		err = l.Run(ctx)
		close(done)
		wg.Wait()
		if err != nil && !(ctx.Err() != nil && errors.Is(err, context.Canceled)) {
			return err
		}
		if opts.plot != "" {
			h := l.History()
			if len(h) == 0 {
				return errors.New("--plot: no record was predicted, so there is no accuracy to draw")
			}
			pl, err := mlplot.AccuracyOverTime(h, opts.window, fmt.Sprintf("%s on %s", opts.model, opts.input))
			if err != nil {
				return err
			}
			if err := mlplot.SavePNG(mlPath(app, opts.plot), pl); err != nil {
				return fmt.Errorf("--plot: %w", err)
			}
		}
		p := l.Progress()
		if opts.format == "json" {
			var snap json.RawMessage
			l.Inspect(func(m mlkit.Online) { snap, err = m.Snapshot() })
			if err != nil {
				return err
			}
			out := map[string]any{"records": p.Records, "learned": p.Learned, "forgotten": p.Forgotten, "skipped": p.Skipped, "live": p.Live, "model": snap}
			if classifier {
				out["accuracy"], out["window_accuracy"] = p.Point.Accuracy, p.Point.WindowAccuracy
			} else {
				out["mae"] = p.MAE
			}
			return json.NewEncoder(app.Out).Encode(out)
		}
		fmt.Fprintln(app.Out, line())
		if opts.plot != "" {
			fmt.Fprintf(app.Out, "wrote %s\n", opts.plot)
		}
		return nil
	})
}
