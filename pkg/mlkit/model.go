package mlkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Model is a supervised model: Fit learns from the rows of X (n x features)
// and their labels y (length n); Predict returns one prediction per row of X,
// which must have as many columns as the data the model was fitted on.
// Neither panics on bad input: they return errors wrapping ErrShape,
// ErrEmpty, ErrNotFinite or ErrNotFitted.
type Model interface {
	Fit(X mat.Matrix, y []float64) error
	Predict(X mat.Matrix) ([]float64, error)
	// Type returns the model's type tag, the "model" field of its JSON form.
	Type() string
}

// Regressor is a model predicting a number. Every Model that is not a
// Classifier is a regressor; the interface exists to say which is meant.
type Regressor interface {
	Model
}

// Classifier is a model predicting a class. Its labels are numbers (for a
// categorical Dataset, the class indices); Predict returns one of Classes
// per row.
type Classifier interface {
	Model
	// Classes returns the labels seen in Fit, in increasing order.
	Classes() []float64
	// PredictProba returns an n x len(Classes()) matrix whose row i holds
	// the probability of each class for row i of X.
	PredictProba(X mat.Matrix) (*mat.Dense, error)
}

// Type tags of the models, the "model" field of their JSON form.
const (
	TypeLinearRegression   = "linear_regression"
	TypeRidge              = "ridge"
	TypeLogisticRegression = "logistic_regression"
	TypeKNN                = "knn"
	TypeGaussianNB         = "gaussian_nb"
	TypeStandardScaler     = "standard_scaler"
)

// LoadModel reads a model from its JSON form (as produced by json.Marshal on
// any model of this package), choosing the type by the "model" field.
func LoadModel(data []byte) (Model, error) {
	var tag struct {
		Model string `json:"model"`
	}
	if err := json.Unmarshal(data, &tag); err != nil {
		return nil, fmt.Errorf("mlkit: load model: %w", err)
	}
	var m Model
	switch tag.Model {
	case TypeLinearRegression:
		m = &LinearRegression{}
	case TypeRidge:
		m = &Ridge{}
	case TypeLogisticRegression:
		m = &LogisticRegression{}
	case TypeKNN:
		m = &KNN{}
	case TypeGaussianNB:
		m = &GaussianNB{}
	case "":
		return nil, errors.New(`mlkit: load model: no "model" type field`)
	case TypeStandardScaler:
		return nil, errors.New("mlkit: load model: a standard_scaler is not a model; unmarshal it into a StandardScaler")
	default:
		return nil, fmt.Errorf("mlkit: load model: unknown model type %q", tag.Model)
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("mlkit: load %s: %w", tag.Model, err)
	}
	return m, nil
}

// checkTag checks the "model" field of a model's JSON form.
func checkTag(got, want string) error {
	if got != want {
		return fmt.Errorf("mlkit: JSON is a %q, not a %q", got, want)
	}
	return nil
}

// rowMajor returns the rows of X as one row-major slice with its dimensions,
// without copying when X is a plain *mat.Dense. It checks that X is not
// empty, that every value is finite and, when cols >= 0, that X has that many
// columns. The slice must not be modified.
func rowMajor(X mat.Matrix, cols int) (data []float64, r, c int, err error) {
	if X == nil {
		return nil, 0, 0, fmt.Errorf("mlkit: X is nil: %w", ErrEmpty)
	}
	if d, ok := X.(*mat.Dense); ok && d.IsEmpty() {
		return nil, 0, 0, fmt.Errorf("mlkit: X has no rows: %w", ErrEmpty)
	}
	r, c = X.Dims()
	if r == 0 || c == 0 {
		return nil, 0, 0, fmt.Errorf("mlkit: X is %dx%d: %w", r, c, ErrEmpty)
	}
	if cols >= 0 && c != cols {
		return nil, 0, 0, fmt.Errorf("mlkit: X has %d columns, the model was fitted on %d: %w", c, cols, ErrShape)
	}
	if d, ok := X.(*mat.Dense); ok {
		raw := d.RawMatrix()
		if raw.Stride == c {
			data = raw.Data[:r*c]
		}
	}
	if data == nil {
		data = make([]float64, r*c)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				data[i*c+j] = X.At(i, j)
			}
		}
	}
	for k, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, 0, fmt.Errorf("mlkit: X[%d,%d] is %v: %w", k/c, k%c, v, ErrNotFinite)
		}
	}
	return data, r, c, nil
}

// checkTarget checks a label vector against the number of rows.
func checkTarget(y []float64, rows int) error {
	if len(y) != rows {
		return fmt.Errorf("mlkit: %d labels for %d rows: %w", len(y), rows, ErrShape)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("mlkit: label %d is %v: %w", i, v, ErrNotFinite)
		}
	}
	return nil
}

// notFitted returns the error of using an unfitted model.
func notFitted(model string) error {
	return fmt.Errorf("mlkit: %s: %w", model, ErrNotFitted)
}

// denseRows is the JSON form of a matrix: a copy of its rows.
func denseRows(m *mat.Dense) [][]float64 {
	if m == nil || m.IsEmpty() {
		return nil
	}
	r, _ := m.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = append([]float64(nil), m.RawRowView(i)...)
	}
	return out
}

// denseFromRows builds a matrix from rows of equal length.
func denseFromRows(rows [][]float64) (*mat.Dense, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	c := len(rows[0])
	if c == 0 {
		return nil, fmt.Errorf("mlkit: matrix row 0 is empty: %w", ErrShape)
	}
	data := make([]float64, 0, len(rows)*c)
	for i, row := range rows {
		if len(row) != c {
			return nil, fmt.Errorf("mlkit: matrix row %d has %d values, row 0 has %d: %w", i, len(row), c, ErrShape)
		}
		data = append(data, row...)
	}
	return mat.NewDense(len(rows), c, data), nil
}
