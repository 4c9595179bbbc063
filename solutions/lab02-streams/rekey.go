//go:build solution

package lab02

import (
	"fmt"

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
	o, err := DecodeOrder(in.Value)
	if err != nil {
		return nil, err
	}
	if o.Address.State == "" {
		// An empty key would pile every such order into one partition
		// under a meaningless key: report it instead.
		return nil, fmt.Errorf("order %d has no address.state to key it by", o.OrderID)
	}
	// Only the key changes; the partitioner does the rest.
	return []stream.Record{{Key: []byte(o.Address.State), Value: in.Value}}, nil
}
