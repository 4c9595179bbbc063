//go:build grading

package lab03

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestRunWindows(t *testing.T) {
	t.Run("OrderRecord: the state, the units and the record's timestamp", func(t *testing.T) {
		good := stream.Record{Topic: "orders", Key: []byte("7"), Timestamp: grAt("10:04:59.999"),
			Value: []byte(`{"ordertime":1772445899999,"orderid":7,"itemid":"Item_7","orderunits":4.25,"address":{"city":"City_1","state":"State_3","zipcode":10007}}`)}
		var got Record
		var err error
		if labtest.Guard(t, "OrderRecord", func() { got, err = OrderRecord(good) }) {
			want := Record{Key: "State_3", Value: 4.25, Time: grAt("10:04:59.999")}
			switch {
			case err != nil:
				t.Errorf("OrderRecord(%s) returned the error %v; want %s", good.Value, err, grFmtRecord(want))
			case got.Key != want.Key || got.Value != want.Value || !got.Time.Equal(want.Time):
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("OrderRecord of the order %s at %s", good.Value, grClock(good.Timestamp)), grFmtRecord(want), grFmtRecord(got),
					"key: address.state; value: orderunits; time: in.Timestamp, the record's event time"))
			}
		}
		noTime := good
		noTime.Value = []byte(`{"orderid":8,"orderunits":1.5,"address":{"state":"State_1"}}`)
		noTime.Timestamp = grAt("10:30:00")
		if labtest.Guard(t, "OrderRecord", func() { got, err = OrderRecord(noTime) }) && err == nil && !got.Time.Equal(noTime.Timestamp) {
			t.Errorf("OrderRecord of %s with record timestamp 10:30:00 gave the time %s, want 10:30:00: the event time is the Kafka record's timestamp (what ksqlDB windows by), not a field of the value and never time.Now()",
				noTime.Value, grClock(got.Time))
		}
		for _, bad := range []string{`{"orderid":9,"orderunits":2,"address":{"city":"City_2"}}`, `not an order`} {
			in := good
			in.Value = []byte(bad)
			if labtest.Guard(t, "OrderRecord", func() { got, err = OrderRecord(in) }) && err == nil {
				t.Errorf("OrderRecord(%s) returned %s and no error: a value that is not an order, or an order without address.state, is an error (the processor skips and reports it)", bad, grFmtRecord(got))
			}
		}
	})

	bootstrap := labtest.Bootstrap(t)
	orders, updates, finals := labtest.Topic(t, "orders"), labtest.Topic(t, "updates"), labtest.Topic(t, "finals")
	for _, topic := range []string{orders, updates, finals} {
		labtest.CreateTopic(t, bootstrap, topic, 1)
	}
	type input struct {
		id    int
		ts    string
		units float64
		state string
		raw   string
	}
	inputs := []input{
		{id: 1, ts: "10:00:10", units: 1.5, state: "State_1"},
		{id: 2, ts: "10:00:40", units: 2, state: "State_2"},
		{id: 3, ts: "10:01:05", units: 0.5, state: "State_1"},
		{id: 4, ts: "10:00:55", units: 4, state: "State_2"},
		{id: 5, raw: `{"orderid":5,"orderunits":`},
		{id: 6, ts: "10:02:00", units: 3, state: "State_3"},
		{id: 7, ts: "10:02:30", units: 1, state: ""},
		{id: 8, ts: "10:01:59.999", units: 2.5, state: "State_1"},
		{id: 9, ts: "10:03:00", units: 6, state: "State_2"},
	}
	var msgs []*sarama.ProducerMessage
	var good []Record
	for _, in := range inputs {
		ts := grT0.Add(time.Duration(in.id) * time.Second)
		value := in.raw
		if in.raw == "" {
			ts = grAt(in.ts)
			v, _ := json.Marshal(Order{OrderTime: ts.UnixMilli(), OrderID: in.id, ItemID: fmt.Sprintf("Item_%d", in.id), OrderUnits: in.units,
				Address: Address{City: "City_1", State: in.state, Zipcode: 10000 + int64(in.id)}})
			value = string(v)
			if in.state != "" {
				good = append(good, Record{Key: in.state, Value: in.units, Time: ts})
			}
		}
		msgs = append(msgs, &sarama.ProducerMessage{Topic: orders, Partition: 0, Key: sarama.StringEncoder(fmt.Sprint(in.id)), Value: sarama.StringEncoder(value), Timestamp: ts})
	}
	labtest.Produce(t, bootstrap, msgs...)

	// The aggregator is the test's own: this exercise is about the wiring,
	// whatever your aggregators do.
	agg := &grScriptedAggregator{}
	var wantUpdates, wantFinals []Result
	for i, r := range good {
		e := grScripted(i, r)
		wantUpdates = append(wantUpdates, e.Updates...)
		wantFinals = append(wantFinals, e.Finals...)
	}
	var (
		mu      sync.Mutex
		skipped []stream.Skipped
	)
	s := Settings{Bootstrap: bootstrap, Group: labtest.Group(t, "windows"), Orders: orders, Updates: updates, Finals: finals, Aggregator: agg,
		OnSkip: func(sk stream.Skipped) { mu.Lock(); skipped = append(skipped, sk); mu.Unlock() }}
	run := grRunWindows(t, s, len(good), len(wantUpdates)+len(wantFinals))
	gotUpdates := grReadResults(t, bootstrap, updates)
	gotFinals := grReadResults(t, bootstrap, finals)

	t.Run("every update goes to the updates topic, keyed by its key", func(t *testing.T) {
		run.require(t)
		grCheckRecordsSeen(t, good, agg.seen())
		grCheckWritten(t, "updates", updates, wantUpdates, gotUpdates, "write every Result of Emitted.Updates to s.Updates: stream.Record{Topic: s.Updates, Key: []byte(u.Key), Value: EncodeResult(u)}")
	})

	t.Run("every final goes to the finals topic", func(t *testing.T) {
		run.require(t)
		grCheckWritten(t, "finals", finals, wantFinals, gotFinals, "write every Result of Emitted.Finals to s.Finals, the same way as the updates")
	})

	t.Run("bad records are skipped and reported", func(t *testing.T) {
		run.require(t)
		mu.Lock()
		defer mu.Unlock()
		want := map[int64]string{4: "the value is not an order", 6: "order 7 has no address.state"}
		for _, sk := range skipped {
			if _, ok := want[sk.Offset]; !ok {
				t.Errorf("the record at offset %d (key %s) was reported as skipped (%v): only records OrderRecord cannot read are", sk.Offset, sk.Key, sk.Err)
			}
			delete(want, sk.Offset)
		}
		for off, what := range want {
			t.Errorf("the record at offset %d (%s) was not reported as skipped: return OrderRecord's error from the transform, and pass s.OnSkip to the processor as Config.OnSkip", off, what)
		}
		if n := len(agg.seen()); n != len(good) {
			t.Errorf("the aggregator received %d records; %d orders had a state: a record OrderRecord refuses must not reach the aggregator", n, len(good))
		}
	})
}

