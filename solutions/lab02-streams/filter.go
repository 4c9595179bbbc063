//go:build solution

package lab02

import (
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
	o, err := DecodeOrder(in.Value)
	if err != nil {
		// Not ours to fix, and not a reason to stop the stream: the
		// processor reports it and moves on.
		return nil, err
	}
	if o.OrderUnits <= LargeOrderUnits {
		return nil, nil
	}
	// Forward the bytes we were given rather than re-encoding the order:
	// a filter must not change what it lets through.
	return []stream.Record{{Key: in.Key, Value: in.Value}}, nil
}
