//go:build solution

package lab03

import (
	"context"
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Exercise 5: windows over a topic.

// OrderRecord turns a record of the orders topic into the Record the
// aggregators take: the key is the order's address.state, the value its
// orderunits, and the time the Kafka record's timestamp, its event time.
//
// A value that is not an order, or an order without a state, is an error.
func OrderRecord(in stream.Record) (Record, error) {
	o, err := DecodeOrder(in.Value)
	if err != nil {
		return Record{}, err
	}
	if o.Address.State == "" {
		return Record{}, fmt.Errorf("order %d has no address.state to group it by", o.OrderID)
	}
	// The record's timestamp, not time.Now(): results must not depend on
	// when the processor happens to run, or on how far behind it is.
	return Record{Key: o.Address.State, Value: o.OrderUnits, Time: in.Timestamp}, nil
}

// RunWindows runs s.Aggregator over the orders topic s.Orders (as consumer
// group s.Group) until ctx ends, then returns nil (an error only when it
// cannot run). For every order it writes each update to s.Updates and each
// final to s.Finals: keyed by the result's key, the value EncodeResult of
// the result. Records OrderRecord refuses are reported to s.OnSkip.
func RunWindows(ctx context.Context, s Settings) error {
	return stream.Run(ctx, stream.Config{
		Bootstrap: s.Bootstrap,
		Group:     s.Group,
		Inputs:    []string{s.Orders},
		// The aggregator keeps its windows in memory, so the processor
		// is stateless as far as it knows: a restart starts the windows
		// again (a stretch goal fixes that).
		Transform: func(in stream.Record) ([]stream.Record, error) {
			r, err := OrderRecord(in)
			if err != nil {
				return nil, err
			}
			emitted := s.Aggregator.Add(r)
			var out []stream.Record
			for _, u := range emitted.Updates {
				out = append(out, stream.Record{Topic: s.Updates, Key: []byte(u.Key), Value: EncodeResult(u)})
			}
			for _, f := range emitted.Finals {
				out = append(out, stream.Record{Topic: s.Finals, Key: []byte(f.Key), Value: EncodeResult(f)})
			}
			return out, nil
		},
		OnSkip: s.OnSkip,
	})
}
