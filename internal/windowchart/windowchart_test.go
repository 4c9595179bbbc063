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
