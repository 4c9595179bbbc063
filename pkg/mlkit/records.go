package mlkit

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Record returns row i as a JSON-ready record: each feature name mapped to its
// value, and the label (if any) mapped to its number, or to its class name for
// a categorical label. FromRecords reads such records back.
func (d *Dataset) Record(i int) (map[string]any, error) {
	if i < 0 || i >= d.Rows() {
		return nil, fmt.Errorf("mlkit: record %d out of range [0,%d)", i, d.Rows())
	}
	rec := make(map[string]any, len(d.Features)+1)
	for j, f := range d.Features {
		rec[f] = d.X.At(i, j)
	}
	if d.HasLabels() {
		rec[d.Label] = d.labelValue(i)
	}
	return rec, nil
}

// Records returns every row as a record (see Record).
func (d *Dataset) Records() []map[string]any {
	out := make([]map[string]any, d.Rows())
	for i := range out {
		out[i], _ = d.Record(i)
	}
	return out
}

// labelValue is the JSON value of row i's label.
func (d *Dataset) labelValue(i int) any {
	if d.Categorical() {
		return d.ClassName(d.Y[i])
	}
	return d.Y[i]
}

// AppendRecordJSON appends row i as one JSON object to b, with the keys in
// column order (features, then the label), and returns the extended slice.
// It is the cheap way to produce a topic's message values.
func (d *Dataset) AppendRecordJSON(b []byte, i int) ([]byte, error) {
	if i < 0 || i >= d.Rows() {
		return b, fmt.Errorf("mlkit: record %d out of range [0,%d)", i, d.Rows())
	}
	b = append(b, '{')
	for j, f := range d.Features {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f)
		b = append(b, ':')
		b = strconv.AppendFloat(b, d.X.At(i, j), 'g', -1, 64)
	}
	if d.HasLabels() {
		b = append(b, ',')
		b = appendJSONString(b, d.Label)
		b = append(b, ':')
		if d.Categorical() {
			b = appendJSONString(b, d.ClassName(d.Y[i]))
		} else {
			b = strconv.AppendFloat(b, d.Y[i], 'g', -1, 64)
		}
	}
	return append(b, '}'), nil
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// WriteJSONLines writes every row as one JSON object per line (JSON Lines),
// keys in column order; see AppendRecordJSON.
func (d *Dataset) WriteJSONLines(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for i := 0; i < d.Rows(); i++ {
		var err error
		buf, err = d.AppendRecordJSON(buf[:0], i)
		if err != nil {
			return err
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("mlkit: write records: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("mlkit: write records: %w", err)
	}
	return nil
}

// WriteCSV writes d as CSV with a header row: the features, then the label
// column if d has labels (class names for a categorical label). ReadCSV, given
// the same Label and, for a categorical label, Classes, reads it back to an
// equal Dataset.
func (d *Dataset) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := append([]string(nil), d.Features...)
	if d.HasLabels() {
		header = append(header, d.Label)
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("mlkit: write csv: %w", err)
	}
	row := make([]string, len(header))
	for i := 0; i < d.Rows(); i++ {
		for j := range d.Features {
			row[j] = strconv.FormatFloat(d.X.At(i, j), 'g', -1, 64)
		}
		if d.HasLabels() {
			row[len(row)-1] = d.ClassName(d.Y[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("mlkit: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("mlkit: write csv: %w", err)
	}
	return nil
}
