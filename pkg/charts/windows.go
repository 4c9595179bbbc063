package charts

// The charts of streams: windowed aggregates over time, one line per key,
// from the records a windowed aggregation writes (lab 3's Go aggregators,
// or a ksqlDB table's topic). ParsePoint and ReadJSONLines turn JSON records
// into Points, Latest keeps each window's last update, and WindowChart
// draws them (WindowModels and WindowModel.Plot, in windowmodel.go, when
// an aggregation's updates and final results are drawn together).

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/mlops-lab/mlops-lab/pkg/jsonfield"
)

// Point is one windowed aggregate: the value of a key in the window that
// starts at Start.
type Point struct {
	Key   string
	Start time.Time
	Value float64
	// End is the window's end when the record gives it (zero when not): it
	// only helps to tell which windows the records may cover in part.
	End time.Time
}

// Fields name where a record keeps a Point's parts. Names match JSON fields
// case-insensitively, so "units" finds ksqlDB's UNITS column.
type Fields struct {
	// Key is the field holding the key; when the record has none, the
	// Kafka record's key is used. Default "key".
	Key string
	// Start is the field holding the window start: milliseconds since the
	// Unix epoch (ksqlDB's WINDOWSTART) or an RFC 3339 string. Default
	// "window_start".
	Start string
	// Value is the numeric field to draw. Default "sum".
	Value string
	// End is the field holding the window end, if records have one: the
	// same forms as Start. Default: Start with its "start" made "end"
	// (window_end, session_end, WINDOWEND), else "window_end". A record
	// without it, or with one that is not a time after the start, is drawn
	// all the same.
	End string
}

// Default field names.
const (
	DefaultKeyField   = "key"
	DefaultStartField = "window_start"
	DefaultValueField = "sum"
)

func (f Fields) withDefaults() Fields {
	if f.Key == "" {
		f.Key = DefaultKeyField
	}
	if f.Start == "" {
		f.Start = DefaultStartField
	}
	if f.Value == "" {
		f.Value = DefaultValueField
	}
	if f.End == "" {
		f.End = "window_end"
		if n := len(f.Start); n >= 5 && strings.EqualFold(f.Start[n-5:], "start") {
			f.End = f.Start[:n-5] + "end"
		}
	}
	return f
}

// ErrNoPoints is returned when there is nothing to draw.
var ErrNoPoints = errors.New("plot: no windowed records to draw")

// ParsePoint reads one record's JSON value as a Point. The value is either
// the aggregate itself ({"key":"State_1","window_start":...,"sum":12.5}) or a
// record as `mlops-lab topic consume --format json` prints it, whose "value"
// is the aggregate and whose "key" is the record key. recordKey is the Kafka
// key, when the caller has it, used when the aggregate has no key field.
//
// A windowed key as ksqlDB writes it (the key followed by the window's
// binary start and end) is cut at its first NUL byte: those windows start
// with zero bytes. ok is false for a tombstone (a null value: a deleted
// window, as when sessions merge), which has nothing to draw.
func ParsePoint(value, recordKey []byte, f Fields) (p Point, ok bool, err error) {
	f = f.withDefaults()
	value = bytes.TrimSpace(value)
	if len(value) == 0 || string(value) == "null" {
		return Point{}, false, nil
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return Point{}, false, fmt.Errorf("not a JSON object: %s", clip(value))
	}
	if inner, isEnvelope := envelopeValue(obj); isEnvelope {
		if k, ok := jsonfield.Find(obj, "key"); ok && recordKey == nil {
			var s string
			if json.Unmarshal(k, &s) == nil {
				recordKey = []byte(s)
			}
		}
		return ParsePoint(inner, recordKey, f)
	}

	if raw, ok := jsonfield.Find(obj, f.Key); ok && string(raw) != "null" {
		var s any
		if err := json.Unmarshal(raw, &s); err != nil {
			return Point{}, false, fmt.Errorf("field %s: %w", f.Key, err)
		}
		p.Key = fmt.Sprint(s)
	} else {
		p.Key = windowedKey(recordKey)
	}

	raw, ok := jsonfield.Find(obj, f.Start)
	if !ok {
		return Point{}, false, fmt.Errorf("no field %s (the window start) among %s: name it with --start", f.Start, names(obj))
	}
	if p.Start, err = parseTime(raw); err != nil {
		return Point{}, false, fmt.Errorf("field %s: %w", f.Start, err)
	}

	if raw, ok := jsonfield.Find(obj, f.End); ok {
		if end, err := parseTime(raw); err == nil && end.After(p.Start) {
			p.End = end
		}
	}

	raw, ok = jsonfield.Find(obj, f.Value)
	if !ok {
		return Point{}, false, fmt.Errorf("no field %s (the value to draw) among %s: name it with --value", f.Value, names(obj))
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return Point{}, false, fmt.Errorf("field %s is %s, not a number", f.Value, clip(raw))
	}
	if p.Value, err = n.Float64(); err != nil || math.IsInf(p.Value, 0) || math.IsNaN(p.Value) {
		return Point{}, false, fmt.Errorf("field %s is %s, not a finite number", f.Value, n)
	}
	return p, true, nil
}

