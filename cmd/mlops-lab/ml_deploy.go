package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// The model life cycle of lab 7: train a model into an artifact file (the
// model, its scaler and its card), export it to the portable formats,
// publish it to a models topic, and serve it on a stream.

// --- ml train ----------------------------------------------------------------

type mlTrainOptions struct {
	mlModelOptions
	data     string
	label    string
	features []string
	testSize float64
	seed     uint64
	name     string
	version  int
	out      string
	format   string
}

func newMLTrainCmd(app *App) *cobra.Command {
	opts := &mlTrainOptions{}
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
		Args: exactArgs(0, "ml train takes no arguments, only flags: `mlops-lab ml train --data FILE.csv --label COLUMN --model MODEL --name NAME --out MODEL.json`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.noteChanged(cmd)
			return runMLTrain(app, opts)
		},
	}
	opts.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&opts.data, "data", "d", "", "CSV file to learn from (or dataset:NAME)")
	fl.StringVarP(&opts.label, "label", "l", "", "the label column")
	fl.StringSliceVar(&opts.features, "features", nil, "feature columns to use, comma-separated (default: all but the label)")
	fl.Float64Var(&opts.testSize, "test-size", 0.25, "share of the rows held out to measure the model")
	fl.Uint64Var(&opts.seed, "seed", 0, "seed of the split")
	fl.StringVar(&opts.name, "name", "", "the model's name (the key on a models topic)")
	fl.IntVar(&opts.version, "version", 1, "the model's version")
	fl.StringVar(&opts.out, "out", "", "file to write the model to (.json)")
	fl.StringVarP(&opts.format, "format", "o", "text", "output format: text or json")
	return cmd
}

func runMLTrain(app *App, opts *mlTrainOptions) error {
	if err := opts.checkModelName(); err != nil {
		return err
	}
	switch {
	case opts.data == "":
		return errors.New("--data is required: the CSV file to learn from (or dataset:NAME)")
	case opts.label == "":
		return errors.New("--label is required: the name of the label column")
	case opts.name == "":
		return errors.New("--name is required: the model's name, its key on a models topic")
	case opts.version < 1:
		return fmt.Errorf("--version %d must be at least 1", opts.version)
	case opts.out == "":
		return errors.New("--out is required: the file to write the model to")
	case !(opts.testSize > 0 && opts.testSize < 1):
		return fmt.Errorf("--test-size %v must be between 0 and 1", opts.testSize)
	case opts.format != "text" && opts.format != "json":
		return fmt.Errorf("--format %q is not a format; use text or json", opts.format)
	}
	if err := opts.checkModelParams(); err != nil {
		return err
	}
	d, err := loadMLData(app, opts.data, mlkit.LoadOptions{Label: opts.label, Features: opts.features})
	if err != nil {
		return err
	}
	model, _ := opts.newModel()
	tr, err := mlkit.Train(d, mlkit.TrainSpec{Model: model, Scale: opts.scale, TestSize: opts.testSize, Seed: opts.seed, Name: opts.name, Version: opts.version})
	if err != nil {
		return err
	}
	if lr, ok := model.(*mlkit.LogisticRegression); ok && !lr.Converged {
		fmt.Fprintf(app.Err, "warning: logistic regression did not converge in %d iterations; try --scale or a larger --max-iter\n", lr.Iterations)
	}
	a, err := scoring.NewArtifact(tr.Card, tr.Model, tr.Scaler)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(mlPath(app, opts.out), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if opts.format == "json" {
		return json.NewEncoder(app.Out).Encode(struct {
			File string          `json:"file"`
			Card mlkit.ModelCard `json:"card"`
		}{opts.out, a.Card})
	}
	c := a.Card
	fmt.Fprintf(app.Out, "trained %s on %d rows of %s (%d features), measured on %d held-out rows\n", opts.model, c.TrainRows, opts.data, len(c.Features), c.TestRows)
	keys := make([]string, 0, len(c.Metrics))
	for k := range c.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(app.Out, "  %-9s %.4f\n", k, c.Metrics[k])
	}
	fmt.Fprintf(app.Out, "wrote %s: model %s v%d, features %s\n", opts.out, c.Name, c.Version, shortList(c.Features, 5))
	return nil
}

// readArtifact reads a model file written by ml train.
func readArtifact(app *App, path string) (*scoring.Artifact, error) {
	data, err := os.ReadFile(mlPath(app, path))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--model %s: no such file (write one with `mlops-lab ml train ... --out %s`)", path, path)
		}
		return nil, fmt.Errorf("--model: %w", err)
	}
	a, err := scoring.DecodeArtifact(data)
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", path, err)
	}
	return a, nil
}

// --- ml export ---------------------------------------------------------------

type mlExportOptions struct {
	model   string
	format  string
	out     string
	columns []string
	source  string
	sink    string
	keep    []string
	target  string
}

