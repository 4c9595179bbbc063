package mlrun

import (
	"fmt"
	"io"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// SplitSpec says how to split a CSV file into training and test files.
type SplitSpec struct {
	Input    string // the file to split, or dataset:NAME
	Label    string // the label column; needed by Stratify and TestLabelsOut
	TestSize float64
	Seed     uint64
	Stratify bool
	TrainOut string
	TestOut  string
	// TestLabelsOut, when set, receives the test labels, which TestOut
	// then leaves out.
	TestLabelsOut string
}

// SplitResult is what Split wrote.
type SplitResult struct {
	Rows      int `json:"rows"`
	TrainRows int `json:"train_rows"`
	TestRows  int `json:"test_rows"`
	spec      SplitSpec
}

// Split shuffles the rows of spec.Input and writes the training and test
// files (and the held-back test labels).
func Split(e Env, spec SplitSpec) (*SplitResult, error) {
	outs := map[string]string{}
	for _, o := range []struct{ flag, path string }{
		{"--train-out", spec.TrainOut}, {"--test-out", spec.TestOut}, {"--test-labels-out", spec.TestLabelsOut},
	} {
		if o.path == "" {
			continue
		}
		abs := e.path(o.path)
		if abs == e.path(spec.Input) {
			return nil, fmt.Errorf("%s %s would overwrite the input", o.flag, o.path)
		}
		if prev, dup := outs[abs]; dup {
			return nil, fmt.Errorf("%s and %s are the same file %s", prev, o.flag, o.path)
		}
		outs[abs] = o.flag
	}

	d, err := e.Load(spec.Input, mlkit.LoadOptions{Label: spec.Label})
	if err != nil {
		return nil, err
	}
	var s *mlkit.Split
	if spec.Stratify {
		s, err = mlkit.StratifiedSplit(d, spec.TestSize, spec.Seed)
	} else {
		s, err = mlkit.TrainTestSplit(d, spec.TestSize, spec.Seed)
	}
	if err != nil {
		return nil, fmt.Errorf("split %s: %w", spec.Input, err)
	}
	test := s.Test
	if spec.TestLabelsOut != "" {
		test = s.Test.WithoutLabels()
		if err := e.writeFile(spec.TestLabelsOut, func(w io.Writer) error { return WriteLabels(w, s.Test) }); err != nil {
			return nil, err
		}
	}
	if err := e.writeFile(spec.TrainOut, s.Train.WriteCSV); err != nil {
		return nil, err
	}
	if err := e.writeFile(spec.TestOut, test.WriteCSV); err != nil {
		return nil, err
	}
	return &SplitResult{Rows: d.Rows(), TrainRows: s.Train.Rows(), TestRows: s.Test.Rows(), spec: spec}, nil
}

// WriteText writes the one-line report of the split.
func (r *SplitResult) WriteText(w io.Writer) error {
	how := "random"
	if r.spec.Stratify {
		how = "stratified by " + r.spec.Label
	}
	line := fmt.Sprintf("split %d rows of %s (%s, seed %d): %d to %s, %d to %s",
		r.Rows, r.spec.Input, how, r.spec.Seed, r.TrainRows, r.spec.TrainOut, r.TestRows, r.spec.TestOut)
	if r.spec.TestLabelsOut != "" {
		line += ", their labels to " + r.spec.TestLabelsOut
	}
	_, err := io.WriteString(w, line+"\n")
	return err
}
