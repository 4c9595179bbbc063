package mlkit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name     string
		csv      string
		opts     mlkit.LoadOptions
		features []string
		x        []float64 // row-major
		label    string
		y        []float64
		classes  []string
	}{
		{
			name:     "numeric label",
			csv:      "a,b,y\n1,2,0.5\n3,4,1.5\n",
			opts:     mlkit.LoadOptions{Label: "y"},
			features: []string{"a", "b"}, x: []float64{1, 2, 3, 4},
			label: "y", y: []float64{0.5, 1.5},
		},
		{
			name:     "categorical label, classes sorted not in order of appearance",
			csv:      "a,species\n1,virginica\n2,setosa\n3,virginica\n4,versicolor\n",
			opts:     mlkit.LoadOptions{Label: "species"},
			features: []string{"a"}, x: []float64{1, 2, 3, 4},
			label: "species", y: []float64{2, 0, 2, 1}, classes: []string{"setosa", "versicolor", "virginica"},
		},
		{
			name:     "label in the middle",
			csv:      "a,y,b\n1,7,2\n",
			opts:     mlkit.LoadOptions{Label: "y"},
			features: []string{"a", "b"}, x: []float64{1, 2},
			label: "y", y: []float64{7},
		},
		{
			name:     "no label",
			csv:      "a,b\n1,2\n",
			features: []string{"a", "b"}, x: []float64{1, 2},
		},
		{
			name:     "optional label absent",
			csv:      "a,b\n1,2\n",
			opts:     mlkit.LoadOptions{Label: "y", LabelOptional: true},
			features: []string{"a", "b"}, x: []float64{1, 2},
		},
		{
			name:     "chosen features in chosen order, others ignored",
			csv:      "id,a,b,name,y\n9,1,2,x,0\n",
			opts:     mlkit.LoadOptions{Label: "y", Features: []string{"b", "a"}},
			features: []string{"b", "a"}, x: []float64{2, 1},
			label: "y", y: []float64{0},
		},
		{
			name:     "quotes, spaces, CRLF, byte order mark, exponent",
			csv:      "\ufeff\"a\", b ,y\r\n \"1.5\", 2e3 , 1 \r\n",
			opts:     mlkit.LoadOptions{Label: "y"},
			features: []string{"a", "b"}, x: []float64{1.5, 2000},
			label: "y", y: []float64{1},
		},
		{
			name:     "given classes keep their indices",
			csv:      "a,y\n1,b\n2,b\n",
			opts:     mlkit.LoadOptions{Label: "y", Classes: []string{"a", "b", "c"}},
			features: []string{"a"}, x: []float64{1, 2},
			label: "y", y: []float64{1, 1}, classes: []string{"a", "b", "c"},
		},
		{
			name:     "numbers forced categorical sort as strings",
			csv:      "a,y\n1,10\n2,9\n",
			opts:     mlkit.LoadOptions{Label: "y", Categorical: true},
			features: []string{"a"}, x: []float64{1, 2},
			label: "y", y: []float64{0, 1}, classes: []string{"10", "9"},
		},
		{
			name:     "blank lines are skipped",
			csv:      "a,y\n\n1,2\n\n3,4\n",
			opts:     mlkit.LoadOptions{Label: "y"},
			features: []string{"a"}, x: []float64{1, 3},
			label: "y", y: []float64{2, 4},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := mlkit.ReadCSV(strings.NewReader(tc.csv), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.Features, tc.features) {
				t.Errorf("features %q, want %q", d.Features, tc.features)
			}
			if got := d.X.RawMatrix().Data; !reflect.DeepEqual(got, tc.x) {
				t.Errorf("X %v, want %v", got, tc.x)
			}
			if r, c := d.X.Dims(); r*c != len(tc.x) || c != len(tc.features) {
				t.Errorf("X is %dx%d", r, c)
			}
			if d.Label != tc.label || !reflect.DeepEqual(d.Y, tc.y) || !reflect.DeepEqual(d.Classes, tc.classes) {
				t.Errorf("label %q y %v classes %q, want %q %v %q", d.Label, d.Y, d.Classes, tc.label, tc.y, tc.classes)
			}
			if d.HasLabels() != (tc.label != "") {
				t.Errorf("HasLabels() = %v", d.HasLabels())
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name   string
		csv    string
		opts   mlkit.LoadOptions
		row    int
		line   int
		column string
		msg    string // substring of the message
	}{
		{name: "empty file", csv: "", msg: "empty file"},
		{name: "header only", csv: "a,y\n", opts: mlkit.LoadOptions{Label: "y"}, msg: "no data rows"},
		{name: "too few fields", csv: "a,b,y\n1,2,3\n4,5\n", opts: mlkit.LoadOptions{Label: "y"},
			row: 2, line: 3, column: "y", msg: "2 fields, the header 3"},
		{name: "too many fields", csv: "a,y\n1,2,3\n", opts: mlkit.LoadOptions{Label: "y"},
			row: 1, line: 2, msg: "3 fields, the header 2"},
		{name: "not a number", csv: "a,b,y\n1,2,0\n1,x2,0\n", opts: mlkit.LoadOptions{Label: "y"},
			row: 2, line: 3, column: "b", msg: `"x2" is not a number`},
		{name: "NaN", csv: "a,y\nNaN,0\n", opts: mlkit.LoadOptions{Label: "y"},
			row: 1, line: 2, column: "a", msg: "not a finite number"},
		{name: "infinity", csv: "a,y\n-Inf,0\n", opts: mlkit.LoadOptions{Label: "y"},
			row: 1, line: 2, column: "a", msg: "not a finite number"},
		{name: "out of range", csv: "a,y\n1e999,0\n", opts: mlkit.LoadOptions{Label: "y"},
			row: 1, line: 2, column: "a", msg: "out of range"},
		{name: "missing value", csv: "a,b,y\n1,,0\n", opts: mlkit.LoadOptions{Label: "y"},
			row: 1, line: 2, column: "b", msg: "missing value"},
		{name: "missing label", csv: "a,y\n1,0\n2, \n", opts: mlkit.LoadOptions{Label: "y"},
			row: 2, line: 3, column: "y", msg: "missing label"},
		{name: "unknown label column", csv: "a,b\n1,2\n", opts: mlkit.LoadOptions{Label: "species"},
			line: 1, column: "species", msg: "the columns are a, b"},
		{name: "unknown feature column", csv: "a,y\n1,2\n", opts: mlkit.LoadOptions{Label: "y", Features: []string{"a", "z"}},
			line: 1, column: "z", msg: "no such feature column"},
		{name: "label as feature", csv: "a,y\n1,2\n", opts: mlkit.LoadOptions{Label: "y", Features: []string{"y"}},
			line: 1, column: "y", msg: "cannot also be a feature"},
		{name: "duplicate column", csv: "a,a,y\n1,2,3\n", opts: mlkit.LoadOptions{Label: "y"},
			line: 1, column: "a", msg: "appears twice"},
		{name: "unnamed column", csv: "a,,y\n1,2,3\n", opts: mlkit.LoadOptions{Label: "y"},
			line: 1, msg: "column 2 has no name"},
		{name: "only the label", csv: "y\n1\n", opts: mlkit.LoadOptions{Label: "y"},
			line: 1, msg: "no feature columns"},
		{name: "unknown class", csv: "a,y\n1,cat\n2,dog\n", opts: mlkit.LoadOptions{Label: "y", Classes: []string{"cat"}},
			row: 2, line: 3, column: "y", msg: `class "dog" is not one of the known classes (cat)`},
		{name: "bare quote", csv: "a,y\n1,2\n3\"x,4\n", opts: mlkit.LoadOptions{Label: "y"},
			row: 2, line: 3, msg: "bare"},
		{name: "line numbers count multi-line quoted fields", csv: "a,note,y\n1,\"two\nlines\",0\nz,x,0\n",
			opts: mlkit.LoadOptions{Label: "y", Features: []string{"a"}}, row: 2, line: 4, column: "a", msg: "not a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Source = "test.csv"
			d, err := mlkit.ReadCSV(strings.NewReader(tc.csv), tc.opts)
			if err == nil {
				t.Fatalf("no error; got %d rows", d.Rows())
			}
			var de *mlkit.DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not a *DataError", err, err)
			}
			if de.Row != tc.row || de.Line != tc.line || de.Column != tc.column {
				t.Errorf("error at row %d line %d column %q, want row %d line %d column %q (%v)",
					de.Row, de.Line, de.Column, tc.row, tc.line, tc.column, err)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "test.csv: ") {
				t.Errorf("error %q does not start with the file and mention %q", err, tc.msg)
			}
		})
	}
}

