//go:build grading

// Grading tests of lab 5. Each exercise has one top-level test; each of its
// subtests earns a share of the exercise's points. Exercise 1 writes rows of
// the shipped data sets to fresh topics of the grader's broker (or an
// embedded one) and reads them back with your LoadTopic; the others call your
// functions on the shipped data sets and compare what comes back with the
// course's model library, pkg/mlkit.
package lab05

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// tol is how close two scores must be: they are ratios of small counts, so
// only rounding separates a right answer from the library's.
const tol = 1e-9

// heartData is the heart sample as the lab uses it: HeartFeatures and the
// target label.
func heartData(t *testing.T) *mlkit.Dataset {
	t.Helper()
	d := labtest.Dataset(t, "heart_sample")
	cols := make([]int, len(HeartFeatures))
	for j, f := range HeartFeatures {
		cols[j] = d.Column(f)
	}
	X := mat.NewDense(d.Rows(), len(cols), nil)
	for i := 0; i < d.Rows(); i++ {
		for j, c := range cols {
			X.Set(i, j, d.X.At(i, c))
		}
	}
	out, err := mlkit.NewDataset(X, slices.Clone(HeartFeatures), d.Label, slices.Clone(d.Y), nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rowText prints row i of d as "age=63 sex=1 trestbps=233 target=1" (the
// first few features of a wide data set, then "...").
func rowText(d *mlkit.Dataset, i int) string {
	var parts []string
	for j, f := range d.Features {
		if j == 4 && len(d.Features) > 5 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, fmt.Sprintf("%s=%g", f, d.X.At(i, j)))
	}
	if d.HasLabels() {
		parts = append(parts, d.Label+"="+d.ClassName(d.Y[i]))
	}
	return strings.Join(parts, " ")
}

// sameRow reports whether row i of got equals row k of want, features and
// label.
func sameRow(want *mlkit.Dataset, k int, got *mlkit.Dataset, i int) bool {
	if !slices.Equal(want.X.RawRowView(k), got.X.RawRowView(i)) {
		return false
	}
	if want.HasLabels() != got.HasLabels() {
		return false
	}
	return !want.HasLabels() || want.ClassName(want.Y[k]) == got.ClassName(got.Y[i])
}

// findRow returns the index of the row of d equal to row k of want, or -1.
func findRow(want *mlkit.Dataset, k int, d *mlkit.Dataset) int {
	for i := 0; i < d.Rows(); i++ {
		if sameRow(want, k, d, i) {
			return i
		}
	}
	return -1
}

// ---------------------------------------------------------------------------
// Exercise 1: from a topic to a data set.

// loaded is one call of LoadTopic.
type loaded struct {
	d   *mlkit.Dataset
	err error
}

// loadWait is how long one LoadTopic call may take: reading a few hundred
// records takes well under a second, so only a call that waits for records
// the topic does not hold comes near it, even on a loaded machine.
const loadWait = 30 * time.Second

// loadHung is set once a LoadTopic call has not returned in time: the later
// calls are not made, to keep the test within its deadline.
var loadHung bool

func callLoadTopic(t *testing.T, bootstrap, topic string, opts mlkit.LoadOptions) loaded {
	t.Helper()
	var out loaded
	if loadHung {
		out.err = errors.New("not called again: an earlier LoadTopic call did not return")
		return out
	}
	var returned atomic.Bool // also when it panicked
	var d *mlkit.Dataset
	var err error
	ok := labtest.Within(t, loadWait, fmt.Sprintf("LoadTopic(%s)", topic), func(ctx context.Context) {
		defer returned.Store(true)
		d, err = LoadTopic(ctx, bootstrap, topic, opts)
	})
	if !returned.Load() {
		loadHung = true
		out.err = errors.New("LoadTopic did not return (see above)")
		return out
	}
	out.d, out.err = d, err
	if !ok && out.err == nil && out.d == nil {
		out.err = errors.New("LoadTopic panicked (see above)")
	}
	return out
}

// checkLoaded compares what LoadTopic returned with the data set it should
// have read, explaining the usual mistakes.
func checkLoaded(t *testing.T, what string, got loaded, want *mlkit.Dataset, sent []int) {
	t.Helper()
	if got.err != nil {
		t.Errorf("LoadTopic on %s returned an error: %v", what, got.err)
		return
	}
	if got.d == nil {
		t.Errorf("LoadTopic on %s returned neither a data set nor an error", what)
		return
	}
	d := got.d
	if !slices.Equal(d.Features, want.Features) || d.Label != want.Label {
		t.Errorf("%s", labtest.Mismatch("columns of the data set read from "+what,
			fmt.Sprintf("features %v, label %q", want.Features, want.Label), fmt.Sprintf("features %v, label %q", d.Features, d.Label),
			"pass opts on to mlkit.FromRecords unchanged: they name the label and the features"))
		return
	}
	if d.Rows() != want.Rows() {
		hint := "every row index should appear once, whatever partition it was in"
		if d.Rows() > want.Rows() {
			hint = "a row written twice must count once: keep the latest value per key (a map by row index), as a table does"
		}
		t.Errorf("%s", labtest.Mismatch("rows read from "+what, want.Rows(), d.Rows(), hint))
		return
	}
	wrong := 0
	for i := 0; i < want.Rows(); i++ {
		if !sameRow(want, i, d, i) {
			wrong++
		}
	}
	if wrong == 0 {
		return
	}
	// Name the mistake: rows sorted as text, or left in the order they came.
	var asText []string
	for i := 0; i < want.Rows(); i++ {
		asText = append(asText, strconv.Itoa(i))
	}
	sort.Strings(asText)
	textOrder := true
	for i, s := range asText {
		k, _ := strconv.Atoi(s)
		if !sameRow(want, k, d, i) {
			textOrder = false
			break
		}
	}
	arrival := sent != nil
	for i := 0; arrival && i < len(sent) && i < d.Rows(); i++ {
		if !sameRow(want, sent[i], d, i) {
			arrival = false
		}
	}
	hint := "row i of the data set must be the record whose key is i"
	switch {
	case textOrder:
		hint = `the rows are sorted by key as text ("10" before "2"): parse the keys with strconv.Atoi and sort the numbers`
	case arrival:
		hint = "the rows are in the order they were sent, not by row index: records of different partitions interleave, so sort by key"
	}
	for i := 0; i < want.Rows(); i++ {
		if !sameRow(want, i, d, i) {
			where := "it is nowhere in the data set"
			if k := findRow(want, i, d); k >= 0 {
				where = fmt.Sprintf("it came back as row %d", k)
			}
			t.Errorf("%s: %d of %d rows are not where they belong. Row %d (key %q) should be %s, but it is %s; %s. %s",
				what, wrong, want.Rows(), i, strconv.Itoa(i), rowText(want, i), rowText(d, i), where, hint)
			return
		}
	}
}

func TestLoadTopic(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	heart := heartData(t)
	heartAll := labtest.Dataset(t, "heart_sample")
	cancer := labtest.Dataset(t, "breast_cancer")
	heartOpts := mlkit.LoadOptions{Label: HeartLabel, Features: HeartFeatures}
	cancerOpts := mlkit.LoadOptions{Label: BreastCancerLabel, Features: cancer.Features}

	// The heart sample, shuffled over three partitions.
	shuffledTopic := labtest.Topic(t, "heart")
	labtest.CreateTopic(t, bootstrap, shuffledTopic, 3)
	order := mlkit.Permutation(heartAll.Rows(), 5)
	labtest.ProduceRows(t, bootstrap, shuffledTopic, heartAll, order, 3)

	// The heart sample replayed: every row twice, rows 3 and 12 with new
	// values the second time.
	replayTopic := labtest.Topic(t, "heart-replayed")
	labtest.CreateTopic(t, bootstrap, replayTopic, 3)
	replayed := heartAll.Clone()
	replayed.X.Set(3, replayed.Column("age"), 61)
	replayed.X.Set(12, replayed.Column("trestbps"), 180)
	labtest.ProduceRows(t, bootstrap, replayTopic, heartAll, order, 3)
	labtest.ProduceRows(t, bootstrap, replayTopic, replayed, mlkit.Permutation(heartAll.Rows(), 6), 3)
	replayedWant := heart.Clone()
	replayedWant.X.Set(3, 0, 61)
	replayedWant.X.Set(12, 2, 180)

	// breast_cancer, last row first.
	cancerTopic := labtest.Topic(t, "breast-cancer")
	labtest.CreateTopic(t, bootstrap, cancerTopic, 3)
	reversed := make([]int, cancer.Rows())
	for i := range reversed {
		reversed[i] = cancer.Rows() - 1 - i
	}
	labtest.ProduceRows(t, bootstrap, cancerTopic, cancer, reversed, 3)

	// Rows 0 to 14, row 11's value not JSON.
	badTopic := labtest.Topic(t, "heart-bad")
	labtest.CreateTopic(t, bootstrap, badTopic, 1)
	var msgs []*sarama.ProducerMessage
	for i := 0; i < heartAll.Rows(); i++ {
		m := labtest.RowRecord(t, heartAll, badTopic, i)
		if i == 11 {
			m.Value = sarama.StringEncoder("oops")
		}
		msgs = append(msgs, m)
	}
	labtest.Produce(t, bootstrap, msgs...)

	shuffled := callLoadTopic(t, bootstrap, shuffledTopic, heartOpts)

	t.Run("the rows come back in row order", func(t *testing.T) {
		checkLoaded(t, "the heart sample (15 rows over 3 partitions)", shuffled, heart, order)
		checkLoaded(t, "breast_cancer (569 rows, sent last row first)", callLoadTopic(t, bootstrap, cancerTopic, cancerOpts), cancer, reversed)
	})

	t.Run("a replayed row counts once, its latest value winning", func(t *testing.T) {
		got := callLoadTopic(t, bootstrap, replayTopic, heartOpts)
		checkLoaded(t, "the heart sample written twice (rows 3 and 12 changed the second time: age 61, trestbps 180)", got, replayedWant, nil)
		if t.Failed() && got.d != nil && got.d.Rows() == heart.Rows() && sameRow(heart, 3, got.d, 3) {
			t.Errorf("row 3 kept its first value (age 56), not the later one (age 61): a later record of the same key replaces the earlier one")
		}
	})

	t.Run("a value that is not JSON is an error naming its key", func(t *testing.T) {
		if shuffled.err != nil || shuffled.d == nil {
			t.Fatalf("LoadTopic must first read a good topic (the heart sample) without an error; it returned %v", shuffled.err)
		}
		got := callLoadTopic(t, bootstrap, badTopic, heartOpts)
		switch {
		case got.err == nil:
			t.Errorf("LoadTopic read a topic whose row 11 has the value %q and returned no error (%d rows): return an error when json.Unmarshal fails, or the row silently vanishes from the data", "oops", got.d.Rows())
		case !strings.Contains(got.err.Error(), "11"):
			t.Errorf("LoadTopic's error for the bad row does not say which row it is: %q; name the key (11) so that someone can find the record", got.err)
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 2: a random train/test split, labels held back.

type holdoutCall struct {
	h   *Holdout
	err error
}

func callHoldout(t *testing.T, what string, fn func() (*Holdout, error)) holdoutCall {
	t.Helper()
	var c holdoutCall
	if !labtest.Guard(t, what, func() { c.h, c.err = fn() }) {
		c.err = errors.New("it panicked")
	}
	return c
}

// checkHoldout checks a holdout against the rows it should hold: the parts'
// contents, the labels held back, and the row indices.
func checkHoldout(t *testing.T, what string, d *mlkit.Dataset, c holdoutCall, trainRows, testRows []int) {
	t.Helper()
	if c.err != nil {
		t.Errorf("%s returned an error: %v", what, c.err)
		return
	}
	h := c.h
	if h == nil || h.Train == nil || h.Test == nil {
		t.Errorf("%s returned a holdout without a Train or Test part (or none at all)", what)
		return
	}
	if !slices.Equal(h.TrainRows, trainRows) || !slices.Equal(h.TestRows, testRows) {
		t.Errorf("%s", labtest.Mismatch(what+": TrainRows and TestRows", fmt.Sprintf("%v and %v", trainRows, testRows), fmt.Sprintf("%v and %v", h.TrainRows, h.TestRows), "they are the indices in the original data set, in the order of the parts"))
		return
	}
	if h.Test.Label != "" || h.Test.Y != nil || h.Test.Classes != nil {
		t.Errorf("%s: the Test part still carries its labels (Label %q, %d labels): give it test.WithoutLabels(); the labels go to TestLabels only, so that the model cannot see them", what, h.Test.Label, len(h.Test.Y))
	}
	if h.Train.Rows() != len(trainRows) || h.Test.Rows() != len(testRows) {
		t.Errorf("%s: Train has %d rows and Test %d, want %d and %d", what, h.Train.Rows(), h.Test.Rows(), len(trainRows), len(testRows))
		return
	}
	if !h.Train.HasLabels() {
		t.Errorf("%s: the Train part has no labels: a model learns from the training rows and their labels", what)
		return
	}
	for k, i := range trainRows {
		if !sameRow(d, i, h.Train, k) {
			t.Errorf("%s: row %d of Train should be row %d of the data set (%s), got %s", what, k, i, rowText(d, i), rowText(h.Train, k))
			return
		}
	}
	for k, i := range testRows {
		if !slices.Equal(d.X.RawRowView(i), h.Test.X.RawRowView(k)) {
			t.Errorf("%s: row %d of Test should hold the features of row %d of the data set (%v), got %v", what, k, i, d.X.RawRowView(i), h.Test.X.RawRowView(k))
			return
		}
	}
	wantLabels := make([]float64, len(testRows))
	for k, i := range testRows {
		wantLabels[k] = d.Y[i]
	}
	if !slices.Equal(h.TestLabels, wantLabels) {
		t.Errorf("%s", labtest.Mismatch(what+": TestLabels (the labels of the test rows, in order)", wantLabels, h.TestLabels, ""))
	}
}

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
			t.Fatalf("NewHoldout(heart, [0 1 2], [3 4]) must work first; it returned %v", c.err)
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
			what := fmt.Sprintf("RandomHoldout(%s (%d rows), %.4g, 1)", tc.name, tc.d.Rows(), tc.size)
			if c.err != nil || c.h == nil {
				t.Errorf("%s returned %v and no holdout", what, c.err)
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
			what := fmt.Sprintf("RandomHoldout(%s, %g, %d)", tc.name, tc.size, tc.seed)
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
			t.Fatalf("RandomHoldout(heart, 0.2, 1) must work first; it returned %v", c.err)
		}
		for _, size := range []float64{0, 1, -0.2, 1.5, math.NaN(), 0.99} {
			c := callHoldout(t, "RandomHoldout", func() (*Holdout, error) { return RandomHoldout(heart, size, 1) })
			if c.err == nil {
				why := "the test size is a share of the rows, strictly between 0 and 1"
				if size == 0.99 {
					why = "ceil(0.99 * 15) = 15 test rows leaves nothing to train on"
				}
				t.Errorf("RandomHoldout(heart, %v, 1) returned no error: %s", size, why)
			}
		}
	})
}

func sorted(v []int) []int {
	s := slices.Clone(v)
	slices.Sort(s)
	return s
}

// ---------------------------------------------------------------------------
// Exercise 3: a stratified split.

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
		return fmt.Sprintf("StratifiedHoldout(%s, %.4g, %d)", tc.name, tc.size, tc.seed)
	}

	t.Run("each class keeps its share", func(t *testing.T) {
		for k, tc := range cases {
			c := calls[k]
			if c.err != nil || c.h == nil {
				t.Errorf("%s returned %v and no holdout", describe(tc), c.err)
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
				t.Errorf("%s returned %v and no holdout", describe(tc), c.err)
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
			t.Fatalf("%s must work first; it returned %v", describe(cases[0]), calls[0].err)
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

// ---------------------------------------------------------------------------
// Exercise 4: accuracy and the confusion matrix.

// A small three-class example, and the binary one of a cancer screen.
var (
	yTrue3 = []float64{0, 1, 2, 2, 1, 0, 2, 1, 1, 0, 2, 2}
	yPred3 = []float64{0, 2, 2, 2, 1, 0, 1, 1, 0, 0, 2, 1}
	yTrue2 = []float64{1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 1}
	yPred2 = []float64{1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1}
)

func TestMetrics(t *testing.T) {
	accuracy := func(t *testing.T, yt, yp []float64) (v float64, err error) {
		if !labtest.Guard(t, "Accuracy", func() { v, err = Accuracy(yt, yp) }) {
			err = errors.New("it panicked")
		}
		return v, err
	}
	confusion := func(t *testing.T, yt, yp, labels []float64) (c [][]int, err error) {
		if !labtest.Guard(t, "ConfusionMatrix", func() { c, err = ConfusionMatrix(yt, yp, labels) }) {
			err = errors.New("it panicked")
		}
		return c, err
	}

	t.Run("accuracy", func(t *testing.T) {
		for _, tc := range [][2][]float64{{yTrue3, yPred3}, {yTrue2, yPred2}, {yTrue2, yTrue2}, {{1, 0}, {0, 1}}} {
			want, _ := mlkit.Accuracy(tc[0], tc[1])
			got, err := accuracy(t, tc[0], tc[1])
			what := fmt.Sprintf("Accuracy(%v, %v)", tc[0], tc[1])
			if err != nil {
				t.Errorf("%s returned an error: %v", what, err)
				continue
			}
			if !labtest.Close(want, got, tol) {
				hint := "the share of rows where the prediction equals the label: right / total"
				if got == want*float64(len(tc[0])) {
					hint = "that is the number of right predictions: divide it by the number of rows"
				} else if got != 0 && labtest.Close(1-want, got, tol) {
					hint = "that is the error rate, the share of wrong predictions"
				}
				t.Errorf("%s", labtest.Mismatch(what, want, got, hint))
			}
		}
	})

	t.Run("accuracy refuses what it cannot compare", func(t *testing.T) {
		if got, err := accuracy(t, yTrue2, yPred2); err != nil || !labtest.Close(11.0/14, got, tol) {
			t.Fatalf("Accuracy(%v, %v) must work first: expected %.4f, got %v, %v", yTrue2, yPred2, 11.0/14, got, err)
		}
		if _, err := accuracy(t, []float64{1, 0, 1}, []float64{1, 0}); err == nil {
			t.Error("Accuracy of 3 labels and 2 predictions returned no error: the vectors must be as long as each other, or a row was lost on the way")
		}
		if _, err := accuracy(t, nil, nil); err == nil {
			t.Error("Accuracy of no labels returned no error: 0 right of 0 is not a score (and 0/0 is NaN)")
		}
	})

	t.Run("the confusion matrix: rows are labels, columns predictions", func(t *testing.T) {
		for _, tc := range []struct{ yt, yp, labels []float64 }{
			{yTrue3, yPred3, []float64{0, 1, 2}},
			{yTrue2, yPred2, []float64{0, 1}},
			{yTrue3, yPred3, []float64{0, 1, 2, 3}}, // class 3 never appears
			{yTrue2, yPred2, []float64{1, 0}},       // labels in the order given
		} {
			cm, _ := mlkit.ConfusionMatrixOf(tc.yt, tc.yp, tc.labels)
			got, err := confusion(t, tc.yt, tc.yp, tc.labels)
			what := fmt.Sprintf("ConfusionMatrix(%v, %v, %v)", tc.yt, tc.yp, tc.labels)
			if err != nil {
				t.Errorf("%s returned an error: %v", what, err)
				continue
			}
			if fmt.Sprint(got) == fmt.Sprint(cm.Counts) {
				continue
			}
			hint := "counts[i][j] counts the rows whose label is labels[i] and whose prediction is labels[j]"
			if fmt.Sprint(got) == fmt.Sprint(transpose(cm.Counts)) {
				hint = "rows and columns are swapped: the row is the true label, the column the prediction"
			} else if len(got) != len(tc.labels) {
				hint = fmt.Sprintf("one row and one column per label, %d x %d, even for a label that never occurs", len(tc.labels), len(tc.labels))
			}
			t.Errorf("%s", labtest.Mismatch(what, cm.Counts, got, hint))
		}
	})

	t.Run("the confusion matrix refuses labels outside the list", func(t *testing.T) {
		if got, err := confusion(t, yTrue2, yPred2, []float64{0, 1}); err != nil || fmt.Sprint(got) != "[[4 1] [2 7]]" {
			t.Fatalf("ConfusionMatrix(%v, %v, [0 1]) must work first: expected [[4 1] [2 7]], got %v, %v", yTrue2, yPred2, got, err)
		}
		if _, err := confusion(t, []float64{0, 1, 1}, []float64{0, 5, 1}, []float64{0, 1}); err == nil {
			t.Error("ConfusionMatrix with a prediction 5 outside labels [0 1] returned no error: it has no column to be counted in, and dropping it hides a broken model")
		}
		if _, err := confusion(t, []float64{0, 2, 1}, []float64{0, 1, 1}, []float64{0, 1}); err == nil {
			t.Error("ConfusionMatrix with a label 2 outside labels [0 1] returned no error")
		}
		if _, err := confusion(t, []float64{0, 1, 1}, []float64{0, 1}, []float64{0, 1}); err == nil {
			t.Error("ConfusionMatrix of 3 labels and 2 predictions returned no error")
		}
	})
}

func transpose(c [][]int) [][]int {
	out := make([][]int, len(c))
	for i := range c {
		out[i] = make([]int, len(c))
		for j := range c {
			out[i][j] = c[j][i]
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Exercise 5: precision, recall and F1 per class.

// scoreCase is a confusion matrix and the library's report of it.
type scoreCase struct {
	name   string
	labels []float64
	counts [][]int
	report *mlkit.Report
}

func scoreCases(t *testing.T) []scoreCase {
	t.Helper()
	mk := func(name string, yt, yp, labels []float64) scoreCase {
		cm, err := mlkit.ConfusionMatrixOf(yt, yp, labels)
		if err != nil {
			t.Fatal(err)
		}
		return scoreCase{name, labels, cm.Counts, cm.Report()}
	}
	return []scoreCase{
		mk("three classes", yTrue3, yPred3, []float64{0, 1, 2}),
		mk("a cancer screen (1: benign)", yTrue2, yPred2, []float64{0, 1}),
		// Class 2 is never predicted, class 3 never occurs.
		mk("a class never predicted, a class never seen", []float64{0, 0, 1, 1, 2, 2, 1}, []float64{0, 1, 1, 1, 0, 1, 3}, []float64{0, 1, 2, 3}),
	}
}

func TestScores(t *testing.T) {
	cases := scoreCases(t)
	got := make([][]ClassScores, len(cases))
	errs := make([]error, len(cases))
	for k, c := range cases {
		if !labtest.Guard(t, "Scores", func() { got[k], errs[k] = Scores(c.labels, c.counts) }) {
			errs[k] = errors.New("it panicked")
		}
	}
	// each runs check on every class of every case that Scores answered.
	each := func(t *testing.T, check func(c scoreCase, want mlkit.ClassMetrics, got ClassScores)) {
		for k, c := range cases {
			if errs[k] != nil {
				t.Errorf("Scores(%v, %v) returned an error: %v", c.labels, c.counts, errs[k])
				continue
			}
			if len(got[k]) != len(c.labels) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Scores(%v, %v): number of classes scored", c.labels, c.counts), len(c.labels), len(got[k]), "one ClassScores per label, in the order of labels"))
				continue
			}
			for i, want := range c.report.Classes {
				check(c, want, got[k][i])
			}
		}
	}
	name := func(c scoreCase, label float64) string {
		return fmt.Sprintf("%s, counts %v: class %g", c.name, c.counts, label)
	}

	t.Run("precision per class", func(t *testing.T) {
		each(t, func(c scoreCase, want mlkit.ClassMetrics, got ClassScores) {
			if got.Label != want.Label {
				t.Errorf("%s: Label is %g: scores come in the order of labels", name(c, want.Label), got.Label)
				return
			}
			if labtest.Close(want.Precision, got.Precision, tol) {
				return
			}
			hint := "precision = TP / (the rows predicted as the class: the sum of its column)"
			if labtest.Close(want.Recall, got.Precision, tol) && want.Recall != want.Precision {
				hint = "that is the recall: precision divides by the predicted count (the column's sum), not the true count (the row's sum)"
			}
			t.Errorf("%s", labtest.Mismatch(name(c, want.Label)+": precision", want.Precision, got.Precision, hint))
		})
	})

	t.Run("recall per class", func(t *testing.T) {
		each(t, func(c scoreCase, want mlkit.ClassMetrics, got ClassScores) {
			if labtest.Close(want.Recall, got.Recall, tol) {
				return
			}
			hint := "recall = TP / (the rows that are the class: the sum of its row)"
			if labtest.Close(want.Precision, got.Recall, tol) && want.Recall != want.Precision {
				hint = "that is the precision: recall divides by the true count (the row's sum), not the predicted count (the column's sum)"
			}
			t.Errorf("%s", labtest.Mismatch(name(c, want.Label)+": recall", want.Recall, got.Recall, hint))
		})
	})

	t.Run("F1 and support per class", func(t *testing.T) {
		each(t, func(c scoreCase, want mlkit.ClassMetrics, got ClassScores) {
			if got.Support != want.Support {
				t.Errorf("%s", labtest.Mismatch(name(c, want.Label)+": support", want.Support, got.Support, "the support is the number of rows that are the class: the sum of its row"))
			}
			if labtest.Close(want.F1, got.F1, tol) {
				return
			}
			hint := "F1 = 2 * P * R / (P + R), the harmonic mean of precision and recall"
			if labtest.Close((want.Precision+want.Recall)/2, got.F1, tol) {
				hint = "that is the arithmetic mean of precision and recall; F1 is the harmonic mean, 2PR / (P + R)"
			}
			t.Errorf("%s", labtest.Mismatch(name(c, want.Label)+": F1", want.F1, got.F1, hint))
		})
	})

	t.Run("a class never predicted or never seen scores 0, not NaN", func(t *testing.T) {
		c := cases[2]
		if errs[2] != nil || len(got[2]) != len(c.labels) {
			t.Fatalf("Scores(%v, %v) returned %v, %v: want one ClassScores per label", c.labels, c.counts, got[2], errs[2])
		}
		for i, s := range got[2] {
			if s.Label != c.labels[i] {
				t.Errorf("score %d is for label %g, want %g", i, s.Label, c.labels[i])
			}
			for _, v := range []struct {
				what string
				v    float64
			}{{"precision", s.Precision}, {"recall", s.Recall}, {"F1", s.F1}} {
				if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
					t.Errorf("class %g of counts %v: %s is %v; a ratio whose denominator is 0 is 0 (scikit-learn's zero_division default): check the denominator before dividing", s.Label, c.counts, v.what, v.v)
				}
			}
		}
		if s := got[2][2]; s.Precision != 0 || s.Recall != 0 || s.F1 != 0 || s.Support != 2 {
			t.Errorf("class 2 is never predicted: expected precision 0, recall 0, F1 0, support 2; got %+v", s)
		}
		if s := got[2][3]; s.Precision != 0 || s.Recall != 0 || s.F1 != 0 || s.Support != 0 {
			t.Errorf("class 3 never occurs (and is predicted once): expected precision 0, recall 0, F1 0, support 0; got %+v", s)
		}
	})

	t.Run("macro averages", func(t *testing.T) {
		for _, c := range cases {
			want := c.report
			scores := make([]ClassScores, len(want.Classes))
			for i, m := range want.Classes {
				scores[i] = ClassScores(m)
			}
			var p, r, f float64
			if !labtest.Guard(t, "Macro", func() { p, r, f = Macro(scores) }) {
				continue
			}
			if labtest.Close(want.MacroPrecision, p, tol) && labtest.Close(want.MacroRecall, r, tol) && labtest.Close(want.MacroF1, f, tol) {
				continue
			}
			hint := "the macro average is the plain mean over the classes: every class counts the same"
			if labtest.Close(want.WeightedPrecision, p, tol) && labtest.Close(want.WeightedRecall, r, tol) {
				hint = "those are the averages weighted by support; macro averages weigh every class the same"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Macro of the scores of %s (precision, recall, F1)", c.name),
				fmt.Sprintf("%.4f %.4f %.4f", want.MacroPrecision, want.MacroRecall, want.MacroF1), fmt.Sprintf("%.4f %.4f %.4f", p, r, f), hint))
		}
		var p, r, f float64
		if labtest.Guard(t, "Macro(nil)", func() { p, r, f = Macro(nil) }) && (p != 0 || r != 0 || f != 0) {
			t.Errorf("Macro(nil) = %v %v %v, want zeros (and no NaN): with no classes there is nothing to average", p, r, f)
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 6: an evaluation report.

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

func (s *spy) Type() string       { return s.inner.Type() }
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
				t.Errorf("Evaluate(%s) returned %v and no evaluation", c.name, c.err)
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
					t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s: scores of class %g", c.name, want.Label), fmt.Sprintf("%+v", ClassScores(want)), fmt.Sprintf("%+v", g), "Scores (exercise 5) of the confusion matrix, or the library's cm.Report()"))
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
