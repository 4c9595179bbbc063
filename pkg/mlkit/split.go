package mlkit

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
)

// Split is a data set cut into a training part and a test part.
//
// Test keeps its labels; to hold them back (for example to give a learner the
// test features only), use Test.WithoutLabels() and TestLabels().
type Split struct {
	Train, Test *Dataset
	// TrainIndex and TestIndex are the rows of the original data set that
	// went into Train and Test, in the order they appear there.
	TrainIndex, TestIndex []int
}

// TestLabels returns the test part's labels (nil when unlabelled).
func (s *Split) TestLabels() []float64 { return s.Test.Y }

// TrainTestSplit shuffles the rows of d with the given seed and puts
// ceil(testSize * rows) of them in the test part, the rest in the training
// part, as scikit-learn's train_test_split does (the shuffle itself differs
// from numpy's, so the rows chosen differ from scikit-learn's). testSize must
// be in (0, 1) and leave at least one row on each side.
func TrainTestSplit(d *Dataset, testSize float64, seed uint64) (*Split, error) {
	train, test, err := SplitIndices(d.Rows(), testSize, seed)
	if err != nil {
		return nil, err
	}
	return subsetSplit(d, train, test)
}

// StratifiedSplit is TrainTestSplit keeping the share of each class the same
// in both parts (as near as whole rows allow), like scikit-learn's
// train_test_split(..., stratify=y). d must have labels, and each class at
// least two rows.
func StratifiedSplit(d *Dataset, testSize float64, seed uint64) (*Split, error) {
	if !d.HasLabels() {
		return nil, errors.New("mlkit: stratified split needs labels")
	}
	// Name a class that is too small here, where its name is known.
	count := map[float64]int{}
	for _, y := range d.Y {
		count[y]++
	}
	for _, v := range d.LabelValues() {
		if count[v] == 1 {
			return nil, fmt.Errorf("mlkit: class %q has only 1 row; a stratified split needs at least 2 per class", d.ClassName(v))
		}
	}
	train, test, err := StratifiedSplitIndices(d.Y, testSize, seed)
	if err != nil {
		return nil, err
	}
	return subsetSplit(d, train, test)
}

func subsetSplit(d *Dataset, train, test []int) (*Split, error) {
	tr, err := d.Subset(train)
	if err != nil {
		return nil, err
	}
	te, err := d.Subset(test)
	if err != nil {
		return nil, err
	}
	return &Split{Train: tr, Test: te, TrainIndex: train, TestIndex: test}, nil
}

// testCount returns how many of n rows go to the test part.
func testCount(n int, testSize float64) (int, error) {
	if n < 2 {
		return 0, fmt.Errorf("mlkit: cannot split %d rows: %w", n, ErrEmpty)
	}
	if math.IsNaN(testSize) || testSize <= 0 || testSize >= 1 {
		return 0, fmt.Errorf("mlkit: test size %v is not between 0 and 1", testSize)
	}
	nTest := int(math.Ceil(testSize * float64(n)))
	if nTest >= n {
		return 0, fmt.Errorf("mlkit: test size %v of %d rows leaves no training rows", testSize, n)
	}
	return nTest, nil
}

// SplitIndices is TrainTestSplit on row indices 0..n-1.
func SplitIndices(n int, testSize float64, seed uint64) (train, test []int, err error) {
	nTest, err := testCount(n, testSize)
	if err != nil {
		return nil, nil, err
	}
	perm := Permutation(n, seed)
	return perm[nTest:], perm[:nTest], nil
}

// StratifiedSplitIndices is StratifiedSplit on a label vector: it returns the
// training and test row indices. Each class gets its share of the
// ceil(testSize*n) test rows, rounded by largest remainder.
func StratifiedSplitIndices(y []float64, testSize float64, seed uint64) (train, test []int, err error) {
	n := len(y)
	nTest, err := testCount(n, testSize)
	if err != nil {
		return nil, nil, err
	}
	classes, members, err := classMembers(y)
	if err != nil {
		return nil, nil, err
	}
	for k, m := range members {
		if len(m) < 2 {
			return nil, nil, fmt.Errorf("mlkit: class %v has only 1 row; a stratified split needs at least 2 per class", classes[k])
		}
	}
	if nTest < len(classes) || n-nTest < len(classes) {
		return nil, nil, fmt.Errorf("mlkit: a stratified split of %d rows into %d test rows cannot hold all %d classes on both sides", n, nTest, len(classes))
	}
	counts := allocate(members, nTest)
	r := newRNG(seed)
	for k, m := range members {
		idx := append([]int(nil), m...)
		r.shuffle(idx)
		test = append(test, idx[:counts[k]]...)
		train = append(train, idx[counts[k]:]...)
	}
	r.shuffle(train)
	r.shuffle(test)
	return train, test, nil
}