// ReadJSONLines reads one JSON record per line (blank lines are skipped)
// and returns their Points, in order. The error names the line.
func ReadJSONLines(r io.Reader, f Fields) ([]Point, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var out []Point
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		p, ok, err := ParsePoint(text, nil, f)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if ok {
			out = append(out, p)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Latest keeps the last Point of each key and window (a changelog's latest
// update is the window's current value), ordered by key, then start.
func Latest(points []Point) []Point {
	type id struct {
		key   string
		start int64
	}
	last := map[id]Point{}
	for _, p := range points {
		last[id{p.Key, p.Start.UnixMilli()}] = p
	}
	out := make([]Point, 0, len(last))
	for _, p := range last {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Start.Before(out[j].Start)
	})
	return out
}

// ChartOptions label a window chart.
type ChartOptions struct {
	// Title is the chart's title; "windowed aggregates" when empty.
	Title string
	// YLabel names the value and its units (see ValueLabel); "value" when
	// empty.
	YLabel string
	// TimeFormat formats the window starts on the x axis; "15:04" (UTC)
	// when empty.
	TimeFormat string
	// Keys, when set, are the only keys drawn.
	Keys []string
	// MaxKeys is the most lines drawn (DefaultMaxKeys when 0, all when
	// negative): a chart of 80 lines shows nothing. The keys with the
	// largest total over their windows are kept, and the title says so.
	MaxKeys int
	// Final says the points are final results, so that no window is still
	// open (see WindowSeries).
	Final bool
}

// DefaultMaxKeys is how many keys a chart shows unless told otherwise.
const DefaultMaxKeys = 8

// WindowChart draws the latest value of each window (see Latest) over time:
// one line with points per key, x the window start (UTC), y the value.
// Windows the records may cover in part are marked (see WindowModel.Plot).
func WindowChart(points []Point, opts ChartOptions) (*plot.Plot, error) {
	models, err := WindowModels(opts, WindowSeries{Points: points, Final: opts.Final})
	if err != nil {
		return nil, err
	}
	return models[0].Plot()
}

// timeTicks puts the x axis's ticks on round times (every 10 seconds, 5
// minutes, 1 hour, ...), about 4 to 10 of them.
type timeTicks struct{ format string }

var tickSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400}

// Ticks implements plot.Ticker (values are seconds since the Unix epoch).
func (tt timeTicks) Ticks(lo, hi float64) []plot.Tick {
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if (hi-lo)/s <= 8 {
			step = s
			break
		}
	}
	format := tt.format
	if step < 60 && format == "15:04" {
		format = "15:04:05"
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: time.Unix(int64(v), 0).UTC().Format(format)})
	}
	return ticks
}

// envelopeValue recognises a consumed record ({"topic", "offset", "value",
// ...}) and returns its value.
func envelopeValue(obj map[string]json.RawMessage) (json.RawMessage, bool) {
	_, hasTopic := obj["topic"]
	_, hasOffset := obj["offset"]
	v, hasValue := obj["value"]
	if !hasTopic || !hasOffset || !hasValue {
		return nil, false
	}
	return v, true
}

func names(obj map[string]json.RawMessage) string {
	var ns []string
	for k := range obj {
		ns = append(ns, k)
	}
	sort.Strings(ns)
	if len(ns) == 0 {
		return "no fields"
	}
	return strings.Join(ns, ", ")
}

// windowedKey cuts a ksqlDB windowed key at its first NUL byte.
func windowedKey(key []byte) string {
	if i := bytes.IndexByte(key, 0); i >= 0 {
		key = key[:i]
	}
	return string(key)
}

func parseTime(raw json.RawMessage) (time.Time, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		ms, err := n.Int64()
		if err != nil {
			f, ferr := n.Float64()
			if ferr != nil {
				return time.Time{}, fmt.Errorf("%s is not a time in milliseconds", n)
			}
			ms = int64(f)
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, fmt.Errorf("%s is neither milliseconds since the epoch nor an RFC 3339 time", clip(raw))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither milliseconds since the epoch nor an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
