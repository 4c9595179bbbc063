// Package lab03 is lab 3 of mlops-lab: windowed aggregation over event time,
// in Go.
//
// You write the windows yourself (exercises 1 to 5), then check that your
// hopping windows give the same answer as ksqlDB's (6); lab 4 writes the
// same aggregations in KSQL. Each exercise lives in its own file: README.md
// lists them, with their files and points.
//
// This file holds what they share. You do not need to change it.
package lab03

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Record is what the aggregators take: one event of a key, with a number to
// add up, at the time it happened.
type Record struct {
	// Key is what results are grouped by: a state, a user.
	Key string
	// Value is added to the window's Sum.
	Value float64
	// Time is the event time: when the event happened, as the producer
	// stamped it on the Kafka record. Never the wall clock.
	Time time.Time
}

// Window is a span of event time.
//
// Tumbling and hopping windows are half-open, [Start, End): a record at
// exactly End belongs to the next window. Session windows are closed,
// [Start, End]: Start is the time of the session's first record, End that of
// its last, as ksqlDB reports them.
type Window struct {
	Start time.Time
	End   time.Time
}

// Result is the aggregate of one key in one window: how many records, and
// the sum of their values.
type Result struct {
	Key    string
	Window Window
	Count  int
	Sum    float64
}

// Emitted is what adding one record produces.
type Emitted struct {
	// Updates hold the new Result of every window the record changed, one
	// per window, in window order (earliest start first): a changelog, as
	// ksqlDB's EMIT CHANGES writes it.
	Updates []Result
	// Removed hold the sessions the record merged away (session windows
	// only): they no longer exist, their records now count in the merged
	// session that Updates holds.
	Removed []Result
	// Finals hold the last Result of every window that closed because of
	// this record: stream time has passed the window's end plus the grace
	// period, so it can never change again. Each window has one final.
	Finals []Result
}

// Aggregator is what TimeAggregator and SessionAggregator have in common:
// records go in, updates (and finals) come out.
type Aggregator interface {
	Add(r Record) Emitted
}

// Order is one record of the orders topic, as `mlops-lab start lab3`
// generates it (the shape of ksql-datagen's orders quickstart); its record
// key is the orderid and its record timestamp the ordertime.
//
//	{"ordertime":1772445600000,"orderid":42,"itemid":"Item_185","orderunits":4.37,
//	 "address":{"city":"City_64","state":"State_2","zipcode":77112}}
type Order struct {
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

// DecodeOrder reads an order from a record's value. Its error says why a
// value is not an order.
func DecodeOrder(value []byte) (Order, error) {
	var o Order
	if err := json.Unmarshal(value, &o); err != nil {
		return Order{}, fmt.Errorf("not an order: %w", err)
	}
	return o, nil
}

// ResultJSON is a Result as RunWindows writes it to a topic: times in
// milliseconds since the Unix epoch, as ksqlDB's WINDOWSTART and WINDOWEND.
//
//	{"key":"State_2","window_start":1772445600000,"window_end":1772445660000,"count":3,"sum":12.5}
//
// `mlops-lab plot windows` draws a topic or file of these.
type ResultJSON struct {
	Key         string  `json:"key"`
	WindowStart int64   `json:"window_start"`
	WindowEnd   int64   `json:"window_end"`
	Count       int     `json:"count"`
	Sum         float64 `json:"sum"`
}

// EncodeResult returns r as ResultJSON.
func EncodeResult(r Result) []byte {
	b, _ := json.Marshal(ResultJSON{Key: r.Key, WindowStart: r.Window.Start.UnixMilli(), WindowEnd: r.Window.End.UnixMilli(), Count: r.Count, Sum: r.Sum})
	return b
}

// DecodeResult reads a Result written by EncodeResult (times in UTC).
func DecodeResult(value []byte) (Result, error) {
	var j ResultJSON
	if err := json.Unmarshal(value, &j); err != nil {
		return Result{}, fmt.Errorf("not a windowed result: %w", err)
	}
	return Result{Key: j.Key, Window: Window{Start: time.UnixMilli(j.WindowStart).UTC(), End: time.UnixMilli(j.WindowEnd).UTC()}, Count: j.Count, Sum: j.Sum}, nil
}

// Settings tell RunWindows (exercise 5) where to read and write.
type Settings struct {
	// Bootstrap is the Kafka cluster, "localhost:9092".
	Bootstrap string
	// Group is the consumer group that reads the orders.
	Group string
	// Orders is the input topic.
	Orders string
	// Updates is the topic every update goes to.
	Updates string
	// Finals is the topic every final result goes to.
	Finals string
	// Aggregator aggregates the orders.
	Aggregator Aggregator
	// OnSkip is told about every record that was skipped.
	OnSkip func(stream.Skipped)
}
