package charts

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestParsePoint(t *testing.T) {
	cases := []struct {
		name  string
		value string
		key   []byte
		f     Fields
		want  Point
		skip  bool
		err   string
	}{
		{name: "a Go result", value: `{"key":"State_1","window_start":1772445600000,"window_end":1772445660000,"count":3,"sum":12.5}`,
			want: Point{Key: "State_1", Start: t0, Value: 12.5}},
		{name: "count instead of sum", value: `{"key":"State_1","window_start":1772445600000,"count":3,"sum":12.5}`, f: Fields{Value: "count"},
			want: Point{Key: "State_1", Start: t0, Value: 3}},
		{name: "a ksqlDB row: columns in capitals, the key in the record key", value: `{"WINDOW_START":1772445660000,"WINDOW_END":1772445720000,"ORDERS":2,"UNITS":9}`,
			key: append([]byte("State_2"), 0, 0, 1, 0x9c), f: Fields{Value: "units"}, want: Point{Key: "State_2", Start: t0.Add(time.Minute), Value: 9}},
		{name: "a consumed record", value: `{"topic":"UNITS_PER_MINUTE","partition":0,"offset":4,"timestamp":1,"key":"State_3\u0000\u0000\u0001","value":{"WINDOW_START":1772445600000,"UNITS":1.5}}`,
			f: Fields{Value: "UNITS"}, want: Point{Key: "State_3", Start: t0, Value: 1.5}},
		{name: "RFC 3339 start", value: `{"key":"k","start":"2026-03-02T10:00:00Z","v":-2}`, f: Fields{Start: "start", Value: "v"},
			want: Point{Key: "k", Start: t0, Value: -2}},
		{name: "a tombstone", value: `null`, skip: true},
		{name: "a consumed tombstone", value: `{"topic":"S","partition":0,"offset":4,"timestamp":1,"key":"u1","value":null}`, skip: true},
		{name: "no start", value: `{"key":"k","sum":1}`, err: "no field window_start (the window start) among key, sum"},
		{name: "no value", value: `{"key":"k","window_start":1}`, err: "no field sum (the value to draw) among key, window_start"},
		{name: "a value that is not a number", value: `{"key":"k","window_start":1,"sum":"lots"}`, err: `field sum is "lots", not a number`},
		{name: "not JSON", value: `State_1 12`, err: "not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, ok, err := ParsePoint([]byte(c.value), c.key, c.f)
			switch {
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParsePoint(%s) = %v, %v; want an error containing %q", c.value, p, err, c.err)
				}
			case err != nil:
				t.Fatalf("ParsePoint(%s): %v", c.value, err)
			case c.skip:
				if ok {
					t.Fatalf("ParsePoint(%s) = %v, true; want nothing to draw", c.value, p)
				}
			case !ok || p.Key != c.want.Key || !p.Start.Equal(c.want.Start) || p.Value != c.want.Value:
				t.Fatalf("ParsePoint(%s) = %+v, %v; want %+v", c.value, p, ok, c.want)
			}
		})
	}
}

func TestParsePointEnd(t *testing.T) {
	for _, c := range []struct {
		name, value string
		f           Fields
		want        time.Time
	}{
		{"window_end", `{"key":"k","window_start":1772445600000,"window_end":1772445660000,"sum":1}`, Fields{}, t0.Add(time.Minute)},
		{"ksqlDB's WINDOW_END", `{"WINDOW_START":1772445600000,"WINDOW_END":1772445660000,"UNITS":1}`, Fields{Start: "WINDOW_START", Value: "units"}, t0.Add(time.Minute)},
		{"session_end after session_start", `{"session_start":1772445600000,"session_end":"2026-03-02T10:02:00Z","views":3}`, Fields{Start: "session_start", Value: "views"}, t0.Add(2 * time.Minute)},
		{"named", `{"window_start":1772445600000,"until":1772445720000,"sum":1}`, Fields{End: "until"}, t0.Add(2 * time.Minute)},
		{"none", `{"window_start":1772445600000,"sum":1}`, Fields{}, time.Time{}},
		{"not a time", `{"window_start":1772445600000,"window_end":"soon","sum":1}`, Fields{}, time.Time{}},
		{"not after the start", `{"window_start":1772445600000,"window_end":1772445600000,"sum":1}`, Fields{}, time.Time{}},
	} {
		p, ok, err := ParsePoint([]byte(c.value), []byte("k"), c.f)
		if err != nil || !ok {
			t.Fatalf("%s: ParsePoint(%s): %v, %v", c.name, c.value, ok, err)
		}
		if !p.End.Equal(c.want) {
			t.Errorf("%s: end %v, want %v", c.name, p.End, c.want)
		}
	}
}

