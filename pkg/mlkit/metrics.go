package mlkit

import (
	"fmt"
	"math"
	"sort"
)

// checkPair validates a pair of equal-length, non-empty, finite vectors.
func checkPair(what string, yTrue, yPred []float64) error {
	if len(yTrue) != len(yPred) {
		return fmt.Errorf("mlkit: %s: %d true values and %d predictions: %w", what, len(yTrue), len(yPred), ErrShape)
	}
	if len(yTrue) == 0 {
		return fmt.Errorf("mlkit: %s: %w", what, ErrEmpty)
	}
	for i := range yTrue {
		if math.IsNaN(yTrue[i]) || math.IsInf(yTrue[i], 0) || math.IsNaN(yPred[i]) || math.IsInf(yPred[i], 0) {
			return fmt.Errorf("mlkit: %s: value %d: %w", what, i, ErrNotFinite)
		}
	}
	return nil
}

// Accuracy returns the fraction of predictions equal to the true labels.
func Accuracy(yTrue, yPred []float64) (float64, error) {
	if err := checkPair("accuracy", yTrue, yPred); err != nil {
		return 0, err
	}
	hits := 0
	for i := range yTrue {
		if yTrue[i] == yPred[i] {
			hits++
		}
	}
	return float64(hits) / float64(len(yTrue)), nil
}

// ConfusionMatrix counts predictions per (true class, predicted class).
// Counts[i][j] is the number of rows whose true label is Labels[i] and whose
// predicted label is Labels[j], as in scikit-learn's confusion_matrix.
type ConfusionMatrix struct {
	Labels []float64
	Counts [][]int
}

// NewConfusionMatrix builds the confusion matrix of yTrue and yPred over the
// labels that occur in either, in increasing order.
func NewConfusionMatrix(yTrue, yPred []float64) (*ConfusionMatrix, error) {
	if err := checkPair("confusion matrix", yTrue, yPred); err != nil {
		return nil, err
	}
	labels := uniqueSorted(append(append([]float64(nil), yTrue...), yPred...))
	return ConfusionMatrixOf(yTrue, yPred, labels)
}

// ConfusionMatrixOf builds the confusion matrix over the given labels (for
// example every class of the training set, so that a class that is never
// predicted still gets its row and column). A value outside labels is an
// error.
func ConfusionMatrixOf(yTrue, yPred, labels []float64) (*ConfusionMatrix, error) {
	if err := checkPair("confusion matrix", yTrue, yPred); err != nil {
		return nil, err
	}
	index := make(map[float64]int, len(labels))
	for i, l := range labels {
		if _, dup := index[l]; dup {
			return nil, fmt.Errorf("mlkit: confusion matrix: label %v given twice", l)
		}
		index[l] = i
	}
	cm := &ConfusionMatrix{Labels: append([]float64(nil), labels...), Counts: make([][]int, len(labels))}
	for i := range cm.Counts {
		cm.Counts[i] = make([]int, len(labels))
	}
	for i := range yTrue {
		t, ok1 := index[yTrue[i]]
		p, ok2 := index[yPred[i]]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("mlkit: confusion matrix: row %d has label %v / prediction %v outside the labels %v", i, yTrue[i], yPred[i], labels)
		}
		cm.Counts[t][p]++
	}
	return cm, nil
}

// Total returns the number of rows counted.
func (cm *ConfusionMatrix) Total() int {
	n := 0
	for _, row := range cm.Counts {
		for _, c := range row {
			n += c
		}
	}
	return n
}

// ClassMetrics are the precision, recall and F1 score of one class, treating
// it as the positive class and every other class as negative. A ratio whose
// denominator is zero is 0, as scikit-learn's zero_division default.
type ClassMetrics struct {
	Label     float64
	Precision float64 // of the rows predicted as Label, the share that are Label
	Recall    float64 // of the rows that are Label, the share predicted as Label
	F1        float64 // harmonic mean of precision and recall
	Support   int     // rows whose true label is Label
}

// Report is a classification report: per-class metrics, accuracy, and the
// unweighted (macro) and support-weighted averages.
type Report struct {
	Classes                              []ClassMetrics
	Accuracy                             float64
	MacroPrecision, MacroRecall, MacroF1 float64
	WeightedPrecision, WeightedRecall    float64
	WeightedF1                           float64
}