// allocate shares total rows among classes in proportion to their sizes,
// rounding by largest remainder (ties to the earlier class), keeping at
// least one row of each class on each side where the total allows.
func allocate(members [][]int, total int) []int {
	n := 0
	for _, m := range members {
		n += len(m)
	}
	counts := make([]int, len(members))
	type rem struct {
		k int
		r float64
	}
	rems := make([]rem, len(members))
	given := 0
	for k, m := range members {
		exact := float64(total) * float64(len(m)) / float64(n)
		counts[k] = int(math.Floor(exact))
		given += counts[k]
		rems[k] = rem{k, exact - float64(counts[k])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for i := 0; given < total; i = (i + 1) % len(rems) {
		k := rems[i].k
		if counts[k] < len(members[k])-1 {
			counts[k]++
			given++
		}
	}
	// Make sure every class appears on both sides: move a row from the
	// class with the most test rows to any class with none.
	for k := range counts {
		for counts[k] == 0 {
			big := 0
			for j := range counts {
				if counts[j] > counts[big] {
					big = j
				}
			}
			if counts[big] <= 1 {
				break
			}
			counts[big]--
			counts[k]++
		}
	}
	return counts
}

// classMembers groups row indices by label, classes in increasing order.
func classMembers(y []float64) ([]float64, [][]int, error) {
	if len(y) == 0 {
		return nil, nil, fmt.Errorf("mlkit: no labels: %w", ErrEmpty)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("mlkit: label %d is %v: %w", i, v, ErrNotFinite)
		}
	}
	classes := uniqueSorted(y)
	members := make([][]int, len(classes))
	for i, v := range y {
		k := sort.SearchFloat64s(classes, v)
		members[k] = append(members[k], i)
	}
	return classes, members, nil
}

// Fold is one round of cross-validation: the rows to train on and the rows
// to test on.
type Fold struct {
	Train, Test []int
}

// KFold cuts row indices 0..n-1 into k folds of (nearly) equal size, the
// first n%k folds one row larger, like scikit-learn's KFold. With shuffle the
// rows are shuffled with seed first; without, the folds are consecutive.
// Fold i tests on its own rows and trains on all the others.
func KFold(n, k int, shuffle bool, seed uint64) ([]Fold, error) {
	if k < 2 {
		return nil, fmt.Errorf("mlkit: k-fold needs k >= 2, got %d", k)
	}
	if n < k {
		return nil, fmt.Errorf("mlkit: cannot make %d folds of %d rows", k, n)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if shuffle {
		newRNG(seed).shuffle(order)
	}
	groups := make([][]int, k)
	start := 0
	for f := 0; f < k; f++ {
		size := n / k
		if f < n%k {
			size++
		}
		groups[f] = order[start : start+size]
		start += size
	}
	return foldsFromGroups(groups), nil
}

// StratifiedKFold is KFold keeping the share of each class about the same in
// every fold: each class's rows (shuffled with seed when shuffle is set) are
// dealt to the folds in turn. Every class needs at least k rows.
func StratifiedKFold(y []float64, k int, shuffle bool, seed uint64) ([]Fold, error) {
	if k < 2 {
		return nil, fmt.Errorf("mlkit: k-fold needs k >= 2, got %d", k)
	}
	classes, members, err := classMembers(y)
	if err != nil {
		return nil, err
	}
	r := newRNG(seed)
	groups := make([][]int, k)
	next := 0 // the fold the next row goes to, carried across classes
	for c, m := range members {
		if len(m) < k {
			return nil, fmt.Errorf("mlkit: class %v has %d rows, fewer than the %d folds", classes[c], len(m), k)
		}
		idx := append([]int(nil), m...)
		if shuffle {
			r.shuffle(idx)
		}
		for _, i := range idx {
			groups[next] = append(groups[next], i)
			next = (next + 1) % k
		}
	}
	for _, g := range groups {
		sort.Ints(g)
	}
	return foldsFromGroups(groups), nil
}

func foldsFromGroups(groups [][]int) []Fold {
	folds := make([]Fold, len(groups))
	for f := range groups {
		folds[f].Test = append([]int(nil), groups[f]...)
		for g := range groups {
			if g != f {
				folds[f].Train = append(folds[f].Train, groups[g]...)
			}
		}
		sort.Ints(folds[f].Train)
	}
	return folds
}

// Permutation returns a seeded random permutation of 0..n-1. The same seed
// gives the same permutation on every platform and Go version.
func Permutation(n int, seed uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	newRNG(seed).shuffle(p)
	return p
}

// rng is the package's own reproducible generator: PCG-DXSM (whose output
// math/rand/v2 specifies) with our own bounded draws and shuffle, so results
// never change with the Go release.
type rng struct{ src *rand.PCG }

func newRNG(seed uint64) *rng { return &rng{rand.NewPCG(seed, 0x9e3779b97f4a7c15)} }

// intn returns a uniform integer in [0, n), n > 0 (Lemire's method).
func (r *rng) intn(n int) int {
	bound := uint64(n)
	hi, lo := bits.Mul64(r.src.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(r.src.Uint64(), bound)
		}
	}
	return int(hi)
}

// shuffle permutes a in place (Fisher-Yates).
func (r *rng) shuffle(a []int) {
	for i := len(a) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		a[i], a[j] = a[j], a[i]
	}
}
