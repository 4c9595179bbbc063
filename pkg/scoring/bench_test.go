package scoring_test

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// The throughput benchmarks run end to end through the embedded broker:
// the feature records (5 features, one partition) are produced first, not
// timed; the time runs from starting the scorer until every score is
// acknowledged. Run them with a fixed count:
//
//	go test -run '^$' -bench 'Scoring' -benchtime 100000x ./pkg/scoring

var benchSeq atomic.Int64

func benchTopics(b *testing.B, bootstrap string, n int) (in, out string) {
	b.Helper()
	seq := benchSeq.Add(1)
	in, out = fmt.Sprintf("features_%d", seq), fmt.Sprintf("scores_%d", seq)
	createTopics(b, bootstrap, kafkautil.TopicSpec{Name: in, Partitions: 1}, kafkautil.TopicSpec{Name: out, Partitions: 1})
	d := cancer(b)
	cfg := kafkautil.NewConfig("bench-producer")
	cfg.Producer.Return.Successes = false
	cfg.Producer.Flush.Messages = 1000
	cfg.Producer.Flush.Frequency = time.Millisecond
	p, err := sarama.NewAsyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		p.Input() <- &sarama.ProducerMessage{Topic: in, Key: sarama.StringEncoder(fmt.Sprint("r-", i)), Value: sarama.ByteEncoder(featureRecord(d, i%d.Rows()))}
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	return in, out
}

// waitRecords waits until topic holds n records.
func waitRecords(b *testing.B, client sarama.Client, topic string, n int64) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		off, err := client.GetOffset(topic, 0, sarama.OffsetNewest)
		if err == nil && off >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d of %d records", topic, off, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func benchService(b *testing.B, model func(*scoring.Artifact) scoring.Model) {
	bootstrap := startBroker(b)
	n := max(b.N, 1000)
	in, out := benchTopics(b, bootstrap, n)
	a := artifact(b, cancer(b), 1, 1)
	client, err := sarama.NewClient([]string{bootstrap}, kafkautil.NewConfig("bench"))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	svc, err := scoring.New(scoring.Config{Bootstrap: bootstrap, Input: in, Output: out, Fixed: &scoring.Deployed{Model: model(a), Artifact: a}, BatchSize: 2000})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.ResetTimer()
	start := time.Now()
	go func() { done <- svc.Run(ctx) }()
	waitRecords(b, client, out, int64(n))
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkScoringInProcess: the model's weights in the stream processor.
func BenchmarkScoringInProcess(b *testing.B) {
	benchService(b, func(a *scoring.Artifact) scoring.Model {
		m, err := a.Build()
		if err != nil {
			b.Fatal(err)
		}
		return m
	})
}

// BenchmarkScoringONNX: the same model exported to ONNX and run by the Go
// ONNX runtime, one record at a time.
func BenchmarkScoringONNX(b *testing.B) {
	benchService(b, func(a *scoring.Artifact) scoring.Model {
		model, err := mlkit.LoadModel(a.Model)
		if err != nil {
			b.Fatal(err)
		}
		form, err := mlkit.LinearFormOf(model, a.Scaler, a.Card.Features)
		if err != nil {
			b.Fatal(err)
		}
		file, err := onnxmodel.Export(form, onnxmodel.Options{})
		if err != nil {
			b.Fatal(err)
		}
		om, err := onnxmodel.Load(file)
		if err != nil {
			b.Fatal(err)
		}
		return scoring.FromONNX(om)
	})
}

// BenchmarkScoringKSQL: the same model as a KSQL expression in a persistent
// query of the embedded ksqlDB engine.
func BenchmarkScoringKSQL(b *testing.B) {
	bootstrap := startBroker(b)
	n := max(b.N, 1000)
	in, out := benchTopics(b, bootstrap, n)
	a := artifact(b, cancer(b), 1, 1)
	model, err := mlkit.LoadModel(a.Model)
	if err != nil {
		b.Fatal(err)
	}
	form, err := mlkit.LinearFormOf(model, a.Scaler, a.Card.Features)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: bootstrap})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	client, err := sarama.NewClient([]string{bootstrap}, kafkautil.NewConfig("bench"))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	cols := ""
	for _, f := range a.Card.Features {
		cols += ", " + f + " DOUBLE"
	}
	props := map[string]string{"auto.offset.reset": "earliest"}
	if _, err := rt.Execute(ctx, fmt.Sprintf("CREATE STREAM %s (ID STRING KEY%s) WITH (kafka_topic='%s', value_format='JSON');", in, cols, in), props); err != nil {
		b.Fatal(err)
	}
	stmt, err := form.KSQLStatement(mlkit.KSQLQuery{Sink: out + "_S", Source: in, Keep: []string{"ID"}})
	if err != nil {
		b.Fatal(err)
	}
	stmt = stmt[:len("CREATE STREAM "+out+"_S")] + fmt.Sprintf(" WITH (kafka_topic='%s')", out) + stmt[len("CREATE STREAM "+out+"_S"):]
	b.ResetTimer()
	start := time.Now()
	if _, err := rt.Execute(ctx, stmt, props); err != nil {
		b.Fatalf("%s: %v", stmt, err)
	}
	waitRecords(b, client, out, int64(n))
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkHotSwapLatency publishes b.N new versions while about 10k
// records/s flow, and reports the median and worst time from publishing a
// version to the first record it scores.
func BenchmarkHotSwapLatency(b *testing.B) {
	bootstrap := startBroker(b)
	createTopics(b, bootstrap,
		kafkautil.TopicSpec{Name: "features", Partitions: 1},
		kafkautil.TopicSpec{Name: "scores", Partitions: 1},
		kafkautil.TopicSpec{Name: "models", Partitions: 1, Compacted: true})
	d := cancer(b)
	p := newProducer(b, bootstrap)
	publish(b, p, "models", artifact(b, d, 1, 1))
	svc, err := scoring.New(scoring.Config{Bootstrap: bootstrap, Input: "features", Output: "scores", Models: "models", Name: "cancer"})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = svc.Run(ctx) }()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		cfg := kafkautil.NewConfig("bench-load")
		cfg.Producer.Return.Successes = false
		ap, err := sarama.NewAsyncProducer([]string{bootstrap}, cfg)
		if err != nil {
			return
		}
		defer ap.Close()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for j := 0; j < 10; j++ {
				ap.Input() <- &sarama.ProducerMessage{Topic: "features", Value: sarama.ByteEncoder(featureRecord(d, (i*10+j)%d.Rows()))}
			}
		}
	}()
	for svc.Stats().ByVersion[1] == 0 {
		time.Sleep(time.Millisecond)
	}
	arts := make([]*scoring.Artifact, b.N)
	for i := range arts {
		arts[i] = artifact(b, d, 1, i+2)
	}
	var lat []time.Duration
	b.ResetTimer()
	for i, a := range arts {
		v := i + 2
		start := time.Now()
		publish(b, p, "models", a)
		for svc.Stats().ByVersion[v] == 0 {
			time.Sleep(100 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "ms-max")
	b.ReportMetric(0, "ns/op")
}