// Report computes the classification report of the confusion matrix.
func (cm *ConfusionMatrix) Report() *Report {
	k := len(cm.Labels)
	r := &Report{Classes: make([]ClassMetrics, k)}
	total, hits := 0, 0
	for i := 0; i < k; i++ {
		tp := cm.Counts[i][i]
		hits += tp
		predicted, actual := 0, 0
		for j := 0; j < k; j++ {
			predicted += cm.Counts[j][i]
			actual += cm.Counts[i][j]
		}
		total += actual
		m := ClassMetrics{Label: cm.Labels[i], Support: actual}
		m.Precision = ratio(tp, predicted)
		m.Recall = ratio(tp, actual)
		if m.Precision+m.Recall > 0 {
			m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
		}
		r.Classes[i] = m
	}
	if total == 0 || k == 0 {
		return r
	}
	r.Accuracy = float64(hits) / float64(total)
	for _, m := range r.Classes {
		r.MacroPrecision += m.Precision / float64(k)
		r.MacroRecall += m.Recall / float64(k)
		r.MacroF1 += m.F1 / float64(k)
		w := float64(m.Support) / float64(total)
		r.WeightedPrecision += w * m.Precision
		r.WeightedRecall += w * m.Recall
		r.WeightedF1 += w * m.F1
	}
	return r
}

