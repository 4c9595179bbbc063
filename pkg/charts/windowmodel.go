package charts

// What a window chart shows, before it is drawn: the keys in the legend's
// order with a colour and a glyph each, the windows with whether their
// records may be partial, the axes' labels and ranges. An aggregation's
// updates and its final results are charted together so that both charts
// hold the same keys, each drawn the same way in both.

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Window is the latest value of one key's window, and whether the records
// may cover it only in part.
type Window struct {
	Key        string
	Start, End time.Time // End is zero when the records do not give it
	Value      float64
	// BeforeData says the window may have started before the first record
	// seen: the records begin inside it, so earlier ones may be missing.
	BeforeData bool
	// Open says the window may still be open at the last record seen: more
	// updates may come (never set for final results).
	Open bool
}

// Partial says the window's value may not be its whole: see BeforeData
// and Open.
func (w Window) Partial() bool { return w.BeforeData || w.Open }

// WindowSeries is the records of one chart of a set drawn together.
type WindowSeries struct {
	// Name is added to the title ("updates", "final results"); none when
	// empty.
	Name   string
	Points []Point
	// Final says the points are final results (EMIT FINAL, a finals topic):
	// each window closed when it was written, so none is still open.
	Final bool
}

// WindowModel is one window chart, ready to draw with Plot.
type WindowModel struct {
	Title, YLabel, TimeFormat string
	// Keys are the keys drawn, sorted (the legend's order): those of every
	// chart built together, whether or not this one has windows of them.
	Keys []string
	// Colors[i] and Shapes[i] draw Keys[i], in every chart built together.
	Colors []color.Color
	Shapes []draw.GlyphDrawer
	// Windows are the latest value of each window of Keys, by key, then
	// start.
	Windows []Window
	// Final is the series' Final.
	Final bool
	// XMin to YMax are the axes' ranges, shared by the charts built
	// together (x in seconds since the Unix epoch).
	XMin, XMax, YMin, YMax float64
}

// partialColor is how a partial window's mark is drawn around its glyph.
var partialColor = color.Gray{Y: 150}

// The legend entries of partial windows, by what makes them partial.
const (
	PartialLegend       = "partial: begun before the first record, or still open"
	PartialBeforeLegend = "partial: begun before the first record"
	PartialOpenLegend   = "partial: still open"
)

// KeyColor and KeyShape are how the key in place i of the sorted keys is
// drawn.
func KeyColor(i int) color.Color      { return plotutil.Color(i) }
func KeyShape(i int) draw.GlyphDrawer { return plotutil.Shape(i) }

