//go:build solution

package lab01

import (
	"encoding/json"
	"fmt"

	"github.com/IBM/sarama"
)

// Exercise 1: a synchronous producer of keyed JSON orders.

// OrderProducer sends orders one at a time and waits, for each, until the
// broker has stored it.
type OrderProducer struct {
	producer sarama.SyncProducer
	topic    string
}

// NewOrderProducer connects a synchronous producer to the cluster at
// bootstrap that writes to topic.
func NewOrderProducer(bootstrap, topic string) (*OrderProducer, error) {
	cfg := newConfig("lab01-order-producer")
	// A SyncProducer is an AsyncProducer that waits on its Successes channel
	// for you, so it refuses to start unless successes are returned.
	cfg.Producer.Return.Successes = true
	// Only call a record sent once every in-sync replica has it: a leader
	// that fails right after answering cannot take the record with it.
	cfg.Producer.RequiredAcks = sarama.WaitForAll

	producer, err := sarama.NewSyncProducer(brokers(bootstrap), cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting a producer to %s: %w", bootstrap, err)
	}
	return &OrderProducer{producer: producer, topic: topic}, nil
}

// Send writes one order, keyed by its id with the order as JSON for value,
// and returns the partition and offset the broker stored it at.
func (p *OrderProducer) Send(o Order) (partition int32, offset int64, err error) {
	value, err := json.Marshal(o)
	if err != nil {
		return 0, 0, fmt.Errorf("encoding order %d: %w", o.OrderID, err)
	}
	msg := &sarama.ProducerMessage{
		Topic: p.topic,
		// The key picks the partition: every record of one order goes to the
		// same partition, so readers see them in the order they were sent.
		Key:   sarama.StringEncoder(o.Key()),
		Value: sarama.ByteEncoder(value),
	}
	partition, offset, err = p.producer.SendMessage(msg)
	if err != nil {
		return 0, 0, fmt.Errorf("sending order %d to %s: %w", o.OrderID, p.topic, err)
	}
	return partition, offset, nil
}

// Close releases the producer's connections. A SyncProducer has nothing
// buffered: every Send has already been answered.
func (p *OrderProducer) Close() error {
	if p == nil || p.producer == nil {
		return nil
	}
	return p.producer.Close()
}
