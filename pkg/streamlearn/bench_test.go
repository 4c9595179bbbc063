package streamlearn_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/streamlearn"
)

// BenchmarkLineThroughBroker learns a keyed line from points produced
// before the timer starts (one in ten an update of an earlier key), through
// the embedded broker, until the topic's end:
//
//	go test -run '^$' -bench LineThroughBroker -benchtime 200000x ./pkg/streamlearn
func BenchmarkLineThroughBroker(b *testing.B) {
	ctx := context.Background()
	br, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	if err := kafkautil.EnsureTopics(ctx, br.Addr(), []kafkautil.TopicSpec{{Name: "points", Partitions: 1}}); err != nil {
		b.Fatal(err)
	}
	n := max(b.N, 1000)
	cfg := kafkautil.NewConfig("bench")
	cfg.Producer.Return.Successes = false
	cfg.Producer.Flush.Messages = 1000
	cfg.Producer.Flush.Frequency = time.Millisecond
	p, err := sarama.NewAsyncProducer([]string{br.Addr()}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		key := i
		if i%10 == 9 {
			key = i / 2
		}
		x := float64(i % 1000)
		p.Input() <- &sarama.ProducerMessage{Topic: "points", Key: sarama.StringEncoder(fmt.Sprint("p", key)), Value: sarama.StringEncoder(fmt.Sprintf(`{"x":%g,"y":%g}`, x, 3+0.5*x))}
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	l, err := streamlearn.New(streamlearn.Config{Bootstrap: br.Addr(), Topic: "points", Model: &mlkit.SimpleRegression{}, Features: []string{"x"}, Label: "y", Keyed: true, UntilEnd: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if err := l.Run(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if got := l.Progress().Records; got != n {
		b.Fatalf("%d of %d records", got, n)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
	b.ReportMetric(0, "ns/op")
}
