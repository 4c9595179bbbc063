package mlkit

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"gonum.org/v1/gonum/mat"
)

// LoadOptions says how to turn a table into a Dataset.
type LoadOptions struct {
	// Label is the name of the label column. Empty means the data has no
	// labels and every column (or every column in Features) is a feature.
	Label string
	// LabelOptional makes a missing label column acceptable: the Dataset then
	// has no labels. Use it for test files that may or may not carry labels.
	LabelOptional bool
	// Features lists the feature columns to read, in this order. Nil means
	// every column except the label, in file order (for records, whose keys
	// have no order: the keys of the first record, sorted).
	Features []string
	// Classes fixes the class names of a categorical label, for example to
	// the training set's Classes so that a test set's Y uses the same
	// indices. A label outside Classes is an error. Classes implies
	// Categorical.
	Classes []string
	// Categorical treats the label as class names even when every value is a
	// number. Without it (and without Classes) a label whose values are all
	// numbers is numeric; otherwise it is categorical.
	Categorical bool
	// Source names the data in error messages, for example the file name.
	// LoadCSV and LoadCSVFS set it to the path when empty.
	Source string
}

// LoadCSV reads a CSV file with a header row into a Dataset.
// Errors about the data are *DataError values naming the file, the data row
// (1-based, the header not counted), the line and the column.
func LoadCSV(path string, opts LoadOptions) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mlkit: load %s: %w", path, err)
	}
	defer f.Close()
	if opts.Source == "" {
		opts.Source = path
	}
	return ReadCSV(f, opts)
}

// LoadCSVFS is LoadCSV reading from a file system, for example datasets.FS.
func LoadCSVFS(fsys fs.FS, name string, opts LoadOptions) (*Dataset, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("mlkit: load %s: %w", name, err)
	}
	defer f.Close()
	if opts.Source == "" {
		opts.Source = name
	}
	return ReadCSV(f, opts)
}

// ReadCSV reads CSV text with a header row into a Dataset. Fields may be
// quoted; spaces around numbers are ignored. Every feature value must be a
// finite number, and every row must have a label when the label column exists.
func ReadCSV(r io.Reader, opts LoadOptions) (*Dataset, error) {
	src := opts.Source
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		_, _ = br.Discard(3) // a UTF-8 byte order mark, as spreadsheets write
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &DataError{Source: src, Err: errors.New("empty file: no header row")}
	}
	if err != nil {
		return nil, csvError(src, 0, err)
	}
	header := make([]string, len(rec))
	for i, h := range rec {
		header[i] = cleanName(h)
	}
	cols, derr := resolveColumns(header, opts)
	if derr != nil {
		derr.Source, derr.Line = src, 1
		return nil, derr
	}

	var data []float64
	var labels []string
	var lines []int
	row := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		row++
		if err != nil {
			return nil, csvError(src, row, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			e := &DataError{Source: src, Row: row, Line: line}
			if len(rec) < len(header) {
				e.Column = header[len(rec)]
				e.Err = fmt.Errorf("missing: the row has %d fields, the header %d", len(rec), len(header))
			} else {
				e.Err = fmt.Errorf("the row has %d fields, the header %d", len(rec), len(header))
			}
			return nil, e
		}
		for _, j := range cols.features {
			v, err := parseNumber(rec[j])
			if err != nil {
				fl, _ := cr.FieldPos(j)
				return nil, &DataError{Source: src, Row: row, Line: fl, Column: header[j], Err: err}
			}
			data = append(data, v)
		}
		if cols.label >= 0 {
			s := strings.TrimSpace(rec[cols.label])
			if s == "" {
				return nil, &DataError{Source: src, Row: row, Line: line, Column: header[cols.label], Err: errors.New("missing label")}
			}
			labels = append(labels, s)
			lines = append(lines, line)
		}
	}
	if row == 0 {
		return nil, &DataError{Source: src, Err: errors.New("no data rows after the header")}
	}
	return assemble(src, cols, header, row, data, labels, lines, opts)
}

// FromRecords builds a Dataset from JSON-like records, for example the values
// of a topic's messages decoded with encoding/json into map[string]any. A
// feature may be any Go number, a json.Number or a string holding a number;
// a label may be a number or a string. Keys that are neither features nor
// the label are ignored. Errors are *DataError values naming the record
// (1-based) and the key.
func FromRecords(records []map[string]any, opts LoadOptions) (*Dataset, error) {
	src := opts.Source
	if src == "" {
		src = "records"
	}
	if len(records) == 0 {
		return nil, &DataError{Source: src, Err: errors.New("no records")}
	}
	// The columns: those of the first record, features sorted unless given.
	first := records[0]
	header := make([]string, 0, len(first))
	for k := range first {
		header = append(header, k)
	}
	sort.Strings(header)
	if opts.Features != nil {
		// Columns named in Features must be found even if absent from the
		// first record, so that the error names the record.
		for _, f := range opts.Features {
			if _, ok := first[f]; !ok {
				return nil, &DataError{Source: src, Row: 1, Column: f, Err: errors.New("missing value")}
			}
		}
	}
	cols, derr := resolveColumns(header, opts)
	if derr != nil {
		derr.Source = src
		if derr.Column != "" && derr.Column == opts.Label {
			derr.Row = 1 // the first record lacks the label
			derr.Err = errors.New("missing label")
		}
		return nil, derr
	}
	names := make([]string, len(cols.features))
	for i, j := range cols.features {
		names[i] = header[j]
	}
	labelName := ""
	if cols.label >= 0 {
		labelName = header[cols.label]
	}

	data := make([]float64, 0, len(records)*len(names))
	var labels []string
	for i, rec := range records {
		row := i + 1
		for _, name := range names {
			v, err := recordNumber(rec[name])
			if err != nil {
				return nil, &DataError{Source: src, Row: row, Column: name, Err: err}
			}
			data = append(data, v)
		}
		if labelName != "" {
			s, err := recordLabel(rec[labelName])
			if err != nil {
				return nil, &DataError{Source: src, Row: row, Column: labelName, Err: err}
			}
			labels = append(labels, s)
		}
	}
	return assemble(src, cols, header, len(records), data, labels, nil, opts)
}