func TestReadJSONLinesAndLatest(t *testing.T) {
	in := `{"key":"b","window_start":1772445600000,"sum":1}

{"key":"a","window_start":1772445660000,"sum":2}
{"key":"a","window_start":1772445600000,"sum":3}
{"key":"a","window_start":1772445660000,"sum":4}
`
	pts, err := ReadJSONLines(strings.NewReader(in), Fields{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 4 {
		t.Fatalf("read %d points, want 4", len(pts))
	}
	got := Latest(pts)
	want := []Point{{Key: "a", Start: t0, Value: 3}, {Key: "a", Start: t0.Add(time.Minute), Value: 4}, {Key: "b", Start: t0, Value: 1}}
	if len(got) != len(want) {
		t.Fatalf("Latest = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Key != want[i].Key || !got[i].Start.Equal(want[i].Start) || got[i].Value != want[i].Value {
			t.Fatalf("Latest = %v, want %v", got, want)
		}
	}

	_, err = ReadJSONLines(strings.NewReader(in+`{"key":"a"}`+"\n"), Fields{})
	if err == nil || !strings.Contains(err.Error(), "line 6:") {
		t.Fatalf("a bad sixth line gave %v; want an error naming line 6", err)
	}
}

func TestWindowChartPNG(t *testing.T) {
	var pts []Point
	for i := range 30 {
		for k, key := range []string{"State_1", "State_2", "State_3"} {
			pts = append(pts, Point{Key: key, Start: t0.Add(time.Duration(i) * time.Minute), Value: float64((i*7+k*5)%13) + float64(k)})
		}
	}
	p, err := WindowChart(pts, ChartOptions{Title: "units per state per minute", YLabel: "units"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePNG(&buf, p, Pixels(900), Pixels(500)); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 500 {
		t.Fatalf("the chart is %dx%d pixels, want 900x500", b.Dx(), b.Dy())
	}
	// CHARTS_DIR=DIR keeps the chart, to look at it.
	if dir := os.Getenv("CHARTS_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "windows.png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	one, err := WindowChart(pts[:1], ChartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := WritePNG(&bytes.Buffer{}, one, Pixels(300), Pixels(200)); err != nil {
		t.Fatalf("a chart of one point: %v", err)
	}
}

func TestWindowChartKeys(t *testing.T) {
	var pts []Point
	for k := range 20 {
		for i := range 5 {
			pts = append(pts, Point{Key: fmt.Sprintf("State_%02d", k), Start: t0.Add(time.Duration(i) * time.Minute), Value: float64(k)})
		}
	}
	p, err := WindowChart(pts, ChartOptions{Title: "units"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "units (the 8 of 20 keys with the largest totals)"; p.Title.Text != want {
		t.Errorf("title %q, want %q", p.Title.Text, want)
	}
	if kept, _ := topKeys(windows(pts, false), 3); !kept["State_19"] || !kept["State_17"] || kept["State_16"] {
		t.Errorf("the top 3 keys are %v; want State_17 to State_19", kept)
	}
	if p, _ := WindowChart(pts, ChartOptions{Title: "units", MaxKeys: -1}); p.Title.Text != "units" {
		t.Errorf("MaxKeys -1: title %q, want all keys and no note", p.Title.Text)
	}
	if _, err := WindowChart(pts, ChartOptions{Keys: []string{"State_99"}}); !errors.Is(err, ErrNoPoints) {
		t.Errorf("Keys naming no key of the points: %v, want ErrNoPoints", err)
	}
	if p, err := WindowChart(pts, ChartOptions{Title: "two", Keys: []string{"State_01", "State_02"}}); err != nil || p.Title.Text != "two" {
		t.Errorf("Keys State_01, State_02: %v, %v", p, err)
	}
}

func TestWindowChartErrors(t *testing.T) {
	if _, err := WindowChart(nil, ChartOptions{}); !errors.Is(err, ErrNoPoints) {
		t.Fatalf("WindowChart(nil) = %v, want ErrNoPoints", err)
	}
	p, _ := WindowChart([]Point{{Key: "k", Start: t0, Value: 1}}, ChartOptions{})
	for _, size := range [][2]int{{0, 300}, {300, -1}, {300, 10001}} {
		if err := WritePNG(&bytes.Buffer{}, p, Pixels(size[0]), Pixels(size[1])); err == nil {
			t.Fatalf("WritePNG of %dx%d pixels: want an error", size[0], size[1])
		}
	}
	if err := WritePNG(&bytes.Buffer{}, nil, Pixels(300), Pixels(300)); err == nil {
		t.Fatal("WritePNG(nil): want an error")
	}
}
