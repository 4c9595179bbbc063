// Package lab06 is lab 6 of mlops-lab: models.
//
// You write two classic classifiers from scratch, k nearest neighbours and
// Gaussian naive Bayes, and check them against the course's model library,
// github.com/mlops-lab/mlops-lab/pkg/mlkit (which agrees with scikit-learn);
// then you fit a linear regression to the diabetes data, standardize the
// breast cancer data for a logistic regression, and draw a regression's
// residuals. Each exercise lives in its
// own file: README.md lists them, with their files and points.
//
// This file holds what they share. You do not need to change it.
package lab06

import (
	"fmt"
	"strings"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Load reads one of the shipped data sets ("iris", "digits", "diabetes",
// "breast_cancer", "wine", "heart_sample") with its label column.
func Load(name string) (*mlkit.Dataset, error) {
	file := strings.TrimSuffix(name, ".csv") + ".csv"
	for _, info := range datasets.Catalog {
		if info.File == file {
			return mlkit.LoadCSVFS(datasets.FS, file, mlkit.LoadOptions{Label: info.Label})
		}
	}
	return nil, fmt.Errorf("no data set %q; the data sets are %v", name, datasets.Names())
}

// EveryFifth splits d the way the course's reference numbers do: the rows
// whose index is a multiple of 5 (0, 5, 10, ...) test, the others train.
// Taking every fifth row rather than the last fifth keeps data sets sorted
// by class (iris is) from losing a whole class to the test part.
func EveryFifth(d *mlkit.Dataset) (train, test *mlkit.Dataset, err error) {
	var trainRows, testRows []int
	for i := 0; i < d.Rows(); i++ {
		if i%5 == 0 {
			testRows = append(testRows, i)
		} else {
			trainRows = append(trainRows, i)
		}
	}
	return subsets(d, trainRows, testRows)
}

// FirstRows splits d into its first n rows (training) and the rest (test),
// as the digits reference numbers do (n = 1347, the rest 450).
func FirstRows(d *mlkit.Dataset, n int) (train, test *mlkit.Dataset, err error) {
	if n <= 0 || n >= d.Rows() {
		return nil, nil, fmt.Errorf("cannot split %d rows after row %d", d.Rows(), n)
	}
	var trainRows, testRows []int
	for i := 0; i < d.Rows(); i++ {
		if i < n {
			trainRows = append(trainRows, i)
		} else {
			testRows = append(testRows, i)
		}
	}
	return subsets(d, trainRows, testRows)
}

func subsets(d *mlkit.Dataset, trainRows, testRows []int) (train, test *mlkit.Dataset, err error) {
	if train, err = d.Subset(trainRows); err != nil {
		return nil, nil, err
	}
	if test, err = d.Subset(testRows); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}
