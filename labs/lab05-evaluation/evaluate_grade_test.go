//go:build grading

package lab05

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// spy wraps a classifier and records how Evaluate uses it.
type spy struct {
	inner    mlkit.Classifier
	fits     int
	fitX     *mat.Dense
	fitY     []float64
	predicts int
	predX    *mat.Dense
	pred     []float64
}

func (s *spy) Type() string { return s.inner.Type() }

func (s *spy) Classes() []float64 { return s.inner.Classes() }

func (s *spy) Fit(X mat.Matrix, y []float64) error {
	s.fits++
	s.fitX, s.fitY = mat.DenseCopyOf(X), slices.Clone(y)
	return s.inner.Fit(X, y)
}

func (s *spy) Predict(X mat.Matrix) ([]float64, error) {
	s.predicts++
	s.predX = mat.DenseCopyOf(X)
	p, err := s.inner.Predict(X)
	s.pred = slices.Clone(p)
	return p, err
}

func (s *spy) PredictProba(X mat.Matrix) (*mat.Dense, error) { return s.inner.PredictProba(X) }

// holdoutOf builds a Holdout from rows of d the way the tests want it,
// without your NewHoldout.
func holdoutOf(t *testing.T, d *mlkit.Dataset, train, test []int) *Holdout {
	t.Helper()
	tr, err := d.Subset(train)
	if err != nil {
		t.Fatal(err)
	}
	te, err := d.Subset(test)
	if err != nil {
		t.Fatal(err)
	}
	return &Holdout{Train: tr, Test: te.WithoutLabels(), TestLabels: te.Y, TrainRows: train, TestRows: test}
}

// evalCase is a model, a holdout, and what Evaluate should make of them.
type evalCase struct {
	name  string
	model *spy
	h     *Holdout
	ref   mlkit.Classifier // a second, untouched model of the same kind

	got *Evaluation
	err error
}

