package charts

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func windowsPlot(t *testing.T) *plot.Plot {
	t.Helper()
	var pts []Point
	for i := range 10 {
		pts = append(pts, Point{Key: "k", Start: t0.Add(time.Duration(i) * time.Minute), Value: float64(i % 4)})
	}
	p, err := WindowChart(pts, ChartOptions{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A chart sized in pixels renders as the window chart did before it shared
// WritePNG: a canvas of that many pixels at 96 DPI.
func TestWritePNGPixelsAsBefore(t *testing.T) {
	var got bytes.Buffer
	if err := WritePNG(&got, windowsPlot(t), Pixels(640), Pixels(360)); err != nil {
		t.Fatal(err)
	}
	c := vgimg.NewWith(vgimg.UseWH(Pixels(640), Pixels(360)), vgimg.UseDPI(96))
	windowsPlot(t).Draw(draw.New(c))
	var want bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("WritePNG wrote %d bytes, the 96 DPI canvas %d: the images differ", got.Len(), want.Len())
	}
	cfg, err := png.DecodeConfig(&got)
	if err != nil || cfg.Width != 640 || cfg.Height != 360 {
		t.Errorf("decodes as %dx%d (%v), want 640x360", cfg.Width, cfg.Height, err)
	}
}

func TestWriteSVG(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSVG(&b, windowsPlot(t), Pixels(400), Pixels(300)); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); !strings.Contains(s, "<svg") || !strings.Contains(s, "</svg>") {
		t.Errorf("not an SVG document: %.200s", s)
	}
	if err := WriteSVG(&b, nil, Pixels(400), Pixels(300)); err == nil {
		t.Error("WriteSVG(nil): no error")
	}
}

func TestSavePNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.png")
	if err := SavePNG(path, windowsPlot(t)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 480 || cfg.Height != 480 {
		t.Errorf("decodes as %dx%d (%v), want 480x480 (5 inches at 96 DPI)", cfg.Width, cfg.Height, err)
	}
	if err := SavePNG(filepath.Join(dir, "no", "such", "w.png"), windowsPlot(t)); err == nil || !strings.HasPrefix(err.Error(), "plot: open ") {
		t.Errorf("into a missing folder: %v", err)
	}
}
