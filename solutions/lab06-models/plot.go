//go:build solution

package lab06

import (
	"fmt"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/mlops-lab/mlops-lab/pkg/charts"
)

// Exercise 5: a residual plot.

// PlotResiduals draws a regression's residuals against its predictions and
// saves the chart as a PNG file at path.
//
// A residual is actual - predicted. Plotted against the prediction, the
// residuals of a good linear model are a shapeless band around zero; a
// curve or a funnel says the model misses something.
//
// Contract:
//   - one point per row at (predicted[i], actual[i] - predicted[i]), and a
//     horizontal line at 0 across the range of the predictions.
//   - a title, and the axes labelled "predicted" and "residual (actual -
//     predicted)".
//   - saved with charts.SavePNG (path must end in .png).
//   - vectors of different lengths, empty, or holding NaN or infinite
//     values: an error, and no file written.
func PlotResiduals(predicted, actual []float64, path string) error {
	if len(predicted) != len(actual) || len(predicted) == 0 {
		return fmt.Errorf("residual plot: %d predictions and %d actual values", len(predicted), len(actual))
	}
	pts := make(plotter.XYs, len(predicted))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range predicted {
		p, a := predicted[i], actual[i]
		if math.IsNaN(p) || math.IsInf(p, 0) || math.IsNaN(a) || math.IsInf(a, 0) {
			return fmt.Errorf("residual plot: row %d is not a finite number (%v, %v)", i, p, a)
		}
		pts[i] = plotter.XY{X: p, Y: a - p}
		lo, hi = math.Min(lo, p), math.Max(hi, p)
	}

	p := gplot.New()
	p.Title.Text = "Residuals"
	p.X.Label.Text = "predicted"
	p.Y.Label.Text = "residual (actual - predicted)"
	points, err := plotter.NewScatter(pts)
	if err != nil {
		return fmt.Errorf("residual plot: %w", err)
	}
	zero, err := plotter.NewLine(plotter.XYs{{X: lo, Y: 0}, {X: hi, Y: 0}})
	if err != nil {
		return fmt.Errorf("residual plot: %w", err)
	}
	p.Add(plotter.NewGrid(), zero, points)
	return charts.SavePNG(path, p)
}
