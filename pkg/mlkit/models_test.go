package mlkit_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

var (
	_ mlkit.Regressor  = (*mlkit.LinearRegression)(nil)
	_ mlkit.Regressor  = (*mlkit.Ridge)(nil)
	_ mlkit.Classifier = (*mlkit.LogisticRegression)(nil)
	_ mlkit.Classifier = (*mlkit.KNN)(nil)
	_ mlkit.Classifier = (*mlkit.GaussianNB)(nil)
)

// newModels returns a fresh model of every kind.
func newModels() map[string]mlkit.Model {
	return map[string]mlkit.Model{
		"linear_regression":   &mlkit.LinearRegression{},
		"ridge":               mlkit.NewRidge(1),
		"logistic_regression": &mlkit.LogisticRegression{},
		"knn":                 &mlkit.KNN{K: 3},
		"gaussian_nb":         &mlkit.GaussianNB{},
	}
}

func TestModelsRejectBadInput(t *testing.T) {
	X := mat.NewDense(6, 2, []float64{0, 0, 1, 0, 0, 1, 5, 5, 6, 5, 5, 6})
	y := []float64{0, 0, 0, 1, 1, 1}
	for name, m := range newModels() {
		t.Run(name, func(t *testing.T) {
			if m.Type() != name {
				t.Errorf("Type() = %q", m.Type())
			}
			if _, err := m.Predict(X); !errors.Is(err, mlkit.ErrNotFitted) {
				t.Errorf("predict before fit: %v", err)
			}
			if c, ok := m.(mlkit.Classifier); ok {
				if _, err := c.PredictProba(X); !errors.Is(err, mlkit.ErrNotFitted) {
					t.Errorf("predict proba before fit: %v", err)
				}
			}
			for _, bad := range []struct {
				name string
				X    mat.Matrix
				y    []float64
				want error
			}{
				{"short y", X, y[:5], mlkit.ErrShape},
				{"nil X", nil, y, mlkit.ErrEmpty},
				{"empty X", &mat.Dense{}, nil, mlkit.ErrEmpty},
				{"NaN in X", mat.NewDense(1, 1, []float64{math.NaN()}), []float64{1}, mlkit.ErrNotFinite},
				{"infinite y", X, []float64{0, 0, 0, 1, 1, math.Inf(1)}, mlkit.ErrNotFinite},
			} {
				if err := m.Fit(bad.X, bad.y); !errors.Is(err, bad.want) {
					t.Errorf("fit with %s: error %v, want %v", bad.name, err, bad.want)
				}
			}
			if err := m.Fit(X, y); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []struct {
				name string
				X    mat.Matrix
				want error
			}{
				{"3 columns", mat.NewDense(1, 3, nil), mlkit.ErrShape},
				{"1 column", mat.NewDense(2, 1, nil), mlkit.ErrShape},
				{"nil", nil, mlkit.ErrEmpty},
				{"NaN", mat.NewDense(1, 2, []float64{0, math.NaN()}), mlkit.ErrNotFinite},
			} {
				if _, err := m.Predict(bad.X); !errors.Is(err, bad.want) {
					t.Errorf("predict %s: error %v, want %v", bad.name, err, bad.want)
				}
			}
			// A transposed view works like any matrix.
			pred, err := m.Predict(mat.DenseCopyOf(X).T().T())
			if err != nil || len(pred) != 6 {
				t.Errorf("predict on a view: %v %v", pred, err)
			}
		})
	}
}

