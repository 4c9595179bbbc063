//go:build solution

package lab03

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Throughput of the windowed aggregators, in records per second: 100 keys,
// a record every 10 ms of event time, one in twenty out of order by up to a
// minute. Run from the repository's root with
//
//	go test -tags solution -overlay solutions/overlay.json -run '^$' -bench . ./labs/lab03-windows/

// benchRecords returns n records of 100 keys.
func benchRecords(n int) []Record {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = fmt.Sprintf("State_%d", i)
	}
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	out := make([]Record, n)
	for i := range out {
		ts := start.Add(time.Duration(i) * 10 * time.Millisecond)
		if rng.IntN(20) == 0 {
			ts = ts.Add(-time.Duration(rng.IntN(60_000)) * time.Millisecond)
		}
		out[i] = Record{Key: keys[rng.IntN(len(keys))], Value: rng.Float64() * 10, Time: ts}
	}
	return out
}

func benchAggregate(b *testing.B, newAgg func() Aggregator) {
	records := benchRecords(1 << 16)
	agg := newAgg()
	b.ReportAllocs()
	b.ResetTimer()
	updates := 0
	for i := 0; i < b.N; i++ {
		r := records[i%len(records)]
		if i > 0 && i%len(records) == 0 {
			agg = newAgg() // event time starts again: start afresh
		}
		updates += len(agg.Add(r).Updates)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(updates)/float64(b.N), "updates/record")
}

func BenchmarkTumbling(b *testing.B) {
	benchAggregate(b, func() Aggregator { return NewTimeAggregator(Tumbling{Size: time.Minute}, 30*time.Second) })
}

func BenchmarkHopping(b *testing.B) {
	benchAggregate(b, func() Aggregator {
		return NewTimeAggregator(Hopping{Size: 5 * time.Minute, Advance: time.Minute}, 30*time.Second)
	})
}

func BenchmarkSession(b *testing.B) {
	benchAggregate(b, func() Aggregator { return NewSessionAggregator(2*time.Second, 30*time.Second) })
}
