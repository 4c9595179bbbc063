package lab02

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Exercise 2: rekeying orders by state.

// RekeyByState is a stream.TransformFunc that gives every order a new key:
// its address.state. The processor writes the result to orders-by-state,
// where the key decides the partition, so all the orders of one state end
// up in one partition, in order.
//
// Contract:
//   - an order comes out once, with key address.state (the plain text,
//     "State_2") and the input's value unchanged.
//   - an order without a state cannot be routed: no records and an error.
//   - a record that is not an order: no records and an error.
func RekeyByState(in stream.Record) ([]stream.Record, error) {
	// TODO(exercise 2): decode the order, refuse one without a state, and
	// return the value under its new key.
	return nil, errors.New("TODO(exercise 2): RekeyByState is not written yet")
}
