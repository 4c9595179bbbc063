package kafkautil

// One-call forms of the Client's methods: each dials bootstrap, does one
// thing and disconnects. They suit a command that does one thing; code that
// does several keeps one Client (Dial) instead.

import (
	"context"
	"fmt"
	"io"

	"github.com/IBM/sarama"
)

// EnsureTopics creates the topics that do not exist yet; existing topics are
// left as they are. See Client.EnsureTopics.
func EnsureTopics(ctx context.Context, bootstrap string, topics []TopicSpec) error {
	if len(topics) == 0 {
		return nil
	}
	return withClient(ctx, bootstrap, NewConsoleConfig("mlops-lab-admin"), func(c *Client) error {
		return c.EnsureTopics(ctx, topics)
	})
}

// CreateTopic creates a topic. See Client.CreateTopic.
func CreateTopic(ctx context.Context, bootstrap, topic string, opts CreateTopicOptions) error {
	// Bad input is reported before connecting.
	if _, err := topicDetail(topic, opts); err != nil {
		return err
	}
	return withClient(ctx, bootstrap, NewConsoleConfig("mlops-lab-admin"), func(c *Client) error {
		return c.CreateTopic(ctx, topic, opts)
	})
}

// DeleteTopic deletes a topic and all its records. See Client.DeleteTopic.
func DeleteTopic(ctx context.Context, bootstrap, topic string) error {
	if err := ValidateTopicName(topic); err != nil {
		return err
	}
	return withClient(ctx, bootstrap, NewConsoleConfig("mlops-lab-admin"), func(c *Client) error {
		return c.DeleteTopic(ctx, topic)
	})
}

// ListTopics lists the cluster's topics, sorted by name. See
// Client.ListTopics.
func ListTopics(ctx context.Context, bootstrap string) (topics []TopicInfo, err error) {
	err = withClient(ctx, bootstrap, NewConsoleConfig("mlops-lab-topics"), func(c *Client) error {
		topics, err = c.ListTopics(ctx)
		return err
	})
	return topics, err
}

// DescribeTopic reports a topic's partitions and configuration. See
// Client.DescribeTopic.
func DescribeTopic(ctx context.Context, bootstrap, topic string) (desc TopicDescription, err error) {
	if err := ValidateTopicName(topic); err != nil {
		return TopicDescription{}, err
	}
	err = withClient(ctx, bootstrap, NewConsoleConfig("mlops-lab-topics"), func(c *Client) error {
		desc, err = c.DescribeTopic(ctx, topic)
		return err
	})
	return desc, err
}

// Produce reads records from in, one per line, and writes them to topic with
// the console producer's configuration (NewConsoleConfig). See
// Client.Produce.
func Produce(ctx context.Context, bootstrap, topic string, in io.Reader, opts ProduceOptions) (result ProduceResult, err error) {
	result = ProduceResult{Partitions: map[int32]int{}}
	if err := opts.validate(); err != nil {
		return result, err
	}
	if err := ValidateTopicName(topic); err != nil {
		return result, err
	}
	err = withClient(ctx, bootstrap, NewConsoleConfig("mlops-lab-console-producer"), func(c *Client) error {
		result, err = c.Produce(ctx, topic, in, opts)
		return err
	})
	return result, err
}

// Consume reads records of topic and passes them to handle with the console
// consumer's configuration (NewConsoleConfig). See Client.Consume.
func Consume(ctx context.Context, bootstrap, topic string, opts ConsumeOptions, handle func(ConsumerRecord) error) (n int, err error) {
	if err := ValidateTopicName(topic); err != nil {
		return 0, err
	}
	err = withClient(ctx, bootstrap, NewConsoleConfig("mlops-lab-console-consumer"), func(c *Client) error {
		n, err = c.Consume(ctx, topic, opts, handle)
		return err
	})
	return n, err
}

// NewAdmin connects a sarama cluster admin to bootstrap, for what the Client
// does not offer (consumer group offsets, configs by name, ...).
func NewAdmin(bootstrap string) (sarama.ClusterAdmin, error) {
	admin, err := sarama.NewClusterAdmin(SplitBootstrap(bootstrap), NewConsoleConfig("mlops-lab-admin"))
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}
	return admin, nil
}

// NewAdminContext is NewAdmin that gives up when ctx ends first.
func NewAdminContext(ctx context.Context, bootstrap string) (sarama.ClusterAdmin, error) {
	return connectContext(ctx, func() (sarama.ClusterAdmin, error) { return NewAdmin(bootstrap) })
}