func TestModelSettingsErrors(t *testing.T) {
	X := mat.NewDense(4, 1, []float64{0, 1, 2, 3})
	y := []float64{0, 0, 1, 1}
	for _, tc := range []struct {
		name  string
		model mlkit.Model
		y     []float64
		msg   string
	}{
		{"ridge negative alpha", &mlkit.Ridge{Alpha: -1}, y, "alpha"},
		{"logistic negative C", &mlkit.LogisticRegression{C: -1}, y, "C -1"},
		{"logistic one class", &mlkit.LogisticRegression{}, []float64{1, 1, 1, 1}, "at least 2 classes"},
		{"logistic negative tol", &mlkit.LogisticRegression{Tol: -1}, y, "tol"},
		{"knn k larger than the data", &mlkit.KNN{K: 5}, y, "only 4 training rows"},
		{"knn negative k", &mlkit.KNN{K: -1}, y, "k -1"},
		{"knn unknown distance", &mlkit.KNN{Metric: "cosine"}, y, "unknown distance"},
		{"knn unknown weighting", &mlkit.KNN{K: 1, Weights: "rank"}, y, "unknown weighting"},
		{"nb negative smoothing", &mlkit.GaussianNB{VarSmoothing: -1}, y, "var smoothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.model.Fit(X, tc.y)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want one mentioning %q", err, tc.msg)
			}
		})
	}
}

func TestModelJSONRoundTrip(t *testing.T) {
	iris := loadData(t, "iris.csv", "species")
	diabetes := loadData(t, "diabetes.csv", "progression")
	for name, m := range newModels() {
		t.Run(name, func(t *testing.T) {
			d := iris
			if _, ok := m.(mlkit.Classifier); !ok {
				d = diabetes
			}
			if err := m.Fit(d.X, d.Y); err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), `{"model":"`+name+`"`) {
				t.Errorf("JSON starts %.40s", data)
			}
			loaded, err := mlkit.LoadModel(data)
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(loaded) != reflect.TypeOf(m) {
				t.Fatalf("loaded a %T", loaded)
			}
			want, _ := m.Predict(d.X)
			got, err := loaded.Predict(d.X)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("loaded model predicts differently (%v)", err)
			}
			if c, ok := m.(mlkit.Classifier); ok {
				p1, _ := c.PredictProba(d.X)
				p2, err := loaded.(mlkit.Classifier).PredictProba(d.X)
				if err != nil || !mat.Equal(p1, p2) {
					t.Errorf("loaded model's probabilities differ (%v)", err)
				}
			}
			again, _ := json.Marshal(loaded)
			if string(again) != string(data) {
				t.Errorf("JSON changed on a second round trip")
			}

			// An unfitted model saves and loads, and still is not fitted.
			fresh, _ := json.Marshal(newModels()[name])
			back, err := mlkit.LoadModel(fresh)
			if err != nil {
				t.Fatalf("load unfitted %s: %v", fresh, err)
			}
			if _, err := back.Predict(d.X); !errors.Is(err, mlkit.ErrNotFitted) {
				t.Errorf("loaded unfitted model predicts: %v", err)
			}
		})
	}
}

func TestLoadModelErrors(t *testing.T) {
	for _, tc := range []struct{ json, msg string }{
		{`not json`, "invalid character"},
		{`{}`, `no "model" type field`},
		{`{"model":"svm"}`, `unknown model type "svm"`},
		{`{"model":"standard_scaler","mean":[1],"scale":[1]}`, "not a model"},
		{`{"model":"logistic_regression","classes":[0,1],"coef":[[1],[2]],"intercept":[0]}`, "shape mismatch"},
		{`{"model":"logistic_regression","classes":[1,0],"coef":[[1]],"intercept":[0]}`, "increasing order"},
		{`{"model":"gaussian_nb","classes":[0,1],"prior":[1],"theta":[[0],[1]],"var":[[1],[1]]}`, "shape mismatch"},
		{`{"model":"gaussian_nb","classes":[0],"prior":[1],"theta":[[0]],"var":[[0]]}`, "not positive"},
		{`{"model":"gaussian_nb","classes":[0],"prior":[0],"theta":[[0]],"var":[[1]]}`, "not in (0, 1]"},
		{`{"model":"knn","x":[[1,2],[3]],"y":[0,1]}`, "shape mismatch"},
		{`{"model":"knn","k":3,"x":[[1],[3]],"y":[0,1]}`, "only 2 training rows"},
		{`{"model":"knn","metric":"cosine"}`, "unknown distance"},
		{`{"model":"ridge","coef":"x"}`, "cannot unmarshal"},
	} {
		if _, err := mlkit.LoadModel([]byte(tc.json)); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("LoadModel(%s): error %v, want one mentioning %q", tc.json, err, tc.msg)
		}
	}
	var lr mlkit.LinearRegression
	if err := json.Unmarshal([]byte(`{"model":"ridge","coef":[1]}`), &lr); err == nil {
		t.Error("a ridge's JSON unmarshalled into a LinearRegression")
	}
}

