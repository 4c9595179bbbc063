package mlkit_test

import (
	"math"
	"reflect"
	"sort"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// TestPermutationIsPinned guards reproducibility: a lab's expected split
// must not change with the Go version or with a refactoring.
func TestPermutationIsPinned(t *testing.T) {
	if got, want := mlkit.Permutation(10, 42), []int{1, 9, 2, 6, 5, 4, 8, 0, 7, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("Permutation(10, 42) = %v, want %v", got, want)
	}
	train, test, err := mlkit.SplitIndices(10, 0.3, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(train, []int{1, 3, 7, 2, 9, 0, 4}) || !reflect.DeepEqual(test, []int{8, 6, 5}) {
		t.Errorf("SplitIndices(10, 0.3, 7) = %v, %v", train, test)
	}
}

func TestTrainTestSplit(t *testing.T) {
	heart := loadData(t, "heart_sample.csv", "target")
	tests := []struct {
		testSize         float64
		wantTrain, wantT int
	}{
		{0.2, 12, 3}, {0.25, 11, 4}, {0.5, 7, 8}, {0.01, 14, 1},
	}
	for _, tc := range tests {
		s, err := mlkit.TrainTestSplit(heart, tc.testSize, 1)
		if err != nil {
			t.Fatal(err)
		}
		if s.Train.Rows() != tc.wantTrain || s.Test.Rows() != tc.wantT {
			t.Errorf("test size %v: %d train and %d test rows, want %d and %d", tc.testSize, s.Train.Rows(), s.Test.Rows(), tc.wantTrain, tc.wantT)
		}
		assertPartition(t, heart.Rows(), s.TrainIndex, s.TestIndex)
		for i, row := range s.TestIndex {
			if s.Test.X.At(i, 0) != heart.X.At(row, 0) || s.TestLabels()[i] != heart.Y[row] {
				t.Fatalf("test row %d is not original row %d", i, row)
			}
		}
	}
	a, _ := mlkit.TrainTestSplit(heart, 0.3, 5)
	b, _ := mlkit.TrainTestSplit(heart, 0.3, 5)
	c, _ := mlkit.TrainTestSplit(heart, 0.3, 6)
	if !reflect.DeepEqual(a.TestIndex, b.TestIndex) {
		t.Error("the same seed gave different splits")
	}
	if reflect.DeepEqual(a.TestIndex, c.TestIndex) {
		t.Error("seeds 5 and 6 gave the same split")
	}
}

func TestSplitErrors(t *testing.T) {
	heart := loadData(t, "heart_sample.csv", "target")
	one, _ := heart.Subset([]int{0})
	for _, tc := range []struct {
		name     string
		testSize float64
		d        interface{ Rows() int }
	}{
		{"zero", 0, heart}, {"one", 1, heart}, {"negative", -0.2, heart}, {"NaN", math.NaN(), heart},
		{"leaves no training rows", 0.99, heart}, {"one row", 0.5, one},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := mlkit.SplitIndices(tc.d.Rows(), tc.testSize, 1); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := mlkit.StratifiedSplit(heart.WithoutLabels(), 0.2, 1); err == nil {
		t.Error("stratified split without labels: no error")
	}
	if _, _, err := mlkit.StratifiedSplitIndices([]float64{0, 0, 0, 1}, 0.5, 1); err == nil {
		t.Error("a class with one row: no error")
	}
	if _, _, err := mlkit.StratifiedSplitIndices([]float64{0, 0, 1, 1, 2, 2, 3, 3}, 0.2, 1); err == nil {
		t.Error("2 test rows for 4 classes: no error")
	}
}

func TestStratifiedSplit(t *testing.T) {
	for _, tc := range []struct {
		file, label string
		testSize    float64
		wantTest    map[float64]int
	}{
		{"iris.csv", "species", 0.2, map[float64]int{0: 10, 1: 10, 2: 10}},
		// 143 test rows of 569: 212*143/569 = 53.3 malignant, 357*143/569 = 89.7 benign.
		{"breast_cancer.csv", "benign", 0.25, map[float64]int{0: 53, 1: 90}},
		{"heart_sample.csv", "target", 0.2, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d := loadData(t, tc.file, tc.label)
			s, err := mlkit.StratifiedSplit(d, tc.testSize, 3)
			if err != nil {
				t.Fatal(err)
			}
			assertPartition(t, d.Rows(), s.TrainIndex, s.TestIndex)
			if want := int(math.Ceil(tc.testSize * float64(d.Rows()))); s.Test.Rows() != want {
				t.Errorf("%d test rows, want %d", s.Test.Rows(), want)
			}
			got := countLabels(s.Test.Y)
			if tc.wantTest != nil && !reflect.DeepEqual(got, tc.wantTest) {
				t.Errorf("test rows per class %v, want %v", got, tc.wantTest)
			}
			all := countLabels(d.Y)
			for label, n := range all {
				share := float64(n) * float64(s.Test.Rows()) / float64(d.Rows())
				if math.Abs(float64(got[label])-share) >= 1 {
					t.Errorf("class %v: %d test rows, its share is %.2f", label, got[label], share)
				}
			}
		})
	}
}

func countLabels(y []float64) map[float64]int {
	m := map[float64]int{}
	for _, v := range y {
		m[v]++
	}
	return m
}

// assertPartition checks that train and test together hold 0..n-1 once each.
func assertPartition(t *testing.T, n int, train, test []int) {
	t.Helper()
	all := append(append([]int(nil), train...), test...)
	sort.Ints(all)
	if len(all) != n {
		t.Fatalf("%d + %d rows for %d", len(train), len(test), n)
	}
	for i, v := range all {
		if v != i {
			t.Fatalf("row %d missing or repeated", i)
		}
	}
}

func TestKFold(t *testing.T) {
	tests := []struct {
		n, k    int
		shuffle bool
		sizes   []int
	}{
		{10, 3, false, []int{4, 3, 3}},
		{10, 5, true, []int{2, 2, 2, 2, 2}},
		{7, 7, false, []int{1, 1, 1, 1, 1, 1, 1}},
	}
	for _, tc := range tests {
		folds, err := mlkit.KFold(tc.n, tc.k, tc.shuffle, 9)
		if err != nil {
			t.Fatal(err)
		}
		var tested []int
		for i, f := range folds {
			if len(f.Test) != tc.sizes[i] {
				t.Errorf("n=%d k=%d: fold %d tests %d rows, want %d", tc.n, tc.k, i, len(f.Test), tc.sizes[i])
			}
			assertPartition(t, tc.n, f.Train, f.Test)
			tested = append(tested, f.Test...)
		}
		assertPartition(t, tc.n, tested, nil)
		if !tc.shuffle && folds[0].Test[0] != 0 {
			t.Errorf("unshuffled folds start at row %d", folds[0].Test[0])
		}
	}
	for _, bad := range [][2]int{{10, 1}, {3, 4}} {
		if _, err := mlkit.KFold(bad[0], bad[1], false, 0); err == nil {
			t.Errorf("KFold(%d, %d): no error", bad[0], bad[1])
		}
	}
}

func TestStratifiedKFold(t *testing.T) {
	iris := loadData(t, "iris.csv", "species")
	folds, err := mlkit.StratifiedKFold(iris.Y, 5, true, 4)
	if err != nil {
		t.Fatal(err)
	}
	var tested []int
	for i, f := range folds {
		assertPartition(t, iris.Rows(), f.Train, f.Test)
		tested = append(tested, f.Test...)
		per := map[float64]int{}
		for _, r := range f.Test {
			per[iris.Y[r]]++
		}
		if !reflect.DeepEqual(per, map[float64]int{0: 10, 1: 10, 2: 10}) {
			t.Errorf("fold %d tests %v rows per class", i, per)
		}
	}
	assertPartition(t, iris.Rows(), tested, nil)
	if _, err := mlkit.StratifiedKFold([]float64{0, 0, 1}, 2, false, 0); err == nil {
		t.Error("a class smaller than k: no error")
	}
}
