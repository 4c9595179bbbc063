package kafkautil

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// consumeAll reads the records of topic that opts selects, up to the
// end each partition it reads had when called (or MaxMessages): it stops
// once the last of them is handled, not after a quiet period.
func consumeAll(t *testing.T, bootstrap, topic string, opts ConsumeOptions) []ConsumerRecord {
	t.Helper()
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	d, err := DescribeTopic(ctx, bootstrap, topic)
	if err != nil {
		t.Fatal(err)
	}
	// The partitions with something to read, and the offset of their last
	// record.
	last := map[int32]int64{}
	for _, p := range d.Partitions {
		if len(opts.Partitions) > 0 && !slices.Contains(opts.Partitions, p.Partition) {
			continue
		}
		if p.Latest > p.Earliest && (opts.From != FromOffset || p.Latest > opts.Offset) {
			last[p.Partition] = p.Latest - 1
		}
	}
	var out []ConsumerRecord
	if len(last) == 0 && opts.MaxMessages == 0 {
		return out
	}
	_, err = Consume(ctx, bootstrap, topic, opts, func(r ConsumerRecord) error {
		out = append(out, r)
		if r.Offset >= last[r.Partition] {
			delete(last, r.Partition)
		}
		if len(last) == 0 && opts.MaxMessages == 0 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil && len(last) > 0 && (opts.MaxMessages == 0 || len(out) < opts.MaxMessages) {
		t.Fatalf("reading %s: the records up to offsets %v did not come within %v; got %d records", topic, last, hangLimit, len(out))
	}
	return out
}

func TestConsumeStartAndStop(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)
	if err := CreateTopic(ctx, bootstrap, "log", CreateTopicOptions{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i := range 10 {
		fmt.Fprintf(&in, "k%d=v%d\n", i, i)
	}
	if _, err := Produce(ctx, bootstrap, "log", strings.NewReader(in.String()), ProduceOptions{KeySeparator: "="}); err != nil {
		t.Fatal(err)
	}

	t.Run("max messages from the beginning", func(t *testing.T) {
		recs := consumeAll(t, bootstrap, "log", ConsumeOptions{MaxMessages: 3})
		if len(recs) != 3 || string(recs[0].Value) != "v0" || recs[2].Offset != 2 {
			t.Fatalf("got %+v", recs)
		}
	})
	t.Run("from an offset", func(t *testing.T) {
		recs := consumeAll(t, bootstrap, "log", ConsumeOptions{From: FromOffset, Offset: 7})
		if len(recs) != 3 || recs[0].Offset != 7 || string(recs[0].Key) != "k7" {
			t.Fatalf("got %+v", recs)
		}
	})
	t.Run("offset out of range", func(t *testing.T) {
		_, err := Consume(ctx, bootstrap, "log", ConsumeOptions{From: FromOffset, Offset: 50}, func(ConsumerRecord) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "offset 50 is out of range for partition 0 of log: it holds offsets 0 to 9") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("timeout ends an idle consumer", func(t *testing.T) {
		// No deadline on Consume itself: only the idle timeout can end it.
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		start := time.Now()
		go func() {
			n, err := Consume(context.Background(), bootstrap, "log", ConsumeOptions{From: FromLatest, Timeout: 300 * time.Millisecond}, func(ConsumerRecord) error { return nil })
			done <- result{n, err}
		}()
		select {
		case r := <-done:
			if r.err != nil || r.n != 0 {
				t.Fatalf("Consume from latest = %d, %v", r.n, r.err)
			}
			// The idle time counts from when the consumer is in position.
			if d := time.Since(start); d < 300*time.Millisecond {
				t.Errorf("returned after %v, before the 300ms idle timeout", d)
			}
		case <-time.After(hangLimit):
			t.Fatalf("a 300ms idle timeout did not end the consumer within %v", hangLimit)
		}
	})
	t.Run("latest sees only new records", func(t *testing.T) {
		got := make(chan []ConsumerRecord)
		go func() {
			var recs []ConsumerRecord
			_, _ = Consume(ctx, bootstrap, "log", ConsumeOptions{From: FromLatest, MaxMessages: 1, Timeout: hangLimit}, func(r ConsumerRecord) error {
				recs = append(recs, r)
				return nil
			})
			got <- recs
		}()
		// Keep producing until the consumer, which starts at the end, sees one.
		for i := 0; ; i++ {
			select {
			case recs := <-got:
				if len(recs) != 1 || recs[0].Offset < 10 {
					t.Fatalf("from latest got %+v", recs)
				}
				return
			case <-time.After(200 * time.Millisecond):
				if _, err := Produce(ctx, bootstrap, "log", strings.NewReader(fmt.Sprintf("new%d=v\n", i)), ProduceOptions{KeySeparator: "="}); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	t.Run("context end is not an error", func(t *testing.T) {
		// The context ends once the consumer is surely in position: when
		// its first record arrives (records are produced until one does).
		cctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		go func() {
			n, err := Consume(cctx, bootstrap, "log", ConsumeOptions{From: FromLatest}, func(ConsumerRecord) error {
				cancel()
				return nil
			})
			done <- result{n, err}
		}()
		limit := time.After(hangLimit)
		for i := 0; ; i++ {
			select {
			case r := <-done:
				if r.err != nil || r.n != 1 {
					t.Fatalf("Consume = %d, %v; want 1, nil", r.n, r.err)
				}
				return
			case <-time.After(200 * time.Millisecond):
				if _, err := Produce(ctx, bootstrap, "log", strings.NewReader(fmt.Sprintf("ctx%d=v\n", i)), ProduceOptions{KeySeparator: "="}); err != nil {
					t.Fatal(err)
				}
			case <-limit:
				t.Fatalf("Consume did not end within %v of its context's end", hangLimit)
			}
		}
	})
	t.Run("handler error stops", func(t *testing.T) {
		stop := errors.New("stop")
		n, err := Consume(ctx, bootstrap, "log", ConsumeOptions{}, func(ConsumerRecord) error { return stop })
		if !errors.Is(err, stop) || n != 0 {
			t.Fatalf("Consume = %d, %v", n, err)
		}
	})
	t.Run("unknown topic", func(t *testing.T) {
		var unknown *UnknownTopicError
		if _, err := Consume(ctx, bootstrap, "lgo", ConsumeOptions{}, nil); !errors.As(err, &unknown) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, opts := range []ConsumeOptions{
			{Group: "g", Partitions: []int32{0}},
			{Group: "g", From: FromOffset},
			{MaxMessages: -1},
			{From: FromOffset, Offset: -4},
		} {
			if _, err := Consume(ctx, bootstrap, "log", opts, nil); err == nil {
				t.Errorf("Consume(%+v) accepted", opts)
			}
		}
	})
}

func TestConsumeGroupCommitsHandledRecords(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)
	if err := CreateTopic(ctx, bootstrap, "jobs", CreateTopicOptions{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i := range 6 {
		fmt.Fprintf(&in, "job%d\n", i)
	}
	if _, err := Produce(ctx, bootstrap, "jobs", strings.NewReader(in.String()), ProduceOptions{}); err != nil {
		t.Fatal(err)
	}
	first := consumeAll(t, bootstrap, "jobs", ConsumeOptions{Group: "workers", MaxMessages: 4})
	second := consumeAll(t, bootstrap, "jobs", ConsumeOptions{Group: "workers"})
	var values []string
	for _, r := range append(first, second...) {
		values = append(values, string(r.Value))
	}
	if want := []string{"job0", "job1", "job2", "job3", "job4", "job5"}; !slices.Equal(values, want) {
		t.Fatalf("two group sessions read %v, want %v: the first commits what it handled, the second goes on from there", values, want)
	}
}
