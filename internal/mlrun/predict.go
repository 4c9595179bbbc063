package mlrun

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"

	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// PredictSpec says what to train on and what to predict.
type PredictSpec struct {
	Model    ModelSpec
	Train    string   // CSV file to train on, or dataset:NAME
	Test     string   // CSV file whose rows to predict, or dataset:NAME
	Label    string   // the label column
	Features []string // the feature columns; nil for all but the label
	// Plot, when set, is the PNG file to draw the confusion matrix or the
	// predicted against the actual values to.
	Plot string
}

// PredictResult is the outcome of Predict; its JSON form is the output of
// `ml predict --format json`.
type PredictResult struct {
	Model  string `json:"model"`
	Params Params `json:"params"`
	// Predictions holds a prediction per test row: []string of class
	// names when the labels are names, []float64 otherwise.
	Predictions any `json:"predictions"`
	// Metrics is nil when the test file has no labels.
	Metrics Metrics `json:"metrics,omitempty"`

	Train, Test *mlkit.Dataset `json:"-"`
	// Predicted holds the predictions as numbers (class indices for
	// named classes).
	Predicted []float64 `json:"-"`
	// Confusion and Report are set for a classifier with test labels,
	// Regression for a regression with test labels.
	Confusion  *mlkit.ConfusionMatrix   `json:"-"`
	Report     *mlkit.Report            `json:"-"`
	Regression *mlkit.RegressionMetrics `json:"-"`

	spec PredictSpec
}

// Metrics are the scores of the predictions against the test labels: a
// *ClassifierMetrics or a *RegressionMetrics.
type Metrics interface{ metrics() }

// ClassifierMetrics score a classifier. Fields are in the order of their
// JSON names.
type ClassifierMetrics struct {
	Accuracy        float64                 `json:"accuracy"`
	ConfusionMatrix ConfusionCounts         `json:"confusion_matrix"`
	MacroF1         float64                 `json:"macro_f1"`
	MacroPrecision  float64                 `json:"macro_precision"`
	MacroRecall     float64                 `json:"macro_recall"`
	PerClass        map[string]ClassMetrics `json:"per_class"`
}

// ConfusionCounts is a confusion matrix by class name: Counts[i][j] rows of
// class Labels[i] were predicted as Labels[j].
type ConfusionCounts struct {
	Counts [][]int  `json:"counts"`
	Labels []string `json:"labels"`
}

