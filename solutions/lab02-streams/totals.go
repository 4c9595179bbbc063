//go:build solution

package lab02

import (
	"encoding/json"
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Exercise 3: a running total of units per state.

// AddOrder returns total with order o counted in: one more order, o's units
// added, and State set to o's state. It changes nothing else.
func AddOrder(total StateTotal, o Order) StateTotal {
	total.State = o.Address.State
	total.Orders++
	total.Units += o.OrderUnits
	return total
}

// CountUnits is a stream.TableFunc: it keeps one StateTotal per state in
// table (key: the state; value: the total as JSON) and counts every order
// into the total of its state. The processor writes each change of the
// table to the changelog topic units-by-state, so that topic receives the
// new total of a state every time an order for it comes in.
//
// Contract:
//   - for an order: read its state's total from the table (none yet: start
//     from a zero StateTotal), AddOrder, Put the new total back as JSON.
//     Return no records: the changelog is the output.
//   - an order without a state, or a record that is not an order: an error,
//     and no change to the table.
func CountUnits(in stream.Record, table *stream.Table) ([]stream.Record, error) {
	o, total, err := orderAndTotal(in, table)
	if err != nil {
		return nil, err
	}
	return nil, putTotal(table, AddOrder(total, o))
}

// orderAndTotal decodes an order and looks up the current total of its
// state (a zero total for a state not seen yet).
func orderAndTotal(in stream.Record, table *stream.Table) (Order, StateTotal, error) {
	o, err := DecodeOrder(in.Value)
	if err != nil {
		return Order{}, StateTotal{}, err
	}
	if o.Address.State == "" {
		return Order{}, StateTotal{}, fmt.Errorf("order %d has no address.state to total it under", o.OrderID)
	}
	var total StateTotal
	if old, ok := table.Get(o.Address.State); ok {
		if err := json.Unmarshal(old, &total); err != nil {
			return Order{}, StateTotal{}, fmt.Errorf("the total of %s in the table is not readable: %w", o.Address.State, err)
		}
	}
	return o, total, nil
}

// putTotal writes a total back under its state; the processor turns the Put
// into a changelog record.
func putTotal(table *stream.Table, total StateTotal) error {
	value, err := json.Marshal(total)
	if err != nil {
		return err
	}
	table.Put(total.State, value)
	return nil
}
