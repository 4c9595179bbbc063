package lab07

// Exercise 6: drift, positive share, accuracy over time, a chart.

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// PSI is the population stability index of live values against the
// training reference ref.
//
// Contract:
//   - the live values go into ref's bins (ref.Bin(v)); live share = count
//     in the bin / number of live values; expected share = ref.Expected;
//   - PSI = sum over the bins of (live - expected) * ln(live / expected),
//     with both shares at least 1e-4 (an empty bin would make it infinite);
//   - no live values, a NaN or infinite value, or a reference with no
//     bins: an error.
func PSI(ref *mlkit.DriftReference, live []float64) (float64, error) {
	// TODO(exercise 6)
	return 0, errors.New("TODO(exercise 6): PSI is not written yet")
}

// MonitorWindows cuts the observations into windows of size in arrival
// order (window 0 holds the first size observations; the last may be
// shorter), and gives for each its WindowStats: Window, Count, the share
// of observations with Predicted == 1, and the PSI of their Feature
// values against ref. Every window whose PSI is strictly above threshold
// also gives an Alert naming feature, in window order. A size below 1 is
// an error.
func MonitorWindows(obs []Observation, ref *mlkit.DriftReference, size int, feature string, threshold float64) ([]WindowStats, []Alert, error) {
	// TODO(exercise 6)
	return nil, nil, errors.New("TODO(exercise 6): MonitorWindows is not written yet")
}

// AccuracyOverTime joins delayed labels to the predictions by key and
// gives, for each window of size predictions (as in MonitorWindows), the
// accuracy over the predictions whose label came, and how many that was.
// Labels come in any order; a label for a key never predicted is ignored;
// when a key has two labels the later one counts; a window with no label
// yet is left out.
func AccuracyOverTime(obs []Observation, labels []Label, size int) []AccuracyPoint {
	// TODO(exercise 6)
	panic("TODO(exercise 6): AccuracyOverTime is not written yet")
}

// PlotMonitoring draws the PSI and the positive share of every window and
// the accuracy of every labelled window as three lines (three colours,
// with a legend) over the window number, and saves the chart as a PNG at
// path with charts.SavePNG. No windows at all is an error, and no file is
// written.
func PlotMonitoring(stats []WindowStats, acc []AccuracyPoint, path string) error {
	// TODO(exercise 6): gplot.New(), a plotter.NewLinePoints per series,
	// p.Legend.Add, charts.SavePNG(path, p). The imports, as in lab 6:
	//	gplot "gonum.org/v1/plot"
	//	"gonum.org/v1/plot/plotter"
	//	"github.com/mlops-lab/mlops-lab/pkg/charts"
	return errors.New("TODO(exercise 6): PlotMonitoring is not written yet")
}
