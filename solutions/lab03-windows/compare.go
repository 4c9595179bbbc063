//go:build solution

package lab03

import "time"

// Exercise 10: the same windows in Go and in KSQL.

// NewHoppingUnits returns the Go twin of hopping.sql: the units of each
// state in hopping windows of 5 minutes that advance by 1 minute, with a
// grace period of 30 seconds. Fed the same orders (key the state, value the
// units, time the record's timestamp), it must give every window the same
// count and sum as the KSQL table, update for update.
func NewHoppingUnits() *TimeAggregator {
	return NewTimeAggregator(Hopping{Size: 5 * time.Minute, Advance: time.Minute}, 30*time.Second)
}