var mlExportFormats = []string{"onnx", "pmml", "ksql"}

func newMLExportCmd(app *App) *cobra.Command {
	opts := &mlExportOptions{}
	cmd := &cobra.Command{
		Use:   "export --model MODEL.json --format onnx|pmml|ksql [--out FILE]",
		Short: "Export a trained linear or logistic model to ONNX, PMML or KSQL",
		Long: `Write a model trained with ml train in a portable form:

  onnx  an ONNX file (opset 13: MatMul, Add, Softmax) for any ONNX runtime
  pmml  a PMML 4.4 RegressionModel document
  ksql  a KSQL expression over the feature columns, or with --source and --sink
        a CREATE STREAM ... AS SELECT that scores a stream inside ksqlDB

A scaler saved with the model is folded into the weights, so every export
reads the features as they arrive. Only linear regression, ridge and logistic
regression are weights over the features; KNN and naive Bayes cannot be
exported this way (serve them with ml serve).`,
		Example: `  mlops-lab ml export --model cancer.json --format onnx --out cancer.onnx
  mlops-lab ml export --model cancer.json --format pmml --out cancer.pmml
  mlops-lab ml export --model orders.json --format ksql --columns ORDERUNITS,ADDRESS->ZIPCODE --source ORDERS --sink SCORED_ORDERS --keep ORDERID`,
		Args: exactArgs(0, "ml export takes no arguments, only flags: `mlops-lab ml export --model MODEL.json --format onnx --out MODEL.onnx`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMLExport(app, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.model, "model", "", "the model file written by ml train")
	fl.StringVarP(&opts.format, "format", "f", "", "onnx, pmml or ksql")
	fl.StringVar(&opts.out, "out", "", "file to write (default: standard output for pmml and ksql)")
	fl.StringSliceVar(&opts.columns, "columns", nil, "ksql: the column expression of each feature, in order (default: the feature names)")
	fl.StringVar(&opts.source, "source", "", "ksql: the stream to score (writes a CREATE STREAM AS SELECT)")
	fl.StringVar(&opts.sink, "sink", "", "ksql: the stream the scores go to")
	fl.StringSliceVar(&opts.keep, "keep", nil, "ksql: source columns to pass through before the prediction")
	fl.StringVar(&opts.target, "target", "", "pmml: the target field's name (default: the card's label)")
	return cmd
}

func runMLExport(app *App, opts *mlExportOptions) error {
	switch {
	case opts.model == "":
		return errors.New("--model is required: the model file written by ml train")
	case opts.format == "":
		return fmt.Errorf("--format is required: one of %s", strings.Join(mlExportFormats, ", "))
	case !slices.Contains(mlExportFormats, opts.format):
		return fmt.Errorf("--format %q is not an export format; choose one of %s", opts.format, strings.Join(mlExportFormats, ", "))
	case opts.format == "onnx" && opts.out == "":
		return errors.New("--out is required for onnx: the file is binary")
	case opts.format != "ksql" && (opts.source != "" || opts.sink != "" || len(opts.keep) > 0 || len(opts.columns) > 0):
		return errors.New("--columns, --source, --sink and --keep apply to --format ksql only")
	case (opts.source == "") != (opts.sink == ""):
		return errors.New("--source and --sink go together: the stream to score and the stream to create")
	}
	a, err := readArtifact(app, opts.model)
	if err != nil {
		return err
	}
	form, err := a.LinearForm()
	if err != nil {
		return fmt.Errorf("%s: %w", opts.model, err)
	}
	var out []byte
	switch opts.format {
	case "onnx":
		card := a.Card
		if out, err = onnxmodel.Export(form, onnxmodel.Options{Name: a.Card.Name, ProducerVersion: buildVersion(), Card: &card}); err != nil {
			return err
		}
	case "pmml":
		var b strings.Builder
		target := opts.target
		if target == "" {
			target = a.Card.Label
		}
		if err := form.WritePMML(&b, mlkit.PMMLOptions{Target: target, ModelName: a.Card.Name, Version: buildVersion(), Created: a.Card.Created}); err != nil {
			return err
		}
		out = []byte(b.String())
	case "ksql":
		var text string
		if opts.source != "" {
			text, err = form.KSQLStatement(mlkit.KSQLQuery{Sink: opts.sink, Source: opts.source, Columns: opts.columns, Keep: opts.keep})
		} else if form.Link == mlkit.LinkSoftmax {
			var exprs []string
			exprs, err = form.KSQLClassExpressions(opts.columns)
			for i, e := range exprs {
				exprs[i] = fmt.Sprintf("%s AS P_%s", e, mlSQLName(a.Card.Classes, form.Classes, i))
			}
			text = strings.Join(exprs, ",\n")
		} else {
			text, err = form.KSQLExpression(opts.columns)
		}
		if err != nil {
			return err
		}
		out = []byte(text + "\n")
	}
	if opts.out == "" {
		_, err := app.Out.Write(out)
		return err
	}
	if err := os.WriteFile(mlPath(app, opts.out), out, 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(app.Out, "wrote %s (%s, %d bytes): model %s v%d\n", opts.out, opts.format, len(out), a.Card.Name, a.Card.Version)
	return nil
}

// mlSQLName names a class's probability column: its class name when it is
// a plain identifier, its index otherwise.
func mlSQLName(names []string, labels []float64, i int) string {
	if i < len(names) {
		n := strings.ToUpper(names[i])
		ok := n != ""
		for _, r := range n {
			if !(r == '_' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				ok = false
			}
		}
		if ok {
			return n
		}
	}
	return fmt.Sprint(labels[i])
}

// --- ml publish --------------------------------------------------------------

type mlPublishOptions struct {
	env    envFlags
	model  string
	topic  string
	format string
}

func newMLPublishCmd(app *App) *cobra.Command {
	opts := &mlPublishOptions{}
	cmd := &cobra.Command{
		Use:   "publish --model MODEL.json [--topic models]",
		Short: "Publish a trained model to a models topic, where ml serve picks it up",
		Long: `Write the model file as a record of the models topic (compacted; key = the
model's name). A running ml serve for that name swaps to it between two
records, without a restart. The newest record is the model in service, so a
rollback is publishing the older file again.`,
		Example: `  mlops-lab ml publish --model cancer-v2.json
  mlops-lab ml publish --model cancer-v1.json --topic models   # roll back`,
		Args: exactArgs(0, "ml publish takes no arguments, only flags: `mlops-lab ml publish --model MODEL.json`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMLPublish(cmd.Context(), app, opts)
		},
	}
	opts.env.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.model, "model", "", "the model file written by ml train")
	fl.StringVar(&opts.topic, "topic", "models", "the models topic")
	fl.StringVarP(&opts.format, "format", "o", "text", "output format: text or json")
	return cmd
}

func runMLPublish(ctx context.Context, app *App, opts *mlPublishOptions) error {
	switch {
	case opts.model == "":
		return errors.New("--model is required: the model file written by ml train")
	case opts.format != "text" && opts.format != "json":
		return fmt.Errorf("--format %q is not a format; use text or json", opts.format)
	}
	a, err := readArtifact(app, opts.model)
	if err != nil {
		return err
	}
	if _, err := a.Build(); err != nil {
		return fmt.Errorf("%s: %w", opts.model, err)
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		part, off, err := scoring.Publish(ctx, bootstrap, opts.topic, a)
		if err != nil {
			return err
		}
		if opts.format == "json" {
			return json.NewEncoder(app.Out).Encode(map[string]any{"topic": opts.topic, "partition": part, "offset": off, "name": a.Card.Name, "version": a.Card.Version})
		}
		fmt.Fprintf(app.Out, "published %s v%d to %s (partition %d, offset %d)\n", a.Card.Name, a.Card.Version, opts.topic, part, off)
		return nil
	})
}

// --- ml serve ----------------------------------------------------------------

type mlServeOptions struct {
	env      envFlags
	input    string
	output   string
	models   string
	name     string
	model    string
	group    string
	interval time.Duration
}

func newMLServeCmd(app *App) *cobra.Command {
	opts := &mlServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve --input TOPIC --output TOPIC (--models TOPIC --name NAME | --model MODEL.json)",
		Short: "Score a stream with a model, swapping to new versions as they are published",
		Long: `Read JSON feature records from --input, score each with the model in service
and write {key, prediction, probability, model, model_version, scored_at} to
--output, keyed like the input. Features are found in each record by name
(ignoring case; ADDRESS->ZIPCODE reaches into a nested object).

With --models and --name the model comes from the models topic: the service
waits for a first version, and swaps to every newer record of that name
between two input records; a record that cannot be deployed is reported and
the model in service stays. With --model it serves one model file.

Records that cannot be scored (not JSON, a missing or non-numeric feature)
are skipped and reported with their topic, partition and offset. Offsets are
committed after the scores are acknowledged (at least once): after a crash,
the records since the last commit are scored again. A progress line shows
records/s, the version in service and the skips. Ctrl+C stops it.`,
		Example: `  mlops-lab ml serve --input features --output scores --models models --name cancer
  mlops-lab ml serve --input features --output scores --model cancer.json`,
		Args: exactArgs(0, "ml serve takes no arguments, only flags: `mlops-lab ml serve --input TOPIC --output TOPIC --models models --name NAME`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMLServe(cmd.Context(), app, opts)
		},
	}
	opts.env.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.input, "input", "", "topic of feature records")
	fl.StringVar(&opts.output, "output", "", "topic to write the scores to")
	fl.StringVar(&opts.models, "models", "", "the models topic to serve from (with --name)")
	fl.StringVar(&opts.name, "name", "", "the model to serve from the models topic")
	fl.StringVar(&opts.model, "model", "", "serve this model file instead of a models topic")
	fl.StringVar(&opts.group, "group", "", "consumer group (default mlops-lab-scoring-NAME)")
	fl.DurationVar(&opts.interval, "progress-interval", 2*time.Second, "how often to print the progress line")
	return cmd
}