func TestLinearRegressionEdgeCases(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4}
	for _, tc := range []struct {
		name      string
		X         *mat.Dense
		y         []float64
		model     mlkit.Model
		coef      []float64
		intercept float64
	}{
		{"exact line", mat.NewDense(5, 1, x), []float64{1, 3, 5, 7, 9}, &mlkit.LinearRegression{}, []float64{2}, 1},
		{"through the origin", mat.NewDense(5, 1, x), []float64{1, 4, 7, 10, 13}, &mlkit.LinearRegression{NoIntercept: true},
			[]float64{100.0 / 30}, 0},
		// Two copies of one feature: the minimum-norm solution splits the
		// weight equally, as scikit-learn's lstsq does.
		{"duplicate feature", mat.NewDense(5, 2, []float64{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}), []float64{1, 3, 5, 7, 9},
			&mlkit.LinearRegression{}, []float64{1, 1}, 1},
		{"fewer rows than features", mat.NewDense(2, 3, []float64{1, 0, 0, 0, 1, 0}), []float64{1, 3},
			&mlkit.LinearRegression{NoIntercept: true}, []float64{1, 3, 0}, 0},
		{"constant feature", mat.NewDense(3, 1, []float64{2, 2, 2}), []float64{1, 2, 3}, &mlkit.LinearRegression{}, []float64{0}, 2},
		{"ridge alpha 0 is least squares", mat.NewDense(5, 1, x), []float64{1, 3, 5, 7, 9}, &mlkit.Ridge{}, []float64{2}, 1},
		// sum x^2 (centred) = 10, so w = 20 / (10 + 10) = 1.
		{"ridge alpha 10", mat.NewDense(5, 1, x), []float64{1, 3, 5, 7, 9}, mlkit.NewRidge(10), []float64{1}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.model.Fit(tc.X, tc.y); err != nil {
				t.Fatal(err)
			}
			var coef []float64
			var b float64
			switch m := tc.model.(type) {
			case *mlkit.LinearRegression:
				coef, b = m.Coef, m.Intercept
			case *mlkit.Ridge:
				coef, b = m.Coef, m.Intercept
			}
			for i := range tc.coef {
				if math.Abs(coef[i]-tc.coef[i]) > 1e-9 {
					t.Errorf("coef %v, want %v", coef, tc.coef)
					break
				}
			}
			if math.Abs(b-tc.intercept) > 1e-9 {
				t.Errorf("intercept %v, want %v", b, tc.intercept)
			}
		})
	}
}

