// Package charts draws the course's charts with gonum.org/v1/plot: the
// charts of models (a regression's predictions against the truth, a line
// fitted to one feature, a confusion matrix, ROC curves, a stream model's
// accuracy over time) and the chart of a stream's windowed aggregates (an
// aggregation's updates and its final results drawn alike: the same keys
// in the same colours, partial windows marked).
//
// Each chart function builds a *plot.Plot, which the caller can restyle
// before rendering it with WritePNG or WriteSVG (any size, in gonum lengths;
// Pixels converts a size in pixels) or saving it with SavePNG (5 inches
// square). Bad input (empty or mismatched vectors, NaN values, records
// without the fields to draw) is returned as an error, never a panic.
package charts
