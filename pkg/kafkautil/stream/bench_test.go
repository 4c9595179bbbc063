package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// benchOrder is the part of an order the benchmarks read.
type benchOrder struct {
	OrderID    int     `json:"orderid"`
	OrderUnits float64 `json:"orderunits"`
	Address    struct {
		State string `json:"state"`
	} `json:"address"`
}

// produceOrders writes n orders (about 170 bytes each, as the datagen
// writes them) spread over the topic's partitions, as fast as sarama can.
func produceOrders(b *testing.B, bootstrap, topic string, n int) {
	b.Helper()
	cfg := kafkautil.NewConfig("bench-orders")
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	cfg.Producer.Flush.Messages = 1000
	cfg.Producer.Flush.Frequency = 5 * time.Millisecond
	cfg.ChannelBufferSize = 4096
	p, err := sarama.NewAsyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range n {
			select {
			case <-p.Successes():
			case err := <-p.Errors():
				b.Error(err)
			}
		}
	}()
	for i := range n {
		value := fmt.Sprintf(`{"ordertime":%d,"orderid":%d,"itemid":"Item_%d","orderunits":%g,"address":{"city":"City_%d","state":"State_%d","zipcode":%d}}`,
			1_700_000_000_000+int64(i), i, i%999+1, float64(i%100)/10+0.1, i%89+1, i%9+1, 10000+i%90000)
		p.Input() <- &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprint(i)), Value: sarama.StringEncoder(value)}
	}
	<-done
}

// benchmarkProcessor measures records/s through a processor, end to end:
// read from the broker, transformed, outputs and changelog written back and
// acknowledged, offsets marked. The inputs are written before the clock
// starts; joining the group is inside the measurement.
func benchmarkProcessor(b *testing.B, cfg Config) {
	bootstrap := startBroker(b)
	cfg.Bootstrap, cfg.Group, cfg.Inputs = bootstrap, "bench", []string{"orders"}
	createTopics(b, bootstrap, kafkautil.TopicSpec{Name: "orders", Partitions: 3}, kafkautil.TopicSpec{Name: "out", Partitions: 3})
	produceOrders(b, bootstrap, "orders", b.N)
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	result := make(chan error, 1)

	b.ResetTimer()
	start := time.Now()
	go func() { result <- p.Run(ctx) }()
	for p.Stats().Processed < int64(b.N) {
		select {
		case err := <-result:
			b.Fatalf("Run returned early: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	if err := <-result; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
}

// BenchmarkFilter: decode each order, forward those above 8 units (about a
// fifth of them).
func BenchmarkFilter(b *testing.B) {
	benchmarkProcessor(b, Config{
		Output: "out",
		Transform: func(in Record) ([]Record, error) {
			var o benchOrder
			if err := json.Unmarshal(in.Value, &o); err != nil {
				return nil, err
			}
			if o.OrderUnits <= 8 {
				return nil, nil
			}
			return []Record{{Key: in.Key, Value: in.Value}}, nil
		},
	})
}

// BenchmarkRunningTotal: a running total of units per state (9 states), with
// positions, every change written to the changelog.
func BenchmarkRunningTotal(b *testing.B) {
	type stateTotal struct {
		Orders  int       `json:"orders"`
		Units   float64   `json:"units"`
		Counted Positions `json:"counted"`
	}
	benchmarkProcessor(b, Config{
		Changelog: "totals",
		TableTransform: func(in Record, table *Table) ([]Record, error) {
			var o benchOrder
			if err := json.Unmarshal(in.Value, &o); err != nil {
				return nil, err
			}
			var t stateTotal
			if old, ok := table.Get(o.Address.State); ok {
				if err := json.Unmarshal(old, &t); err != nil {
					return nil, err
				}
			}
			if t.Counted.Covers(in) {
				return nil, nil
			}
			t.Orders++
			t.Units += o.OrderUnits
			t.Counted.Advance(in)
			value, err := json.Marshal(t)
			if err != nil {
				return nil, err
			}
			table.Put(o.Address.State, value)
			return nil, nil
		},
	})
}
