package mlrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// TrainSpec says what to train a model artifact on.
type TrainSpec struct {
	Model    ModelSpec
	Data     string   // CSV file to learn from, or dataset:NAME
	Label    string   // the label column
	Features []string // the feature columns; nil for all but the label
	TestSize float64  // share of the rows held out to measure the model
	Seed     uint64   // seed of the split
	Name     string   // the model's name (its key on a models topic)
	Version  int
	Out      string // the file to write the artifact to
}

// TrainResult is the outcome of Train; its JSON form is the output of
// `ml train --format json`.
type TrainResult struct {
	File string          `json:"file"`
	Card mlkit.ModelCard `json:"card"`

	spec TrainSpec
}

// Train splits spec.Data, fits the model on the training part, measures it
// on the held-out part and writes the artifact (model, scaler and card) to
// spec.Out.
func Train(e Env, spec TrainSpec) (*TrainResult, error) {
	d, err := e.Load(spec.Data, mlkit.LoadOptions{Label: spec.Label, Features: spec.Features})
	if err != nil {
		return nil, err
	}
	model, _, err := spec.Model.New()
	if err != nil {
		return nil, err
	}
	tr, err := mlkit.Train(d, mlkit.TrainSpec{Model: model, Scale: spec.Model.Scale, TestSize: spec.TestSize, Seed: spec.Seed, Name: spec.Name, Version: spec.Version})
	if err != nil {
		return nil, err
	}
	e.warnConvergence(model)
	a, err := scoring.NewArtifact(tr.Card, tr.Model, tr.Scaler)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(e.path(spec.Out), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	return &TrainResult{File: spec.Out, Card: a.Card, spec: spec}, nil
}

// WriteText writes the held-out metrics and what was written.
func (r *TrainResult) WriteText(w io.Writer) error {
	c := r.Card
	var b strings.Builder
	fmt.Fprintf(&b, "trained %s on %d rows of %s (%d features), measured on %d held-out rows\n", r.spec.Model.Name, c.TrainRows, r.spec.Data, len(c.Features), c.TestRows)
	keys := make([]string, 0, len(c.Metrics))
	for k := range c.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-9s %.4f\n", k, c.Metrics[k])
	}
	fmt.Fprintf(&b, "wrote %s: model %s v%d, features %s\n", r.File, c.Name, c.Version, ShortList(c.Features, 5))
	_, err := io.WriteString(w, b.String())
	return err
}

// ReadArtifact reads a model file written by Train; name is the file as the
// command line gives it (--model).
func (e Env) ReadArtifact(name string) (*scoring.Artifact, error) {
	data, err := os.ReadFile(e.path(name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--model %s: no such file (write one with `mlops-lab ml train ... --out %s`)", name, name)
		}
		return nil, fmt.Errorf("--model: %w", err)
	}
	a, err := scoring.DecodeArtifact(data)
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", name, err)
	}
	return a, nil
}

// ShortList joins up to n names and says how many there are in all.
func ShortList(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ",")
	}
	return fmt.Sprintf("%s,... (%d in all)", strings.Join(names[:n], ","), len(names))
}