func TestLogisticRegressionBehaviour(t *testing.T) {
	// Labels 2 and 5: the positive class is the larger.
	X := mat.NewDense(6, 1, []float64{-3, -2, -1, 1, 2, 3})
	y := []float64{2, 2, 5, 2, 5, 5}
	m := &mlkit.LogisticRegression{}
	if err := m.Fit(X, y); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Classes(), []float64{2, 5}) || m.Coef.At(0, 0) <= 0 || !m.Converged {
		t.Errorf("classes %v coef %v converged %v", m.Classes(), m.Coef.At(0, 0), m.Converged)
	}
	pred, _ := m.Predict(mat.NewDense(2, 1, []float64{-10, 10}))
	if !reflect.DeepEqual(pred, []float64{2, 5}) {
		t.Errorf("predictions %v", pred)
	}

	iris := loadData(t, "iris.csv", "species")
	lr := &mlkit.LogisticRegression{MaxIter: 1000}
	if err := lr.Fit(iris.X, iris.Y); err != nil {
		t.Fatal(err)
	}
	assertProbaAgrees(t, lr, iris.X)
	if r, c := lr.Coef.Dims(); r != 3 || c != 4 || len(lr.Intercept) != 3 {
		t.Errorf("multinomial coef %dx%d, %d intercepts", r, c, len(lr.Intercept))
	}
	// Without an intercept the intercepts stay zero.
	noB := &mlkit.LogisticRegression{NoIntercept: true}
	if err := noB.Fit(X, y); err != nil || noB.Intercept[0] != 0 {
		t.Errorf("no intercept: %v %v", noB.Intercept, err)
	}
	// Few iterations: a result, flagged as not converged.
	short := &mlkit.LogisticRegression{MaxIter: 2}
	if err := short.Fit(iris.X, iris.Y); err != nil || short.Converged || short.Iterations > 2 {
		t.Errorf("MaxIter 2: err %v converged %v after %d iterations", err, short.Converged, short.Iterations)
	}
}

// assertProbaAgrees checks that probabilities sum to 1 and that Predict picks
// the most probable class.
func assertProbaAgrees(t *testing.T, m mlkit.Classifier, X mat.Matrix) {
	t.Helper()
	proba, err := m.PredictProba(X)
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := m.Predict(X)
	r, c := proba.Dims()
	if c != len(m.Classes()) || r != len(pred) {
		t.Fatalf("probabilities %dx%d for %d classes", r, c, len(m.Classes()))
	}
	for i := 0; i < r; i++ {
		row := proba.RawRowView(i)
		s, best := 0.0, 0
		for j, p := range row {
			s += p
			if p > row[best] {
				best = j
			}
		}
		if math.Abs(s-1) > 1e-9 {
			t.Fatalf("row %d probabilities sum to %v", i, s)
		}
		if m.Classes()[best] != pred[i] && row[best] != row[slicesIndex(m.Classes(), pred[i])] {
			t.Fatalf("row %d: predicted %v but the most probable class is %v", i, pred[i], m.Classes()[best])
		}
	}
}

func slicesIndex(s []float64, v float64) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestKNNTiesAndWeights(t *testing.T) {
	// Training rows on a line; labels chosen to expose the tie rules.
	X := mat.NewDense(5, 1, []float64{0, 1, 1, 2, 10})
	y := []float64{1, 1, 0, 0, 0}
	q := mat.NewDense(1, 1, []float64{1})

	m := &mlkit.KNN{K: 3}
	if err := m.Fit(X, y); err != nil {
		t.Fatal(err)
	}
	idx, dist, err := m.Neighbors(q)
	if err != nil {
		t.Fatal(err)
	}
	// Rows 1 and 2 at 0; rows 0 and 3 tie at 1 and the lower index wins.
	if !reflect.DeepEqual(idx[0], []int{1, 2, 0}) || !reflect.DeepEqual(dist[0], []float64{0, 0, 1}) {
		t.Errorf("neighbours %v at %v, want [1 2 0] at [0 0 1]", idx[0], dist[0])
	}
	for _, tc := range []struct {
		name  string
		model *mlkit.KNN
		want  float64
		proba []float64
	}{
		// Votes 1,1 / 0: class 1.
		{"uniform k=3", &mlkit.KNN{K: 3}, 1, []float64{1.0 / 3, 2.0 / 3}},
		// Votes 1 / 0: a tie goes to the smaller class.
		{"uniform k=2 tie", &mlkit.KNN{K: 2}, 0, []float64{0.5, 0.5}},
		// Distance weights with exact matches: only rows 1 and 2 vote, 1:1, smaller class.
		{"distance with zero distances", &mlkit.KNN{K: 4, Weights: mlkit.DistanceWeighted}, 0, []float64{0.5, 0.5}},
		{"manhattan k=1", &mlkit.KNN{K: 1, Metric: mlkit.Manhattan}, 1, []float64{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.model.Fit(X, y); err != nil {
				t.Fatal(err)
			}
			pred, err := tc.model.Predict(q)
			if err != nil || pred[0] != tc.want {
				t.Errorf("predicted %v (%v), want %v", pred, err, tc.want)
			}
			proba, _ := tc.model.PredictProba(q)
			if !reflect.DeepEqual(proba.RawRowView(0), tc.proba) {
				t.Errorf("probabilities %v, want %v", proba.RawRowView(0), tc.proba)
			}
		})
	}
	// Distance weights without exact matches: class 1 at distance 1 votes 1,
	// class 0 at 1.5 and 1.5 votes 2/1.5 = 1.33 and wins (by 1/d^2 it would lose).
	w := &mlkit.KNN{K: 3, Weights: mlkit.DistanceWeighted}
	if err := w.Fit(mat.NewDense(3, 1, []float64{0, 2.5, -0.5}), []float64{1, 0, 0}); err != nil {
		t.Fatal(err)
	}
	query := mat.NewDense(1, 1, []float64{1})
	if pred, _ := w.Predict(query); pred[0] != 0 {
		t.Errorf("distance-weighted prediction %v, want 0", pred)
	}
	if proba, _ := w.PredictProba(query); math.Abs(proba.At(0, 0)-4.0/7) > 1e-12 {
		t.Errorf("distance-weighted probability of class 0 %v, want 4/7", proba.At(0, 0))
	}
}

