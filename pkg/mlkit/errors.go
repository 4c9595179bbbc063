package mlkit

import (
	"errors"
	"fmt"
	"strings"
)

// Errors that models and metrics wrap; test for them with errors.Is.
var (
	// ErrNotFitted is returned by Predict and friends on a model that has not
	// been fitted (or loaded).
	ErrNotFitted = errors.New("model is not fitted")
	// ErrShape is returned when the shapes of inputs disagree: a matrix with
	// the wrong number of columns, label and prediction vectors of different
	// lengths.
	ErrShape = errors.New("shape mismatch")
	// ErrEmpty is returned for inputs with no rows.
	ErrEmpty = errors.New("empty input")
	// ErrNotFinite is returned for NaN or infinite values in X or y.
	ErrNotFinite = errors.New("value is NaN or infinite")
)

// DataError describes a problem with one place in input data: a row of a CSV
// file or a JSON record, and usually one column.
type DataError struct {
	Source string // file name, or "records"; may be empty
	Row    int    // 1-based data row (the header is row 0); 0 when not about a row
	Line   int    // 1-based line in the file; 0 for records or when unknown
	Column string // column name; empty when not about one column
	Err    error  // what is wrong
}

func (e *DataError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	switch {
	case e.Row > 0 && e.Line > 0:
		fmt.Fprintf(&b, "data row %d (line %d)", e.Row, e.Line)
	case e.Row > 0:
		fmt.Fprintf(&b, "record %d", e.Row)
	case e.Line > 0:
		fmt.Fprintf(&b, "header (line %d)", e.Line)
	}
	if e.Column != "" {
		if e.Row > 0 || e.Line > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "column %q", e.Column)
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), ": ") {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *DataError) Unwrap() error { return e.Err }
