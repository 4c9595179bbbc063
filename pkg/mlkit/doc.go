// Package mlkit is the course's small machine-learning kit: data sets read from
// CSV files or from JSON records consumed off a Kafka topic, train/test splits
// and cross-validation folds, evaluation metrics, and a handful of classic
// models that give the same answers as scikit-learn on the same data.
//
// # Data
//
// A [Dataset] holds a feature matrix X (rows x features, a gonum *mat.Dense),
// the feature names, and optionally a label per row in Y. A numeric label (every
// value a number) is kept as that number, so the same Dataset serves regression
// and classification; a categorical label (any value not a number, for example
// "setosa") is stored as an index into Classes, which lists the class names in
// sorted order, the same order as scikit-learn's classes_ (numpy.unique).
// Load one with [LoadCSV], [ReadCSV], [LoadCSVFS] or [FromRecords]; bad data is
// reported as a [*DataError] naming the data row, the file line and the column.
// [Dataset.Records] and [Dataset.WriteJSONLines] turn a Dataset back into JSON
// records, for example to replay it into a topic.
//
// # Splits and metrics
//
// [TrainTestSplit], [StratifiedSplit], [KFold] and [StratifiedKFold] are seeded
// and reproducible on every platform and Go version (they use their own
// Fisher-Yates shuffle over a PCG generator). The [Split] keeps the test labels
// apart from the test features so a lab can hold them back. Metrics take
// label vectors: [Accuracy], [NewConfusionMatrix], [ClassificationReport],
// [ROC] and [AUC] for classifiers; [MSE], [RMSE], [MAE] and [R2] for regressors.
//
// # Models
//
// Every model has Fit(X, y) and Predict(X) over gonum matrices ([Model]);
// classifiers also have PredictProba and Classes ([Classifier]). Models:
// [LinearRegression] (least squares via QR), [Ridge], [LogisticRegression]
// (L2, binary or multinomial, fitted with gonum's L-BFGS), [KNN] and
// [GaussianNB]; [StandardScaler] standardizes features. Their zero values use
// scikit-learn's defaults. Each model marshals to JSON with a "model" type tag,
// and [LoadModel] reads any of them back.
//
// Nothing in this package panics on user data: wrong shapes, predicting before
// fitting, NaN or infinite values and empty inputs are returned as errors.
//
// Charts of these results are drawn by package charts (pkg/charts).
package mlkit
