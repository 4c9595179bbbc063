package mlkit_test

import (
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// The three benchmarks below have twins in scripts/sklearn_bench.py;
// scripts/bench_ml.sh runs both and prints the ratios.

// BenchmarkKNNPredictDigits: 3-NN predictions for the last 450 digits rows,
// trained on the first 1347.
func BenchmarkKNNPredictDigits(b *testing.B) {
	train, test := headTail(b, loadData(b, "digits.csv", "digit"), 1347)
	m := &mlkit.KNN{K: 3}
	if err := m.Fit(train.X, train.Y); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Predict(test.X); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogisticFitBreastCancer: logistic regression with scikit-learn's
// defaults (C=1, tol=1e-4) on the standardized breast cancer data.
func BenchmarkLogisticFitBreastCancer(b *testing.B) {
	d := loadData(b, "breast_cancer.csv", "benign")
	var sc mlkit.StandardScaler
	Xs, err := sc.FitTransform(d.X)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		var m mlkit.LogisticRegression
		if err := m.Fit(Xs, d.Y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOLSDiabetes: ordinary least squares on all of diabetes.
func BenchmarkOLSDiabetes(b *testing.B) {
	d := loadData(b, "diabetes.csv", "progression")
	b.ResetTimer()
	for b.Loop() {
		var m mlkit.LinearRegression
		if err := m.Fit(d.X, d.Y); err != nil {
			b.Fatal(err)
		}
	}
}
