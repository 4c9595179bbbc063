//go:build solution

package lab05

import (
	"errors"
	"fmt"
	"math"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Exercise 2: a random split, labels held back.

// NewHoldout cuts d into the given training and test rows (indices into d)
// and holds the test labels back.
//
// Contract:
//   - d must have labels, and each of trainRows and testRows at least one
//     row; every index must be a row of d, and no row may appear twice (in
//     one part or in both): an error otherwise.
//   - Train holds the training rows with their labels, in the order of
//     trainRows; d.Subset does the copying.
//   - Test holds the test rows' features only (no Label, Y or Classes), in
//     the order of testRows; TestLabels their labels, in the same order.
//   - TrainRows and TestRows are copies of the arguments: changing the
//     caller's slices afterwards changes nothing.
func NewHoldout(d *mlkit.Dataset, trainRows, testRows []int) (*Holdout, error) {
	if !d.HasLabels() {
		return nil, errors.New("a holdout needs labelled data")
	}
	if len(trainRows) == 0 || len(testRows) == 0 {
		return nil, fmt.Errorf("a holdout needs rows on both sides (%d training, %d test)", len(trainRows), len(testRows))
	}
	// A row on both sides would let the model see a test row's label: the
	// score would measure memory, not generalization.
	seen := make(map[int]bool, len(trainRows)+len(testRows))
	for _, i := range append(append([]int(nil), trainRows...), testRows...) {
		if i < 0 || i >= d.Rows() {
			return nil, fmt.Errorf("row %d is not a row of the data set (it has %d)", i, d.Rows())
		}
		if seen[i] {
			return nil, fmt.Errorf("row %d is used twice", i)
		}
		seen[i] = true
	}
	train, err := d.Subset(trainRows)
	if err != nil {
		return nil, err
	}
	test, err := d.Subset(testRows)
	if err != nil {
		return nil, err
	}
	return &Holdout{
		Train:      train,
		Test:       test.WithoutLabels(),
		TestLabels: test.Y,
		TrainRows:  append([]int(nil), trainRows...),
		TestRows:   append([]int(nil), testRows...),
	}, nil
}

// RandomHoldout puts a random share testSize of d's rows in the test part.
//
// Contract:
//   - testSize is in (0, 1); the test part has ceil(testSize * rows) rows,
//     and there must be at least one row left to train on: an error
//     otherwise.
//   - the rows are shuffled with mlkit.Permutation(rows, seed): the test
//     rows are the first ones of the permutation, the training rows the
//     rest, in permutation order. (These are the rows mlkit.TrainTestSplit
//     picks with the same seed.)
//   - the result is built by NewHoldout.
func RandomHoldout(d *mlkit.Dataset, testSize float64, seed uint64) (*Holdout, error) {
	n := d.Rows()
	if math.IsNaN(testSize) || testSize <= 0 || testSize >= 1 {
		return nil, fmt.Errorf("test size %v is not between 0 and 1", testSize)
	}
	// Round up, as scikit-learn does: a small test part is never empty.
	nTest := int(math.Ceil(testSize * float64(n)))
	if nTest >= n {
		return nil, fmt.Errorf("a test size of %v leaves none of the %d rows to train on", testSize, n)
	}
	perm := mlkit.Permutation(n, seed)
	return NewHoldout(d, perm[nTest:], perm[:nTest])
}
