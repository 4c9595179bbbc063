//go:build solution

package lab07

// Exercise 6: drift, positive share, accuracy over time, a chart.

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// psiFloor stands in for the share of an empty bin: ln(0) is minus
// infinity, and one empty bin would make any drift look infinite.
const psiFloor = 1e-4

// PSI is the population stability index of live values against the
// training reference ref: the live values go into ref's bins (ref.Bin),
// and PSI = sum over bins of (live - expected) * ln(live / expected), with
// live the share of live values in the bin, expected ref.Expected, and both
// at least 1e-4. Each term is >= 0: the more the shares moved, the higher.
func PSI(ref *mlkit.DriftReference, live []float64) (float64, error) {
	if ref == nil || len(ref.Expected) != len(ref.Edges)+1 {
		return 0, errors.New("PSI: no reference (build one with mlkit.NewDriftReference)")
	}
	if len(live) == 0 {
		return 0, errors.New("PSI: no live values")
	}
	counts := make([]float64, len(ref.Expected))
	for i, v := range live {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("PSI: live value %d is %v", i, v)
		}
		counts[ref.Bin(v)]++
	}
	psi := 0.0
	for i, c := range counts {
		actual := math.Max(c/float64(len(live)), psiFloor)
		expected := math.Max(ref.Expected[i], psiFloor)
		psi += (actual - expected) * math.Log(actual/expected)
	}
	return psi, nil
}

// MonitorWindows cuts the observations into windows of size in arrival
// order (the last one may be shorter), and gives for each the share of
// positive predictions and the PSI of the feature against ref; every window
// whose PSI is above threshold also gives an Alert for feature.
func MonitorWindows(obs []Observation, ref *mlkit.DriftReference, size int, feature string, threshold float64) ([]WindowStats, []Alert, error) {
	if size < 1 {
		return nil, nil, fmt.Errorf("window size %d: want at least 1", size)
	}
	var (
		stats  []WindowStats
		alerts []Alert
	)
	for start, w := 0, 0; start < len(obs); start, w = start+size, w+1 {
		window := obs[start:min(start+size, len(obs))]
		values := make([]float64, len(window))
		positives := 0
		for i, o := range window {
			values[i] = o.Feature
			if o.Predicted == 1 {
				positives++
			}
		}
		psi, err := PSI(ref, values)
		if err != nil {
			return nil, nil, fmt.Errorf("window %d: %w", w, err)
		}
		stats = append(stats, WindowStats{Window: w, Count: len(window), PositiveShare: float64(positives) / float64(len(window)), PSI: psi})
		// Strictly above: a PSI exactly at the threshold is still "no action".
		if psi > threshold {
			alerts = append(alerts, Alert{Window: w, Feature: feature, PSI: psi, Threshold: threshold})
		}
	}
	return stats, alerts, nil
}

// AccuracyOverTime joins delayed labels to the predictions by key and
// gives the accuracy of each window of size predictions (in arrival
// order, as in MonitorWindows), over the predictions whose label came.
// Labels may come in any order; a label for a key never predicted is
// ignored; when a key has two labels the later one counts. A window with
// no label yet has no accuracy and is left out.
func AccuracyOverTime(obs []Observation, labels []Label, size int) []AccuracyPoint {
	if size < 1 {
		return nil
	}
	actual := make(map[string]float64, len(labels))
	for _, l := range labels {
		actual[l.Key] = l.Actual
	}
	var out []AccuracyPoint
	for start, w := 0, 0; start < len(obs); start, w = start+size, w+1 {
		labelled, correct := 0, 0
		for _, o := range obs[start:min(start+size, len(obs))] {
			y, ok := actual[o.Key]
			if !ok {
				continue // not known yet: neither right nor wrong
			}
			labelled++
			if y == o.Predicted {
				correct++
			}
		}
		if labelled > 0 {
			out = append(out, AccuracyPoint{Window: w, Labelled: labelled, Accuracy: float64(correct) / float64(labelled)})
		}
	}
	return out
}

// PlotMonitoring draws the PSI and the positive share of every window and
// the accuracy of every labelled window as three lines over the window
// number, and saves the chart as a PNG at path (with charts.SavePNG). No
// windows at all is an error, and no file is written.
func PlotMonitoring(stats []WindowStats, acc []AccuracyPoint, path string) error {
	if len(stats) == 0 {
		return errors.New("no windows to plot")
	}
	p := gplot.New()
	p.Title.Text = "Model monitoring"
	p.X.Label.Text = "window"
	p.Y.Label.Text = "PSI, share, accuracy"
	psi, share := make(plotter.XYs, len(stats)), make(plotter.XYs, len(stats))
	for i, s := range stats {
		psi[i] = plotter.XY{X: float64(s.Window), Y: s.PSI}
		share[i] = plotter.XY{X: float64(s.Window), Y: s.PositiveShare}
	}
	accuracy := make(plotter.XYs, len(acc))
	for i, a := range acc {
		accuracy[i] = plotter.XY{X: float64(a.Window), Y: a.Accuracy}
	}
	series := []struct {
		name string
		xys  plotter.XYs
		c    color.RGBA
	}{
		{"PSI", psi, color.RGBA{R: 200, A: 255}},
		{"positive share", share, color.RGBA{B: 200, A: 255}},
		{"accuracy", accuracy, color.RGBA{G: 150, A: 255}},
	}
	for _, s := range series {
		if len(s.xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return err
		}
		line.Color, points.Color = s.c, s.c
		p.Add(line, points)
		p.Legend.Add(s.name, line)
	}
	p.Legend.Top = true
	return charts.SavePNG(path, p)
}
