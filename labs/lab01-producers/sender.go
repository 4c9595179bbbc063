package lab01

import (
	"context"
	"errors"
)

// Exercise 4: shutting down without losing orders.
//
// A service keeps one producer for its whole life and sends through it from
// many places. For throughput the producer batches: it holds records back
// for a moment to send many in one request. So at any time some records
// your code has handed over are not yet on the broker, and a service that
// just exits loses them. Sender is that long-lived producer, with a Close
// that loses nothing:
//
//   - Send(ctx, o) hands one order over and returns at once (blocking only
//     while the producer's buffer is full, and giving up when ctx ends);
//   - Close() delivers every order Send accepted before it returns, reports
//     the ones that failed, and may be called more than once;
//   - Send after Close returns an error (ErrSenderClosed) and sends nothing.

// ErrSenderClosed is what Send returns once Close has been called.
var ErrSenderClosed = errors.New("lab01: sender is closed")

// Sender is a long-lived, batching producer of orders.
type Sender struct {
	// TODO(exercise 4): what a Sender needs: the sarama.AsyncProducer and
	// the topic; something that knows when the goroutines reading Successes
	// and Errors have finished (sync.WaitGroup); the failures they saw; and
	// whether Close was called, guarded so Send and Close cannot race
	// (sync.RWMutex: Send holds it for reading, Close for writing).
}

// NewSender connects a Sender to the cluster at bootstrap, writing to topic.
func NewSender(bootstrap, topic string) (*Sender, error) {
	// TODO(exercise 4): start from AsyncProducerConfig() (exercise 3) and let
	// batches linger (cfg.Producer.Flush.Frequency = 100 * time.Millisecond,
	// cfg.Producer.Flush.Messages = 500): that is what makes flushing
	// matter. Create the producer, then start the two goroutines that read
	// Successes() and Errors() for as long as the producer lives.
	return nil, errors.New("TODO(exercise 4): create the sender")
}

// Send hands one order to the producer. It blocks only while the producer's
// input buffer is full, and gives up when ctx ends.
func (s *Sender) Send(ctx context.Context, o Order) error {
	// TODO(exercise 4): refuse after Close (sending into a closed producer's
	// Input() panics); otherwise select between putting the message into
	// Input() and ctx.Done().
	return errors.New("TODO(exercise 4): hand the order to the producer")
}

// Close flushes every order Send accepted, waits until the broker has
// answered for each, and then releases the producer. It reports the orders
// that could not be delivered. Calling it again does nothing.
func (s *Sender) Close() error {
	// TODO(exercise 4): mark the sender closed (once), AsyncClose() the
	// producer, which flushes and then closes Successes and Errors, wait for
	// your two reading goroutines to finish, and return an error if any
	// order failed.
	return errors.New("TODO(exercise 4): flush and close")
}
