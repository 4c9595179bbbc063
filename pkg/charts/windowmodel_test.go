package charts

import (
	"bytes"
	"errors"
	"image/png"
	"reflect"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
)

// minute is the window of minute i after t0.
func minute(key string, i int, value float64) Point {
	start := t0.Add(time.Duration(i) * time.Minute)
	return Point{Key: key, Start: start, End: start.Add(time.Minute), Value: value}
}

// updatesAndFinals is a tumbling aggregation of keys b, c and a (a only in
// its last, still open, minute): every update, and the finals of the
// minutes closed.
func updatesAndFinals() (updates, finals []Point) {
	for i := range 4 {
		for _, k := range []string{"c", "b"} {
			updates = append(updates, minute(k, i, 1), minute(k, i, float64(i+2)))
			if i < 3 {
				finals = append(finals, minute(k, i, float64(i+2)))
			}
		}
	}
	updates = append(updates, minute("a", 3, 7))
	return updates, finals
}

func colorOf(t *testing.T, m WindowModel, key string) any {
	t.Helper()
	for i, k := range m.Keys {
		if k == key {
			return m.Colors[i]
		}
	}
	t.Fatalf("key %s is not among the chart's keys %v", key, m.Keys)
	return nil
}

func TestWindowModelsShareKeysAndColours(t *testing.T) {
	updates, finals := updatesAndFinals()
	models, err := WindowModels(ChartOptions{Title: "units"}, WindowSeries{Name: "updates", Points: updates}, WindowSeries{Name: "final results", Points: finals, Final: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 2 {
		t.Fatalf("%d models, want 2", len(models))
	}
	up, fin := models[0], models[1]
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(up.Keys, want) || !reflect.DeepEqual(fin.Keys, want) {
		t.Fatalf("keys %v and %v; want %v in both (a has no final yet)", up.Keys, fin.Keys, want)
	}
	for _, k := range up.Keys {
		if colorOf(t, up, k) != colorOf(t, fin, k) {
			t.Errorf("key %s: colour %v in the updates, %v in the finals", k, colorOf(t, up, k), colorOf(t, fin, k))
		}
	}
	if colorOf(t, up, "a") == colorOf(t, up, "b") || colorOf(t, up, "b") == colorOf(t, up, "c") {
		t.Errorf("colours %v: each key wants its own", up.Colors)
	}
	if up.Title != "units: updates" || fin.Title != "units: final results" {
		t.Errorf("titles %q and %q", up.Title, fin.Title)
	}
	if up.XMin != fin.XMin || up.XMax != fin.XMax || up.YMin != fin.YMin || up.YMax != fin.YMax {
		t.Errorf("axes differ: %v..%v x %v..%v and %v..%v x %v..%v", up.XMin, up.XMax, up.YMin, up.YMax, fin.XMin, fin.XMax, fin.YMin, fin.YMax)
	}
	if len(fin.Windows) != 6 || len(up.Windows) != 9 {
		t.Errorf("%d and %d windows, want 9 updated and 6 final", len(up.Windows), len(fin.Windows))
	}

	// Charts drawn apart, with the keys named: a key's colour is its place
	// among the names, whatever keys the records hold.
	named := ChartOptions{Keys: []string{"c", "a", "b"}}
	alone, err := WindowModels(named, WindowSeries{Points: finals, Final: true})
	if err != nil {
		t.Fatal(err)
	}
	both, err := WindowModels(named, WindowSeries{Points: updates})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alone[0].Keys, []string{"b", "c"}) {
		t.Errorf("keys of the finals alone: %v, want b, c", alone[0].Keys)
	}
	for _, k := range []string{"b", "c"} {
		if colorOf(t, alone[0], k) != colorOf(t, both[0], k) {
			t.Errorf("key %s drawn apart: colour %v without a, %v with a", k, colorOf(t, alone[0], k), colorOf(t, both[0], k))
		}
	}

	// The keys with the largest totals over both series are kept in both.
	top, err := WindowModels(ChartOptions{Title: "u", MaxKeys: 2}, WindowSeries{Points: updates}, WindowSeries{Points: finals, Final: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(top[0].Keys, []string{"b", "c"}) || !reflect.DeepEqual(top[1].Keys, top[0].Keys) || !strings.Contains(top[1].Title, "the 2 of 3 keys") {
		t.Errorf("MaxKeys 2: keys %v and %v, titles %q, %q", top[0].Keys, top[1].Keys, top[0].Title, top[1].Title)
	}

	if _, err := WindowModels(ChartOptions{}, WindowSeries{}, WindowSeries{Final: true}); !errors.Is(err, ErrNoPoints) {
		t.Errorf("no points in any series: %v, want ErrNoPoints", err)
	}
	if m, err := WindowModels(ChartOptions{}, WindowSeries{Points: updates}, WindowSeries{Final: true}); err != nil || len(m[1].Windows) != 0 || len(m[1].Keys) != 3 {
		t.Errorf("no final result yet: %v; want an empty chart with the three keys", err)
	}
}

// partialStarts lists the starts (minutes after t0) of the windows of key
// whose BeforeData, or Open, is set.
func partialStarts(ws []Window, key string, open bool) []int {
	var out []int
	for _, w := range ws {
		if w.Key == key && ((open && w.Open) || (!open && w.BeforeData)) {
			out = append(out, int(w.Start.Sub(t0)/time.Minute))
		}
	}
	return out
}

func TestWindowsPartial(t *testing.T) {
	updates, finals := updatesAndFinals()
	// a key that starts later: its first window is not the data's first.
	updates = append(updates, minute("d", 1, 1), minute("d", 2, 1))
	ws := windows(updates, false)
	for _, c := range []struct {
		key        string
		open       bool
		want       []int
		whatWanted string
	}{
		{"b", false, []int{0}, "the records begin inside minute 0"},
		{"b", true, []int{3}, "minute 3 may still be open"},
		{"d", false, nil, "d's first minute started after the first record"},
		{"d", true, nil, "d has no window in the last minute"},
		{"a", true, []int{3}, "a's only window is the last"},
	} {
		if got := partialStarts(ws, c.key, c.open); !reflect.DeepEqual(got, c.want) {
			t.Errorf("key %s, open %v: partial minutes %v, want %v (%s)", c.key, c.open, got, c.want, c.whatWanted)
		}
	}
	fws := windows(finals, true)
	if got := partialStarts(fws, "c", false); !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("finals: minutes begun before the data %v, want [0]", got)
	}
	for _, w := range fws {
		if w.Open {
			t.Errorf("final result %v marked open", w)
		}
	}

	// Hopping windows of 5 minutes every minute, starts 0 to 9: the first
	// record lies in [4, 5), so the windows starting at 0 to 4 may miss
	// earlier ones; the last lies in [9, 10), so those ending after 9 (the
	// starts 5 to 9) may still be open.
	var hop []Point
	for i := range 10 {
		p := minute("k", i, 1)
		p.End = p.Start.Add(5 * time.Minute)
		hop = append(hop, p)
	}
	hws := windows(hop, false)
	if got := partialStarts(hws, "k", false); !reflect.DeepEqual(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("hopping: begun before the data %v, want 0 to 4", got)
	}
	if got := partialStarts(hws, "k", true); !reflect.DeepEqual(got, []int{5, 6, 7, 8, 9}) {
		t.Errorf("hopping: open %v, want 5 to 9", got)
	}

	// No window ends in the records: the first and last starts only.
	var noEnd []Point
	for i := range 3 {
		noEnd = append(noEnd, Point{Key: "k", Start: t0.Add(time.Duration(i) * time.Minute), Value: 1})
	}
	nws := windows(noEnd, false)
	if got := partialStarts(nws, "k", false); !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("no ends: begun before the data %v, want [0]", got)
	}
	if got := partialStarts(nws, "k", true); !reflect.DeepEqual(got, []int{2}) {
		t.Errorf("no ends: open %v, want [2]", got)
	}
	if nws[1].Partial() || !nws[0].Partial() || !nws[2].Partial() {
		t.Errorf("Partial: %v", nws)
	}

	// Sessions start at a record: one that starts while the first is on
	// has all its records.
	sessions := []Point{
		{Key: "u1", Start: t0, End: t0.Add(10 * time.Minute), Value: 9},
		{Key: "u2", Start: t0.Add(2 * time.Minute), End: t0.Add(3 * time.Minute), Value: 2},
		{Key: "u3", Start: t0.Add(4 * time.Minute), End: t0.Add(4*time.Minute + 30*time.Second), Value: 1},
	}
	sws := windows(sessions, true)
	if !sws[0].BeforeData || sws[1].BeforeData || sws[2].BeforeData {
		t.Errorf("sessions: begun before the data %v, want u1's only", sws)
	}
}

func TestOnePerWindow(t *testing.T) {
	updates, finals := updatesAndFinals()
	if OnePerWindow(updates) {
		t.Error("updates (two per window) taken for final results")
	}
	if !OnePerWindow(finals) {
		t.Error("final results (one per window) taken for updates")
	}
}

func TestValueLabel(t *testing.T) {
	for _, c := range []struct{ value, units, want string }{
		{"sum", "units", "units (sum per window)"},
		{"count", "orders", "orders (count per window)"},
		{"count", "", "records (count per window)"},
		{"COUNT", "", "records (COUNT per window)"},
		{"sum", "", "sum per window"},
		{"units", "", "units per window"},
		{"units", "UNITS", "UNITS per window"},
		{"views", "pageviews", "pageviews (views per window)"},
		{"", "", "sum per window"},
		{" sum ", " units ", "units (sum per window)"},
	} {
		if got := ValueLabel(c.value, c.units); got != c.want {
			t.Errorf("ValueLabel(%q, %q) = %q, want %q", c.value, c.units, got, c.want)
		}
	}
}

func TestWindowModelPlot(t *testing.T) {
	updates, finals := updatesAndFinals()
	models, err := WindowModels(ChartOptions{Title: "units", YLabel: ValueLabel("sum", "units")}, WindowSeries{Name: "updates", Points: updates}, WindowSeries{Name: "final results", Points: finals, Final: true})
	if err != nil {
		t.Fatal(err)
	}
	up, err := models[0].Plot()
	if err != nil {
		t.Fatal(err)
	}
	fin, err := models[1].Plot()
	if err != nil {
		t.Fatal(err)
	}
	if up.Y.Label.Text != "units (sum per window)" || fin.Y.Label.Text != up.Y.Label.Text {
		t.Errorf("y labels %q and %q", up.Y.Label.Text, fin.Y.Label.Text)
	}
	if models[0].PartialCount() != 5 || models[1].PartialCount() != 2 {
		t.Errorf("partial windows: %d updated, %d final; want 5 (minute 0 of b and c, minute 3 of a, b and c) and 2 (minute 0)",
			models[0].PartialCount(), models[1].PartialCount())
	}

	var svg bytes.Buffer
	if err := WriteSVGRows(&svg, []*plot.Plot{up, fin}, Pixels(900), Pixels(700)); err != nil {
		t.Fatal(err)
	}
	text := svg.String()
	if !strings.Contains(text, "<svg") {
		t.Fatalf("not an SVG: %.80s", text)
	}
	// The legend lists the keys in order, in both charts, and partial
	// windows.
	for _, s := range []string{"units: updates", "units: final results", PartialLegend, PartialBeforeLegend, "units (sum per window)"} {
		if !strings.Contains(text, s) {
			t.Errorf("the SVG does not say %q", s)
		}
	}
	half := strings.Index(text, "units: final results")
	for _, part := range []string{text[:half], text[half:]} {
		ia, ib, ic := strings.Index(part, ">a<"), strings.Index(part, ">b<"), strings.Index(part, ">c<")
		if ia < 0 || !(ia < ib && ib < ic) {
			t.Errorf("legend entries a, b, c at %d, %d, %d; want all, in this order", ia, ib, ic)
		}
	}

	var buf bytes.Buffer
	if err := WritePNGRows(&buf, []*plot.Plot{up, fin}, Pixels(640), Pixels(720)); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 720 {
		t.Errorf("%dx%d pixels, want 640x720", b.Dx(), b.Dy())
	}
	if err := WritePNGRows(&bytes.Buffer{}, nil, Pixels(300), Pixels(300)); err == nil {
		t.Error("WritePNGRows of no plot: want an error")
	}
	if err := WritePNGRows(&bytes.Buffer{}, []*plot.Plot{up, nil}, Pixels(300), Pixels(300)); err == nil {
		t.Error("WritePNGRows with a nil plot: want an error")
	}
}