func runMLServe(ctx context.Context, app *App, opts *mlServeOptions) error {
	switch {
	case opts.input == "" || opts.output == "":
		return errors.New("--input and --output are required: the topic to score and the topic to write the scores to")
	case opts.model == "" && (opts.models == "" || opts.name == ""):
		return errors.New("give --models TOPIC --name NAME to serve from a models topic, or --model MODEL.json to serve one file")
	case opts.model != "" && (opts.models != "" || opts.name != ""):
		return errors.New("--model serves one file; it does not go with --models or --name")
	case opts.interval <= 0:
		return fmt.Errorf("--progress-interval %v must be positive", opts.interval)
	}
	var fixed *scoring.Deployed
	if opts.model != "" {
		a, err := readArtifact(app, opts.model)
		if err != nil {
			return err
		}
		m, err := a.Build()
		if err != nil {
			return fmt.Errorf("%s: %w", opts.model, err)
		}
		fixed = &scoring.Deployed{Model: m, Artifact: a, Topic: filepath.Base(opts.model), Offset: -1}
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		var mu sync.Mutex // app.Err is shared by the callbacks and the progress line
		say := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(app.Err, format+"\n", args...)
		}
		const shownSkips = 20
		var skips int
		svc, err := scoring.New(scoring.Config{
			Bootstrap: bootstrap, Input: opts.input, Output: opts.output,
			Models: opts.models, Name: opts.name, Fixed: fixed, Group: opts.group,
			OnSkip: func(s stream.Skipped) {
				skips++
				if skips <= shownSkips {
					say("skipped %v", s)
				} else if skips == shownSkips+1 {
					say("(more skipped records are counted in the progress line, not shown)")
				}
			},
			OnReject: func(r scoring.Rejected) { say("rejected %v", r) },
			OnDeploy: func(d *scoring.Deployed) {
				say("serving %s v%d (%s, features %s)", d.Name(), d.Version(), deployedFrom(d), shortList(d.Artifact.Card.Features, 5))
			},
		})
		if err != nil {
			return err
		}
		if fixed == nil {
			say("waiting for model %q on topic %s (publish one with `mlops-lab ml publish --model MODEL.json --topic %s`)", opts.name, opts.models, opts.models)
		}
		say("scoring %s -> %s (Ctrl+C to stop)", opts.input, opts.output)
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveProgress(done, opts.interval, svc, func(line string) { say("%s", line) })
		}()
		err = svc.Run(ctx)
		close(done)
		wg.Wait()
		st := svc.Stats()
		fmt.Fprintf(app.Out, "scored %s, skipped %d%s\n", countOf(int(st.Processed-st.Skipped), "record"), st.Skipped, byVersion(st.ByVersion))
		if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
			return nil
		}
		return err
	})
}