// TestKNNWideDataMatchesBruteForce checks the pruned search on more than 15
// columns (where columns are reordered and summed in blocks) against a plain
// stable sort of every distance.
func TestKNNWideDataMatchesBruteForce(t *testing.T) {
	digits := loadData(t, "digits.csv", "digit")
	cancer := loadData(t, "breast_cancer.csv", "benign") // 30 columns: a partial last block
	for _, tc := range []struct {
		d      *mlkit.Dataset
		n      int
		metric mlkit.Distance
	}{
		{digits, 1700, mlkit.Euclidean}, {digits, 1700, mlkit.Manhattan},
		{cancer, 500, mlkit.Euclidean}, {cancer, 500, mlkit.Manhattan},
	} {
		train, test := headTail(t, tc.d, tc.n)
		metric := tc.metric
		m := &mlkit.KNN{K: 7, Metric: metric}
		if err := m.Fit(train.X, train.Y); err != nil {
			t.Fatal(err)
		}
		idx, dist, err := m.Neighbors(test.X)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < test.Rows(); i++ {
			type nd struct {
				d float64
				i int
			}
			all := make([]nd, train.Rows())
			for j := range all {
				s := 0.0
				for c := 0; c < train.Cols(); c++ {
					diff := test.X.At(i, c) - train.X.At(j, c)
					if metric == mlkit.Euclidean {
						s += diff * diff
					} else {
						s += math.Abs(diff)
					}
				}
				if metric == mlkit.Euclidean {
					s = math.Sqrt(s)
				}
				all[j] = nd{s, j}
			}
			// A stable sort by distance: ties keep index order.
			for a := 1; a < len(all); a++ {
				for b := a; b > 0 && all[b].d < all[b-1].d; b-- {
					all[b], all[b-1] = all[b-1], all[b]
				}
			}
			for k := 0; k < 7; k++ {
				// Wide rows are summed in another order: the last bits may differ.
				if idx[i][k] != all[k].i || math.Abs(dist[i][k]-all[k].d) > 1e-12*all[k].d {
					t.Fatalf("%s row %d neighbour %d: %d at %v, brute force %d at %v", metric, i, k, idx[i][k], dist[i][k], all[k].i, all[k].d)
				}
			}
		}
	}
}

