//go:build grading

package lab06

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestPlotResiduals(t *testing.T) {
	diabetes := labtest.Dataset(t, "diabetes")
	train, test, err := EveryFifth(diabetes)
	if err != nil {
		t.Fatal(err)
	}
	m := &mlkit.LinearRegression{}
	if err := m.Fit(train.X, train.Y); err != nil {
		t.Fatal(err)
	}
	pred, _ := m.Predict(test.X)
	dir := t.TempDir()
	plot := func(t *testing.T, name string, predicted, actual []float64) (string, error) {
		path := filepath.Join(dir, name)
		err := errors.New("it panicked")
		labtest.Guard(t, "PlotResiduals", func() { err = PlotResiduals(predicted, actual, path) })
		return path, err
	}
	path, plotErr := plot(t, "residuals.png", pred, test.Y)
	what := fmt.Sprintf("PlotResiduals(%d predictions of diabetes, their actual values, residuals.png)", len(pred))
	read := func(t *testing.T, path string) (w, h int, colours int) {
		t.Helper()
		if plotErr != nil {
			t.Fatalf("%s returned an error: %v", what, plotErr)
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			// The temporary path says nothing to the learner: name the file.
			t.Fatalf("%s wrote no image (expected %s in the folder it was given): save the chart with charts.SavePNG(path, p)", what, filepath.Base(path))
		}
		img, err := labtest.ReadPNG(path)
		if err != nil {
			t.Fatalf("%s: %v (save the chart with charts.SavePNG(path, p))", what, err)
		}
		b := img.Bounds()
		return b.Dx(), b.Dy(), labtest.ColorsIn(img, 64)
	}

	t.Run("the file is a PNG image of a sensible size", func(t *testing.T) {
		w, h, _ := read(t, path)
		if w < 300 || h < 300 || w > 4000 || h > 4000 {
			t.Errorf("%s drew a %dx%d image: want between 300 and 4000 pixels a side (charts.SavePNG draws 5 inches square)", what, w, h)
		}
	})

	t.Run("the chart shows the data", func(t *testing.T) {
		_, _, colours := read(t, path)
		if colours < 8 {
			t.Fatalf("%s drew an image of %d colours: an empty canvas? Add a scatter of the residuals and a line at 0 to the plot before saving", what, colours)
		}
		// Different residuals must give a different picture.
		shifted := slices.Clone(test.Y)
		for i := range shifted {
			shifted[i] += 40 * math.Sin(float64(i))
		}
		other, err := plot(t, "other.png", pred, shifted)
		if err != nil {
			t.Fatalf("PlotResiduals of other values returned an error: %v", err)
		}
		a, _ := os.ReadFile(path)
		b, _ := os.ReadFile(other)
		if slices.Equal(a, b) {
			t.Errorf("PlotResiduals drew the same image for two different sets of residuals: plot the points (predicted[i], actual[i] - predicted[i])")
		}
	})

	t.Run("bad input is an error and writes no file", func(t *testing.T) {
		if plotErr != nil {
			t.Fatalf("%s must work first: it returned %s", what, labtest.ErrText(plotErr))
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s must work first: it wrote no image (expected %s in the folder it was given)", what, filepath.Base(path))
		}
		for _, tc := range []struct {
			name              string
			predicted, actual []float64
			why               string
		}{
			{"mismatch.png", []float64{1, 2, 3}, []float64{1, 2}, "3 predictions and 2 actual values do not pair up"},
			{"empty.png", nil, nil, "there is nothing to draw"},
			{"nan.png", []float64{1, math.NaN(), 3}, []float64{1, 2, 3}, "a NaN has no place on the chart (and gonum's plotter refuses it)"},
		} {
			p, err := plot(t, tc.name, tc.predicted, tc.actual)
			if err == nil {
				t.Errorf("PlotResiduals(predicted=%v, actual=%v) returned no error: %s", tc.predicted, tc.actual, tc.why)
			}
			if _, statErr := os.Stat(p); statErr == nil {
				t.Errorf("PlotResiduals(predicted=%v, actual=%v) wrote %s: check the input before creating the file, so that a failure leaves nothing half-drawn", tc.predicted, tc.actual, tc.name)
			}
		}
	})
}