// columns are the positions in a header of the features and of the label
// (-1 when there is none).
type columns struct {
	features []int
	label    int
}

func resolveColumns(header []string, opts LoadOptions) (columns, *DataError) {
	index := make(map[string]int, len(header))
	for i, h := range header {
		if h == "" {
			return columns{}, &DataError{Err: fmt.Errorf("column %d has no name", i+1)}
		}
		if _, dup := index[h]; dup {
			return columns{}, &DataError{Column: h, Err: errors.New("column name appears twice")}
		}
		index[h] = i
	}
	c := columns{label: -1}
	if opts.Label != "" {
		if i, ok := index[opts.Label]; ok {
			c.label = i
		} else if !opts.LabelOptional {
			return columns{}, &DataError{Column: opts.Label, Err: fmt.Errorf("no such label column; the columns are %s", strings.Join(header, ", "))}
		}
	}
	if opts.Features != nil {
		if len(opts.Features) == 0 {
			return columns{}, &DataError{Err: errors.New("no feature columns")}
		}
		seen := make(map[string]bool, len(opts.Features))
		for _, f := range opts.Features {
			i, ok := index[f]
			switch {
			case !ok:
				return columns{}, &DataError{Column: f, Err: errors.New("no such feature column")}
			case i == c.label:
				return columns{}, &DataError{Column: f, Err: errors.New("the label column cannot also be a feature")}
			case seen[f]:
				return columns{}, &DataError{Column: f, Err: errors.New("feature listed twice")}
			}
			seen[f] = true
			c.features = append(c.features, i)
		}
		return c, nil
	}
	for i := range header {
		if i != c.label {
			c.features = append(c.features, i)
		}
	}
	if len(c.features) == 0 {
		return columns{}, &DataError{Err: errors.New("no feature columns besides the label")}
	}
	return c, nil
}

// assemble turns parsed values into a Dataset, deciding whether the label is
// numeric or categorical. lines holds the file line of each row (nil for
// records).
func assemble(src string, cols columns, header []string, rows int, data []float64, labels []string, lines []int, opts LoadOptions) (*Dataset, error) {
	features := make([]string, len(cols.features))
	for i, j := range cols.features {
		features[i] = header[j]
	}
	d := &Dataset{X: mat.NewDense(rows, len(features), data), Features: features}
	if cols.label < 0 {
		return d, nil
	}
	d.Label = header[cols.label]
	lineOf := func(i int) int {
		if lines == nil {
			return 0
		}
		return lines[i]
	}
	d.Y = make([]float64, rows)
	if opts.Classes != nil {
		index := make(map[string]int, len(opts.Classes))
		for i, c := range opts.Classes {
			index[c] = i
		}
		for i, s := range labels {
			k, ok := index[s]
			if !ok {
				return nil, &DataError{Source: src, Row: i + 1, Line: lineOf(i), Column: d.Label,
					Err: fmt.Errorf("class %q is not one of the known classes (%s)", s, strings.Join(opts.Classes, ", "))}
			}
			d.Y[i] = float64(k)
		}
		d.Classes = cloneStrings(opts.Classes)
		return d, nil
	}
	if !opts.Categorical {
		numeric := true
		for i, s := range labels {
			v, err := parseNumber(s)
			if err != nil {
				numeric = false
				break
			}
			d.Y[i] = v
		}
		if numeric {
			return d, nil
		}
	}
	set := make(map[string]int)
	for _, s := range labels {
		set[s] = 0
	}
	d.Classes = make([]string, 0, len(set))
	for s := range set {
		d.Classes = append(d.Classes, s)
	}
	sort.Strings(d.Classes)
	for i, s := range d.Classes {
		set[s] = i
	}
	for i, s := range labels {
		d.Y[i] = float64(set[s])
	}
	return d, nil
}

// cleanName trims a column name of spaces and stray byte order marks.
func cleanName(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' })
}

// parseNumber parses one feature value.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("missing value")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of range", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

// recordNumber converts one decoded JSON value to a feature value.
func recordNumber(v any) (float64, error) {
	var f float64
	switch x := v.(type) {
	case nil:
		return 0, errors.New("missing value")
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int8:
		f = float64(x)
	case int16:
		f = float64(x)
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case uint:
		f = float64(x)
	case uint8:
		f = float64(x)
	case uint16:
		f = float64(x)
	case uint32:
		f = float64(x)
	case uint64:
		f = float64(x)
	case json.Number:
		return parseNumber(string(x))
	case string:
		return parseNumber(x)
	default:
		return 0, fmt.Errorf("%v (a %T) is not a number", v, v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%v is not a finite number", f)
	}
	return f, nil
}

// recordLabel converts one decoded JSON value to a label string.
func recordLabel(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", errors.New("missing label")
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return "", errors.New("missing label")
		}
		return s, nil
	case bool:
		return "", fmt.Errorf("%v (a bool) is not a label; use a number or a string", x)
	}
	f, err := recordNumber(v)
	if err != nil {
		return "", fmt.Errorf("label: %w", err)
	}
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}

// csvError converts an encoding/csv error into a DataError.
func csvError(src string, row int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &DataError{Source: src, Row: row, Line: pe.Line, Err: fmt.Errorf("character %d: %w", pe.Column, pe.Err)}
	}
	return fmt.Errorf("mlkit: read %s: %w", src, err)
}
