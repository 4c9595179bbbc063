package lab02

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Exercise 1: large orders to their own topic.

// FilterLarge is a stream.TransformFunc. The processor calls it once for
// every record of the orders topic and writes whatever it returns to the
// orders-large topic.
//
// Contract:
//   - a large order (more than LargeOrderUnits units) comes out unchanged:
//     one record with the input's key and value. Leave Topic empty (the
//     processor writes to its output topic) and Timestamp zero (it keeps the
//     input's).
//   - any other order: no records, no error.
//   - a record that is not an order: no records and an error saying why.
//     The processor skips it, reports it and carries on.
func FilterLarge(in stream.Record) ([]stream.Record, error) {
	// TODO(exercise 1): decode the order with DecodeOrder, return its error
	// when there is one, and forward the record when the order is large.
	return nil, errors.New("TODO(exercise 1): FilterLarge is not written yet")
}
