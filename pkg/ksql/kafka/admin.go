package kafka

import (
	"context"
	"errors"
	"fmt"

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