func TestDataErrorMessage(t *testing.T) {
	err := &mlkit.DataError{Source: "iris.csv", Row: 3, Line: 4, Column: "sepal_width", Err: errors.New(`"abc" is not a number`)}
	want := `iris.csv: data row 3 (line 4), column "sepal_width": "abc" is not a number`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	rec := &mlkit.DataError{Source: "records", Row: 2, Column: "x", Err: errors.New("missing value")}
	if want := `records: record 2, column "x": missing value`; rec.Error() != want {
		t.Errorf("got  %s\nwant %s", rec, want)
	}
}

func TestLoadShippedDatasets(t *testing.T) {
	shape := map[string][2]int{
		"iris.csv": {150, 4}, "breast_cancer.csv": {569, 30}, "digits.csv": {1797, 64},
		"diabetes.csv": {442, 10}, "wine.csv": {178, 13}, "heart_sample.csv": {15, 4},
	}
	if len(datasets.Names()) != len(shape) || len(datasets.Catalog) != len(shape) {
		t.Fatalf("datasets.Names() = %v, Catalog has %d entries; want the %d files", datasets.Names(), len(datasets.Catalog), len(shape))
	}
	for _, info := range datasets.Catalog {
		t.Run(info.File, func(t *testing.T) {
			d := loadData(t, info.File, info.Label)
			if got := [2]int{d.Rows(), d.Cols()}; got != shape[info.File] {
				t.Errorf("shape %v, want %v", got, shape[info.File])
			}
			if d.Label != info.Label || !d.HasLabels() {
				t.Errorf("label %q", d.Label)
			}
			if (info.Task == "regression") == (len(d.LabelValues()) <= 10) {
				t.Errorf("%s data set has %d distinct labels", info.Task, len(d.LabelValues()))
			}
		})
	}
	if got := loadData(t, "iris.csv", "species").Classes; !reflect.DeepEqual(got, []string{"setosa", "versicolor", "virginica"}) {
		t.Errorf("iris classes %q", got)
	}
}

func TestLoadCSVFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(path, []byte("a,y\n1,2\nx,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := mlkit.LoadCSV(path, mlkit.LoadOptions{Label: "y"})
	if err == nil || !strings.HasPrefix(err.Error(), path+": data row 2 (line 3), column \"a\"") {
		t.Errorf("error %v should name the file, row, line and column", err)
	}
	if _, err := mlkit.LoadCSV(filepath.Join(dir, "missing.csv"), mlkit.LoadOptions{}); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v", err)
	}
}

func TestFromRecords(t *testing.T) {
	decoded := decodeJSON(t, `[{"b":2,"a":1,"y":"cat","extra":"ignored"},{"a":3,"b":"4","y":"ant","extra":null}]`, false)
	d, err := mlkit.FromRecords(decoded, mlkit.LoadOptions{Label: "y", Features: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.X.RawMatrix().Data, []float64{1, 2, 3, 4}) || !reflect.DeepEqual(d.Y, []float64{1, 0}) ||
		!reflect.DeepEqual(d.Classes, []string{"ant", "cat"}) {
		t.Errorf("got X %v y %v classes %q", d.X.RawMatrix().Data, d.Y, d.Classes)
	}

	// Without Features, the keys of the first record, sorted.
	numbers := decodeJSON(t, `[{"z":1,"m":2,"y":1},{"z":3,"m":4,"y":0}]`, true)
	d, err = mlkit.FromRecords(numbers, mlkit.LoadOptions{Label: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Features, []string{"m", "z"}) || !reflect.DeepEqual(d.Y, []float64{1, 0}) || d.Classes != nil {
		t.Errorf("features %q y %v classes %q", d.Features, d.Y, d.Classes)
	}
	// Go values work too.
	d, err = mlkit.FromRecords([]map[string]any{{"a": int64(1), "y": 2}, {"a": float32(0.5), "y": uint8(3)}}, mlkit.LoadOptions{Label: "y"})
	if err != nil || !reflect.DeepEqual(d.Y, []float64{2, 3}) {
		t.Errorf("Go values: %v %v", err, d)
	}
}

func TestFromRecordsErrors(t *testing.T) {
	tests := []struct {
		name    string
		records []map[string]any
		opts    mlkit.LoadOptions
		row     int
		column  string
		msg     string
	}{
		{"no records", nil, mlkit.LoadOptions{Label: "y"}, 0, "", "no records"},
		{"missing key", []map[string]any{{"a": 1.0, "y": 1.0}, {"y": 0.0}}, mlkit.LoadOptions{Label: "y"}, 2, "a", "missing value"},
		{"null", []map[string]any{{"a": nil, "y": 1.0}}, mlkit.LoadOptions{Label: "y"}, 1, "a", "missing value"},
		{"not a number", []map[string]any{{"a": 1.0, "y": 1.0}, {"a": "x", "y": 1.0}}, mlkit.LoadOptions{Label: "y"}, 2, "a", `"x" is not a number`},
		{"bool feature", []map[string]any{{"a": true, "y": 1.0}}, mlkit.LoadOptions{Label: "y"}, 1, "a", "not a number"},
		{"object feature", []map[string]any{{"a": map[string]any{}, "y": 1.0}}, mlkit.LoadOptions{Label: "y"}, 1, "a", "not a number"},
		{"NaN", []map[string]any{{"a": math.NaN(), "y": 1.0}}, mlkit.LoadOptions{Label: "y"}, 1, "a", "not a finite number"},
		{"missing label in a later record", []map[string]any{{"a": 1.0, "y": 1.0}, {"a": 1.0}}, mlkit.LoadOptions{Label: "y"}, 2, "y", "missing label"},
		{"missing label in the first record", []map[string]any{{"a": 1.0}}, mlkit.LoadOptions{Label: "y"}, 1, "y", "missing label"},
		{"empty label", []map[string]any{{"a": 1.0, "y": ""}}, mlkit.LoadOptions{Label: "y"}, 1, "y", "missing label"},
		{"bool label", []map[string]any{{"a": 1.0, "y": true}}, mlkit.LoadOptions{Label: "y"}, 1, "y", "not a label"},
		{"feature missing from the first record", []map[string]any{{"a": 1.0, "y": 1.0}}, mlkit.LoadOptions{Label: "y", Features: []string{"a", "b"}}, 1, "b", "missing value"},
		{"unknown class", []map[string]any{{"a": 1.0, "y": "x"}}, mlkit.LoadOptions{Label: "y", Classes: []string{"a"}}, 1, "y", "not one of the known classes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mlkit.FromRecords(tc.records, tc.opts)
			var de *mlkit.DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DataError", err)
			}
			if de.Row != tc.row || de.Column != tc.column || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "records") {
				t.Errorf("error %q (record %d, column %q), want record %d column %q mentioning %q", err, de.Row, de.Column, tc.row, tc.column, tc.msg)
			}
		})
	}
}

