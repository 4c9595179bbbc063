package charts

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// The charts of models: a regression's predictions against the truth, a
// line fitted to one feature, a confusion matrix as a heat map with its
// counts, and ROC curves with their AUC in the legend.

func checkVectors(what string, a, b []float64) error {
	if len(a) != len(b) {
		return fmt.Errorf("plot: %s: %d and %d values: %w", what, len(a), len(b), mlkit.ErrShape)
	}
	if len(a) == 0 {
		return fmt.Errorf("plot: %s: %w", what, mlkit.ErrEmpty)
	}
	for i := range a {
		if math.IsNaN(a[i]) || math.IsInf(a[i], 0) || math.IsNaN(b[i]) || math.IsInf(b[i], 0) {
			return fmt.Errorf("plot: %s: value %d: %w", what, i, mlkit.ErrNotFinite)
		}
	}
	return nil
}

// PredictedVsActual plots a regression's predictions against the true values,
// one point per row, with the diagonal y = x where perfect predictions lie.
// The legend gives R^2.
func PredictedVsActual(actual, predicted []float64, title string) (*plot.Plot, error) {
	if err := checkVectors("predicted vs actual", actual, predicted); err != nil {
		return nil, err
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "actual"
	p.Y.Label.Text = "predicted"
	pts := make(plotter.XYs, len(actual))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range actual {
		pts[i] = plotter.XY{X: actual[i], Y: predicted[i]}
		lo = math.Min(lo, math.Min(actual[i], predicted[i]))
		hi = math.Max(hi, math.Max(actual[i], predicted[i]))
	}
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	sc.GlyphStyle.Color = plotutil.Color(0)
	sc.GlyphStyle.Radius = vg.Points(2)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	diag, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	diag.Color = color.Gray{Y: 110}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(plotter.NewGrid(), diag, sc)
	r2, _ := mlkit.R2(actual, predicted) // the vectors were checked above
	p.Legend.Add(fmt.Sprintf("predictions (R² = %.3f)", r2), sc)
	p.Legend.Add("perfect prediction", diag)
	p.Legend.Top = true
	p.Legend.Left = true
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
	return p, nil
}

// FeatureFit plots the rows (x, y) of one feature against the target and the
// fitted line y = slope*x + intercept across the range of x.
func FeatureFit(x, y []float64, slope, intercept float64, xLabel, yLabel, title string) (*plot.Plot, error) {
	if err := checkVectors("feature fit", x, y); err != nil {
		return nil, err
	}
	if math.IsNaN(slope) || math.IsInf(slope, 0) || math.IsNaN(intercept) || math.IsInf(intercept, 0) {
		return nil, fmt.Errorf("plot: feature fit: line %v*x + %v: %w", slope, intercept, mlkit.ErrNotFinite)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	pts := make(plotter.XYs, len(x))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range x {
		pts[i] = plotter.XY{X: x[i], Y: y[i]}
		lo, hi = math.Min(lo, x[i]), math.Max(hi, x[i])
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	sc.GlyphStyle.Color = plotutil.Color(0)
	sc.GlyphStyle.Radius = vg.Points(2)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	line, err := plotter.NewLine(plotter.XYs{{X: lo, Y: slope*lo + intercept}, {X: hi, Y: slope*hi + intercept}})
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	line.Color = plotutil.Color(1)
	line.Width = vg.Points(2)
	p.Add(plotter.NewGrid(), sc, line)
	p.Legend.Add("rows", sc)
	sign := "+"
	if intercept < 0 {
		sign = "-"
	}
	p.Legend.Add(fmt.Sprintf("fit: y = %.4g x %s %.4g", slope, sign, math.Abs(intercept)), line)
	p.Legend.Top = true
	p.Legend.Left = true
	return p, nil
}

// confusionGrid adapts a confusion matrix to plotter.GridXYZ: column c is the
// predicted class, row r the true class, with the first class at the top.
type confusionGrid struct{ cm *mlkit.ConfusionMatrix }

func (g confusionGrid) Dims() (c, r int)   { return len(g.cm.Labels), len(g.cm.Labels) }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }
func (g confusionGrid) Z(c, r int) float64 { return float64(g.cm.Counts[g.row(r)][c]) }
func (g confusionGrid) row(r int) int      { return len(g.cm.Labels) - 1 - r }

// ConfusionMatrix draws cm as a heat map, true classes down the side and
// predicted classes along the bottom, each cell labelled with its count.
// names gives the class names in the order of cm.Labels; nil uses the labels
// themselves.
func ConfusionMatrix(cm *mlkit.ConfusionMatrix, names []string, title string) (*plot.Plot, error) {
	if cm == nil || len(cm.Labels) == 0 {
		return nil, fmt.Errorf("plot: confusion matrix: %w", mlkit.ErrEmpty)
	}
	k := len(cm.Labels)
	if len(cm.Counts) != k {
		return nil, fmt.Errorf("plot: confusion matrix: %d rows for %d labels: %w", len(cm.Counts), k, mlkit.ErrShape)
	}
	for i, row := range cm.Counts {
		if len(row) != k {
			return nil, fmt.Errorf("plot: confusion matrix: row %d has %d counts for %d labels: %w", i, len(row), k, mlkit.ErrShape)
		}
		for j, n := range row {
			if n < 0 {
				return nil, fmt.Errorf("plot: confusion matrix: count [%d][%d] is negative (%d)", i, j, n)
			}
		}
	}
	if names == nil {
		for _, l := range cm.Labels {
			names = append(names, strconv.FormatFloat(l, 'g', -1, 64))
		}
	}
	if len(names) != k {
		return nil, fmt.Errorf("plot: confusion matrix: %d names for %d classes: %w", len(names), k, mlkit.ErrShape)
	}
	pal, err := brewer.GetPalette(brewer.TypeSequential, "Blues", 9)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	g := confusionGrid{cm}
	hm := plotter.NewHeatMap(g, pal)
	hm.Min = 0
	if hm.Max <= hm.Min {
		hm.Max = hm.Min + 1
	}
	// Counts in each cell, white on the dark cells.
	var labels plotter.XYLabels
	var styles []text.Style
	base := text.Style{Font: plot.DefaultFont, XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
	base.Font.Size = vg.Points(12)
	for r := 0; r < k; r++ {
		for c := 0; c < k; c++ {
			v := g.Z(c, r)
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(c), Y: float64(r)})
			labels.Labels = append(labels.Labels, strconv.Itoa(int(v)))
			st := base
			st.Color = color.Black
			if (v-hm.Min)/(hm.Max-hm.Min) > 0.55 {
				st.Color = color.White
			}
			styles = append(styles, st)
		}
	}
	lb, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	lb.TextStyle = styles

	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	p.Add(hm, lb)
	p.NominalX(names...)
	yNames := make([]string, k)
	for r := range yNames {
		yNames[r] = names[g.row(r)]
	}
	p.NominalY(yNames...)
	p.X.Min, p.X.Max = -0.5, float64(k)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(k)-0.5
	return p, nil
}

// ROCSeries is one ROC curve to draw, with its name for the legend.
type ROCSeries struct {
	Name  string
	Curve *mlkit.ROCCurve
}

// ROC draws ROC curves (false positive rate across, true positive rate up)
// with the chance diagonal; each legend entry gives the curve's AUC.
func ROC(title string, curves ...ROCSeries) (*plot.Plot, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("plot: roc: no curves: %w", mlkit.ErrEmpty)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "false positive rate"
	p.Y.Label.Text = "true positive rate"
	chance, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	chance.Color = color.Gray{Y: 140}
	chance.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(plotter.NewGrid(), chance)
	for i, s := range curves {
		if s.Curve == nil {
			return nil, fmt.Errorf("plot: roc: curve %d is nil: %w", i, mlkit.ErrEmpty)
		}
		if err := checkVectors("roc", s.Curve.FPR, s.Curve.TPR); err != nil {
			return nil, err
		}
		pts := make(plotter.XYs, len(s.Curve.FPR))
		for j := range pts {
			pts[j] = plotter.XY{X: s.Curve.FPR[j], Y: s.Curve.TPR[j]}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("plot: %w", err)
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(2)
		p.Add(line)
		name := s.Name
		if name == "" {
			name = "ROC"
		}
		p.Legend.Add(fmt.Sprintf("%s (AUC = %.3f)", name, s.Curve.AUC()), line)
	}
	p.Legend.Add("chance (AUC = 0.5)", chance)
	p.Legend.Left = false
	p.Legend.Top = false
	p.Legend.XOffs = -vg.Points(6)
	p.Legend.YOffs = vg.Points(6)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1.02
	return p, nil
}
