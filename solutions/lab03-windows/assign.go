//go:build solution

package lab03

import (
	"slices"
	"time"
)

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
func (w Tumbling) Assign(ts time.Time) []Window {
	// A tumbling window is a hopping window that advances by its size.
	return Hopping{Size: w.Size, Advance: w.Size}.Assign(ts)
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
func (w Hopping) Assign(ts time.Time) []Window {
	ms, size, adv := ts.UnixMilli(), w.Size.Milliseconds(), w.Advance.Milliseconds()
	// The latest window holding ts starts at ts rounded down to a multiple
	// of the advance, counted from the Unix epoch as Kafka and ksqlDB do
	// (time.Truncate counts from the year 1: the same only for sizes that
	// divide a day).
	last := ms - ms%adv
	out := make([]Window, 0, (size+adv-1)/adv)
	// Earlier windows start one advance apart, as long as they still
	// reach past ts (the end is exclusive).
	for start := last; start > ms-size && start >= 0; start -= adv {
		out = append(out, Window{Start: time.UnixMilli(start).UTC(), End: time.UnixMilli(start + size).UTC()})
	}
	slices.Reverse(out) // earliest first
	return out
}
