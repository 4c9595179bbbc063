//go:build solution

package lab01

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// Exercise 4: shutting down without losing orders.

// ErrSenderClosed is what Send returns once Close has been called.
var ErrSenderClosed = errors.New("lab01: sender is closed")

// Sender is a long-lived, batching producer of orders: Send hands an order
// over and returns at once; Close delivers everything handed over before it
// returns.
type Sender struct {
	producer sarama.AsyncProducer
	topic    string

	// mu guards closed: Send holds it for reading while it hands a record to
	// the producer, Close takes it for writing, so no Send can race the
	// producer shutting its input.
	mu     sync.RWMutex
	closed bool

	drained  sync.WaitGroup // the Successes and Errors loops
	failures []error        // written by the Errors loop, read after drained.Wait
}

// NewSender connects a Sender to the cluster at bootstrap, writing to topic.
func NewSender(bootstrap, topic string) (*Sender, error) {
	cfg := AsyncProducerConfig()
	cfg.ClientID = "lab01-sender"
	// Linger up to 100 ms to fill bigger batches: fewer requests, more
	// throughput, and a buffer of accepted records that only a flush empties.
	cfg.Producer.Flush.Frequency = 100 * time.Millisecond
	cfg.Producer.Flush.Messages = 500

	producer, err := sarama.NewAsyncProducer(brokers(bootstrap), cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting a producer to %s: %w", bootstrap, err)
	}
	s := &Sender{producer: producer, topic: topic}
	// Both channels must be read for as long as the producer lives, or it
	// stalls once their buffers are full.
	s.drained.Add(2)
	go func() {
		defer s.drained.Done()
		for range producer.Successes() {
		}
	}()
	go func() {
		defer s.drained.Done()
		for perr := range producer.Errors() {
			s.failures = append(s.failures, perr)
		}
	}()
	return s, nil
}

// Send hands one order to the producer. It blocks only while the producer's
// input buffer is full, and gives up when ctx ends.
func (s *Sender) Send(ctx context.Context, o Order) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	value, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encoding order %d: %w", o.OrderID, err)
	}
	msg := &sarama.ProducerMessage{Topic: s.topic, Key: sarama.StringEncoder(o.Key()), Value: sarama.ByteEncoder(value)}

	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		// Sending into a closed producer's Input() panics.
		return ErrSenderClosed
	}
	select {
	case s.producer.Input() <- msg:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close flushes every order Send accepted, waits until the broker has
// answered for each, and then releases the producer. It reports the orders
// that could not be delivered. Calling it again does nothing.
func (s *Sender) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	// AsyncClose flushes the lingering batches and, once every record has an
	// answer, closes Successes and Errors; the loops then end. (Close would
	// do the same but also read those channels itself, racing our loops.)
	s.producer.AsyncClose()
	s.drained.Wait()

	if len(s.failures) > 0 {
		return fmt.Errorf("%d orders were not delivered, the first because: %w", len(s.failures), s.failures[0])
	}
	return nil
}
