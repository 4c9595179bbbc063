package env

import (
	"context"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// BenchmarkEmbeddedStartToReady measures the embedded runtime from nothing to
// a broker that accepts connections with a lab's topics created (goal: under
// 300 ms).
func BenchmarkEmbeddedStartToReady(b *testing.B) {
	ctx := context.Background()
	spec := Spec{Needs: Needs{Kafka: true}, Topics: []kafkautil.TopicSpec{{Name: "orders", Partitions: 3}, {Name: "users", Partitions: 1}}}
	for b.Loop() {
		e, err := Start(ctx, Embedded, spec)
		if err != nil {
			b.Fatal(err)
		}
		if err := kafkautil.WaitReachable(ctx, e.Bootstrap()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = e.Close(ctx)
		b.StartTimer()
	}
}