func TestEvaluate(t *testing.T) {
	cancer := labtest.Dataset(t, "breast_cancer")
	iris := labtest.Dataset(t, "iris")
	heart := heartData(t)
	strat := func(d *mlkit.Dataset, size float64, seed uint64) *Holdout {
		s, err := mlkit.StratifiedSplit(d, size, seed)
		if err != nil {
			t.Fatal(err)
		}
		return holdoutOf(t, d, s.TrainIndex, s.TestIndex)
	}
	// Heart rows picked so that the training rows are mostly class 1 and
	// the test rows mostly class 0: the baseline must come from training.
	heartSkewed := holdoutOf(t, heart, []int{0, 2, 3, 7, 8, 9, 10, 12, 11, 13}, []int{1, 4, 5, 6, 14})
	cases := []*evalCase{
		{name: "5-NN on breast_cancer (stratified, 25% test)", model: &spy{inner: mlkit.NewKNN(5, mlkit.Euclidean, mlkit.Uniform)}, ref: mlkit.NewKNN(5, mlkit.Euclidean, mlkit.Uniform), h: strat(cancer, 0.25, 7)},
		{name: "Gaussian naive Bayes on iris (stratified, 20% test)", model: &spy{inner: &mlkit.GaussianNB{}}, ref: &mlkit.GaussianNB{}, h: strat(iris, 0.2, 3)},
		{name: "3-NN on the heart sample (rows 1 4 5 6 14 held out)", model: &spy{inner: mlkit.NewKNN(3, mlkit.Euclidean, mlkit.Uniform)}, ref: mlkit.NewKNN(3, mlkit.Euclidean, mlkit.Uniform), h: heartSkewed},
	}
	for _, c := range cases {
		if !labtest.Guard(t, "Evaluate", func() { c.got, c.err = Evaluate(c.model, c.h) }) {
			c.err = errors.New("it panicked")
		}
	}
	// each runs check on every case Evaluate answered, with the library's
	// answers.
	each := func(t *testing.T, check func(c *evalCase, pred []float64, cm *mlkit.ConfusionMatrix)) {
		for _, c := range cases {
			if c.err != nil || c.got == nil {
				t.Errorf("Evaluate(%s) returned %s and no evaluation", c.name, labtest.ErrText(c.err))
				continue
			}
			if err := c.ref.Fit(c.h.Train.X, c.h.Train.Y); err != nil {
				t.Fatal(err)
			}
			pred, err := c.ref.Predict(c.h.Test.X)
			if err != nil {
				t.Fatal(err)
			}
			labels := slices.Concat(c.h.Train.Y, c.h.TestLabels)
			slices.Sort(labels)
			cm, err := mlkit.ConfusionMatrixOf(c.h.TestLabels, pred, slices.Compact(labels))
			if err != nil {
				t.Fatal(err)
			}
			check(c, pred, cm)
		}
	}

	t.Run("the model learns from the training rows only", func(t *testing.T) {
		each(t, func(c *evalCase, pred []float64, _ *mlkit.ConfusionMatrix) {
			m := c.model
			switch {
			case m.fits != 1:
				t.Errorf("Evaluate(%s) called Fit %d times, want once, on the training rows", c.name, m.fits)
			case !mat.Equal(m.fitX, c.h.Train.X) || !slices.Equal(m.fitY, c.h.Train.Y):
				r, _ := m.fitX.Dims()
				t.Errorf("Evaluate(%s) fitted the model on %d rows that are not the training part (%d rows): fit on h.Train.X and h.Train.Y, and nothing else; a test row in training makes the score a lie", c.name, r, c.h.Train.Rows())
			}
			switch {
			case m.predicts == 0:
				t.Errorf("Evaluate(%s) never called Predict: the evaluation is of the model's predictions for h.Test.X", c.name)
			case !mat.Equal(m.predX, c.h.Test.X):
				r, _ := m.predX.Dims()
				t.Errorf("Evaluate(%s) predicted %d rows that are not the test part (%d rows): predict h.Test.X", c.name, r, c.h.Test.Rows())
			}
			if !slices.Equal(c.got.Predictions, pred) {
				t.Errorf("%s", labtest.Mismatch(c.name+": Predictions", pred, c.got.Predictions, "Predictions are what model.Predict(h.Test.X) returned"))
			}
			if c.got.Model != c.model.Type() || c.got.TrainRows != c.h.Train.Rows() || c.got.TestRows != c.h.Test.Rows() {
				t.Errorf("%s", labtest.Mismatch(c.name+": Model, TrainRows, TestRows", fmt.Sprintf("%s %d %d", c.model.Type(), c.h.Train.Rows(), c.h.Test.Rows()),
					fmt.Sprintf("%s %d %d", c.got.Model, c.got.TrainRows, c.got.TestRows), "model.Type() and the number of rows of each part"))
			}
		})
	})

	t.Run("accuracy and the confusion matrix", func(t *testing.T) {
		each(t, func(c *evalCase, pred []float64, cm *mlkit.ConfusionMatrix) {
			acc, _ := mlkit.Accuracy(c.h.TestLabels, pred)
			if !labtest.Close(acc, c.got.Accuracy, tol) {
				t.Errorf("%s", labtest.Mismatch(c.name+": Accuracy", acc, c.got.Accuracy, "compare the predictions with h.TestLabels, the labels held back"))
			}
			if !slices.Equal(c.got.Labels, cm.Labels) {
				t.Errorf("%s", labtest.Mismatch(c.name+": Labels", cm.Labels, c.got.Labels, "the distinct labels of the training rows and of the test rows, increasing"))
				return
			}
			if fmt.Sprint(c.got.Confusion) != fmt.Sprint(cm.Counts) {
				hint := "Confusion[i][j] counts the test rows labelled Labels[i] and predicted Labels[j]"
				if fmt.Sprint(c.got.Confusion) == fmt.Sprint(transpose(cm.Counts)) {
					hint = "rows and columns are swapped: rows are the true labels"
				}
				t.Errorf("%s", labtest.Mismatch(c.name+": Confusion", cm.Counts, c.got.Confusion, hint))
			}
		})
	})

	t.Run("precision, recall and F1 per class, and their macro means", func(t *testing.T) {
		each(t, func(c *evalCase, _ []float64, cm *mlkit.ConfusionMatrix) {
			r := cm.Report()
			if len(c.got.Classes) != len(r.Classes) {
				t.Errorf("%s", labtest.Mismatch(c.name+": classes scored", len(r.Classes), len(c.got.Classes), "one ClassScores per label of Labels"))
				return
			}
			for i, want := range r.Classes {
				g := c.got.Classes[i]
				if g.Label != want.Label || g.Support != want.Support || !labtest.Close(want.Precision, g.Precision, tol) || !labtest.Close(want.Recall, g.Recall, tol) || !labtest.Close(want.F1, g.F1, tol) {
					t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s: scores of class %g", c.name, want.Label), scoresText(ClassScores(want)), scoresText(g), "Scores (exercise 5) of the confusion matrix, or the library's cm.Report()"))
				}
			}
			if !labtest.Close(r.MacroPrecision, c.got.MacroPrecision, tol) || !labtest.Close(r.MacroRecall, c.got.MacroRecall, tol) || !labtest.Close(r.MacroF1, c.got.MacroF1, tol) {
				t.Errorf("%s", labtest.Mismatch(c.name+": macro precision, recall, F1", fmt.Sprintf("%.4f %.4f %.4f", r.MacroPrecision, r.MacroRecall, r.MacroF1),
					fmt.Sprintf("%.4f %.4f %.4f", c.got.MacroPrecision, c.got.MacroRecall, c.got.MacroF1), "the plain means of the classes' scores"))
			}
		})
	})

	t.Run("the majority-class baseline", func(t *testing.T) {
		each(t, func(c *evalCase, _ []float64, _ *mlkit.ConfusionMatrix) {
			counts := map[float64]int{}
			for _, y := range c.h.Train.Y {
				counts[y]++
			}
			majority := math.Inf(1)
			for _, l := range c.h.Train.LabelValues() {
				if math.IsInf(majority, 1) || counts[l] > counts[majority] {
					majority = l
				}
			}
			right := 0
			for _, y := range c.h.TestLabels {
				if y == majority {
					right++
				}
			}
			baseline := float64(right) / float64(len(c.h.TestLabels))
			if c.got.Majority == majority && labtest.Close(baseline, c.got.Baseline, tol) {
				return
			}
			hint := "the baseline predicts the most common class of the training labels for every test row; its accuracy is the share of test rows of that class"
			testCounts := map[float64]int{}
			for _, y := range c.h.TestLabels {
				testCounts[y]++
			}
			if c.got.Majority != majority && testCounts[c.got.Majority] > testCounts[majority] {
				hint = "that is the most common class of the test labels: the baseline learns from the training rows, as a model must; it may not peek at the test labels either"
			}
			t.Errorf("%s", labtest.Mismatch(c.name+": Majority and Baseline", fmt.Sprintf("%g and %.4f", majority, baseline), fmt.Sprintf("%g and %.4f", c.got.Majority, c.got.Baseline), hint))
		})
	})
}