// ClassMetrics score the predictions of one class.
type ClassMetrics struct {
	F1        float64 `json:"f1"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	Support   int     `json:"support"`
}

// RegressionMetrics score a regression.
type RegressionMetrics struct {
	MAE  float64 `json:"mae"`
	MSE  float64 `json:"mse"`
	R2   float64 `json:"r2"`
	RMSE float64 `json:"rmse"`
}

func (*ClassifierMetrics) metrics() {}
func (*RegressionMetrics) metrics() {}

// Predict trains spec.Model on spec.Train, predicts every row of spec.Test,
// scores the predictions when the test file has labels, and draws
// spec.Plot.
func Predict(e Env, spec PredictSpec) (*PredictResult, error) {
	model, params, err := spec.Model.New()
	if err != nil {
		return nil, err
	}
	clf, isClassifier := model.(mlkit.Classifier)

	train, err := e.Load(spec.Train, mlkit.LoadOptions{Label: spec.Label, Features: spec.Features})
	if err != nil {
		return nil, err
	}
	if !isClassifier && train.Categorical() {
		return nil, fmt.Errorf("%s: label %q has values that are not numbers (%s); --model %s predicts numbers, use a classifier (logreg, knn, nb)",
			spec.Train, spec.Label, quoteFirst(train.Classes, 3), spec.Model.Name)
	}
	test, err := e.Load(spec.Test, mlkit.LoadOptions{Label: spec.Label, LabelOptional: true, Features: train.Features, Classes: train.Classes})
	if err != nil {
		return nil, err
	}
	if test.HasLabels() && test.Categorical() != train.Categorical() {
		return nil, fmt.Errorf("%s: label %q holds class names (%s) but the training labels are numbers", spec.Test, spec.Label, quoteFirst(test.Classes, 3))
	}
	if spec.Plot != "" && !test.HasLabels() {
		return nil, fmt.Errorf("--plot needs the label column %q in the test file %s, to compare with the predictions", spec.Label, spec.Test)
	}

	trainX, testX := mat.Matrix(train.X), mat.Matrix(test.X)
	if spec.Model.Scale {
		var sc mlkit.StandardScaler
		if trainX, err = sc.FitTransform(train.X); err != nil {
			return nil, err
		}
		if testX, err = sc.Transform(test.X); err != nil {
			return nil, err
		}
	}
	if err := model.Fit(trainX, train.Y); err != nil {
		return nil, fmt.Errorf("training %s on %s: %w", spec.Model.Name, spec.Train, err)
	}
	pred, err := model.Predict(testX)
	if err != nil {
		return nil, fmt.Errorf("predicting %s: %w", spec.Test, err)
	}
	e.warnConvergence(model)

	res := &PredictResult{Model: spec.Model.Name, Params: params, Train: train, Test: test, Predicted: pred, spec: spec}
	if train.Categorical() {
		names := make([]string, len(pred))
		for i, p := range pred {
			names[i] = train.ClassName(p)
		}
		res.Predictions = names
	} else {
		res.Predictions = pred
	}
	if test.HasLabels() {
		if isClassifier {
			if res.Confusion, err = mlkit.ConfusionMatrixOf(test.Y, pred, labelUnion(clf.Classes(), test.Y)); err != nil {
				return nil, err
			}
			res.Report = res.Confusion.Report()
			res.Metrics = classifierMetrics(res.Confusion, res.Report, train)
		} else {
			reg, err := mlkit.EvaluateRegression(test.Y, pred)
			if err != nil {
				return nil, err
			}
			res.Regression = &reg
			res.Metrics = &RegressionMetrics{MSE: reg.MSE, RMSE: reg.RMSE, MAE: reg.MAE, R2: reg.R2}
		}
	}
	if spec.Plot != "" {
		if err := res.drawPlot(e.path(spec.Plot)); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// classifierMetrics scores a classifier, naming its classes.
func classifierMetrics(cm *mlkit.ConfusionMatrix, r *mlkit.Report, train *mlkit.Dataset) *ClassifierMetrics {
	m := &ClassifierMetrics{
		Accuracy:        r.Accuracy,
		MacroPrecision:  r.MacroPrecision,
		MacroRecall:     r.MacroRecall,
		MacroF1:         r.MacroF1,
		PerClass:        map[string]ClassMetrics{},
		ConfusionMatrix: ConfusionCounts{Counts: cm.Counts, Labels: make([]string, len(cm.Labels))},
	}
	for i, c := range r.Classes {
		name := train.ClassName(c.Label)
		m.ConfusionMatrix.Labels[i] = name
		m.PerClass[name] = ClassMetrics{Precision: c.Precision, Recall: c.Recall, F1: c.F1, Support: c.Support}
	}
	return m
}

// drawPlot draws the confusion matrix (classifiers) or the predicted
// against the actual values (regressions) to a PNG file.
func (r *PredictResult) drawPlot(path string) error {
	var pl *plot.Plot
	var err error
	if cm := r.Confusion; cm != nil {
		names := make([]string, len(cm.Labels))
		for i, l := range cm.Labels {
			names[i] = r.Train.ClassName(l)
		}
		pl, err = charts.ConfusionMatrix(cm, names, fmt.Sprintf("%s on %s", r.Model, filepath.Base(r.spec.Test)))
	} else {
		pl, err = charts.PredictedVsActual(r.Test.Y, r.Predicted, fmt.Sprintf("%s: %s on %s", r.Model, r.spec.Label, filepath.Base(r.spec.Test)))
	}
	if err != nil {
		return err
	}
	if err := charts.SavePNG(path, pl); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}

// WriteText writes the predictions as a table, then the metrics when the
// test file has labels.
func (r *PredictResult) WriteText(w io.Writer) error {
	train, test, spec := r.Train, r.Test, r.spec
	var b strings.Builder
	fmt.Fprintf(&b, "model %s%s: trained on %d rows of %s (%d features), predicted %d rows of %s\n\n",
		r.Model, r.Params, train.Rows(), spec.Train, train.Cols(), test.Rows(), spec.Test)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if test.HasLabels() {
		fmt.Fprintf(tw, "row\tpredicted\t%s\n", spec.Label)
	} else {
		fmt.Fprintf(tw, "row\tpredicted\n")
	}
	for i, p := range r.Predicted {
		if test.HasLabels() {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", i+1, formatLabel(train, p), formatLabel(train, test.Y[i]))
		} else {
			fmt.Fprintf(tw, "%d\t%s\n", i+1, formatLabel(train, p))
		}
	}
	tw.Flush()
	if test.HasLabels() {
		b.WriteString("\n")
		if cm, report := r.Confusion, r.Report; cm != nil {
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
		} else if reg := r.Regression; reg != nil {
			fmt.Fprintf(&b, "mse   %.6g\nrmse  %.6g\nmae   %.6g\nr2    %.6f\n", reg.MSE, reg.RMSE, reg.MAE, reg.R2)
		}
	}
	if spec.Plot != "" {
		fmt.Fprintf(&b, "\nwrote %s\n", spec.Plot)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatLabel writes a label or prediction: a class name, or a number.
func formatLabel(d *mlkit.Dataset, v float64) string {
	if d.Categorical() {
		return d.ClassName(v)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// labelUnion returns the sorted distinct values of a and b.
func labelUnion(a, b []float64) []float64 {
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

// quoteFirst quotes the first n values of s, then "..." when there are more.
func quoteFirst(s []string, n int) string {
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