// serveProgress prints a line every interval until done closes.
func serveProgress(done <-chan struct{}, interval time.Duration, svc *scoring.Service, say func(string)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last int64
	lastAt := time.Now()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			st := svc.Stats()
			rate := float64(st.Processed-last) / now.Sub(lastAt).Seconds()
			last, lastAt = st.Processed, now
			model := "no model yet"
			if d := svc.Current(); d != nil {
				model = fmt.Sprintf("%s v%d", d.Name(), d.Version())
			}
			say(fmt.Sprintf("%d records (%.0f/s), %d skipped, serving %s", st.Processed, rate, st.Skipped, model))
		}
	}
}

func deployedFrom(d *scoring.Deployed) string {
	if d.Offset < 0 {
		return "file " + d.Topic
	}
	return fmt.Sprintf("%s/%d@%d", d.Topic, d.Partition, d.Offset)
}

// byVersion writes ", by v1: 10, v2: 5" when more than one version scored.
func byVersion(counts map[int]int64) string {
	if len(counts) < 2 {
		return ""
	}
	vs := make([]int, 0, len(counts))
	for v := range counts {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("v%d: %d", v, counts[v])
	}
	return " (by version " + strings.Join(parts, ", ") + ")"
}

// shortList joins up to n names and says how many there are in all.
func shortList(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ",")
	}
	return fmt.Sprintf("%s,... (%d in all)", strings.Join(names[:n], ","), len(names))
}
