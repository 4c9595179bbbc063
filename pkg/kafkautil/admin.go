package kafkautil

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"
)

// TopicSpec describes a topic to create.
type TopicSpec struct {
	Name       string `yaml:"name" json:"name"`
	Partitions int32  `yaml:"partitions" json:"partitions"`
	// Compacted sets cleanup.policy=compact (a table's changelog).
	Compacted bool `yaml:"compacted" json:"compacted,omitempty"`
}

// EnsureTopics creates the topics that do not exist yet; existing topics are
// left as they are.
func EnsureTopics(ctx context.Context, bootstrap string, topics []TopicSpec) error {
	if len(topics) == 0 {
		return nil
	}
	admin, err := NewAdmin(bootstrap)
	if err != nil {
		return err
	}
	defer admin.Close()
	for _, t := range topics {
		if err := ctx.Err(); err != nil {
			return err
		}
		detail := &sarama.TopicDetail{NumPartitions: max(t.Partitions, 1), ReplicationFactor: 1}
		if t.Compacted {
			policy := "compact"
			detail.ConfigEntries = map[string]*string{"cleanup.policy": &policy}
		}
		err := admin.CreateTopic(t.Name, detail, false)
		var topicErr *sarama.TopicError
		if errors.As(err, &topicErr) && topicErr.Err == sarama.ErrTopicAlreadyExists {
			continue
		}
		if err != nil {
			return fmt.Errorf("creating topic %s: %w", t.Name, err)
		}
	}
	return nil
}

// NewAdmin connects a sarama cluster admin to bootstrap.
func NewAdmin(bootstrap string) (sarama.ClusterAdmin, error) {
	cfg := NewConfig("mlops-lab-admin")
	cfg.Admin.Timeout = 10 * time.Second
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Metadata.Retry.Max = 2
	admin, err := sarama.NewClusterAdmin(SplitBootstrap(bootstrap), cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}
	return admin, nil
}

// WaitReachable returns once a broker at bootstrap answers a metadata
// request, or when ctx ends.
func WaitReachable(ctx context.Context, bootstrap string) error {
	var last error
	for {
		cfg := NewConfig("mlops-lab-probe")
		cfg.Net.DialTimeout = time.Second
		cfg.Metadata.Retry.Max = 0
		client, err := sarama.NewClient(SplitBootstrap(bootstrap), cfg)
		if err == nil {
			client.Close()
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("cannot reach Kafka at %s: %v", bootstrap, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