// scriptedAggregator emits made-up results that say which record they came
// from, so the test can tell whether each went where it belongs.
type grScriptedAggregator struct {
	mu  sync.Mutex
	got []Record
}

func (a *grScriptedAggregator) Add(r Record) Emitted {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := grScripted(len(a.got), r)
	a.got = append(a.got, r)
	return e
}

func (a *grScriptedAggregator) seen() []Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.got)
}

// scripted is what the scripted aggregator emits for its i-th record: an
// update (two for every second record) and, for every third, a final.
func grScripted(i int, r Record) Emitted {
	minute := time.UnixMilli(r.Time.UnixMilli() - r.Time.UnixMilli()%60_000).UTC()
	e := Emitted{Updates: []Result{{Key: r.Key, Window: Window{Start: minute, End: minute.Add(time.Minute)}, Count: i + 1, Sum: r.Value}}}
	if i%2 == 1 {
		e.Updates = append(e.Updates, Result{Key: r.Key, Window: Window{Start: minute.Add(time.Minute), End: minute.Add(2 * time.Minute)}, Count: 100 + i, Sum: 2 * r.Value})
	}
	if i%3 == 2 {
		e.Finals = []Result{{Key: r.Key, Window: Window{Start: minute.Add(-10 * time.Minute), End: minute.Add(-9 * time.Minute)}, Count: 1000 + i, Sum: 3 * r.Value}}
	}
	return e
}

type grWindowsRun struct {
	err              error
	early, returned  bool
	processed, wants int
}

// How long RunWindows may take to get through the test's records (it joins
// a consumer group first: seconds on a loaded machine), and to return once
// stopped. Only a RunWindows that never gets there waits this long.
const (
	grProcessWait = 45 * time.Second
	grStopWait    = 30 * time.Second
)