// WindowModels builds the charts of series drawn together, in their order:
// the same keys (opts.Keys, or the opts.MaxKeys with the largest totals
// over every series), each with one colour and glyph by its place in the
// sorted keys (with opts.Keys, its place among them, so that naming the
// same keys gives the same colours whatever the records hold), and the
// same axes. A series may be empty; ErrNoPoints when all are.
func WindowModels(opts ChartOptions, series ...WindowSeries) ([]WindowModel, error) {
	type set struct {
		windows []Window
		final   bool
	}
	sets := make([]set, len(series))
	var all []Window
	for i, s := range series {
		ws := windows(s.Points, s.Final)
		if len(opts.Keys) > 0 {
			ws = slices.DeleteFunc(ws, func(w Window) bool { return !slices.Contains(opts.Keys, w.Key) })
		}
		sets[i] = set{ws, s.Final}
		all = append(all, ws...)
	}
	if len(all) == 0 {
		return nil, ErrNoPoints
	}
	title := orDefault(opts.Title, "windowed aggregates")
	kept, nkeys := topKeys(all, opts.MaxKeys)
	if len(kept) < nkeys {
		title += fmt.Sprintf(" (the %d of %d keys with the largest totals)", len(kept), nkeys)
	}
	keys := make([]string, 0, len(kept))
	for k := range kept {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	place := map[string]int{}
	for i, k := range keys {
		place[k] = i
	}
	if len(opts.Keys) > 0 {
		named := slices.Clone(opts.Keys)
		slices.Sort(named)
		named = slices.Compact(named)
		for i, k := range named {
			place[k] = i
		}
	}
	colors := make([]color.Color, len(keys))
	shapes := make([]draw.GlyphDrawer, len(keys))
	for i, k := range keys {
		colors[i], shapes[i] = KeyColor(place[k]), KeyShape(place[k])
	}

	xMin, xMax, yMin, yMax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, w := range all {
		if !kept[w.Key] {
			continue
		}
		x := float64(w.Start.UnixMilli()) / 1000
		xMin, xMax = math.Min(xMin, x), math.Max(xMax, x)
		yMin, yMax = math.Min(yMin, w.Value), math.Max(yMax, w.Value)
	}
	if xMin == xMax {
		// One window start: give the axis some width around it.
		xMin, xMax = xMin-60, xMax+60
	}
	if yMin == yMax {
		yMax = yMin + 1
	}
	// Room above the lines for the legend, a line of it per key (and one
	// for partial windows).
	yMax += (yMax - yMin) * math.Min(0.06*float64(len(keys)+1)+0.04, 0.66)

	models := make([]WindowModel, len(series))
	for i, s := range series {
		t := title
		if s.Name != "" {
			t += ": " + s.Name
		}
		models[i] = WindowModel{
			Title: t, YLabel: orDefault(opts.YLabel, "value"), TimeFormat: orDefault(opts.TimeFormat, "15:04"),
			Keys: keys, Colors: colors, Shapes: shapes, Final: sets[i].final,
			Windows: slices.DeleteFunc(sets[i].windows, func(w Window) bool { return !kept[w.Key] }),
			XMin:    xMin, XMax: xMax, YMin: yMin, YMax: yMax,
		}
	}
	return models, nil
}

// windows keeps the latest point of each key and window (see Latest) and
// says which may be partial, from every key's windows: the records begin
// inside those that start before the earliest window ends (with no ends
// known, or windows of many sizes such as sessions: those at the earliest
// start), and unless final, the last records
// may still update those that end after the latest window starts (with no
// end known: those at the latest start).
func windows(points []Point, final bool) []Window {
	latest := Latest(points)
	if len(latest) == 0 {
		return nil
	}
	first, last := latest[0].Start, latest[0].Start
	for _, p := range latest {
		if p.Start.Before(first) {
			first = p.Start
		}
		if p.Start.After(last) {
			last = p.Start
		}
	}
	// In windows of one size (tumbling, hopping) the first record lies in
	// every earliest window, so before the end of the first of them to
	// end. Sessions (windows of many sizes) start at a record: only the
	// earliest starts at or before the first.
	var firstEnd time.Time
	sizes := map[time.Duration]bool{}
	for _, p := range latest {
		if !p.End.IsZero() {
			sizes[p.End.Sub(p.Start)] = true
		}
		if p.Start.Equal(first) && !p.End.IsZero() && (firstEnd.IsZero() || p.End.Before(firstEnd)) {
			firstEnd = p.End
		}
	}
	if len(sizes) > 1 {
		firstEnd = time.Time{}
	}
	out := make([]Window, len(latest))
	for i, p := range latest {
		w := Window{Key: p.Key, Start: p.Start, End: p.End, Value: p.Value}
		w.BeforeData = p.Start.Equal(first) || p.Start.Before(firstEnd)
		w.Open = !final && (p.Start.Equal(last) || p.End.After(last))
		out[i] = w
	}
	return out
}

// OnePerWindow says no key's window has more than one record: what final
// results look like (updates write one per record).
func OnePerWindow(points []Point) bool {
	type id struct {
		key   string
		start int64
	}
	seen := map[id]bool{}
	for _, p := range points {
		k := id{p.Key, p.Start.UnixMilli()}
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// ValueLabel names the y axis after the value drawn and its units: "units
// (sum per window)" for value "sum" in units "units", "orders per window"
// for a column "orders". A count's units are records unless units says
// otherwise; without units, an aggregate's name stands alone ("sum per
// window").
func ValueLabel(value, units string) string {
	value, units = strings.TrimSpace(value), strings.TrimSpace(units)
	switch strings.ToLower(value) {
	case "":
		value = DefaultValueField
	case "count":
		if units == "" {
			units = "records"
		}
	}
	switch {
	case units == "":
		return value + " per window"
	case strings.EqualFold(units, value):
		return units + " per window"
	}
	return units + " (" + value + " per window)"
}

// topKeys picks the limit keys whose values add up to the most (ties: by
// name), and says how many keys there are.
func topKeys(windows []Window, limit int) (map[string]bool, int) {
	if limit == 0 {
		limit = DefaultMaxKeys
	}
	total := map[string]float64{}
	for _, w := range windows {
		total[w.Key] += w.Value
	}
	keys := make([]string, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if total[keys[i]] != total[keys[j]] {
			return total[keys[i]] > total[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if limit > 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	kept := map[string]bool{}
	for _, k := range keys {
		kept[k] = true
	}
	return kept, len(total)
}

// Plot draws the model: a line with a glyph per window for each key,
// partial windows' glyphs ringed in grey and the lines to them dashed, a
// legend of every key in order (and of partial windows, if any).
func (m WindowModel) Plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = m.Title
	p.X.Label.Text = "window start (UTC)"
	p.Y.Label.Text = m.YLabel
	p.X.Tick.Marker = timeTicks{format: orDefault(m.TimeFormat, "15:04")}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = m.XMin, m.XMax, m.YMin, m.YMax
	p.Add(plotter.NewGrid())
	p.Legend.Top = true

	byKey := map[string][]Window{}
	for _, w := range m.Windows {
		byKey[w.Key] = append(byKey[w.Key], w)
	}
	var partial plotter.XYs
	var before, open bool
	for i, k := range m.Keys {
		ws := byKey[k]
		sort.Slice(ws, func(a, b int) bool { return ws[a].Start.Before(ws[b].Start) })
		lineStyle := plotter.DefaultLineStyle
		lineStyle.Color = m.Colors[i]
		glyph := draw.GlyphStyle{Color: m.Colors[i], Radius: vg.Points(2.5), Shape: m.Shapes[i]}
		var xys plotter.XYs
		for _, w := range ws {
			xy := plotter.XY{X: float64(w.Start.UnixMilli()) / 1000, Y: w.Value}
			xys = append(xys, xy)
			if w.Partial() {
				partial = append(partial, xy)
			}
			before, open = before || w.BeforeData, open || w.Open
		}
		// Segments between two complete windows are solid, those to a
		// partial one dashed.
		for j := 0; j+1 < len(ws); j++ {
			seg, err := plotter.NewLine(xys[j : j+2])
			if err != nil {
				return nil, fmt.Errorf("plot: key %s: %w", k, err)
			}
			seg.LineStyle = lineStyle
			if ws[j].Partial() || ws[j+1].Partial() {
				seg.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(seg)
		}
		if len(xys) > 0 {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, fmt.Errorf("plot: key %s: %w", k, err)
			}
			sc.GlyphStyle = glyph
			p.Add(sc)
		}
		name := k
		if name == "" {
			name = "(no key)"
		}
		legendLine := &plotter.Line{LineStyle: lineStyle}
		legendGlyph := &plotter.Scatter{GlyphStyle: glyph}
		p.Legend.Add(name, legendLine, legendGlyph)
	}
	if len(partial) > 0 {
		ring := draw.GlyphStyle{Color: partialColor, Radius: vg.Points(6), Shape: draw.RingGlyph{}}
		sc, err := plotter.NewScatter(partial)
		if err != nil {
			return nil, fmt.Errorf("plot: partial windows: %w", err)
		}
		sc.GlyphStyle = ring
		p.Add(sc)
		dashed := plotter.DefaultLineStyle
		dashed.Color = partialColor
		dashed.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		legend := PartialLegend
		switch {
		case !open:
			legend = PartialBeforeLegend
		case !before:
			legend = PartialOpenLegend
		}
		p.Legend.Add(legend, &plotter.Line{LineStyle: dashed}, &plotter.Scatter{GlyphStyle: ring})
	}
	return p, nil
}

// PartialCount counts the windows that may be partial.
func (m WindowModel) PartialCount() int {
	n := 0
	for _, w := range m.Windows {
		if w.Partial() {
			n++
		}
	}
	return n
}
