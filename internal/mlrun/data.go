package mlrun

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// DatasetPrefix names a data set shipped in the binary instead of a file.
const DatasetPrefix = "dataset:"

// Env is what a job needs from the command that runs it.
type Env struct {
	// Path resolves a file name given on the command line (relative names
	// against the folder the command acts in); nil uses names as they are.
	Path func(name string) string
	// Warn receives warnings, such as a model that did not converge; nil
	// drops them.
	Warn io.Writer
}

// path resolves a file name given on the command line.
func (e Env) path(name string) string {
	if e.Path == nil {
		return name
	}
	return e.Path(name)
}

// warnf writes one warning line.
func (e Env) warnf(format string, args ...any) {
	if e.Warn != nil {
		fmt.Fprintf(e.Warn, "warning: "+format+"\n", args...)
	}
}

// Load reads a CSV file, or a shipped data set named dataset:NAME.
func (e Env) Load(name string, opts mlkit.LoadOptions) (*mlkit.Dataset, error) {
	opts.Source = name
	if ds, ok := strings.CutPrefix(name, DatasetPrefix); ok {
		if !slices.Contains(datasets.Names(), ds) {
			return nil, fmt.Errorf("%s: no such data set; the shipped ones are %s", name, strings.Join(datasets.Names(), ", "))
		}
		return mlkit.LoadCSVFS(datasets.FS, ds, opts)
	}
	f, err := os.Open(e.path(name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file", name)
		}
		return nil, err
	}
	defer f.Close()
	return mlkit.ReadCSV(f, opts)
}

// writeFile creates the file a command line names and fills it with write.
func (e Env) writeFile(name string, write func(io.Writer) error) error {
	path := e.path(name)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// WriteLabels writes the labels of d as a one-column CSV file.
func WriteLabels(w io.Writer, d *mlkit.Dataset) error {
	var b strings.Builder
	b.WriteString(csvField(d.Label) + "\n")
	for _, y := range d.Y {
		b.WriteString(csvField(d.ClassName(y)) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// csvField quotes s for CSV when needed.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") || strings.TrimSpace(s) != s {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
