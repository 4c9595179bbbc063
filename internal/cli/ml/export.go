package ml

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/mlrun"
)

// ExportOptions is what `ml export` needs.
type ExportOptions struct {
	IO  *iostreams.IOStreams
	Job mlrun.Env
	// Version is the program's version, written into ONNX and PMML files.
	Version string

	Model   string
	Format  string
	Out     string
	Columns []string
	Source  string
	Sink    string
	Keep    []string
	Target  string
}

// NewCmdExport returns `ml export`; runF, when not nil, runs instead of the
// command once the flags are checked (for tests).
func NewCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IOStreams, Job: jobEnv(f), Version: f.Version}
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
		Args: cmdutil.ExactArgs(0, "ml export takes no arguments, only flags: `mlops-lab ml export --model MODEL.json --format onnx --out MODEL.onnx`"),
		RunE: cmdutil.RunE(opts, checkOnly(opts.check), runF, exportRun),
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Model, "model", "", "the model file written by ml train")
	fl.StringVarP(&opts.Format, "format", "f", "", "onnx, pmml or ksql")
	fl.StringVar(&opts.Out, "out", "", "file to write (default: standard output for pmml and ksql)")
	fl.StringSliceVar(&opts.Columns, "columns", nil, "ksql: the column expression of each feature, in order (default: the feature names)")
	fl.StringVar(&opts.Source, "source", "", "ksql: the stream to score (writes a CREATE STREAM AS SELECT)")
	fl.StringVar(&opts.Sink, "sink", "", "ksql: the stream the scores go to")
	fl.StringSliceVar(&opts.Keep, "keep", nil, "ksql: source columns to pass through before the prediction")
	fl.StringVar(&opts.Target, "target", "", "pmml: the target field's name (default: the card's label)")
	return cmd
}

// check checks the flags before the model file is read.
func (o *ExportOptions) check() error {
	switch {
	case o.Model == "":
		return errors.New("--model is required: the model file written by ml train")
	case o.Format == "":
		return fmt.Errorf("--format is required: one of %s", strings.Join(mlrun.ExportFormats, ", "))
	case !slices.Contains(mlrun.ExportFormats, o.Format):
		return fmt.Errorf("--format %q is not an export format; choose one of %s", o.Format, strings.Join(mlrun.ExportFormats, ", "))
	case o.Format == "onnx" && o.Out == "":
		return errors.New("--out is required for onnx: the file is binary")
	case o.Format != "ksql" && (o.Source != "" || o.Sink != "" || len(o.Keep) > 0 || len(o.Columns) > 0):
		return errors.New("--columns, --source, --sink and --keep apply to --format ksql only")
	case (o.Source == "") != (o.Sink == ""):
		return errors.New("--source and --sink go together: the stream to score and the stream to create")
	}
	return nil
}

func exportRun(opts *ExportOptions) error {
	a, err := opts.Job.ReadArtifact(opts.Model)
	if err != nil {
		return err
	}
	out, err := mlrun.Export(a, mlrun.ExportSpec{
		ModelFile: opts.Model, Format: opts.Format, Producer: opts.Version,
		Columns: opts.Columns, Source: opts.Source, Sink: opts.Sink, Keep: opts.Keep, Target: opts.Target,
	})
	if err != nil {
		return err
	}
	if opts.Out == "" {
		_, err := opts.IO.Out.Write(out)
		return err
	}
	if err := os.WriteFile(opts.Job.Path(opts.Out), out, 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(opts.IO.Out, "wrote %s (%s, %d bytes): model %s v%d\n", opts.Out, opts.Format, len(out), a.Card.Name, a.Card.Version)
	return nil
}
