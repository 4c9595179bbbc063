package kafkautil

import (
	"context"
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// Client is one connection to a Kafka cluster, made once by Dial and shared
// by everything done through it: topic administration (admin.go), producing
// lines of text (produce.go) and consuming records (consume.go). Every
// method takes a context first and returns when it ends. A Client is safe
// for concurrent use; Close it when done.
type Client struct {
	bootstrap string
	cfg       *sarama.Config
	client    sarama.Client
	// admin shares client; closing it closes client.
	admin sarama.ClusterAdmin
}

// Dial connects to the cluster at bootstrap (HOST:PORT[,HOST:PORT]) with
// cfg, NewConsoleConfig when nil, giving up when ctx ends. The client keeps
// its own copy of cfg, in which producers report every outcome (Produce
// counts them) and a record may name its partition (ProduceOptions.Partition).
func Dial(ctx context.Context, bootstrap string, cfg *sarama.Config) (*Client, error) {
	brokers := SplitBootstrap(bootstrap)
	if len(brokers) == 0 {
		return nil, fmt.Errorf("no Kafka address given: the bootstrap address is HOST:PORT, for example localhost:9092 (got %q)", bootstrap)
	}
	if cfg == nil {
		cfg = NewConsoleConfig("mlops-lab")
	}
	own := *cfg
	own.Producer.Return.Successes = true
	own.Producer.Return.Errors = true
	own.Producer.Partitioner = fixedPartitionOr(own.Producer.Partitioner)
	client, err := connectContext(ctx, func() (sarama.Client, error) { return sarama.NewClient(brokers, &own) })
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}
	return &Client{bootstrap: bootstrap, cfg: &own, client: client, admin: admin}, nil
}

// Bootstrap is the address the client was dialled at.
func (c *Client) Bootstrap() string { return c.bootstrap }

// Sarama is the underlying sarama client, for producers and consumers built
// on the same connection (sarama.NewAsyncProducerFromClient, ...). It stays
// owned by c: Close c, not it.
func (c *Client) Sarama() sarama.Client { return c.client }

// Close disconnects.
func (c *Client) Close() error {
	err := c.admin.Close()
	if errors.Is(err, sarama.ErrClosedClient) {
		return nil
	}
	return err
}

// withClient dials bootstrap with cfg, runs fn and closes the client: the
// package-level functions (EnsureTopics, Produce, ...) are one call each.
func withClient(ctx context.Context, bootstrap string, cfg *sarama.Config, fn func(*Client) error) error {
	c, err := Dial(ctx, bootstrap, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}
