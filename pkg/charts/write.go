package charts

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DPI is the resolution PNG images are rendered at.
const DPI = 96

// DefaultSize is the width and height SavePNG uses.
const DefaultSize = 5 * vg.Inch

// maxPixels bounds a side of an image, so that a size typed by a user
// cannot ask for gigabytes.
const maxPixels = 10000

// Pixels is the length of n pixels of a PNG image.
func Pixels(n int) vg.Length { return vg.Length(n) * vg.Inch / DPI }

// WritePNG renders p as a PNG image of width x height to w.
func WritePNG(w io.Writer, p *plot.Plot, width, height vg.Length) error {
	return write(w, []*plot.Plot{p}, width, height, "png")
}

// WriteSVG renders p as an SVG image of width x height to w.
func WriteSVG(w io.Writer, p *plot.Plot, width, height vg.Length) error {
	return write(w, []*plot.Plot{p}, width, height, "svg")
}

// WritePNGRows renders plots one above the other, their data areas aligned,
// as a PNG image of width x height to w (an aggregation's updates above
// its final results, say).
func WritePNGRows(w io.Writer, plots []*plot.Plot, width, height vg.Length) error {
	return write(w, plots, width, height, "png")
}

// WriteSVGRows is WritePNGRows for an SVG image.
func WriteSVGRows(w io.Writer, plots []*plot.Plot, width, height vg.Length) error {
	return write(w, plots, width, height, "svg")
}

func write(w io.Writer, plots []*plot.Plot, width, height vg.Length, format string) error {
	if len(plots) == 0 || slices.Contains(plots, nil) {
		return errors.New("plot: nil plot")
	}
	if !(width > 0 && height > 0 && width <= Pixels(maxPixels) && height <= Pixels(maxPixels)) {
		return fmt.Errorf("plot: a chart of %.0fx%.0f pixels: width and height must be from 1 to %d", float64(width/Pixels(1)), float64(height/Pixels(1)), maxPixels)
	}
	c, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	dc := draw.New(c)
	if len(plots) == 1 {
		plots[0].Draw(dc)
	} else {
		rows := make([][]*plot.Plot, len(plots))
		for i, p := range plots {
			rows[i] = []*plot.Plot{p}
		}
		tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4), PadY: vg.Points(12)}
		for i, row := range plot.Align(rows, tiles, dc) {
			plots[i].Draw(row[0])
		}
	}
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("plot: write %s: %w", format, err)
	}
	return nil
}

// SavePNG writes p to a PNG file of DefaultSize x DefaultSize.
func SavePNG(path string, p *plot.Plot) error {
	if !strings.EqualFold(filepath.Ext(path), ".png") {
		return fmt.Errorf("plot: %s: the file name must end in .png", path)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := WritePNG(f, p, DefaultSize, DefaultSize); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}
