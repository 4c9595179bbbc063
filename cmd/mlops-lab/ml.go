package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	mlplot "github.com/mlops-lab/mlops-lab/pkg/mlkit/plot"
)

// mlDatasetPrefix names a data set shipped in the binary instead of a file.
const mlDatasetPrefix = "dataset:"

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
var mlModelNames = []string{"linreg", "ridge", "logreg", "knn", "nb"}

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

// newModel builds the chosen model and the parameters to report.
func (o *mlModelOptions) newModel() (mlkit.Model, map[string]any) {
	switch o.model {
	case "linreg":
		return &mlkit.LinearRegression{}, map[string]any{}
	case "ridge":
		return mlkit.NewRidge(o.alpha), map[string]any{"alpha": o.alpha}
	case "logreg":
		return &mlkit.LogisticRegression{C: o.c, MaxIter: o.maxIter}, map[string]any{"c": o.c, "max_iter": o.maxIter}
	case "knn":
		return mlkit.NewKNN(o.k, mlkit.Distance(o.metric), mlkit.Weighting(o.weights)),
			map[string]any{"k": o.k, "metric": o.metric, "weights": o.weights}
	default: // "nb"; validate rejected anything else
		return &mlkit.GaussianNB{}, map[string]any{}
	}
}

// mlPredictResult is the JSON output of ml predict.
type mlPredictResult struct {
	Model       string         `json:"model"`
	Params      map[string]any `json:"params"`
	Predictions []any          `json:"predictions"`
	Metrics     map[string]any `json:"metrics,omitempty"`
}

func runMLPredict(app *App, opts *mlPredictOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	model, params := opts.newModel()
	_, isClassifier := model.(mlkit.Classifier)
	if opts.scale {
		params["scale"] = true
	}

	train, err := loadMLData(app, opts.train, mlkit.LoadOptions{Label: opts.label, Features: opts.features})
	if err != nil {
		return err
	}
	if !isClassifier && train.Categorical() {
		return fmt.Errorf("%s: label %q has values that are not numbers (%s); --model %s predicts numbers, use a classifier (logreg, knn, nb)",
			opts.train, opts.label, mlQuoteFirst(train.Classes, 3), opts.model)
	}
	test, err := loadMLData(app, opts.test, mlkit.LoadOptions{Label: opts.label, LabelOptional: true, Features: train.Features, Classes: train.Classes})
	if err != nil {
		return err
	}
	if test.HasLabels() && test.Categorical() != train.Categorical() {
		return fmt.Errorf("%s: label %q holds class names (%s) but the training labels are numbers", opts.test, opts.label, mlQuoteFirst(test.Classes, 3))
	}
	if opts.plot != "" && !test.HasLabels() {
		return fmt.Errorf("--plot needs the label column %q in the test file %s, to compare with the predictions", opts.label, opts.test)
	}

	trainX, testX := mat.Matrix(train.X), mat.Matrix(test.X)
	if opts.scale {
		var sc mlkit.StandardScaler
		if trainX, err = sc.FitTransform(train.X); err != nil {
			return err
		}
		if testX, err = sc.Transform(test.X); err != nil {
			return err
		}
	}
	if err := model.Fit(trainX, train.Y); err != nil {
		return fmt.Errorf("training %s on %s: %w", opts.model, opts.train, err)
	}
	pred, err := model.Predict(testX)
	if err != nil {
		return fmt.Errorf("predicting %s: %w", opts.test, err)
	}
	if lr, ok := model.(*mlkit.LogisticRegression); ok && !lr.Converged {
		fmt.Fprintf(app.Err, "warning: logistic regression did not converge in %d iterations; try --scale or a larger --max-iter\n", lr.Iterations)
	}

	res := mlPredictResult{Model: opts.model, Params: params, Predictions: make([]any, len(pred))}
	for i, p := range pred {
		if train.Categorical() {
			res.Predictions[i] = train.ClassName(p)
		} else {
			res.Predictions[i] = p
		}
	}
	var cm *mlkit.ConfusionMatrix
	var report *mlkit.Report
	var reg mlkit.RegressionMetrics
	if test.HasLabels() {
		if isClassifier {
			labels := mlLabelUnion(model.(mlkit.Classifier).Classes(), test.Y)
			if cm, err = mlkit.ConfusionMatrixOf(test.Y, pred, labels); err != nil {
				return err
			}
			report = cm.Report()
			res.Metrics = mlClassifierMetrics(cm, report, train)
		} else {
			if reg, err = mlkit.EvaluateRegression(test.Y, pred); err != nil {
				return err
			}
			res.Metrics = map[string]any{"mse": reg.MSE, "rmse": reg.RMSE, "mae": reg.MAE, "r2": reg.R2}
		}
	}

	if opts.plot != "" {
		if err := drawMLPlot(app, opts, test, pred, cm, train); err != nil {
			return err
		}
	}

	if opts.format == "json" {
		// One line, for jq and for programs reading the output.
		return json.NewEncoder(app.Out).Encode(res)
	}
	return writeMLPredictText(app.Out, opts, params, train, test, pred, cm, report, reg)
}

