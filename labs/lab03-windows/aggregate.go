package lab03

import "time"

// Exercise 2: one update per window a record changes.
// Exercise 3: late records, the grace period, final results.

// TimeAggregator counts and sums records per key in the windows an Assigner
// gives (tumbling or hopping), over event time.
//
// Exercise 2, updates: Add puts the record in each of its windows and
// returns the window's new Result, one update per window it changed.
//
// Exercise 3, late records and finals:
//   - stream time is the largest event time Add has seen so far; a record
//     older than that (out of order) does not move it back.
//   - a window [start, end) closes when stream time reaches end + grace:
//     from then on, a record for it is too late and changes nothing.
//     Within the grace period, a late record still updates its window.
//   - a record that is too late for every one of its windows is dropped:
//     no update, and Dropped counts it.
//   - when a window closes, Add returns its last Result in Finals, once,
//     and forgets the window.
type TimeAggregator struct {
	assigner Assigner
	grace    time.Duration

	// TODO(exercise 2): the Result of every window, by key and window.
	// TODO(exercise 3): stream time, and how many records were dropped.
}

// NewTimeAggregator returns an aggregator over the windows assigner gives,
// with the grace period grace.
func NewTimeAggregator(assigner Assigner, grace time.Duration) *TimeAggregator {
	// TODO(exercise 2): make the state your fields need (a map, say).
	return &TimeAggregator{assigner: assigner, grace: grace}
}

// Add counts r into each of its windows that is still open, and returns the
// updates, and the finals of the windows r's event time closed.
//
// Contract (exercise 2): for each window a.assigner.Assign(r.Time) returns,
// in that order, add r to the key's Result for that window (Count plus one,
// Sum plus r.Value; a window not seen yet starts at zero) and append the new
// Result to Updates.
//
// Contract (exercise 3): see TimeAggregator.
func (a *TimeAggregator) Add(r Record) Emitted {
	// TODO(exercise 2): one update per window r falls in.
	// TODO(exercise 3): stream time, closed windows, finals, drops.
	panic("TODO(exercise 2): TimeAggregator.Add is not written yet")
}

// Dropped returns how many records were too late for all their windows.
func (a *TimeAggregator) Dropped() int {
	// TODO(exercise 3)
	panic("TODO(exercise 3): TimeAggregator.Dropped is not written yet")
}
