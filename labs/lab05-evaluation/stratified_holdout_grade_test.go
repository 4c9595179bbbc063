//go:build grading

package lab05

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// stratifiedRows is the contract of StratifiedHoldout, written out.
func stratifiedRows(d *mlkit.Dataset, size float64, seed uint64) (train, test []int, quota map[float64]int) {
	n := map[float64]int{}
	for _, y := range d.Y {
		n[y]++
	}
	quota = map[float64]int{}
	for c, k := range n {
		quota[c] = min(max(int(math.Round(size*float64(k))), 1), k-1)
	}
	left := maps(quota)
	for _, i := range mlkit.Permutation(d.Rows(), seed) {
		if left[d.Y[i]] > 0 {
			left[d.Y[i]]--
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test, quota
}

func maps(m map[float64]int) map[float64]int {
	out := make(map[float64]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// classCounts prints how many of rows each class has: "0: 1, 1: 2".
func classCounts(d *mlkit.Dataset, rows []int) string {
	n := map[float64]int{}
	for _, i := range rows {
		if i >= 0 && i < d.Rows() {
			n[d.Y[i]]++
		}
	}
	var parts []string
	for _, v := range d.LabelValues() {
		parts = append(parts, fmt.Sprintf("%s: %d", d.ClassName(v), n[v]))
	}
	return strings.Join(parts, ", ")
}

func TestStratifiedHoldout(t *testing.T) {
	heart := heartData(t)
	iris := labtest.Dataset(t, "iris")
	cancer := labtest.Dataset(t, "breast_cancer")
	wine := labtest.Dataset(t, "wine")
	type tcase struct {
		name string
		d    *mlkit.Dataset
		size float64
		seed uint64
	}
	cases := []tcase{{"heart", heart, 0.2, 5}, {"heart", heart, 1.0 / 3, 9}, {"breast_cancer", cancer, 0.25, 7}, {"iris", iris, 0.2, 3}, {"wine", wine, 0.3, 11}}
	calls := make([]holdoutCall, len(cases))
	for k, tc := range cases {
		calls[k] = callHoldout(t, "StratifiedHoldout", func() (*Holdout, error) { return StratifiedHoldout(tc.d, tc.size, tc.seed) })
	}
	describe := func(tc tcase) string {
		return fmt.Sprintf("StratifiedHoldout(%s, testSize=%.4g, seed=%d)", tc.name, tc.size, tc.seed)
	}

	t.Run("each class keeps its share", func(t *testing.T) {
		for k, tc := range cases {
			c := calls[k]
			if c.err != nil || c.h == nil {
				t.Errorf("%s returned %s and no holdout", describe(tc), labtest.ErrText(c.err))
				continue
			}
			_, test, _ := stratifiedRows(tc.d, tc.size, tc.seed)
			want, got := classCounts(tc.d, test), classCounts(tc.d, c.h.TestRows)
			if want == got {
				continue
			}
			lib := ""
			if split, err := mlkit.StratifiedSplit(tc.d, tc.size, tc.seed); err == nil {
				lib = fmt.Sprintf(" (the library's StratifiedSplit, which hands out the rows left over by largest remainder, gives %s)", classCounts(tc.d, split.TestIndex))
			}
			t.Errorf("%s: test rows per class:\n  expected: %s%s\n  got:      %s\n  each class of n rows gets round(testSize * n) test rows (at least 1, at most n-1): count the classes first, then fill each one's quota",
				describe(tc), want, lib, got)
		}
	})

	t.Run("the rows follow the walk of the permutation", func(t *testing.T) {
		for k, tc := range cases {
			c := calls[k]
			if c.err != nil || c.h == nil {
				t.Errorf("%s returned %s and no holdout", describe(tc), labtest.ErrText(c.err))
				continue
			}
			train, test, _ := stratifiedRows(tc.d, tc.size, tc.seed)
			if slices.Equal(c.h.TestRows, test) && slices.Equal(c.h.TrainRows, train) {
				continue
			}
			hint := "walk mlkit.Permutation(rows, seed) once: a row goes to the test part while its class's quota is not yet full, otherwise to the training part"
			if slices.Equal(sorted(c.h.TestRows), sorted(test)) {
				hint = "the right rows, in another order: keep the order of the walk"
			}
			t.Errorf("%s", labtest.Mismatch(describe(tc)+": TestRows", test, c.h.TestRows, hint))
		}
	})

	t.Run("no row is lost and the test labels are held back", func(t *testing.T) {
		for k, tc := range cases {
			c := calls[k]
			train, test, _ := stratifiedRows(tc.d, tc.size, tc.seed)
			checkHoldout(t, describe(tc), tc.d, c, train, test)
		}
	})

	t.Run("a split it cannot make is an error", func(t *testing.T) {
		if calls[0].err != nil || calls[0].h == nil {
			t.Fatalf("%s must work first; it returned %s", describe(cases[0]), labtest.ErrText(calls[0].err))
		}
		// Row 0 is the only row of class 2.
		lonely := heart.Clone()
		lonely.Y[0] = 2
		for _, bad := range []struct {
			what string
			d    *mlkit.Dataset
			size float64
			why  string
		}{
			{"a class with a single row", lonely, 0.2, "a class of one row cannot be on both sides"},
			{"test size 0", heart, 0, "the test size is a share strictly between 0 and 1"},
			{"test size 1", heart, 1, "the test size is a share strictly between 0 and 1"},
			{"data without labels", heart.WithoutLabels(), 0.2, "stratifying needs labels: check d.HasLabels()"},
		} {
			c := callHoldout(t, "StratifiedHoldout", func() (*Holdout, error) { return StratifiedHoldout(bad.d, bad.size, 1) })
			if c.err == nil {
				t.Errorf("StratifiedHoldout with %s returned no error: %s", bad.what, bad.why)
			}
		}
	})
}