func decodeJSON(t *testing.T, s string, useNumber bool) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	if useNumber {
		dec.UseNumber()
	}
	var out []map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRecordsRoundTrip replays data sets as JSON records, as a producer would
// into a topic, and reads them back.
func TestRecordsRoundTrip(t *testing.T) {
	for _, tc := range []struct{ file, label string }{
		{"iris.csv", "species"}, {"diabetes.csv", "progression"}, {"heart_sample.csv", "target"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d := loadData(t, tc.file, tc.label)
			opts := mlkit.LoadOptions{Label: d.Label, Features: d.Features, Classes: d.Classes}

			back, err := mlkit.FromRecords(d.Records(), opts)
			if err != nil {
				t.Fatal(err)
			}
			assertSameDataset(t, "Records", back, d)

			var buf bytes.Buffer
			if err := d.WriteJSONLines(&buf); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(lines) != d.Rows() {
				t.Fatalf("%d JSON lines for %d rows", len(lines), d.Rows())
			}
			records := make([]map[string]any, len(lines))
			for i, l := range lines {
				if err := json.Unmarshal([]byte(l), &records[i]); err != nil {
					t.Fatalf("line %d %q: %v", i+1, l, err)
				}
			}
			back, err = mlkit.FromRecords(records, opts)
			if err != nil {
				t.Fatal(err)
			}
			assertSameDataset(t, "WriteJSONLines", back, d)

			buf.Reset()
			if err := d.WriteCSV(&buf); err != nil {
				t.Fatal(err)
			}
			back, err = mlkit.ReadCSV(&buf, mlkit.LoadOptions{Label: d.Label, Classes: d.Classes})
			if err != nil {
				t.Fatal(err)
			}
			assertSameDataset(t, "WriteCSV", back, d)
		})
	}
	iris := loadData(t, "iris.csv", "species")
	b, err := iris.AppendRecordJSON(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2,"species":"setosa"}`; string(b) != want {
		t.Errorf("record 0 = %s, want %s", b, want)
	}
	if _, err := iris.AppendRecordJSON(nil, 150); err == nil {
		t.Error("record 150 of 150: no error")
	}
}

func assertSameDataset(t *testing.T, what string, got, want *mlkit.Dataset) {
	t.Helper()
	if !reflect.DeepEqual(got.Features, want.Features) || got.Label != want.Label ||
		!reflect.DeepEqual(got.Y, want.Y) || !reflect.DeepEqual(got.Classes, want.Classes) ||
		!mat.Equal(got.X, want.X) {
		t.Errorf("%s: the data set changed in the round trip", what)
	}
}

func TestDatasetHelpers(t *testing.T) {
	iris := loadData(t, "iris.csv", "species")
	sub, err := iris.Subset([]int{149, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Rows() != 3 || sub.Y[0] != 2 || sub.Y[1] != 0 || sub.X.At(0, 0) != 5.9 || sub.ClassName(sub.Y[0]) != "virginica" {
		t.Errorf("subset rows %d y %v x00 %v", sub.Rows(), sub.Y, sub.X.At(0, 0))
	}
	sub.X.Set(0, 0, -1)
	if iris.X.At(149, 0) == -1 {
		t.Error("Subset shares memory with the original")
	}
	for _, rows := range [][]int{nil, {150}, {-1}} {
		if _, err := iris.Subset(rows); err == nil {
			t.Errorf("Subset(%v): no error", rows)
		}
	}
	u := iris.WithoutLabels()
	if u.HasLabels() || u.Y != nil || u.Rows() != 150 {
		t.Errorf("WithoutLabels kept labels")
	}
	if got := iris.ClassNames(); !reflect.DeepEqual(got, []string{"setosa", "versicolor", "virginica"}) {
		t.Errorf("ClassNames %q", got)
	}
	cancer := loadData(t, "breast_cancer.csv", "benign")
	if got := cancer.ClassNames(); !reflect.DeepEqual(got, []string{"0", "1"}) {
		t.Errorf("ClassNames %q", got)
	}
	if iris.Column("petal_width") != 3 || iris.Column("species") != -1 {
		t.Error("Column lookups")
	}
	c := iris.Clone()
	c.Y[0] = 2
	if iris.Y[0] != 0 {
		t.Error("Clone shares labels")
	}
}

func TestNewDataset(t *testing.T) {
	X := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	tests := []struct {
		name     string
		X        *mat.Dense
		features []string
		label    string
		y        []float64
		classes  []string
		ok       bool
	}{
		{"valid", X, []string{"a", "b"}, "y", []float64{0, 1}, []string{"n", "p"}, true},
		{"unlabelled", X, []string{"a", "b"}, "", nil, nil, true},
		{"nil X", nil, nil, "", nil, nil, false},
		{"names", X, []string{"a"}, "", nil, nil, false},
		{"labels length", X, []string{"a", "b"}, "y", []float64{0}, nil, false},
		{"labels without name", X, []string{"a", "b"}, "", []float64{0, 1}, nil, false},
		{"class index out of range", X, []string{"a", "b"}, "y", []float64{0, 2}, []string{"n", "p"}, false},
		{"duplicate name", X, []string{"a", "a"}, "", nil, nil, false},
		{"label named like a feature", X, []string{"a", "b"}, "a", []float64{0, 1}, nil, false},
		{"NaN", mat.NewDense(1, 1, []float64{math.NaN()}), []string{"a"}, "", nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mlkit.NewDataset(tc.X, tc.features, tc.label, tc.y, tc.classes)
			if (err == nil) != tc.ok {
				t.Errorf("error %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func FuzzLoadCSV(f *testing.F) {
	for _, seed := range []string{
		"a,b,y\n1,2,0\n3,4,1\n",
		"a,species\n1,setosa\n2,virginica\n",
		"\ufeffa, b ,y\r\n\"1\",2e3,x\r\n",
		"a,y\n1,\n",
		"a,a\n1,2\n",
		"a,y\n\"1\n2\",3\n",
		"y\n1\n",
		"a,y\nNaN,1\n",
		"",
	} {
		f.Add(seed, "y", false)
		f.Add(seed, "species", true)
	}
	f.Fuzz(func(t *testing.T, text, label string, categorical bool) {
		d, err := mlkit.ReadCSV(strings.NewReader(text), mlkit.LoadOptions{Label: label, Categorical: categorical, Source: "fuzz.csv"})
		if err != nil {
			var de *mlkit.DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not a *DataError", err, err)
			}
			return
		}
		r, c := d.X.Dims()
		if r < 1 || c < 1 || len(d.Features) != c {
			t.Fatalf("X is %dx%d with %d feature names", r, c, len(d.Features))
		}
		for _, v := range d.X.RawMatrix().Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("X holds %v", v)
			}
		}
		if d.Label != "" {
			if len(d.Y) != r {
				t.Fatalf("%d labels for %d rows", len(d.Y), r)
			}
			for _, v := range d.Y {
				if d.Classes != nil && (v != math.Trunc(v) || v < 0 || int(v) >= len(d.Classes)) {
					t.Fatalf("label %v is not an index into %d classes", v, len(d.Classes))
				}
			}
		}
		// What loads must survive a round trip through WriteCSV.
		var buf bytes.Buffer
		if err := d.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := mlkit.ReadCSV(&buf, mlkit.LoadOptions{Label: d.Label, Classes: d.Classes})
		if err != nil {
			t.Fatalf("reading back %q: %v", buf.String(), err)
		}
		assertSameDataset(t, "WriteCSV", back, d)
	})
}
