package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
)

// topicAdmin is the engine's TopicAdmin over a sarama cluster admin.
type topicAdmin struct {
	admin sarama.ClusterAdmin
}

var _ engine.TopicAdmin = (*topicAdmin)(nil)

// CreateTopic creates a topic; an existing topic is not an error.
func (a *topicAdmin) CreateTopic(ctx context.Context, name string, partitions, replicas int) error {
	detail := &sarama.TopicDetail{NumPartitions: int32(max(partitions, 1)), ReplicationFactor: int16(max(replicas, 1))}
	err := a.admin.CreateTopic(name, detail, false)
	var topicErr *sarama.TopicError
	if errors.As(err, &topicErr) && topicErr.Err == sarama.ErrTopicAlreadyExists {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", name, err)
	}
	return nil
}

// DeleteTopic deletes a topic; a missing topic is not an error.
func (a *topicAdmin) DeleteTopic(ctx context.Context, name string) error {
	err := a.admin.DeleteTopic(name)
	var topicErr *sarama.TopicError
	if errors.As(err, &topicErr) && topicErr.Err == sarama.ErrUnknownTopicOrPartition || errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting topic %s: %w", name, err)
	}
	return nil
}

// ListTopics lists the topics, sorted by name.
func (a *topicAdmin) ListTopics(ctx context.Context) ([]engine.TopicInfo, error) {
	topics, err := a.admin.ListTopics()
	if err != nil {
		return nil, fmt.Errorf("listing topics: %w", err)
	}
	out := make([]engine.TopicInfo, 0, len(topics))
	for name, d := range topics {
		out = append(out, engine.TopicInfo{Name: name, Partitions: int(d.NumPartitions), Replicas: max(int(d.ReplicationFactor), 1)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DescribeTopic returns a topic's partitions and replicas.
func (a *topicAdmin) DescribeTopic(ctx context.Context, name string) (engine.TopicInfo, bool, error) {
	metas, err := a.admin.DescribeTopics([]string{name})
	if err != nil {
		return engine.TopicInfo{}, false, fmt.Errorf("describing topic %s: %w", name, err)
	}
	for _, m := range metas {
		if m.Name != name {
			continue
		}
		if m.Err == sarama.ErrUnknownTopicOrPartition {
			return engine.TopicInfo{}, false, nil
		}
		if m.Err != sarama.ErrNoError {
			return engine.TopicInfo{}, false, fmt.Errorf("describing topic %s: %w", name, m.Err)
		}
		replicas := 1
		if len(m.Partitions) > 0 {
			replicas = max(len(m.Partitions[0].Replicas), 1)
		}
		return engine.TopicInfo{Name: name, Partitions: len(m.Partitions), Replicas: replicas}, true, nil
	}
	return engine.TopicInfo{}, false, nil
}
