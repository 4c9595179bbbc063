package scoring

import (
	"context"
	"fmt"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// Publish writes an artifact to a models topic, keyed by its name, and
// returns where the broker stored it. The topic is created (compacted, one
// partition, so that every version of every model stays in one order) when
// it does not exist. It returns once the broker has acknowledged the record.
func Publish(ctx context.Context, bootstrap, topic string, a *Artifact) (partition int32, offset int64, err error) {
	value, err := a.Marshal()
	if err != nil {
		return 0, 0, err
	}
	if err := kafkautil.EnsureTopics(ctx, bootstrap, []kafkautil.TopicSpec{{Name: topic, Partitions: 1, Compacted: true}}); err != nil {
		return 0, 0, err
	}
	cfg := kafkautil.NewConfig("mlops-lab-publish")
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.MaxMessageBytes = max(cfg.Producer.MaxMessageBytes, len(value)+1024)
	p, err := sarama.NewSyncProducer(kafkautil.SplitBootstrap(bootstrap), cfg)
	if err != nil {
		return 0, 0, fmt.Errorf("publishing to %s: connecting to Kafka at %s: %w", topic, bootstrap, err)
	}
	defer p.Close()
	type result struct {
		partition int32
		offset    int64
		err       error
	}
	done := make(chan result, 1)
	go func() {
		part, off, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(a.Card.Name), Value: sarama.ByteEncoder(value)})
		done <- result{part, off, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return 0, 0, fmt.Errorf("publishing %s v%d to %s: %w", a.Card.Name, a.Card.Version, topic, r.err)
		}
		return r.partition, r.offset, nil
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
}
