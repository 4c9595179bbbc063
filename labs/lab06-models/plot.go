package lab06

import "errors"

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
	// TODO(exercise 5): check the input, build a gonum plot (gplot.New())
	// with a plotter.NewScatter of the residuals and a plotter.NewLine at
	// 0, and save it with charts.SavePNG.
	return errors.New("TODO(exercise 5): PlotResiduals is not written yet")
}
