package ksqlkafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
)

// topicAdmin is the engine's TopicAdmin over the runtime's kafkautil.Client.
type topicAdmin struct {
	kc *kafkautil.Client
}

var _ engine.TopicAdmin = (*topicAdmin)(nil)

// CreateTopic creates a topic; an existing topic is not an error.
func (a *topicAdmin) CreateTopic(ctx context.Context, name string, partitions, replicas int) error {
	if partitions > 1<<31-1 || replicas > 1<<15-1 {
		return fmt.Errorf("creating topic %s: %d partitions of %d replicas is more than Kafka allows", name, partitions, replicas)
	}
	return a.kc.CreateTopic(ctx, name, kafkautil.CreateTopicOptions{
		Partitions:        int32(max(partitions, 1)),
		ReplicationFactor: int16(max(replicas, 1)),
		IfNotExists:       true,
	})
}

// DeleteTopic deletes a topic; a missing topic is not an error.
func (a *topicAdmin) DeleteTopic(ctx context.Context, name string) error {
	if err := a.kc.DeleteTopic(ctx, name); err != nil && !errors.Is(err, kafkautil.ErrUnknownTopic) {
		return err
	}
	return nil
}

// ListTopics lists the topics, sorted by name.
func (a *topicAdmin) ListTopics(ctx context.Context) ([]engine.TopicInfo, error) {
	topics, err := a.kc.ListTopics(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]engine.TopicInfo, 0, len(topics))
	for _, t := range topics {
		out = append(out, engine.TopicInfo{Name: t.Name, Partitions: t.Partitions, Replicas: max(t.ReplicationFactor, 1)})
	}
	return out, nil
}

// DescribeTopic returns a topic's partitions and replicas.
func (a *topicAdmin) DescribeTopic(ctx context.Context, name string) (engine.TopicInfo, bool, error) {
	d, err := a.kc.DescribeTopic(ctx, name)
	if errors.Is(err, kafkautil.ErrUnknownTopic) {
		return engine.TopicInfo{}, false, nil
	}
	if err != nil {
		return engine.TopicInfo{}, false, err
	}
	replicas := 1
	if len(d.Partitions) > 0 {
		replicas = max(len(d.Partitions[0].Replicas), 1)
	}
	return engine.TopicInfo{Name: name, Partitions: len(d.Partitions), Replicas: replicas}, true, nil
}

var _ engine.TopicReader = (*topicAdmin)(nil)

// errReadToEnd stops ReadTopic's consumer once every partition is read up
// to the end it had when the read began, or the reader wants no more.
var errReadToEnd = errors.New("read to the end")

// readIdle bounds ReadTopic's wait for a record that does not come (an
// end offset past a transaction marker, records deleted meanwhile).
const readIdle = 5 * time.Second

// ReadTopic implements engine.TopicReader, for pull queries on streams: the
// records the topic holds when it is called, each partition in offset
// order (partitions interleaved as they arrive), until fn returns false.
func (a *topicAdmin) ReadTopic(ctx context.Context, topic string, fn func(engine.Record) bool) error {
	ends, err := a.kc.EndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	starts, err := a.kc.StartOffsets(ctx, topic)
	if err != nil {
		return err
	}
	left := map[int32]int64{}
	var parts []int32
	for p, end := range ends {
		if end > starts[p] {
			left[p] = end
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	_, err = a.kc.Consume(ctx, topic, kafkautil.ConsumeOptions{From: kafkautil.FromBeginning, Partitions: parts, Timeout: readIdle},
		func(m kafkautil.ConsumerRecord) error {
			end, ok := left[m.Partition]
			if !ok || m.Offset >= end {
				return nil
			}
			rec := engine.Record{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Timestamp: m.Timestamp.UnixMilli()}
			for _, h := range m.Headers {
				rec.Headers = append(rec.Headers, engine.Header{Key: string(h.Key), Value: h.Value})
			}
			if !fn(rec) {
				return errReadToEnd
			}
			if m.Offset+1 >= end {
				delete(left, m.Partition)
				if len(left) == 0 {
					return errReadToEnd
				}
			}
			return nil
		})
	if err != nil && !errors.Is(err, errReadToEnd) {
		return fmt.Errorf("reading topic %s: %w", topic, err)
	}
	return nil
}
