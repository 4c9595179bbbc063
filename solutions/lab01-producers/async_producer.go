//go:build solution

package lab01

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

// Exercise 3: an async producer that counts deliveries and failures.

// AsyncProducerConfig is the configuration of a producer that neither loses
// an acknowledged record nor writes one twice.
func AsyncProducerConfig() *sarama.Config {
	cfg := newConfig("lab01-async-producer")
	// Acknowledged means stored by every in-sync replica.
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	// Idempotence numbers each batch per partition, so when a retry resends
	// a batch the broker already stored (the answer got lost, not the
	// request) the broker drops the copy instead of writing it twice.
	cfg.Producer.Idempotent = true
	// Sequence numbers only work if batches arrive in order: one request in
	// flight per broker. Retries are what idempotence makes safe.
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Retry.Max = 5
	// Hear about every outcome: without these the channels stay silent
	// (errors are only logged) and there is nothing to count.
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
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
	producer, err := sarama.NewAsyncProducer(brokers(bootstrap), AsyncProducerConfig())
	if err != nil {
		return DeliveryReport{}, fmt.Errorf("connecting a producer to %s: %w", bootstrap, err)
	}

	// Read both channels while sending: the producer blocks once either
	// fills up, and then so does every send into Input().
	var report DeliveryReport
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range producer.Successes() {
			report.Delivered++
		}
	}()
	go func() {
		defer wg.Done()
		for range producer.Errors() {
			report.Failed++
		}
	}()

	unencodable := 0 // counted apart: the Errors loop owns report.Failed until wg.Wait
sending:
	for _, o := range orders {
		value, err := json.Marshal(o) // fails only for NaN or infinite units
		if err != nil {
			unencodable++
			continue
		}
		msg := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(o.Key()), Value: sarama.ByteEncoder(value)}
		select {
		case producer.Input() <- msg:
		case <-ctx.Done():
			break sending
		}
	}

	// AsyncClose flushes what is buffered, waits for the answers and then
	// closes Successes and Errors, which ends the two counting loops.
	producer.AsyncClose()
	wg.Wait()
	report.Failed += unencodable
	return report, ctx.Err()
}
