//go:build grading

package lab06

import (
	"fmt"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestKNN(t *testing.T) {
	knnPredict := func(t *testing.T, k int, s split) ([]float64, []float64, error) {
		ref := mlkit.NewKNN(k, mlkit.Euclidean, mlkit.Uniform)
		want, err := predictions(t, "mlkit", s, ref.Fit, ref.Predict)
		if err != nil {
			t.Fatal(err)
		}
		m := &KNN{K: k}
		got, err := predictions(t, "your KNN", s, m.Fit, m.Predict)
		return want, got, err
	}

	t.Run("5-NN on iris matches the library", func(t *testing.T) {
		s := irisSplit(t)
		want, got, err := knnPredict(t, 5, s)
		if err != nil {
			t.Fatal(err)
		}
		comparePredictions(t, "5-NN", s, want, got, 0.9667,
			"each test row gets the class most common among its 5 nearest training rows (Euclidean distance over all 4 features)")
	})

	t.Run("3-NN on digits matches the library", func(t *testing.T) {
		s := digitsSplit(t)
		want, got, err := knnPredict(t, 3, s)
		if err != nil {
			t.Fatal(err)
		}
		comparePredictions(t, "3-NN", s, want, got, 0.9711,
			"the distance runs over all 64 pixels; with 10 classes, a 1-1-1 vote goes to the smallest label")
	})

	t.Run("ties: the nearer row, then the earlier row, then the smaller class", func(t *testing.T) {
		cases := []struct {
			what   string
			k      int
			x      []float64 // one feature per training row
			y      []float64
			query  float64
			expect float64
			why    string
		}{
			{"two rows at distance 1 from the query, labelled 1 then 0", 1, []float64{0, 2}, []float64{1, 0}, 1, 1,
				"at equal distance the earlier training row is nearer: sort by (distance, training index), e.g. with a stable sort"},
			{"two rows at distance 1 from the query, labelled 0 then 1", 1, []float64{2, 0}, []float64{0, 1}, 1, 0,
				"at equal distance the earlier training row is nearer: sort by (distance, training index), e.g. with a stable sort"},
			{"a 1-1 vote between classes 2 and 1", 2, []float64{0, 1, 5}, []float64{2, 1, 0}, 0.4, 1,
				"when classes have as many votes, the smallest label wins (a map's iteration order is random: compare labels explicitly)"},
			{"a 2-1 vote where the lone vote is the nearest", 3, []float64{0, 1, 1.2, 9}, []float64{3, 1, 1, 3}, 0.1, 1,
				"every one of the K neighbours has one vote, however near: the class with the most votes wins"},
		}
		for _, tc := range cases {
			X := mat.NewDense(len(tc.x), 1, slices.Clone(tc.x))
			q := mat.NewDense(1, 1, []float64{tc.query})
			ref := mlkit.NewKNN(tc.k, mlkit.Euclidean, mlkit.Uniform)
			if err := ref.Fit(X, tc.y); err != nil {
				t.Fatal(err)
			}
			if want, _ := ref.Predict(q); want[0] != tc.expect {
				t.Fatalf("the library predicts %v for %s: the test is wrong", want[0], tc.what)
			}
			m := &KNN{K: tc.k}
			var (
				got []float64
				err error
			)
			if !labtest.Guard(t, "your KNN", func() {
				if err = m.Fit(X, tc.y); err == nil {
					got, err = m.Predict(q)
				}
			}) {
				continue
			}
			what := fmt.Sprintf("%d-NN trained on x=%v, labels %v, asked about x=%g (%s)", tc.k, tc.x, tc.y, tc.query, tc.what)
			switch {
			case err != nil:
				t.Errorf("%s: returned an error: %v", what, err)
			case len(got) != 1:
				t.Errorf("%s: %d predictions for 1 row", what, len(got))
			case got[0] != tc.expect:
				t.Errorf("%s", labtest.Mismatch(what, tc.expect, got[0], tc.why))
			}
		}
	})

	t.Run("bad input is an error, not a panic", func(t *testing.T) {
		s := irisSplit(t)
		m := &KNN{K: 5}
		if _, err := predictions(t, "your KNN", s, m.Fit, m.Predict); err != nil {
			t.Fatalf("5-NN must work on iris first: %v", err)
		}
		X := mat.NewDense(3, 2, []float64{0, 0, 1, 1, 2, 2})
		try := func(what, why string, fn func() error) {
			var err error
			if !labtest.Guard(t, what, func() { err = fn() }) {
				return
			}
			if err == nil {
				t.Errorf("%s returned no error: %s", what, why)
			}
		}
		try("Predict before Fit", "there is nothing to compare with yet", func() error {
			_, err := (&KNN{K: 1}).Predict(X)
			return err
		})
		try("Fit with K=0", "K must be at least 1", func() error { return (&KNN{K: 0}).Fit(X, []float64{0, 1, 1}) })
		try("Fit with K=4 on 3 rows", "there are not K neighbours to vote", func() error { return (&KNN{K: 4}).Fit(X, []float64{0, 1, 1}) })
		try("Fit with 2 labels for 3 rows", "every row needs its label", func() error { return (&KNN{K: 1}).Fit(X, []float64{0, 1}) })
		try("Predict rows of 3 features after fitting on 2", "the distance between rows of different widths means nothing", func() error {
			m := &KNN{K: 1}
			if err := m.Fit(X, []float64{0, 1, 1}); err != nil {
				return nil // already reported as an error above, not this one
			}
			_, err := m.Predict(mat.NewDense(1, 3, []float64{0, 0, 0}))
			return err
		})
	})
}
