package labtest

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Helpers for the grading tests of the model labs: the shipped data sets,
// records of them on a topic, and comparisons of numbers and predictions
// that say where they differ.

// Dataset loads a shipped data set by name ("iris" or "iris.csv") with its
// label column, failing the test when it cannot.
func Dataset(t testing.TB, name string) *mlkit.Dataset {
	t.Helper()
	file := strings.TrimSuffix(name, ".csv") + ".csv"
	for _, info := range datasets.Catalog {
		if info.File == file {
			d, err := mlkit.LoadCSVFS(datasets.FS, file, mlkit.LoadOptions{Label: info.Label})
			if err != nil {
				t.Fatalf("loading the data set %s: %v", file, err)
			}
			return d
		}
	}
	t.Fatalf("no shipped data set %q", name)
	return nil
}

// RowRecord is row i of d as a record, as `mlops-lab datagen dataset:NAME`
// writes it: the key is the row index, the value the row's columns as JSON
// (the label as its class name when it is categorical).
func RowRecord(t testing.TB, d *mlkit.Dataset, topic string, i int) *sarama.ProducerMessage {
	t.Helper()
	value, err := d.AppendRecordJSON(nil, i)
	if err != nil {
		t.Fatalf("encoding row %d: %v", i, err)
	}
	return &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(strconv.Itoa(i)), Value: sarama.ByteEncoder(value)}
}

// ProduceRows writes the given rows of d (in that order) to topic, row i to
// partition i % partitions, so that the rows of different partitions
// interleave when read back.
func ProduceRows(t testing.TB, bootstrap, topic string, d *mlkit.Dataset, rows []int, partitions int32) {
	t.Helper()
	msgs := make([]*sarama.ProducerMessage, len(rows))
	for k, i := range rows {
		msgs[k] = RowRecord(t, d, topic, i)
		msgs[k].Partition = int32(i) % partitions
	}
	Produce(t, bootstrap, msgs...)
}

// Close reports whether got is within tol of want, relative to want's size
// when that is above 1 (so that tol is a number of significant digits for
// large values and an absolute error for small ones).
func Close(want, got, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(want-got) <= tol*math.Max(1, math.Abs(want))
}

// LabelDiff compares two label vectors and describes the first few
// differences ("row 3: expected 1, got 2"); it returns the number of
// differences (-1 when the lengths differ) and the description. names, when
// not nil, turns a label into its class name.
func LabelDiff(want, got []float64, names func(float64) string) (int, string) {
	if len(want) != len(got) {
		return -1, fmt.Sprintf("expected %d labels, got %d", len(want), len(got))
	}
	name := func(v float64) string {
		if names != nil {
			return names(v)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	var diffs []string
	n := 0
	for i := range want {
		if want[i] != got[i] {
			n++
			if len(diffs) < 5 {
				diffs = append(diffs, fmt.Sprintf("row %d: expected %s, got %s", i, name(want[i]), name(got[i])))
			}
		}
	}
	desc := strings.Join(diffs, "; ")
	if n > len(diffs) {
		desc += fmt.Sprintf("; and %d more", n-len(diffs))
	}
	return n, desc
}

// ReadPNG opens and decodes a PNG file, saying what is wrong when it is not
// one.
func ReadPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("no image at %s: %w", path, err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s is not a PNG image: %w", path, err)
	}
	return img, nil
}

// ColorsIn counts the distinct colours of img, up to limit: a blank image
// has one, a chart with points, lines and text many.
func ColorsIn(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}
