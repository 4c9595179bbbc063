//go:build grading

package lab05

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestRandomHoldout(t *testing.T) {
	heart := heartData(t)
	iris := labtest.Dataset(t, "iris")
	cancer := labtest.Dataset(t, "breast_cancer")

	t.Run("NewHoldout holds the test labels back", func(t *testing.T) {
		train := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
		test := []int{12, 10, 14, 11, 13}
		c := callHoldout(t, "NewHoldout", func() (*Holdout, error) { return NewHoldout(heart, train, test) })
		if c.h != nil {
			test[0] = 0 // the caller's slice changes afterwards: the holdout must not
		}
		checkHoldout(t, "NewHoldout(heart, rows 0-9, rows 12 10 14 11 13)", heart, c, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []int{12, 10, 14, 11, 13})
		if t.Failed() && c.h != nil && len(c.h.TestRows) > 0 && c.h.TestRows[0] == 0 {
			t.Errorf("TestRows changed when the caller changed its slice afterwards: keep a copy (append([]int(nil), testRows...))")
		}
		irisTrain, irisTest := []int{0, 50, 100, 1, 51, 101}, []int{149, 49, 99}
		c = callHoldout(t, "NewHoldout", func() (*Holdout, error) { return NewHoldout(iris, irisTrain, irisTest) })
		checkHoldout(t, "NewHoldout(iris, rows 0 50 100 1 51 101, rows 149 49 99)", iris, c, irisTrain, irisTest)
		if c.h != nil && c.h.Train != nil && !slices.Equal(c.h.Train.Classes, iris.Classes) {
			t.Errorf("%s", labtest.Mismatch("the iris Train part's Classes", iris.Classes, c.h.Train.Classes, "the training part keeps the class names: Subset keeps them"))
		}
	})

	t.Run("NewHoldout refuses rows it cannot use", func(t *testing.T) {
		c := callHoldout(t, "NewHoldout", func() (*Holdout, error) { return NewHoldout(heart, []int{0, 1, 2}, []int{3, 4}) })
		if c.err != nil || c.h == nil {
			t.Fatalf("NewHoldout(heart, trainRows=[0 1 2], testRows=[3 4]) must work first; it returned %s", labtest.ErrText(c.err))
		}
		cases := []struct {
			what        string
			d           *mlkit.Dataset
			train, test []int
			why         string
		}{
			{"row 3 in both parts", heart, []int{0, 1, 2, 3}, []int{3, 4}, "a test row the model trained on measures memory, not prediction"},
			{"row 2 twice in the training part", heart, []int{0, 2, 2}, []int{3, 4}, "each row belongs in one place, once"},
			{"row 15 of a 15-row data set", heart, []int{0, 1}, []int{15}, "check every index is in [0, d.Rows())"},
			{"row -1", heart, []int{-1, 1}, []int{2}, "check every index is in [0, d.Rows())"},
			{"no test rows", heart, []int{0, 1}, nil, "both parts need at least one row"},
			{"no training rows", heart, nil, []int{0, 1}, "both parts need at least one row"},
			{"data without labels", heart.WithoutLabels(), []int{0, 1}, []int{2}, "there is nothing to hold back: check d.HasLabels()"},
		}
		for _, tc := range cases {
			c := callHoldout(t, "NewHoldout", func() (*Holdout, error) { return NewHoldout(tc.d, tc.train, tc.test) })
			if c.err == nil {
				t.Errorf("NewHoldout with %s (train %v, test %v) returned no error: %s", tc.what, tc.train, tc.test, tc.why)
			}
		}
	})

	t.Run("RandomHoldout takes ceil(testSize x rows) test rows", func(t *testing.T) {
		cases := []struct {
			name string
			d    *mlkit.Dataset
			size float64
			want int
		}{
			{"heart", heart, 0.2, 3}, {"heart", heart, 0.25, 4}, {"heart", heart, 1.0 / 3, 5},
			{"breast_cancer", cancer, 0.25, 143}, {"iris", iris, 0.1, 15},
		}
		for _, tc := range cases {
			c := callHoldout(t, "RandomHoldout", func() (*Holdout, error) { return RandomHoldout(tc.d, tc.size, 1) })
			what := fmt.Sprintf("RandomHoldout(%s (%d rows), testSize=%.4g, seed=1)", tc.name, tc.d.Rows(), tc.size)
			if c.err != nil || c.h == nil {
				t.Errorf("%s returned %s and no holdout", what, labtest.ErrText(c.err))
				continue
			}
			if got := len(c.h.TestRows); got != tc.want {
				hint := "ceil(testSize * rows), rounded up with math.Ceil"
				if got == int(tc.size*float64(tc.d.Rows())) {
					hint = "the count was rounded down: round up with math.Ceil, as scikit-learn does, so that a small test part is never empty"
				}
				t.Errorf("%s", labtest.Mismatch(what+": test rows", tc.want, got, hint))
			}
			if len(c.h.TrainRows)+len(c.h.TestRows) != tc.d.Rows() {
				t.Errorf("%s: %d training and %d test rows, but the data set has %d: every row goes to one part", what, len(c.h.TrainRows), len(c.h.TestRows), tc.d.Rows())
			}
		}
	})

	t.Run("RandomHoldout picks the rows mlkit.TrainTestSplit picks", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			d    *mlkit.Dataset
			size float64
			seed uint64
		}{{"heart", heart, 0.2, 42}, {"breast_cancer", cancer, 0.25, 7}, {"iris", iris, 0.3, 1}} {
			split, err := mlkit.TrainTestSplit(tc.d, tc.size, tc.seed)
			if err != nil {
				t.Fatal(err)
			}
			c := callHoldout(t, "RandomHoldout", func() (*Holdout, error) { return RandomHoldout(tc.d, tc.size, tc.seed) })
			what := fmt.Sprintf("RandomHoldout(%s, testSize=%g, seed=%d)", tc.name, tc.size, tc.seed)
			if c.err == nil && c.h != nil {
				perm := mlkit.Permutation(tc.d.Rows(), tc.seed)
				nTest := len(split.TestIndex)
				switch {
				case slices.Equal(c.h.TestRows, perm[len(perm)-nTest:]):
					t.Errorf("%s took the test rows from the end of the permutation: the test rows are the first ceil(testSize*n) of mlkit.Permutation(n, seed), the training rows the rest", what)
					continue
				case !slices.Equal(c.h.TestRows, split.TestIndex) && slices.Equal(sorted(c.h.TestRows), sorted(split.TestIndex)):
					t.Errorf("%s has the right test rows in another order (%v, want %v): keep the order of the permutation", what, c.h.TestRows, split.TestIndex)
					continue
				}
			}
			checkHoldout(t, what, tc.d, c, split.TrainIndex, split.TestIndex)
		}
	})

	t.Run("a test size outside (0, 1) is an error", func(t *testing.T) {
		c := callHoldout(t, "RandomHoldout", func() (*Holdout, error) { return RandomHoldout(heart, 0.2, 1) })
		if c.err != nil || c.h == nil {
			t.Fatalf("RandomHoldout(heart, testSize=0.2, seed=1) must work first; it returned %s", labtest.ErrText(c.err))
		}
		for _, size := range []float64{0, 1, -0.2, 1.5, math.NaN(), 0.99} {
			c := callHoldout(t, "RandomHoldout", func() (*Holdout, error) { return RandomHoldout(heart, size, 1) })
			if c.err == nil {
				why := "the test size is a share of the rows, strictly between 0 and 1"
				if size == 0.99 {
					why = "ceil(0.99 * 15) = 15 test rows leaves nothing to train on"
				}
				t.Errorf("RandomHoldout(heart, testSize=%v, seed=1) returned no error: %s", size, why)
			}
		}
	})
}
