package lab03

import (
	"context"
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Exercise 5: windows over a topic.

// OrderRecord turns a record of the orders topic into the Record the
// aggregators take: the key is the order's address.state, the value its
// orderunits, and the time the Kafka record's timestamp, its event time.
//
// A value that is not an order, or an order without a state, is an error.
func OrderRecord(in stream.Record) (Record, error) {
	// TODO(exercise 5): DecodeOrder, check the state, build the Record.
	return Record{}, errors.New("TODO(exercise 5): OrderRecord is not written yet")
}

// RunWindows runs s.Aggregator over the orders topic s.Orders (as consumer
// group s.Group) until ctx ends, then returns nil (an error only when it
// cannot run). For every order it writes each update to s.Updates and each
// final to s.Finals: keyed by the result's key, the value EncodeResult of
// the result. Records OrderRecord refuses are reported to s.OnSkip.
func RunWindows(ctx context.Context, s Settings) error {
	// TODO(exercise 5): one stream.Run call whose Transform calls
	// OrderRecord and s.Aggregator.Add and returns the output records.
	return errors.New("TODO(exercise 5): RunWindows is not written yet")
}