// runWindows runs RunWindows until the aggregator has seen every good
// record and the outputs are written (or grProcessWait passes), then stops
// it.
func grRunWindows(t *testing.T, s Settings, records, outputs int) *grWindowsRun {
	t.Helper()
	run := &grWindowsRun{wants: records}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("RunWindows panicked: %v", r)
			}
		}()
		done <- RunWindows(ctx, s)
	}()
	agg := s.Aggregator.(*grScriptedAggregator)
	deadline := time.Now().Add(labtest.Budget(t, grProcessWait))
wait:
	for time.Now().Before(deadline) {
		if len(agg.seen()) >= records && grSumOffsets(labtest.EndOffsets(t, s.Bootstrap, s.Updates))+grSumOffsets(labtest.EndOffsets(t, s.Bootstrap, s.Finals)) >= int64(outputs) {
			break
		}
		select {
		case run.err = <-done:
			run.early, run.returned = true, true
			break wait
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !run.returned {
		// A chance to catch a RunWindows that returns by itself once
		// the records are through; a correct one keeps running.
		select {
		case run.err = <-done:
			run.early, run.returned = true, true
		case <-time.After(300 * time.Millisecond):
		}
	}
	cancel()
	if !run.returned {
		select {
		case run.err = <-done:
			run.returned = true
		case <-time.After(labtest.Budget(t, grStopWait)):
		}
	}
	run.processed = len(agg.seen())
	return run
}

func (r *grWindowsRun) require(t *testing.T) {
	t.Helper()
	switch {
	case r.early && r.err != nil:
		t.Fatalf("RunWindows returned before its context ended: %v", r.err)
	case r.early:
		t.Fatalf("RunWindows returned nil before its context ended: it must run until ctx is done (stream.Run does)")
	case !r.returned:
		t.Fatalf("RunWindows did not return within %v of its context ending: return when ctx is done", grStopWait)
	case r.err != nil:
		t.Errorf("RunWindows returned %v when its context ended; a requested stop is not an error: return nil", r.err)
	case r.processed == 0:
		t.Fatalf("the aggregator in s.Aggregator received no record: for each order, call s.Aggregator.Add(OrderRecord(in))")
	}
}

// checkRecordsSeen checks what the aggregator received, in order.
func grCheckRecordsSeen(t *testing.T, want, got []Record) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		w, g := want[i], got[i]
		if g.Key != w.Key || g.Value != w.Value || !g.Time.Equal(w.Time) {
			hint := "pass OrderRecord(in) to s.Aggregator.Add, once per order, in the order they come"
			if g.Key == w.Key && g.Value == w.Value {
				hint = "the time must be the record's timestamp (in.Timestamp): event time, not the time it was processed"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("record %d the aggregator received", i+1), grFmtRecord(w), grFmtRecord(g), hint))
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("the aggregator received %d records; %d orders with a state were written: call Add once for each", len(got), len(want))
	}
}

// readResults reads a topic of EncodeResult values.
func grReadResults(t *testing.T, bootstrap, topic string) []stream.Record {
	t.Helper()
	return labtest.ReadStream(t, bootstrap, topic)
}

// checkWritten compares the records of an output topic with the results
// the aggregator emitted, in order.
func grCheckWritten(t *testing.T, what, topic string, want []Result, got []stream.Record, howTo string) {
	t.Helper()
	if len(got) == 0 {
		t.Errorf("the %s topic is empty; the aggregator emitted %d %s.\n  %s", what, len(want), what, howTo)
		return
	}
	for i := range min(len(want), len(got)) {
		w, g := want[i], got[i]
		r, err := DecodeResult(g.Value)
		switch {
		case err != nil:
			t.Errorf("record %d of the %s topic is not EncodeResult's JSON (%v): %s\n  %s", i+1, what, err, g.Value, howTo)
			return
		case string(g.Key) != w.Key:
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the key of record %d of the %s topic", i+1, what), fmt.Sprintf("%q (the result's key)", w.Key), fmt.Sprintf("%q", g.Key), "key each output by the result's key: []byte(u.Key)"))
			return
		case !grSameResults([]Result{r}, []Result{w}, true):
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("record %d of the %s topic", i+1, what), grFmtResults([]Result{w}, false), grFmtResults([]Result{r}, false),
				"write the results in the order Add returns them, each once"))
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("the %s topic holds %d records; the aggregator emitted %d %s: write each once (%s)", what, len(got), len(want), what, howTo)
	}
}

func grSumOffsets(offsets map[int32]int64) int64 {
	var n int64
	for _, o := range offsets {
		n += o
	}
	return n
}
