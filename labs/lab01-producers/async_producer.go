package lab01

import (
	"context"
	"errors"

	"github.com/IBM/sarama"
)

// Exercise 3: an async producer that counts deliveries and failures.
//
// An AsyncProducer does not answer each send: you put messages into its
// Input() channel and it reports, later and in any order, every outcome on
// two channels: Successes() for stored records, Errors() for records that
// could not be stored. SendAsync sends a batch of orders that way and counts
// the outcomes.

// AsyncProducerConfig is the configuration of a producer that neither loses
// an acknowledged record nor writes one twice.
func AsyncProducerConfig() *sarama.Config {
	cfg := newConfig("lab01-async-producer")
	// TODO(exercise 3):
	//   - acknowledged should mean stored by every in-sync replica
	//     (cfg.Producer.RequiredAcks);
	//   - a retry must not write a record twice (cfg.Producer.Idempotent),
	//     and idempotence has requirements of its own: cfg.Validate() names
	//     each one that is missing;
	//   - both outcome channels must report (cfg.Producer.Return...).
	return cfg
}

// DeliveryReport counts what happened to the records of one SendAsync call.
type DeliveryReport struct {
	// Delivered records were acknowledged by the broker.
	Delivered int
	// Failed records came back on the producer's Errors channel.
	Failed int
}

// SendAsync writes orders to topic through one AsyncProducer, keyed by order
// id, and counts how many were delivered and how many failed. It returns an
// error only when it could not produce at all (or ctx ended); records that
// fail are counted, not returned.
func SendAsync(ctx context.Context, bootstrap, topic string, orders []Order) (DeliveryReport, error) {
	// TODO(exercise 3):
	//   1. sarama.NewAsyncProducer(brokers(bootstrap), AsyncProducerConfig()).
	//   2. Start reading Successes() and Errors() before sending anything,
	//      each in its own goroutine, counting as you go: once a channel's
	//      buffer is full the producer stops, and so does your sending.
	//   3. Put one message per order into Input() (key o.Key(), value the
	//      order as JSON); stop early if ctx ends.
	//   4. AsyncClose() the producer: it flushes, waits for the last answers
	//      and then closes both channels, which ends your counting loops.
	//      Wait for them (sync.WaitGroup) before returning the report.
	return DeliveryReport{}, errors.New("TODO(exercise 3): send the orders asynchronously and count the outcomes")
}
