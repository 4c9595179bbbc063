//go:build grading

// Grading tests of lab 1. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. Every test
// talks to a real broker: the grader's (MLOPS_LAB_BOOTSTRAP) or an embedded
// one it starts, on topics and groups no other test uses.
package lab01

import (
	"fmt"
	"time"
)

// readWait bounds reading a test's records back: ReadTopic returns as soon
// as it has them all, so only a missing record makes a test wait this long.
const readWait = 30 * time.Second

// How long a member may take to get its records (joining a group takes a
// few seconds, more on a loaded machine), and to return once cancelled.
const (
	memberWait     = 30 * time.Second
	memberStopWait = 20 * time.Second
)

func sampleOrder(id int) Order {
	return Order{
		OrderTime:  1_700_000_000_000 + int64(id)*1000,
		OrderID:    id,
		ItemID:     fmt.Sprintf("Item_%d", id%999+1),
		OrderUnits: float64(id%97)/10 + 0.5,
		Address:    Address{City: fmt.Sprintf("City_%d", id%89+1), State: fmt.Sprintf("State_%d", id%9+1), Zipcode: 10000 + int64(id%90000)},
	}
}

func sumOffsets(offsets map[int32]int64) int64 {
	var total int64
	for _, o := range offsets {
		total += o
	}
	return total
}
