package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/mlrun"
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
	res, err := mlrun.Train(mlEnv(app), mlrun.TrainSpec{
		Model: opts.spec(), Data: opts.data, Label: opts.label, Features: opts.features,
		TestSize: opts.testSize, Seed: opts.seed, Name: opts.name, Version: opts.version, Out: opts.out,
	})
	if err != nil {
		return err
	}
	if opts.format == "json" {
		return json.NewEncoder(app.Out).Encode(res)
	}
	return res.WriteText(app.Out)
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

var mlExportFormats = mlrun.ExportFormats

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
	a, err := mlEnv(app).ReadArtifact(opts.model)
	if err != nil {
		return err
	}
	out, err := mlrun.Export(a, mlrun.ExportSpec{
		ModelFile: opts.model, Format: opts.format, Producer: buildVersion(),
		Columns: opts.columns, Source: opts.source, Sink: opts.sink, Keep: opts.keep, Target: opts.target,
	})
	if err != nil {
		return err
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
	d, err := mlEnv(app).Deployable(opts.model)
	if err != nil {
		return err
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		res, err := mlrun.Publish(ctx, bootstrap, opts.topic, d.Artifact)
		if err != nil {
			return err
		}
		if opts.format == "json" {
			return json.NewEncoder(app.Out).Encode(res)
		}
		return res.WriteText(app.Out)
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
		var err error
		if fixed, err = mlEnv(app).Deployable(opts.model); err != nil {
			return err
		}
	}
	return withKafkaTool(ctx, app, &opts.env, func(bootstrap string) error {
		res, err := mlrun.Serve(ctx, bootstrap, mlrun.ServeSpec{
			Input: opts.input, Output: opts.output, Models: opts.models, Name: opts.name, Fixed: fixed,
			Group: opts.group, Interval: opts.interval, Log: app.Err,
		})
		if res != nil {
			res.WriteText(app.Out)
		}
		return err
	})
}
