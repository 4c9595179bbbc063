package lab03

import "time"

// Exercise 4: session windows.

// SessionAggregator counts and sums records per key in session windows: a
// session is a run of records of one key, each at most Gap after the one
// before. Its window is [first record, last record], both ends included.
//
// Contract:
//   - a record within gap of a session of its key (start-gap <= t <=
//     end+gap, both ends included) joins it; otherwise it starts a new
//     session of its own, [t, t].
//   - a record within gap of two sessions bridges them: they merge into one
//     session, with the counts and sums of both plus the record. The
//     sessions merged away go to Removed; the merged session is the one
//     update.
//   - stream time and grace as in TimeAggregator, except that a session
//     can grow until stream time passes end + gap: it closes when stream
//     time is past end + gap + grace. A record whose session (after
//     merging) would already be closed is dropped and counted.
//   - a session that closes comes out once in Finals, and is forgotten.
type SessionAggregator struct {
	gap, grace time.Duration

	// TODO(exercise 4): each key's open sessions, stream time, the
	// dropped count.
}

// NewSessionAggregator returns a session aggregator with the inactivity gap
// gap and the grace period grace.
func NewSessionAggregator(gap, grace time.Duration) *SessionAggregator {
	return &SessionAggregator{gap: gap, grace: grace}
}

// Add puts r in its session, merging the sessions it bridges, and returns
// the update, the sessions merged away and the sessions r's event time
// closed.
func (a *SessionAggregator) Add(r Record) Emitted {
	// TODO(exercise 4): find the sessions r joins, merge them with r,
	// and replace them by the merged session.
	panic("TODO(exercise 4): SessionAggregator.Add is not written yet")
}

// Dropped returns how many records came too late for their session.
func (a *SessionAggregator) Dropped() int {
	// TODO(exercise 4)
	panic("TODO(exercise 4): SessionAggregator.Dropped is not written yet")
}
