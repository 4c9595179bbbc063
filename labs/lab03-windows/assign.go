package lab03

import "time"

// Exercise 1: tumbling and hopping windows.

// Assigner says which windows a record at event time ts belongs to.
type Assigner interface {
	Assign(ts time.Time) []Window
}

// Tumbling windows are back to back, Size long, aligned to the Unix epoch:
// [0, Size), [Size, 2*Size), ... Every record belongs to exactly one.
type Tumbling struct {
	Size time.Duration
}

// Assign returns the one window [start, start+Size) that holds ts.
//
// Contract:
//   - start is a multiple of Size counted from the Unix epoch (1970-01-01
//     00:00 UTC), and start <= ts < start+Size: the end is exclusive, so a
//     record at exactly 10:05:00 is in [10:05, 10:10), not [10:00, 10:05).
func (w Tumbling) Assign(ts time.Time) []Window {
	// TODO(exercise 1): the one window that holds ts.
	panic("TODO(exercise 1): Tumbling.Assign is not written yet")
}

// Hopping windows are Size long and start every Advance, aligned to the
// Unix epoch: [0, Size), [Advance, Advance+Size), ... A record belongs to
// every window whose [start, end) holds it: Size/Advance of them when
// Advance divides Size.
type Hopping struct {
	Size    time.Duration
	Advance time.Duration
}

// Assign returns the windows that hold ts, earliest start first.
//
// Contract:
//   - every window [start, start+Size) with start a multiple of Advance
//     (from the Unix epoch) and start <= ts < start+Size;
//   - ordered by start, earliest first.
func (w Hopping) Assign(ts time.Time) []Window {
	// TODO(exercise 1): every window that holds ts, earliest first.
	panic("TODO(exercise 1): Hopping.Assign is not written yet")
}