// mlClassifierMetrics is the "metrics" object of a classifier's JSON output.
func mlClassifierMetrics(cm *mlkit.ConfusionMatrix, r *mlkit.Report, train *mlkit.Dataset) map[string]any {
	perClass := map[string]any{}
	names := make([]string, len(cm.Labels))
	for i, c := range r.Classes {
		names[i] = train.ClassName(c.Label)
		perClass[names[i]] = map[string]any{"precision": c.Precision, "recall": c.Recall, "f1": c.F1, "support": c.Support}
	}
	return map[string]any{
		"accuracy":         r.Accuracy,
		"macro_precision":  r.MacroPrecision,
		"macro_recall":     r.MacroRecall,
		"macro_f1":         r.MacroF1,
		"per_class":        perClass,
		"confusion_matrix": map[string]any{"labels": names, "counts": cm.Counts},
	}
}

func writeMLPredictText(w io.Writer, opts *mlPredictOptions, params map[string]any, train, test *mlkit.Dataset,
	pred []float64, cm *mlkit.ConfusionMatrix, report *mlkit.Report, reg mlkit.RegressionMetrics) error {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s%s: trained on %d rows of %s (%d features), predicted %d rows of %s\n\n",
		opts.model, mlFormatParams(params), train.Rows(), opts.train, train.Cols(), test.Rows(), opts.test)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if test.HasLabels() {
		fmt.Fprintf(tw, "row\tpredicted\t%s\n", opts.label)
	} else {
		fmt.Fprintf(tw, "row\tpredicted\n")
	}
	for i, p := range pred {
		if test.HasLabels() {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", i+1, mlFormatLabel(train, p), mlFormatLabel(train, test.Y[i]))
		} else {
			fmt.Fprintf(tw, "%d\t%s\n", i+1, mlFormatLabel(train, p))
		}
	}
	tw.Flush()
	if test.HasLabels() {
		b.WriteString("\n")
		if cm != nil {
			fmt.Fprintf(&b, "accuracy  %.4f  (%d of %d right)\n\n", report.Accuracy, int(math.Round(report.Accuracy*float64(cm.Total()))), cm.Total())
			tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "class\tprecision\trecall\tf1\tsupport\t\n")
			for _, c := range report.Classes {
				fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%d\t\n", train.ClassName(c.Label), c.Precision, c.Recall, c.F1, c.Support)
			}
			fmt.Fprintf(tw, "macro avg\t%.4f\t%.4f\t%.4f\t%d\t\n", report.MacroPrecision, report.MacroRecall, report.MacroF1, cm.Total())
			tw.Flush()
			b.WriteString("\nconfusion matrix (rows: true class, columns: predicted)\n")
			tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprint(tw, "\t")
			for _, l := range cm.Labels {
				fmt.Fprintf(tw, "%s\t", train.ClassName(l))
			}
			fmt.Fprintln(tw)
			for i, row := range cm.Counts {
				fmt.Fprintf(tw, "%s\t", train.ClassName(cm.Labels[i]))
				for _, n := range row {
					fmt.Fprintf(tw, "%d\t", n)
				}
				fmt.Fprintln(tw)
			}
			tw.Flush()
		} else {
			fmt.Fprintf(&b, "mse   %.6g\nrmse  %.6g\nmae   %.6g\nr2    %.6f\n", reg.MSE, reg.RMSE, reg.MAE, reg.R2)
		}
	}
	if opts.plot != "" {
		fmt.Fprintf(&b, "\nwrote %s\n", opts.plot)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func drawMLPlot(app *App, opts *mlPredictOptions, test *mlkit.Dataset, pred []float64, cm *mlkit.ConfusionMatrix, train *mlkit.Dataset) error {
	var title string
	var err error
	path := mlPath(app, opts.plot)
	if cm != nil {
		names := make([]string, len(cm.Labels))
		for i, l := range cm.Labels {
			names[i] = train.ClassName(l)
		}
		title = fmt.Sprintf("%s on %s", opts.model, filepath.Base(opts.test))
		pl, perr := mlplot.ConfusionMatrix(cm, names, title)
		if perr != nil {
			return perr
		}
		err = mlplot.SavePNG(path, pl)
	} else {
		title = fmt.Sprintf("%s: %s on %s", opts.model, opts.label, filepath.Base(opts.test))
		pl, perr := mlplot.PredictedVsActual(test.Y, pred, title)
		if perr != nil {
			return perr
		}
		err = mlplot.SavePNG(path, pl)
	}
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
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
	outs := map[string]string{}
	for _, o := range []struct{ flag, path string }{
		{"--train-out", opts.trainOut}, {"--test-out", opts.testOut}, {"--test-labels-out", opts.testLabelsOut},
	} {
		if o.path == "" {
			continue
		}
		abs := mlPath(app, o.path)
		if abs == mlPath(app, opts.input) {
			return fmt.Errorf("%s %s would overwrite the input", o.flag, o.path)
		}
		if prev, dup := outs[abs]; dup {
			return fmt.Errorf("%s and %s are the same file %s", prev, o.flag, o.path)
		}
		outs[abs] = o.flag
	}

	d, err := loadMLData(app, opts.input, mlkit.LoadOptions{Label: opts.label})
	if err != nil {
		return err
	}
	var s *mlkit.Split
	if opts.stratify {
		s, err = mlkit.StratifiedSplit(d, opts.testSize, opts.seed)
	} else {
		s, err = mlkit.TrainTestSplit(d, opts.testSize, opts.seed)
	}
	if err != nil {
		return fmt.Errorf("split %s: %w", opts.input, err)
	}
	test := s.Test
	if opts.testLabelsOut != "" {
		test = s.Test.WithoutLabels()
		if err := mlWriteFile(mlPath(app, opts.testLabelsOut), func(w io.Writer) error { return mlWriteLabels(w, s.Test) }); err != nil {
			return err
		}
	}
	if err := mlWriteFile(mlPath(app, opts.trainOut), s.Train.WriteCSV); err != nil {
		return err
	}
	if err := mlWriteFile(mlPath(app, opts.testOut), test.WriteCSV); err != nil {
		return err
	}
	how := "random"
	if opts.stratify {
		how = "stratified by " + opts.label
	}
	fmt.Fprintf(app.Out, "split %d rows of %s (%s, seed %d): %d to %s, %d to %s",
		d.Rows(), opts.input, how, opts.seed, s.Train.Rows(), opts.trainOut, s.Test.Rows(), opts.testOut)
	if opts.testLabelsOut != "" {
		fmt.Fprintf(app.Out, ", their labels to %s", opts.testLabelsOut)
	}
	fmt.Fprintln(app.Out)
	return nil
}

// mlWriteLabels writes the labels of d as a one-column CSV file.
func mlWriteLabels(w io.Writer, d *mlkit.Dataset) error {
	var b strings.Builder
	b.WriteString(mlCSVField(d.Label) + "\n")
	for _, y := range d.Y {
		b.WriteString(mlCSVField(d.ClassName(y)) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mlCSVField quotes s for CSV when needed.
func mlCSVField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") || strings.TrimSpace(s) != s {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// mlWriteFile creates path and fills it with write.
func mlWriteFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// loadMLData reads a CSV file, or a shipped data set named dataset:NAME.
func loadMLData(app *App, name string, opts mlkit.LoadOptions) (*mlkit.Dataset, error) {
	opts.Source = name
	if ds, ok := strings.CutPrefix(name, mlDatasetPrefix); ok {
		if !slices.Contains(datasets.Names(), ds) {
			return nil, fmt.Errorf("%s: no such data set; the shipped ones are %s", name, strings.Join(datasets.Names(), ", "))
		}
		return mlkit.LoadCSVFS(datasets.FS, ds, opts)
	}
	f, err := os.Open(mlPath(app, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file", name)
		}
		return nil, err
	}
	defer f.Close()
	return mlkit.ReadCSV(f, opts)
}

// mlPath resolves a file name given on the command line against the folder
// the command acts in.
func mlPath(app *App, name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(app.workdir(), name)
}

func mlFormatParams(params map[string]any) string {
	if len(params) == 0 {
		return ""
	}
	var parts []string
	for _, k := range []string{"k", "metric", "weights", "alpha", "c", "max_iter", "scale"} {
		if v, ok := params[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// mlFormatLabel writes a label or prediction: a class name, or a number.
func mlFormatLabel(d *mlkit.Dataset, v float64) string {
	if d.Categorical() {
		return d.ClassName(v)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// mlLabelUnion returns the sorted distinct values of a and b.
func mlLabelUnion(a, b []float64) []float64 {
	seen := map[float64]bool{}
	var out []float64
	for _, v := range append(append([]float64(nil), a...), b...) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Float64s(out)
	return out
}

func mlQuoteFirst(s []string, n int) string {
	var q []string
	for i, v := range s {
		if i == n {
			q = append(q, "...")
			break
		}
		q = append(q, strconv.Quote(v))
	}
	return strings.Join(q, ", ")
}
