#!/usr/bin/env python3
"""Recompute the scikit-learn reference numbers that pkg/mlkit's tests pin.

Usage: /usr/bin/python3 scripts/sklearn_reference.py [DATASETS_DIR]

Prints one JSON object to stdout. pkg/mlkit's reference test runs this script
when /usr/bin/python3 can import sklearn and compares the fresh numbers with
its own results; without scikit-learn that part of the test is skipped.
Install it with `apt-get install python3-sklearn` (Debian ships 1.2.1).
"""
import json
import os
import sys

# One OpenMP thread: scikit-learn's brute-force neighbour search splits the
# training rows among threads and merges their heaps, so which of two
# equidistant neighbours it keeps depends on the thread count (on a 2-core
# machine, digits test row 264 gets a different third neighbour). With one
# thread ties go to the lower training row, the rule pkg/mlkit follows.
os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402  (after setting the thread count)
import sklearn
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler


def load(path, label):
    """Read a CSV with a header row; return X, y (as strings), feature names."""
    with open(path) as f:
        header = f.readline().strip().split(",")
    raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=str)
    li = header.index(label)
    feats = [i for i in range(len(header)) if i != li]
    return raw[:, feats].astype(float), raw[:, li], [header[i] for i in feats]


def codes(classes, pred):
    """Predictions as one string of class indices (classes sorted, as np.unique)."""
    return "".join(str(list(classes).index(v)) for v in pred)


def floats(a):
    return [float(v) for v in np.ravel(a)]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "datasets")
    p = lambda name: os.path.join(root, name)
    out = {"sklearn_version": sklearn.__version__}

    # Ordinary least squares and ridge on all of diabetes.
    X, y, _ = load(p("diabetes.csv"), "progression")
    y = y.astype(float)
    ols = LinearRegression().fit(X, y)
    out["ols_diabetes"] = {"intercept": float(ols.intercept_), "coef": floats(ols.coef_),
                           "r2": float(r2_score(y, ols.predict(X)))}
    for alpha in (1.0, 100.0):
        r = Ridge(alpha=alpha).fit(X, y)
        out["ridge_diabetes_alpha_%g" % alpha] = {"intercept": float(r.intercept_),
                                                   "coef": floats(r.coef_)}

    # Logistic regression on standardized breast_cancer (binary) and iris (multinomial).
    X, y, _ = load(p("breast_cancer.csv"), "benign")
    y = y.astype(float)
    Xs = StandardScaler().fit_transform(X)
    lr = LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(Xs, y)
    out["logreg_breast_cancer"] = {
        "intercept": floats(lr.intercept_), "coef": floats(lr.coef_),
        "train_accuracy": float(accuracy_score(y, lr.predict(Xs))),
        "train_auc": float(roc_auc_score(y, lr.predict_proba(Xs)[:, 1])),
    }
    X, y, _ = load(p("iris.csv"), "species")
    Xs = StandardScaler().fit_transform(X)
    lr = LogisticRegression(C=0.5, tol=1e-10, max_iter=10000).fit(Xs, y)
    out["logreg_iris_c05"] = {
        "classes": list(lr.classes_), "intercept": floats(lr.intercept_),
        "coef": floats(lr.coef_),  # row-major, classes x features
        "train_accuracy": float(accuracy_score(y, lr.predict(Xs))),
    }

    # Scaler on iris.
    sc = StandardScaler().fit(X)
    out["scaler_iris"] = {"mean": floats(sc.mean_), "scale": floats(sc.scale_)}

    # KNN and Gaussian naive Bayes on iris: train on index % 5 != 0, test on the rest.
    idx = np.arange(len(y))
    tr, te = idx % 5 != 0, idx % 5 == 0
    for name, kw in [("knn5_iris", {}),
                     ("knn5_iris_distance", {"weights": "distance"}),
                     ("knn5_iris_manhattan", {"metric": "manhattan"}),
                     ("knn7_iris_manhattan_distance", {"n_neighbors": 7, "metric": "manhattan",
                                                      "weights": "distance"})]:
        kw.setdefault("n_neighbors", 5)
        knn = KNeighborsClassifier(**kw).fit(X[tr], y[tr])
        pred = knn.predict(X[te])
        out[name] = {"predictions": codes(knn.classes_, pred),
                     "accuracy": float(accuracy_score(y[te], pred))}
    nb = GaussianNB().fit(X[tr], y[tr])
    pred = nb.predict(X[te])
    out["gnb_iris"] = {"predictions": codes(nb.classes_, pred), "accuracy": float(accuracy_score(y[te], pred)),
                       "theta": floats(nb.theta_), "var": floats(nb.var_),
                       "proba_first_test_rows": floats(nb.predict_proba(X[te][:3]))}

    # 3-NN on digits: first 1347 rows train, last 450 test.
    X, y, _ = load(p("digits.csv"), "digit")
    y = y.astype(float).astype(int)
    knn = KNeighborsClassifier(n_neighbors=3).fit(X[:1347], y[:1347])
    pred = knn.predict(X[1347:])
    out["knn3_digits"] = {"predictions": "".join(str(v) for v in pred),
                          "accuracy": float(accuracy_score(y[1347:], pred))}
    nb = GaussianNB().fit(X[:1347], y[:1347])
    pred = nb.predict(X[1347:])
    out["gnb_digits"] = {"predictions": "".join(str(v) for v in pred),
                         "accuracy": float(accuracy_score(y[1347:], pred))}

    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
