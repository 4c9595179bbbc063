package kafkautil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
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
	admin, err := NewAdminContext(ctx, bootstrap)
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
		err := callWithContext(ctx, func() error { return admin.CreateTopic(t.Name, detail, false) })
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
	cfg.Net.ReadTimeout = 10 * time.Second
	cfg.Net.WriteTimeout = 10 * time.Second
	cfg.Metadata.Retry.Max = 2
	admin, err := sarama.NewClusterAdmin(SplitBootstrap(bootstrap), cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}
	return admin, nil
}

// NewAdminContext is NewAdmin that gives up when ctx ends first.
func NewAdminContext(ctx context.Context, bootstrap string) (sarama.ClusterAdmin, error) {
	return connectContext(ctx, func() (sarama.ClusterAdmin, error) { return NewAdmin(bootstrap) })
}

// connectContext runs connect and returns its result, or ctx's error when ctx
// ends first: sarama's constructors take no context, and one talking to a
// listener that accepts and never answers waits out its own timeouts. A
// connection that arrives after the caller gave up is closed.
func connectContext[T io.Closer](ctx context.Context, connect func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	type result struct {
		c   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := connect()
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.err == nil {
				_ = r.c.Close()
			}
		}()
		return zero, ctx.Err()
	}
}

// UnreachableError says that no broker answered at an address for as long as
// a caller was willing to wait.
type UnreachableError struct {
	Bootstrap string
	// Waited is how long the caller waited.
	Waited time.Duration
	// Last is the last failed attempt's error, if one ended before the wait.
	Last error
	// Cause is why the wait ended (the context's error).
	Cause error
}

func (e *UnreachableError) Error() string {
	msg := fmt.Sprintf("no Kafka broker answered at %s within %s", e.Bootstrap, e.Waited.Round(100*time.Millisecond))
	if e.Last != nil {
		// sarama's "run out of available brokers" says nothing the
		// sentence does not: keep the reason behind it.
		last := strings.TrimPrefix(e.Last.Error(), sarama.ErrOutOfBrokers.Error()+": ")
		msg += " (" + last + ")"
	}
	return msg
}

func (e *UnreachableError) Unwrap() error { return e.Cause }

// probeTimeout bounds one reachability probe: dial, API versions, metadata.
const probeTimeout = 2 * time.Second

// Probe asks the broker at bootstrap for metadata once, within a few seconds
// or until ctx ends.
func Probe(ctx context.Context, bootstrap string) error {
	cfg := NewConfig("mlops-lab-probe")
	cfg.Net.DialTimeout = probeTimeout
	cfg.Net.ReadTimeout = probeTimeout
	cfg.Net.WriteTimeout = probeTimeout
	cfg.Metadata.Retry.Max = 0
	// A probe that learns nothing should not refresh metadata later.
	cfg.Metadata.RefreshFrequency = 0
	client, err := connectContext(ctx, func() (sarama.Client, error) {
		return sarama.NewClient(SplitBootstrap(bootstrap), cfg)
	})
	if err != nil {
		return err
	}
	return client.Close()
}

// WaitReachable returns once a broker at bootstrap answers a metadata
// request. When ctx ends first it returns an *UnreachableError naming the
// address, how long it waited and the last attempt's error.
func WaitReachable(ctx context.Context, bootstrap string) error {
	started := time.Now()
	var last error
	for {
		err := Probe(ctx, bootstrap)
		if err == nil {
			return nil
		}
		if ctx.Err() == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return &UnreachableError{Bootstrap: bootstrap, Waited: time.Since(started), Last: last, Cause: ctx.Err()}
		case <-time.After(200 * time.Millisecond):
		}
	}
}