// Class returns the metrics of one label, and whether it is in the report.
func (r *Report) Class(label float64) (ClassMetrics, bool) {
	for _, m := range r.Classes {
		if m.Label == label {
			return m, true
		}
	}
	return ClassMetrics{}, false
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ClassificationReport is NewConfusionMatrix followed by Report.
func ClassificationReport(yTrue, yPred []float64) (*Report, error) {
	cm, err := NewConfusionMatrix(yTrue, yPred)
	if err != nil {
		return nil, err
	}
	return cm.Report(), nil
}

// Precision returns the precision of the positive label: of the rows
// predicted positive, the share that are positive (0 if none are predicted).
func Precision(yTrue, yPred []float64, positive float64) (float64, error) {
	m, err := binaryMetrics(yTrue, yPred, positive)
	return m.Precision, err
}

// Recall returns the recall of the positive label: of the positive rows, the
// share predicted positive (0 if there are none).
func Recall(yTrue, yPred []float64, positive float64) (float64, error) {
	m, err := binaryMetrics(yTrue, yPred, positive)
	return m.Recall, err
}

// F1 returns the F1 score of the positive label.
func F1(yTrue, yPred []float64, positive float64) (float64, error) {
	m, err := binaryMetrics(yTrue, yPred, positive)
	return m.F1, err
}

func binaryMetrics(yTrue, yPred []float64, positive float64) (ClassMetrics, error) {
	cm, err := NewConfusionMatrix(yTrue, yPred)
	if err != nil {
		return ClassMetrics{}, err
	}
	m, _ := cm.Report().Class(positive)
	m.Label = positive
	return m, nil
}

// ROCCurve is a receiver operating characteristic curve: at each threshold,
// the false positive rate and true positive rate of predicting "positive"
// for scores >= the threshold. Thresholds decrease; the first point is (0, 0)
// with a threshold above every score (the highest score plus 1, as in
// scikit-learn 1.2), the last is (1, 1).
type ROCCurve struct {
	FPR, TPR, Thresholds []float64
}

// ROC computes the ROC curve of scores (higher means more likely positive,
// for example PredictProba's column of the positive class) against the true
// labels, one point per distinct score. Both the positive label and some other
// label must occur in yTrue.
func ROC(yTrue, scores []float64, positive float64) (*ROCCurve, error) {
	if err := checkPair("roc", yTrue, scores); err != nil {
		return nil, err
	}
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	var pos, neg int
	for _, v := range yTrue {
		if v == positive {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return nil, fmt.Errorf("mlkit: roc: needs both positive (%v) and negative rows; got %d and %d", positive, pos, neg)
	}
	c := &ROCCurve{FPR: []float64{0}, TPR: []float64{0}, Thresholds: []float64{scores[order[0]] + 1}}
	tp, fp := 0, 0
	for i, idx := range order {
		if yTrue[idx] == positive {
			tp++
		} else {
			fp++
		}
		if i+1 < len(order) && scores[order[i+1]] == scores[idx] {
			continue // one point per distinct score
		}
		c.FPR = append(c.FPR, float64(fp)/float64(neg))
		c.TPR = append(c.TPR, float64(tp)/float64(pos))
		c.Thresholds = append(c.Thresholds, scores[idx])
	}
	return c, nil
}

// AUC returns the area under the curve through the points (x[i], y[i]) by
// the trapezoidal rule; x must be monotonic (increasing or decreasing).
func AUC(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, fmt.Errorf("mlkit: auc: %d x and %d y values: %w", len(x), len(y), ErrShape)
	}
	if len(x) < 2 {
		return 0, fmt.Errorf("mlkit: auc needs at least 2 points, got %d", len(x))
	}
	dir := 0.0
	area := 0.0
	for i := 1; i < len(x); i++ {
		dx := x[i] - x[i-1]
		if math.IsNaN(dx) || math.IsInf(dx, 0) || math.IsNaN(y[i]) || math.IsNaN(y[i-1]) {
			return 0, fmt.Errorf("mlkit: auc: %w", ErrNotFinite)
		}
		if dx != 0 {
			s := math.Copysign(1, dx)
			if dir != 0 && s != dir {
				return 0, fmt.Errorf("mlkit: auc: x is not monotonic at point %d", i)
			}
			dir = s
		}
		area += dx * (y[i] + y[i-1]) / 2
	}
	return math.Abs(area), nil
}

// AUC returns the area under the ROC curve.
func (c *ROCCurve) AUC() float64 {
	a, _ := AUC(c.FPR, c.TPR) // a ROC curve is monotonic in FPR
	return a
}

// ROCAUC returns the area under the ROC curve of scores against yTrue.
func ROCAUC(yTrue, scores []float64, positive float64) (float64, error) {
	c, err := ROC(yTrue, scores, positive)
	if err != nil {
		return 0, err
	}
	return c.AUC(), nil
}

// MSE returns the mean squared error of predictions.
func MSE(yTrue, yPred []float64) (float64, error) {
	if err := checkPair("mse", yTrue, yPred); err != nil {
		return 0, err
	}
	s := 0.0
	for i := range yTrue {
		d := yTrue[i] - yPred[i]
		s += d * d
	}
	return s / float64(len(yTrue)), nil
}

// RMSE returns the root mean squared error of predictions.
func RMSE(yTrue, yPred []float64) (float64, error) {
	m, err := MSE(yTrue, yPred)
	return math.Sqrt(m), err
}

// MAE returns the mean absolute error of predictions.
func MAE(yTrue, yPred []float64) (float64, error) {
	if err := checkPair("mae", yTrue, yPred); err != nil {
		return 0, err
	}
	s := 0.0
	for i := range yTrue {
		s += math.Abs(yTrue[i] - yPred[i])
	}
	return s / float64(len(yTrue)), nil
}

// R2 returns the coefficient of determination, 1 - SS_res/SS_tot: 1 for
// perfect predictions, 0 for always predicting the mean, negative for worse.
// When yTrue is constant it returns 1 for perfect predictions and 0
// otherwise, as scikit-learn's r2_score does.
func R2(yTrue, yPred []float64) (float64, error) {
	if err := checkPair("r2", yTrue, yPred); err != nil {
		return 0, err
	}
	mean := 0.0
	for _, v := range yTrue {
		mean += v
	}
	mean /= float64(len(yTrue))
	var res, tot float64
	for i := range yTrue {
		d := yTrue[i] - yPred[i]
		res += d * d
		e := yTrue[i] - mean
		tot += e * e
	}
	if tot == 0 {
		if res == 0 {
			return 1, nil
		}
		return 0, nil
	}
	return 1 - res/tot, nil
}

// RegressionMetrics bundles the regression metrics of one set of predictions.
type RegressionMetrics struct {
	MSE, RMSE, MAE, R2 float64
}

// EvaluateRegression computes MSE, RMSE, MAE and R2 at once.
func EvaluateRegression(yTrue, yPred []float64) (RegressionMetrics, error) {
	var m RegressionMetrics
	var err error
	if m.MSE, err = MSE(yTrue, yPred); err != nil {
		return m, err
	}
	m.RMSE = math.Sqrt(m.MSE)
	m.MAE, _ = MAE(yTrue, yPred)
	m.R2, _ = R2(yTrue, yPred)
	return m, nil
}
