// Package lab02 is lab 2 of mlops-lab: stream processing in Go, with the
// course's small stream processor, github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream.
//
// You write the functions the processor calls; it does the reading, the
// writing, the offsets and the changelog. Each exercise lives in its
// own file: README.md lists them, with their files and points.
//
// This file holds what they share. You do not need to change it.
package lab02

import (
	"encoding/json"
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Order is one record of the orders topic, as `mlops-lab start lab2`
// generates it (the shape of ksql-datagen's orders quickstart); its record
// key is the orderid.
//
//	{"ordertime":1700000000000,"orderid":42,"itemid":"Item_185","orderunits":4.37,
//	 "address":{"city":"City_64","state":"State_2","zipcode":77112}}
type Order struct {
	// OrderTime is when the order was placed, in milliseconds since the
	// Unix epoch (the record's timestamp carries the same instant).
	OrderTime  int64   `json:"ordertime"`
	OrderID    int     `json:"orderid"`
	ItemID     string  `json:"itemid"`
	OrderUnits float64 `json:"orderunits"`
	Address    Address `json:"address"`
}

// Address is where an order goes.
type Address struct {
	City    string `json:"city"`
	State   string `json:"state"`
	Zipcode int64  `json:"zipcode"`
}

// LargeOrderUnits is the size above which an order is large (exercise 1):
// an order of exactly 8 units is not.
const LargeOrderUnits = 8.0

// DecodeOrder reads an order from a record's value. Its error says why a
// value is not an order (not JSON, or a field of the wrong type).
func DecodeOrder(value []byte) (Order, error) {
	var o Order
	if err := json.Unmarshal(value, &o); err != nil {
		return Order{}, fmt.Errorf("not an order: %w", err)
	}
	return o, nil
}

// StateTotal is the running total of one state (exercises 3 to 5): the value
// of the state's record in the units-by-state changelog, as JSON.
//
//	{"state":"State_2","orders":3,"units":12.5}
type StateTotal struct {
	State  string  `json:"state"`
	Orders int     `json:"orders"`
	Units  float64 `json:"units"`
	// Counted is, per input partition, the offset of the last order counted
	// in this total (exercise 5): what makes counting safe to repeat.
	Counted stream.Positions `json:"counted,omitempty"`
}

// Settings tell RunTotals (exercise 5) where to read and write.
type Settings struct {
	// Bootstrap is the Kafka cluster, "localhost:9092".
	Bootstrap string
	// Group is the consumer group whose committed offsets say where to
	// resume.
	Group string
	// Orders is the input topic.
	Orders string
	// Totals is the changelog topic of the totals (compacted): key the
	// state, value its StateTotal as JSON.
	Totals string
	// OnSkip is told about every record that was skipped.
	OnSkip func(stream.Skipped)
}
