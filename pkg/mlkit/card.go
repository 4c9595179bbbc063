package mlkit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// ModelCard travels with a saved model: what it is, what it reads and in
// which order, what it predicts, how well it did on data it was not trained
// on, and which data it was trained on. A scoring service checks incoming
// records against Features; an operator reads the rest before promoting it.
type ModelCard struct {
	// Name and Version identify the model on a models topic; a new version
	// of the same name replaces the old one.
	Name    string `json:"name"`
	Version int    `json:"version"`
	// Model is the model's type tag (linear_regression, logistic_regression, ...).
	Model string `json:"model"`
	// Features are the inputs, in the order the model reads them.
	Features []string `json:"features"`
	// Label is the predicted column; Classes the class names of a classifier.
	Label   string   `json:"label"`
	Classes []string `json:"classes,omitempty"`
	// Scaled says the model standardizes its inputs itself (a scaler is
	// saved with it).
	Scaled bool `json:"scaled,omitempty"`
	// Metrics are measured on held-out rows (accuracy, f1_macro for a
	// classifier; r2, rmse, mae for a regressor).
	Metrics map[string]float64 `json:"metrics"`
	// TrainRows and TestRows count the rows of each side of the split.
	TrainRows int `json:"train_rows"`
	TestRows  int `json:"test_rows"`
	// DataFingerprint is DatasetFingerprint of the training rows.
	DataFingerprint string `json:"data_fingerprint"`
	// Created is when the model was fitted.
	Created time.Time `json:"created"`
}

// Validate checks that the card can describe a deployable model.
func (c *ModelCard) Validate() error {
	var problems []string
	if c.Name == "" {
		problems = append(problems, "no name")
	}
	if c.Version < 1 {
		problems = append(problems, fmt.Sprintf("version %d (versions start at 1)", c.Version))
	}
	if c.Model == "" {
		problems = append(problems, "no model type")
	}
	if len(c.Features) == 0 {
		problems = append(problems, "no features")
	}
	seen := map[string]bool{}
	for _, f := range c.Features {
		if seen[f] {
			problems = append(problems, fmt.Sprintf("feature %q twice", f))
		}
		seen[f] = true
	}
	for _, k := range slices.Sorted(maps.Keys(c.Metrics)) {
		if v := c.Metrics[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			problems = append(problems, fmt.Sprintf("metric %s is %v", k, v))
		}
	}
	if len(problems) > 0 {
		// One line, so that it reads as one message wherever it is
		// printed (a grading report, a log line).
		return errors.New("mlkit: model card: " + strings.Join(problems, "; "))
	}
	return nil
}

// DatasetFingerprint is "sha256:" and the hex SHA-256 of a data set's
// feature names, label name and values (as IEEE 754 bits, row by row): two
// data sets have the same fingerprint exactly when they hold the same
// numbers under the same names, whatever file or topic they came from.
func DatasetFingerprint(d *Dataset) string {
	h := sha256.New()
	writeString := func(s string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	writeFloat := func(v float64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	for _, f := range d.Features {
		writeString(f)
	}
	writeString(d.Label)
	for _, c := range d.Classes {
		writeString(c)
	}
	r, c := d.X.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			writeFloat(d.X.At(i, j))
		}
		if d.Y != nil {
			writeFloat(d.Y[i])
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// MarshalIndent writes the card as indented JSON.
func (c *ModelCard) MarshalIndent() ([]byte, error) {
	return json.MarshalIndent(c, "", "  ")
}
