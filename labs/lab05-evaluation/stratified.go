package lab05

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Exercise 3: a stratified split.

// StratifiedHoldout is RandomHoldout keeping each class's share of the rows
// the same in the test part as in the whole data set.
//
// Contract:
//   - d must have labels, and testSize be in (0, 1): an error otherwise.
//   - a class of n_c rows gets round(testSize * n_c) test rows (math.Round),
//     but at least 1 and at most n_c - 1, so that it is on both sides; a
//     class with fewer than 2 rows cannot be, and is an error.
//   - which rows: walk the rows in the order of mlkit.Permutation(rows,
//     seed); a row goes to the test part while its class still has fewer
//     test rows than its quota, otherwise to the training part. Both parts
//     keep the order of the walk.
//   - the result is built by NewHoldout.
func StratifiedHoldout(d *mlkit.Dataset, testSize float64, seed uint64) (*Holdout, error) {
	// TODO(exercise 3): count the rows of each class, work out each
	// class's test quota, then walk the permutation.
	return nil, errors.New("TODO(exercise 3): StratifiedHoldout is not written yet")
}
