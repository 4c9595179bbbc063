// Package lab08 is lab 8 of mlops-lab: learning on streams.
//
// The models of labs 5 and 6 learned once, from a file. Here they learn
// from a Kafka stream as it flows, one record at a time, and un-learn a
// record exactly when it is updated or deleted. Each exercise lives in its
// own file: README.md lists them, with their files and points.
//
// This file holds what they share. You do not need to change it.
package lab08

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Point is one record of the points topic, as `mlops-lab datagen points`
// writes it; the record key is the point's id ("p-17"), and a record with
// a null value (a tombstone) deletes the point.
//
//	{"x":42.125,"y":24.87}
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// DecodePoint reads a point from a record's value. Its error says what is
// wrong: not JSON, x or y missing, not a number, or not finite.
func DecodePoint(value []byte) (Point, error) {
	var raw struct {
		X, Y *float64
	}
	if err := json.Unmarshal(value, &raw); err != nil {
		return Point{}, fmt.Errorf("not a point (want {\"x\":<number>,\"y\":<number>}): %w", err)
	}
	switch {
	case raw.X == nil:
		return Point{}, fmt.Errorf("not a point: x is missing (or null) in %s", value)
	case raw.Y == nil:
		return Point{}, fmt.Errorf("not a point: y is missing (or null) in %s", value)
	}
	// JSON has no NaN or infinity, but a Point made in Go may: check anyway.
	if math.IsNaN(*raw.X) || math.IsInf(*raw.X, 0) || math.IsNaN(*raw.Y) || math.IsInf(*raw.Y, 0) {
		return Point{}, fmt.Errorf("not a point: x = %v, y = %v; both must be finite", *raw.X, *raw.Y)
	}
	return Point{X: *raw.X, Y: *raw.Y}, nil
}

// Keys of the table of exercise 3: one entry per live point, and one for
// the line's sums.
const (
	// LineKey is the table entry holding the LineState.
	LineKey = "line"
	// PointPrefix starts the table key of each live point: "point/p-17".
	PointPrefix = "point/"
)

// LineState is the value of the LineKey entry of exercise 3's table: the
// running sums, and how far into each input partition they have counted.
type LineState struct {
	Line    RunningLine      `json:"line"`
	Counted stream.Positions `json:"counted,omitempty"`
}

// LineUpdate is the output record of exercise 3 after each change: the
// line over the points live now. Intercept and Slope are null while the
// points do not determine a line (fewer than two different x values).
//
//	{"n":12,"intercept":3.02,"slope":0.497}
type LineUpdate struct {
	N         int      `json:"n"`
	Intercept *float64 `json:"intercept"`
	Slope     *float64 `json:"slope"`
}

// NewLineUpdate describes the line of m.
func NewLineUpdate(m *RunningLine) LineUpdate {
	u := LineUpdate{N: m.N}
	if a, b, err := m.Line(); err == nil {
		u.Intercept, u.Slope = &a, &b
	}
	return u
}

// Load reads one of the shipped data sets ("breast_cancer", "digits", ...)
// with its label column.
func Load(name string) (*mlkit.Dataset, error) {
	file := strings.TrimSuffix(name, ".csv") + ".csv"
	for _, info := range datasets.Catalog {
		if info.File == file {
			return mlkit.LoadCSVFS(datasets.FS, file, mlkit.LoadOptions{Label: info.Label})
		}
	}
	return nil, fmt.Errorf("no data set %q; the data sets are %v", name, datasets.Names())
}

// DecodeRow reads one row of data set d from a record's value, as
// `mlops-lab datagen dataset:NAME` writes it: {"feature":value, ...,
// "label":"class name" or number}. It returns the features in d's column
// order and the label as d numbers it (the class's index for a
// categorical label). A missing or non-numeric feature, or an unknown
// class, is an error that names it.
func DecodeRow(d *mlkit.Dataset, value []byte) (x []float64, y float64, err error) {
	var rec map[string]any
	if err := json.Unmarshal(value, &rec); err != nil {
		return nil, 0, fmt.Errorf("not a row of %s: %w", d.Label, err)
	}
	x = make([]float64, len(d.Features))
	for j, f := range d.Features {
		v, ok := rec[f].(float64)
		if !ok {
			return nil, 0, fmt.Errorf("not a row: feature %q is %v, want a number", f, rec[f])
		}
		x[j] = v
	}
	switch l := rec[d.Label].(type) {
	case float64:
		y = l
	case string:
		i := -1
		for k, c := range d.Classes {
			if c == l {
				i = k
			}
		}
		if i < 0 {
			return nil, 0, fmt.Errorf("not a row: %s %q is not one of the classes %v", d.Label, l, d.Classes)
		}
		y = float64(i)
	default:
		return nil, 0, fmt.Errorf("not a row: the label %q is %v", d.Label, rec[d.Label])
	}
	return x, y, nil
}

// AccuracyRecord is the output record of exercises 5 and 6 for each
// record predicted: the prediction, the truth, and the accuracy so far.
//
//	{"seen":120,"predicted":1,"actual":1,"accuracy":0.93,"window_accuracy":0.97}
type AccuracyRecord struct {
	Seen           int     `json:"seen"`
	Predicted      float64 `json:"predicted"`
	Actual         float64 `json:"actual"`
	Accuracy       float64 `json:"accuracy"`
	WindowAccuracy float64 `json:"window_accuracy"`
}
