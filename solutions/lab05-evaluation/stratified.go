//go:build solution

package lab05

import (
	"errors"
	"fmt"
	"math"

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
	if !d.HasLabels() {
		return nil, errors.New("a stratified split needs labels")
	}
	if math.IsNaN(testSize) || testSize <= 0 || testSize >= 1 {
		return nil, fmt.Errorf("test size %v is not between 0 and 1", testSize)
	}
	size := map[float64]int{}
	for _, y := range d.Y {
		size[y]++
	}
	quota := make(map[float64]int, len(size))
	for c, n := range size {
		if n < 2 {
			return nil, fmt.Errorf("class %s has %d row: it cannot be on both sides of the split", d.ClassName(c), n)
		}
		// Rounding each class on its own keeps its share; the clamp keeps
		// every class in both parts, so both can be scored per class.
		quota[c] = min(max(int(math.Round(testSize*float64(n))), 1), n-1)
	}
	var train, test []int
	for _, i := range mlkit.Permutation(d.Rows(), seed) {
		if c := d.Y[i]; quota[c] > 0 {
			quota[c]--
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return NewHoldout(d, train, test)
}
