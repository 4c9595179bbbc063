package charts

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// AccuracyOverTime draws a model's prequential accuracy as it learns from a
// stream: the accuracy over every record so far (which settles) and over
// the last window of records (which shows the model's state now, and drops
// when the data drifts), against the number of records seen.
func AccuracyOverTime(points []mlkit.PrequentialPoint, window int, title string) (*plot.Plot, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("plot: accuracy over time: %w", mlkit.ErrEmpty)
	}
	all := make(plotter.XYs, len(points))
	recent := make(plotter.XYs, len(points))
	for i, p := range points {
		if p.Accuracy < 0 || p.Accuracy > 1 || p.WindowAccuracy < 0 || p.WindowAccuracy > 1 {
			return nil, fmt.Errorf("plot: accuracy over time: point %d has accuracy %v / %v, outside [0, 1]", i, p.Accuracy, p.WindowAccuracy)
		}
		all[i] = plotter.XY{X: float64(p.Seen), Y: p.Accuracy}
		recent[i] = plotter.XY{X: float64(p.Seen), Y: p.WindowAccuracy}
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "records seen"
	p.Y.Label.Text = "accuracy (tested before learning)"
	p.Y.Min, p.Y.Max = 0, 1
	cum, err := plotter.NewLine(all)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	cum.Color = plotutil.Color(0)
	cum.Width = vg.Points(2)
	win, err := plotter.NewLine(recent)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	win.Color = plotutil.Color(1)
	p.Add(plotter.NewGrid(), win, cum)
	p.Legend.Add("all records so far", cum)
	p.Legend.Add(fmt.Sprintf("last %d records", window), win)
	p.Legend.Top = false
	return p, nil
}
