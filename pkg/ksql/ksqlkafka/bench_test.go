package ksqlkafka_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
)

// The benchmarks run end to end through the embedded broker: the input
// is produced first (not timed), then the time is measured from starting
// the query (or the hand-written loop) until every output record is
// acknowledged by the broker. Run them with a fixed count, e.g.
//
//	go test -run '^$' -bench . -benchtime 200000x ./pkg/ksql/ksqlkafka

var benchSeq atomic.Int64

type benchEnv struct {
	broker *kafkautil.Broker
	rt     *ksqlkafka.Runtime
	client sarama.Client
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	br, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: br.Addr()})
	if err != nil {
		b.Fatal(err)
	}
	cl, err := sarama.NewClient([]string{br.Addr()}, kafkautil.NewConfig("bench"))
	if err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{broker: br, rt: rt, client: cl}
	b.Cleanup(func() { cl.Close(); rt.Close(); br.Close() })
	return e
}

type order struct {
	OrderID int64   `json:"ORDERID"`
	Item    string  `json:"ITEM"`
	Amount  float64 `json:"AMOUNT"`
	Status  string  `json:"STATUS"`
}

var items = []string{"apple", "pear", "plum", "fig", "kiwi", "lime", "date", "yuzu"}

// produceOrders writes n JSON orders (keyed by item) to topic.
func (e *benchEnv) produceOrders(b *testing.B, topic string, n int) {
	b.Helper()
	cfg := kafkautil.NewConfig("bench-producer")
	cfg.Producer.Return.Successes = false
	cfg.Producer.Flush.Messages = 1000
	cfg.Producer.Flush.Frequency = time.Millisecond
	p, err := sarama.NewAsyncProducer([]string{e.broker.Addr()}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	base := time.Now().Add(-time.Hour).UnixMilli()
	for i := 0; i < n; i++ {
		o := order{OrderID: int64(i), Item: items[i%len(items)], Amount: float64(i%100) + 0.5, Status: "NEW"}
		v, _ := json.Marshal(o)
		p.Input() <- &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(o.Item), Value: sarama.ByteEncoder(v), Timestamp: time.UnixMilli(base + int64(i))}
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
}

// waitCount waits until topic holds n records.
func (e *benchEnv) waitCount(b *testing.B, topic string, n int64) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var total int64
		_ = e.client.RefreshMetadata(topic)
		parts, _ := e.client.Partitions(topic)
		for _, p := range parts {
			off, err := e.client.GetOffset(topic, p, sarama.OffsetNewest)
			if err == nil {
				total += off
			}
		}
		if total >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d of %d records", topic, total, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// exec runs statements; the queries read their input from the beginning, as
// it was produced before they start.
func (e *benchEnv) exec(b *testing.B, sql string) {
	b.Helper()
	if _, err := e.rt.Execute(context.Background(), sql, map[string]string{"auto.offset.reset": "earliest"}); err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
}

// handLoop is the hand-written consume-transform-produce loop the queries
// are compared with: one partition consumer, encoding/json, an async
// producer. transform returns the output key and value, or ok=false to
// drop the record.
func (e *benchEnv) handLoop(b *testing.B, in, out string, n int, transform func(key []byte, o *order, ts int64) (k, v []byte, ok bool)) {
	b.Helper()
	cfg := kafkautil.NewConfig("bench-loop")
	cfg.Producer.Return.Successes = false
	cfg.Producer.Flush.Messages = 500
	cfg.Producer.Flush.Frequency = time.Millisecond
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	cfg.Consumer.Fetch.Default = 4 << 20
	cl, err := sarama.NewClient([]string{e.broker.Addr()}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	consumer, _ := sarama.NewConsumerFromClient(cl)
	defer consumer.Close()
	p, _ := sarama.NewAsyncProducerFromClient(cl)
	pc, err := consumer.ConsumePartition(in, 0, sarama.OffsetOldest)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		m := <-pc.Messages()
		var o order
		if err := json.Unmarshal(m.Value, &o); err != nil {
			continue
		}
		k, v, ok := transform(m.Key, &o, m.Timestamp.UnixMilli())
		if !ok {
			continue
		}
		p.Input() <- &sarama.ProducerMessage{Topic: out, Key: sarama.ByteEncoder(k), Value: sarama.ByteEncoder(v), Timestamp: m.Timestamp}
	}
	pc.Close()
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
}

func report(b *testing.B, n int, elapsed time.Duration) {
	b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

func filterSetup(b *testing.B) (*benchEnv, string, int) {
	e := newBenchEnv(b)
	n := max(b.N, 1000)
	topic := fmt.Sprintf("orders_%d", benchSeq.Add(1))
	e.exec(b, "CREATE STREAM "+topic+" (ITEM VARCHAR KEY, ORDERID BIGINT, AMOUNT DOUBLE, STATUS VARCHAR) WITH (kafka_topic='"+topic+"', value_format='JSON', partitions=1);")
	e.produceOrders(b, topic, n)
	return e, topic, n
}

// Amount is i%100+0.5: AMOUNT > 49 keeps half the orders.
func BenchmarkFilterProjectQuery(b *testing.B) {
	e, topic, n := filterSetup(b)
	b.ResetTimer()
	start := time.Now()
	e.exec(b, "CREATE STREAM big_"+topic+" AS SELECT ITEM, ORDERID, AMOUNT * 1.2 AS GROSS FROM "+topic+" WHERE AMOUNT > 49 EMIT CHANGES;")
	e.waitCount(b, "BIG_"+upper(topic), int64(n/2))
	report(b, n, time.Since(start))
}

func BenchmarkFilterProjectHandLoop(b *testing.B) {
	e, topic, n := filterSetup(b)
	type out struct {
		OrderID int64   `json:"ORDERID"`
		Gross   float64 `json:"GROSS"`
	}
	b.ResetTimer()
	start := time.Now()
	e.handLoop(b, topic, "hand_"+topic, n, func(key []byte, o *order, _ int64) ([]byte, []byte, bool) {
		if o.Amount <= 49 {
			return nil, nil, false
		}
		v, _ := json.Marshal(out{o.OrderID, o.Amount * 1.2})
		return key, v, true
	})
	e.waitCount(b, "hand_"+topic, int64(n/2))
	report(b, n, time.Since(start))
}

func BenchmarkTumblingSumQuery(b *testing.B) {
	e, topic, n := filterSetup(b)
	b.ResetTimer()
	start := time.Now()
	e.exec(b, "CREATE TABLE sums_"+topic+" AS SELECT ITEM, SUM(AMOUNT) AS TOTAL FROM "+topic+" WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY ITEM EMIT CHANGES;")
	e.waitCount(b, "SUMS_"+upper(topic), int64(n))
	report(b, n, time.Since(start))
}

func BenchmarkTumblingSumHandLoop(b *testing.B) {
	e, topic, n := filterSetup(b)
	type wkey struct {
		item  string
		start int64
	}
	sums := map[wkey]float64{}
	b.ResetTimer()
	start := time.Now()
	e.handLoop(b, topic, "hand_"+topic, n, func(key []byte, o *order, ts int64) ([]byte, []byte, bool) {
		w := wkey{string(key), ts - ts%1000}
		sums[w] += o.Amount
		k := append(append([]byte(nil), key...), strconv.FormatInt(w.start, 10)...)
		v, _ := json.Marshal(map[string]float64{"TOTAL": sums[w]})
		return k, v, true
	})
	e.waitCount(b, "hand_"+topic, int64(n))
	report(b, n, time.Since(start))
}

// BenchmarkPushQueryLatency measures the time from producing a record to
// its row arriving at a /query-stream client, and reports the median.
func BenchmarkPushQueryLatency(b *testing.B) {
	e := newBenchEnv(b)
	srv := ksqlserver.New(e.rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer srv.Close(context.Background())
	e.exec(b, "CREATE STREAM lat (ID VARCHAR KEY, N BIGINT) WITH (kafka_topic='lat', value_format='JSON', partitions=1);")
	c := ksqlclient.New(srv.URL())
	rows, err := c.Query(context.Background(), "SELECT N FROM lat EMIT CHANGES;", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cfg := kafkautil.NewConfig("bench-lat")
	p, err := sarama.NewSyncProducer([]string{e.broker.Addr()}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	n := max(b.N, 50)
	lat := make([]time.Duration, 0, n)
	b.ResetTimer()
	for i := 0; i < n; i++ {
		start := time.Now()
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "lat", Key: sarama.StringEncoder("k"), Value: sarama.StringEncoder(fmt.Sprintf(`{"N":%d}`, i))}); err != nil {
			b.Fatal(err)
		}
		if !rows.Next() {
			b.Fatalf("query ended: %v", rows.Err())
		}
		lat = append(lat, time.Since(start))
		if got := rows.Row()[0]; got != int64(i) {
			b.Fatalf("row %v, want %d", got, i)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
