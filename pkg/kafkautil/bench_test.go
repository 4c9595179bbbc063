package kafkautil

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// BenchmarkAsyncProduce measures sarama's async producer sending 100-byte
// messages into the embedded broker, counted once acknowledged (goal: 200k+
// messages/s).
func BenchmarkAsyncProduce(b *testing.B) {
	ctx := context.Background()
	broker, err := StartBroker(ctx, BrokerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	if err := EnsureTopics(ctx, broker.Addr(), []TopicSpec{{Name: "bench", Partitions: 3}}); err != nil {
		b.Fatal(err)
	}
	cfg := NewConfig("bench")
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	cfg.Producer.Flush.Frequency = 5 * time.Millisecond
	cfg.Producer.Flush.Messages = 1000
	cfg.Producer.Return.Successes = true
	cfg.ChannelBufferSize = 4096
	producer, err := sarama.NewAsyncProducer([]string{broker.Addr()}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer producer.Close()
	payload := sarama.ByteEncoder(make([]byte, 100))

	b.ResetTimer()
	start := time.Now()
	done := make(chan int)
	go func() {
		acked := 0
		for acked < b.N {
			select {
			case <-producer.Successes():
				acked++
			case err := <-producer.Errors():
				b.Error(err)
				acked++
			}
		}
		done <- acked
	}()
	for i := 0; i < b.N; i++ {
		producer.Input() <- &sarama.ProducerMessage{Topic: "bench", Value: payload}
	}
	<-done
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkDescribeTopic measures one DescribeTopic (metadata, two offsets
// per partition, configs) through a Client kept open, against the one-call
// form that dials and closes each time.
func BenchmarkDescribeTopic(b *testing.B) {
	ctx := context.Background()
	broker, err := StartBroker(ctx, BrokerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	c, err := Dial(ctx, broker.Addr(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.EnsureTopics(ctx, []TopicSpec{{Name: "bench", Partitions: 3}}); err != nil {
		b.Fatal(err)
	}
	b.Run("client", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.DescribeTopic(ctx, "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dial-per-call", func(b *testing.B) {
		for b.Loop() {
			if _, err := DescribeTopic(ctx, broker.Addr(), "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
