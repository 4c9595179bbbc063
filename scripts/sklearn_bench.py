#!/usr/bin/env python3
"""Time scikit-learn on the three workloads of pkg/mlkit's Go benchmarks.

Usage: /usr/bin/python3 scripts/sklearn_bench.py [DATASETS_DIR]

Prints one line per benchmark, "<Go benchmark name> <seconds per operation>",
the best of several timeit repeats:

  KNNPredictDigits         3-NN predictions for the last 450 digits rows,
                           fitted on the first 1347 (predict only)
  LogisticFitBreastCancer  LogisticRegression() (lbfgs, C=1, tol=1e-4) fit on
                           the standardized breast cancer data
  OLSDiabetes              LinearRegression() fit on all of diabetes

scripts/bench_ml.sh runs this next to `go test -bench` and prints the ratios.
scikit-learn runs with its default threading (all cores), as a user gets it.
"""
import os
import sys
import timeit

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler


def load(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1)
    return np.ascontiguousarray(a[:, :-1]), a[:, -1]


def best(fn, min_time=0.2, repeat=7):
    """Best seconds per call: calls batched to run at least min_time."""
    number = 1
    while timeit.timeit(fn, number=number) < min_time:
        number *= 2
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "datasets")

    X, y = load(os.path.join(root, "digits.csv"))
    knn = KNeighborsClassifier(n_neighbors=3).fit(X[:1347], y[:1347])
    test = np.ascontiguousarray(X[1347:])
    print("KNNPredictDigits", best(lambda: knn.predict(test)), flush=True)

    X, y = load(os.path.join(root, "breast_cancer.csv"))
    Xs = StandardScaler().fit_transform(X)
    print("LogisticFitBreastCancer", best(lambda: LogisticRegression().fit(Xs, y)), flush=True)

    X, y = load(os.path.join(root, "diabetes.csv"))
    print("OLSDiabetes", best(lambda: LinearRegression().fit(X, y)), flush=True)


if __name__ == "__main__":
    main()
