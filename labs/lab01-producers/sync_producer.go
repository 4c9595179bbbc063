package lab01

import (
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// Exercise 1: a synchronous producer of keyed JSON orders.
//
// NewOrderProducer connects a producer; Send writes one order and returns the
// partition and offset the broker stored it at; Close releases the producer.
// Each record's key is the order's id (o.Key()) and its value the order as
// JSON, exactly as ksql-datagen writes the orders topic.

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

	// TODO(exercise 1): two settings are missing here.
	//   - A SyncProducer learns that a record was stored by waiting on the
	//     producer's Successes channel, which stays silent unless you ask for
	//     it (cfg.Producer.Return...). Without it, NewSyncProducer refuses.
	//   - A record should count as sent only once every in-sync replica has
	//     it, not just the leader (cfg.Producer.RequiredAcks).

	producer, err := sarama.NewSyncProducer(brokers(bootstrap), cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting a producer to %s: %w", bootstrap, err)
	}
	return &OrderProducer{producer: producer, topic: topic}, nil
}

// Send writes one order, keyed by its id with the order as JSON for value,
// and returns the partition and offset the broker stored it at.
func (p *OrderProducer) Send(o Order) (partition int32, offset int64, err error) {
	// TODO(exercise 1):
	//   1. Encode o as JSON (encoding/json); the struct tags in order.go
	//      name the fields.
	//   2. Build a *sarama.ProducerMessage for p.topic with the key o.Key()
	//      and the JSON as value (keys and values are sarama.Encoders:
	//      sarama.StringEncoder, sarama.ByteEncoder).
	//   3. Send it with p.producer.SendMessage, which blocks until the broker
	//      answers, and return what it returns (wrap the error with the
	//      order id, so a failure says which order).
	return 0, 0, errors.New("TODO(exercise 1): send the order")
}

// Close releases the producer's connections. A SyncProducer has nothing
// buffered: every Send has already been answered.
func (p *OrderProducer) Close() error {
	if p == nil || p.producer == nil {
		return nil
	}
	return p.producer.Close()
}