func TestGaussianNBProbabilities(t *testing.T) {
	wine := loadData(t, "wine.csv", "cultivar")
	m := &mlkit.GaussianNB{}
	if err := m.Fit(wine.X, wine.Y); err != nil {
		t.Fatal(err)
	}
	assertProbaAgrees(t, m, wine.X)
	if s := m.Prior[0] + m.Prior[1] + m.Prior[2]; math.Abs(s-1) > 1e-12 {
		t.Errorf("priors sum to %v", s)
	}
	// All features constant: still finite.
	c := &mlkit.GaussianNB{}
	if err := c.Fit(mat.NewDense(2, 1, []float64{1, 1}), []float64{0, 1}); err != nil {
		t.Fatal(err)
	}
	p, err := c.PredictProba(mat.NewDense(1, 1, []float64{1}))
	if err != nil || math.IsNaN(p.At(0, 0)) {
		t.Errorf("constant features: %v %v", p, err)
	}
}

func TestStandardScaler(t *testing.T) {
	X := mat.NewDense(3, 2, []float64{1, 5, 2, 5, 3, 5})
	var s mlkit.StandardScaler
	if _, err := s.Transform(X); !errors.Is(err, mlkit.ErrNotFitted) {
		t.Errorf("transform before fit: %v", err)
	}
	Z, err := s.FitTransform(X)
	if err != nil {
		t.Fatal(err)
	}
	sd := math.Sqrt(2.0 / 3) // population standard deviation of 1, 2, 3
	want := []float64{-1 / sd, 0, 0, 0, 1 / sd, 0}
	for i, v := range Z.RawMatrix().Data {
		if math.Abs(v-want[i]) > 1e-12 {
			t.Fatalf("standardized %v, want %v", Z.RawMatrix().Data, want)
		}
	}
	if s.Scale[1] != 1 {
		t.Errorf("a constant column gets scale %v, want 1", s.Scale[1])
	}
	back, err := s.InverseTransform(Z)
	if err != nil || !mat.EqualApprox(back, X, 1e-12) {
		t.Errorf("inverse transform %v, %v", back, err)
	}
	if _, err := s.Transform(mat.NewDense(1, 3, nil)); !errors.Is(err, mlkit.ErrShape) {
		t.Errorf("3 columns into a 2-column scaler: %v", err)
	}
	data, _ := json.Marshal(&s)
	var s2 mlkit.StandardScaler
	if err := json.Unmarshal(data, &s2); err != nil || !reflect.DeepEqual(s2, s) {
		t.Errorf("JSON round trip: %v %+v", err, s2)
	}
	if err := json.Unmarshal([]byte(`{"model":"standard_scaler","mean":[0],"scale":[0]}`), &s2); err == nil {
		t.Error("zero scale accepted")
	}
}

// TestResultsDoNotDependOnCPUs fits the models that share work among CPUs
// (multinomial logistic regression on digits, KNN) with one and with several
// CPUs: the results must be identical to the bit.
func TestResultsDoNotDependOnCPUs(t *testing.T) {
	train, test := headTail(t, loadData(t, "digits.csv", "digit"), 1347)
	fit := func(procs int) ([]float64, []float64, []float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		lr := &mlkit.LogisticRegression{MaxIter: 20}
		if err := lr.Fit(train.X, train.Y); err != nil {
			t.Fatal(err)
		}
		knn := &mlkit.KNN{K: 4, Weights: mlkit.DistanceWeighted}
		if err := knn.Fit(train.X, train.Y); err != nil {
			t.Fatal(err)
		}
		proba, err := knn.PredictProba(test.X)
		if err != nil {
			t.Fatal(err)
		}
		return lr.Coef.RawMatrix().Data, lr.Intercept, proba.RawMatrix().Data
	}
	c1, b1, p1 := fit(1)
	c4, b4, p4 := fit(4)
	if !reflect.DeepEqual(c1, c4) || !reflect.DeepEqual(b1, b4) {
		t.Error("logistic regression coefficients differ between 1 and 4 CPUs")
	}
	if !reflect.DeepEqual(p1, p4) {
		t.Error("KNN probabilities differ between 1 and 4 CPUs")
	}
}
