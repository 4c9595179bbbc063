package lab05

import (
	"errors"

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
	// TODO(exercise 2): check the rows, then build both parts with
	// d.Subset; the test part's labels move to TestLabels and the part
	// itself becomes test.WithoutLabels().
	return nil, errors.New("TODO(exercise 2): NewHoldout is not written yet")
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
	// TODO(exercise 2): check testSize, count the test rows, shuffle, cut.
	return nil, errors.New("TODO(exercise 2): RandomHoldout is not written yet")
}
