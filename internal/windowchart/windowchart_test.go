package windowchart

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

func points() []charts.Point {
	t0 := time.UnixMilli(1772445600000).UTC()
	t1 := t0.Add(time.Minute)
	return []charts.Point{
		{Key: "a", Start: t0, Value: 1},
		{Key: "b", Start: t0, Value: 1.5},
		{Key: "a", Start: t0, Value: 5}, // an update of a's first window
		{Key: "a", Start: t1, Value: 4},
		{Key: "c", Start: t1, Value: 0.5},
	}
}

func TestRenderSummary(t *testing.T) {
	fields := charts.Fields{Value: "sum"}
	for _, tc := range []struct {
		name          string
		keys          []string
		maxKeys       int
		windows, nkey int
		capped        bool
	}{
		{"every key", nil, 0, 4, 3, false},
		{"picked keys", []string{"b", "c"}, 0, 2, 2, false},
		{"capped", nil, 2, 4, 3, true},
		{"cap above the keys", nil, 3, 4, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, sum, err := Render(points(), Options{Fields: fields, Keys: tc.keys, MaxKeys: tc.maxKeys, Width: 320, Height: 200})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Windows != tc.windows || sum.Keys != tc.nkey || sum.Capped != tc.capped {
				t.Errorf("summary %+v, want %d windows of %d keys, capped %v", sum, tc.windows, tc.nkey, tc.capped)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 200 {
				t.Errorf("%dx%d pixels, want 320x200", b.Dx(), b.Dy())
			}
		})
	}
}

func TestRenderUnknownKeys(t *testing.T) {
	_, _, err := Render(points(), Options{Fields: charts.Fields{Value: "sum"}, Keys: []string{"z"}, Width: 200, Height: 200})
	if !errors.Is(err, ErrNoKeyWindows) {
		t.Errorf("err = %v, want ErrNoKeyWindows", err)
	}
	_, _, err = Render(nil, Options{Fields: charts.Fields{Value: "sum"}, Width: 200, Height: 200})
	if err == nil || errors.Is(err, ErrNoKeyWindows) {
		t.Errorf("no points at all: err = %v, want charts' error", err)
	}
}

// pair is an aggregation's updates (every record) and final results
// (minute 0 only: minute 1 is still open) of keys a and b, b only in
// minute 1.
func pair() (updates, finals []charts.Point) {
	t0 := time.UnixMilli(1772445600000).UTC()
	at := func(key string, i int, v float64) charts.Point {
		start := t0.Add(time.Duration(i) * time.Minute)
		return charts.Point{Key: key, Start: start, End: start.Add(time.Minute), Value: v}
	}
	updates = []charts.Point{at("a", 0, 1), at("a", 0, 3), at("a", 1, 2), at("b", 1, 4), at("b", 1, 6)}
	finals = []charts.Point{at("a", 0, 3)}
	return updates, finals
}

func TestRenderPair(t *testing.T) {
	updates, finals := pair()
	opts := Options{Fields: charts.Fields{Value: "sum"}, Units: "units", Width: 400, Height: 600}
	data, sum, err := RenderPair(updates, finals, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Partial: a's minute 0 (the records begin in it) in both charts, and
	// minute 1 of a and b, still open, in the updates.
	if sum.Windows != 3 || sum.FinalWindows != 1 || sum.Keys != 2 || sum.Partial != 4 {
		t.Errorf("summary %+v, want 3 windows updated, 1 final, 2 keys, 4 partial", sum)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 400 || b.Dy() != 600 {
		t.Errorf("%dx%d pixels, want 400x600", b.Dx(), b.Dy())
	}
	if _, _, err := RenderPair(updates, nil, opts); err != nil {
		t.Errorf("no final result yet: %v", err)
	}
	if _, _, err := RenderPair(updates, finals, Options{Fields: opts.Fields, Keys: []string{"z"}, Width: 200, Height: 200}); !errors.Is(err, ErrNoKeyWindows) {
		t.Errorf("unknown keys: %v, want ErrNoKeyWindows", err)
	}

	models, err := Models(opts, charts.WindowSeries{Points: updates}, charts.WindowSeries{Points: finals, Final: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		if m.YLabel != "units (sum per window)" || len(m.Keys) != 2 || m.Keys[0] != "a" || m.Colors[1] != models[0].Colors[1] {
			t.Errorf("model %q: y %q, keys %v, colours %v", m.Title, m.YLabel, m.Keys, m.Colors)
		}
	}
}

func TestRenderGuessesFinals(t *testing.T) {
	updates, _ := pair()
	_, sum, err := Render(updates, Options{Fields: charts.Fields{Value: "sum"}, Width: 300, Height: 200})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Partial != 3 {
		t.Errorf("updates: %d partial windows, want 3 (a's minute 0; minute 1, still open, of a and b)", sum.Partial)
	}
	// One record per window: final results, of which none is still open.
	_, sum, err = Render(charts.Latest(updates), Options{Fields: charts.Fields{Value: "sum"}, Width: 300, Height: 200})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Partial != 1 {
		t.Errorf("one record per window: %d partial windows, want 1 (a's minute 0)", sum.Partial)
	}
	m, err := Models(Options{Fields: charts.Fields{Value: "count"}}, charts.WindowSeries{Points: updates})
	if err != nil || m[0].YLabel != "records (count per window)" || m[0].Title != "count per window" {
		t.Errorf("count: %v, %+v", err, m)
	}
}

func TestScanTopic(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := kafkautil.EnsureTopics(ctx, b.Addr(), []kafkautil.TopicSpec{{Name: "w", Partitions: 1}}); err != nil {
		t.Fatal(err)
	}
	cfg := kafkautil.NewConfig("windowchart-test")
	cfg.Producer.Return.Successes = true
	producer, err := sarama.NewSyncProducer(kafkautil.SplitBootstrap(b.Addr()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = producer.SendMessages([]*sarama.ProducerMessage{
		{Topic: "w", Value: sarama.StringEncoder(`{"key":"a","window_start":1772445600000,"sum":2}`)},
		{Topic: "w", Value: sarama.StringEncoder(`not json`)},
		{Topic: "w", Key: sarama.StringEncoder("gone")}, // a tombstone
		{Topic: "w", Value: sarama.StringEncoder(`{"key":"b","window_start":1772445600000,"sum":3}`)},
		{Topic: "w", Value: sarama.StringEncoder(`{"key":"b"}`)},
	})
	producer.Close()
	if err != nil {
		t.Fatal(err)
	}
	tp, err := ScanTopic(ctx, b.Addr(), "w", charts.Fields{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tp.Points) != 2 || tp.Points[0].Key != "a" || tp.Points[1].Value != 3 {
		t.Errorf("points %+v, want a's and b's", tp.Points)
	}
	if tp.Skipped != 2 || !strings.HasPrefix(tp.FirstSkipped, "w/0@1: ") {
		t.Errorf("skipped %d, first %q; want 2, the first at w/0@1", tp.Skipped, tp.FirstSkipped)
	}
	if _, err := ScanTopic(ctx, b.Addr(), "nope", charts.Fields{}); !errors.Is(err, stream.ErrUnknownTopic) {
		t.Errorf("a missing topic: %v, want stream.ErrUnknownTopic", err)
	}
}
