// Package windowchart is what `mlops-lab plot windows` does: it gathers the
// windowed aggregates to draw (from JSON lines or from everything a topic
// holds), renders them as a PNG chart with one line per key (or two charts,
// an aggregation's updates above its final results, with the same keys and
// colours), and says what the chart shows. Parsing and drawing themselves are pkg/charts'.
package windowchart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"gonum.org/v1/plot"

	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// ErrNoKeyWindows is returned by Render when Keys are given and none of the
// points belongs to them.
var ErrNoKeyWindows = errors.New("no window of the keys")

// Options say what to draw and how large.
type Options struct {
	// Fields name the parts of each record; Fields.Value also names the y
	// axis (see charts.ValueLabel).
	Fields charts.Fields
	// Units are the value's units, for the y axis ("units", "orders");
	// none when empty.
	Units string
	// Title is the chart's title; "VALUE per window" when empty.
	Title string
	// Keys, when set, are the only keys drawn.
	Keys []string
	// MaxKeys is the most keys drawn, those with the largest totals; 0 draws
	// every key.
	MaxKeys int
	// Width and Height are the PNG's size in pixels.
	Width, Height int
}

// Summary says what a chart shows.
type Summary struct {
	// Windows and Keys count the windows and keys of the points that
	// Options.Keys selects (all of them when Keys is empty), before MaxKeys
	// keeps the largest.
	Windows, Keys int
	// Capped says MaxKeys left keys out.
	Capped bool
	// Partial counts the windows drawn as partial: the records begin inside
	// them, or they may still be open.
	Partial int
	// FinalWindows counts the windows of the final results (RenderPair).
	FinalWindows int
}

// Render draws points and returns the PNG and what it holds. Points with
// one record per window are taken for final results (see
// charts.OnePerWindow): none of their windows is marked as still open.
func Render(points []charts.Point, opts Options) ([]byte, Summary, error) {
	return render(opts, charts.WindowSeries{Points: points, Final: charts.OnePerWindow(points)})
}

// RenderPair draws an aggregation's updates above its final results, with
// the same keys, colours and axes, and returns the PNG and what it holds.
// finals may be empty (no window has closed yet).
func RenderPair(updates, finals []charts.Point, opts Options) ([]byte, Summary, error) {
	return render(opts, charts.WindowSeries{Name: "updates", Points: updates}, charts.WindowSeries{Name: "final results", Points: finals, Final: true})
}

func render(opts Options, series ...charts.WindowSeries) ([]byte, Summary, error) {
	models, err := Models(opts, series...)
	if errors.Is(err, charts.ErrNoPoints) && len(opts.Keys) > 0 {
		return nil, Summary{}, ErrNoKeyWindows
	}
	if err != nil {
		return nil, Summary{}, err
	}
	var sum Summary
	plots := make([]*plot.Plot, len(models))
	for i, m := range models {
		if plots[i], err = m.Plot(); err != nil {
			return nil, Summary{}, err
		}
		sum.Partial += m.PartialCount()
	}
	var png bytes.Buffer
	if err := charts.WritePNGRows(&png, plots, charts.Pixels(opts.Width), charts.Pixels(opts.Height)); err != nil {
		return nil, Summary{}, err
	}
	keys := map[string]bool{}
	for i, s := range series {
		for _, pt := range charts.Latest(s.Points) {
			if len(opts.Keys) == 0 || slices.Contains(opts.Keys, pt.Key) {
				if i == 0 {
					sum.Windows++
				} else {
					sum.FinalWindows++
				}
				keys[pt.Key] = true
			}
		}
	}
	sum.Keys = len(keys)
	sum.Capped = opts.MaxKeys > 0 && sum.Keys > opts.MaxKeys
	return png.Bytes(), sum, nil
}

// Models are the charts Render and RenderPair draw, before drawing: the
// title, the y axis named after the value and its units, the keys with
// their colours, and the windows that may be partial.
func Models(opts Options, series ...charts.WindowSeries) ([]charts.WindowModel, error) {
	title := opts.Title
	if title == "" {
		title = opts.Fields.Value + " per window"
	}
	maxKeys := opts.MaxKeys
	if maxKeys == 0 {
		maxKeys = -1 // charts' "every key"
	}
	return charts.WindowModels(charts.ChartOptions{Title: title, YLabel: charts.ValueLabel(opts.Fields.Value, opts.Units), Keys: opts.Keys, MaxKeys: maxKeys}, series...)
}

// TopicPoints is what a topic holds for a chart.
type TopicPoints struct {
	Points []charts.Point
	// Skipped counts the records that are not windowed aggregates;
	// FirstSkipped names the first and says what is wrong with it.
	Skipped      int
	FirstSkipped string
}

// ScanTopic reads everything topic holds now at bootstrap. Records that are
// not windowed aggregates are counted, not fatal; tombstones are left out.
// A topic the cluster does not have is an error wrapping
// stream.ErrUnknownTopic.
func ScanTopic(ctx context.Context, bootstrap, topic string, fields charts.Fields) (TopicPoints, error) {
	var tp TopicPoints
	err := stream.Scan(ctx, bootstrap, topic, func(r stream.Record) error {
		p, ok, err := charts.ParsePoint(r.Value, r.Key, fields)
		switch {
		case err != nil:
			if tp.Skipped == 0 {
				tp.FirstSkipped = fmt.Sprintf("%s: %v", r, err)
			}
			tp.Skipped++
		case ok:
			tp.Points = append(tp.Points, p)
		}
		return nil
	})
	return tp, err
}
