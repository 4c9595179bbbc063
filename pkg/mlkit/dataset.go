package mlkit

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// Dataset is a table of numeric features with an optional label per row.
//
// X has one row per example and one column per feature, in the order of
// Features. When the data has a label column (Label != ""), Y has one value per
// row: the label itself when the label is numeric, or, when the label is
// categorical (Classes != nil), the index into Classes of the row's class
// name. Classes are sorted (byte-wise), as scikit-learn sorts its classes_.
//
// A Dataset always has at least one row and one feature column; build one with
// LoadCSV, ReadCSV, FromRecords or NewDataset rather than by hand.
type Dataset struct {
	X        *mat.Dense // rows x len(Features)
	Features []string   // feature column names
	Label    string     // label column name; "" when the data has no labels
	Y        []float64  // one label per row; nil when the data has no labels
	Classes  []string   // class names of a categorical label, sorted; nil for a numeric label
}

// NewDataset builds a Dataset from a feature matrix and optional labels,
// checking that the shapes agree and that every value is finite. Pass y nil
// (and label "") for unlabelled data, and classes non-nil when y holds indices
// into classes. The Dataset keeps X, y and the slices without copying them.
func NewDataset(X *mat.Dense, features []string, label string, y []float64, classes []string) (*Dataset, error) {
	if X == nil || X.IsEmpty() {
		return nil, errors.New("mlkit: dataset has no rows")
	}
	r, c := X.Dims()
	if len(features) != c {
		return nil, fmt.Errorf("mlkit: %d feature names for %d columns", len(features), c)
	}
	if err := checkFinite(X); err != nil {
		return nil, err
	}
	if y != nil {
		if label == "" {
			return nil, errors.New("mlkit: labels given without a label column name")
		}
		if len(y) != r {
			return nil, fmt.Errorf("mlkit: %d labels for %d rows: %w", len(y), r, ErrShape)
		}
		for i, v := range y {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("mlkit: label of row %d is %v", i+1, v)
			}
			if classes != nil && (v != math.Trunc(v) || v < 0 || int(v) >= len(classes)) {
				return nil, fmt.Errorf("mlkit: label of row %d is %v, not an index into %d classes", i+1, v, len(classes))
			}
		}
	} else if classes != nil {
		return nil, errors.New("mlkit: classes given without labels")
	}
	seen := make(map[string]bool, c+1)
	for _, f := range append(append([]string(nil), features...), label) {
		if f == "" {
			continue
		}
		if seen[f] {
			return nil, fmt.Errorf("mlkit: column %q appears twice", f)
		}
		seen[f] = true
	}
	return &Dataset{X: X, Features: features, Label: label, Y: y, Classes: classes}, nil
}

// Rows returns the number of examples.
func (d *Dataset) Rows() int {
	if d == nil || d.X == nil || d.X.IsEmpty() {
		return 0
	}
	r, _ := d.X.Dims()
	return r
}

// Cols returns the number of feature columns.
func (d *Dataset) Cols() int {
	if d == nil || d.X == nil || d.X.IsEmpty() {
		return 0
	}
	_, c := d.X.Dims()
	return c
}

// HasLabels reports whether every row has a label in Y.
func (d *Dataset) HasLabels() bool { return d != nil && d.Label != "" && d.Y != nil }

// Categorical reports whether the label is categorical, that is whether Y
// holds indices into Classes.
func (d *Dataset) Categorical() bool { return d != nil && d.Classes != nil }

// ClassName returns the name of label value y: Classes[y] for a categorical
// label, otherwise the number written the shortest exact way ("1", "0.5").
func (d *Dataset) ClassName(y float64) string {
	if d.Categorical() && y == math.Trunc(y) && y >= 0 && int(y) < len(d.Classes) {
		return d.Classes[int(y)]
	}
	return strconv.FormatFloat(y, 'g', -1, 64)
}

// LabelValues returns the distinct values of Y in increasing order: the class
// indices 0..len(Classes)-1 for a categorical label, the distinct numbers
// otherwise. Classifiers use the same order for their classes.
func (d *Dataset) LabelValues() []float64 {
	if !d.HasLabels() {
		return nil
	}
	if d.Categorical() {
		v := make([]float64, len(d.Classes))
		for i := range v {
			v[i] = float64(i)
		}
		return v
	}
	return uniqueSorted(d.Y)
}

// ClassNames returns the names of LabelValues, in the same order.
func (d *Dataset) ClassNames() []string {
	vals := d.LabelValues()
	names := make([]string, len(vals))
	for i, v := range vals {
		names[i] = d.ClassName(v)
	}
	return names
}

// Subset returns a new Dataset holding the given rows of d, in the given
// order (an index may repeat). The new Dataset has its own copy of the data.
func (d *Dataset) Subset(rows []int) (*Dataset, error) {
	n := d.Rows()
	if n == 0 {
		return nil, errors.New("mlkit: subset of an empty dataset")
	}
	if len(rows) == 0 {
		return nil, errors.New("mlkit: subset with no rows")
	}
	c := d.Cols()
	data := make([]float64, 0, len(rows)*c)
	var y []float64
	if d.Y != nil {
		y = make([]float64, 0, len(rows))
	}
	for _, i := range rows {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("mlkit: row index %d out of range [0,%d)", i, n)
		}
		data = append(data, d.X.RawRowView(i)...)
		if y != nil {
			y = append(y, d.Y[i])
		}
	}
	return &Dataset{
		X:        mat.NewDense(len(rows), c, data),
		Features: append([]string(nil), d.Features...),
		Label:    d.Label,
		Y:        y,
		Classes:  cloneStrings(d.Classes),
	}, nil
}

// WithoutLabels returns a view of d with the labels removed: the same feature
// matrix, no Label, Y or Classes. Use it to hand test features to a learner
// while holding the test labels back.
func (d *Dataset) WithoutLabels() *Dataset {
	return &Dataset{X: d.X, Features: d.Features}
}

// Clone returns a deep copy of d.
func (d *Dataset) Clone() *Dataset {
	c := &Dataset{
		Features: append([]string(nil), d.Features...),
		Label:    d.Label,
		Classes:  cloneStrings(d.Classes),
	}
	if d.X != nil {
		c.X = mat.DenseCopyOf(d.X)
	}
	if d.Y != nil {
		c.Y = append([]float64(nil), d.Y...)
	}
	return c
}

// Column returns the index of the named feature column, or -1.
func (d *Dataset) Column(name string) int {
	for i, f := range d.Features {
		if f == name {
			return i
		}
	}
	return -1
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// uniqueSorted returns the distinct values of v in increasing order.
func uniqueSorted(v []float64) []float64 {
	u := append([]float64(nil), v...)
	sort.Float64s(u)
	out := u[:0]
	for i, x := range u {
		if i == 0 || x != u[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// checkFinite returns an error naming the first NaN or infinite value of X.
func checkFinite(X mat.Matrix) error {
	r, c := X.Dims()
	if rv, ok := X.(mat.RawMatrixer); ok {
		m := rv.RawMatrix()
		for i := 0; i < r; i++ {
			for j, v := range m.Data[i*m.Stride : i*m.Stride+c] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("mlkit: X[%d,%d] is %v: %w", i, j, v, ErrNotFinite)
				}
			}
		}
		return nil
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := X.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("mlkit: X[%d,%d] is %v: %w", i, j, v, ErrNotFinite)
			}
		}
	}
	return nil
}
