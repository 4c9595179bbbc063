//go:build solution

package lab03

import (
	"slices"
	"time"
)

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

	// sessions holds each key's open sessions, earliest first.
	sessions   map[string][]*Result
	streamTime time.Time
	nextClose  time.Time
	dropped    int
}

// NewSessionAggregator returns a session aggregator with the inactivity gap
// gap and the grace period grace.
func NewSessionAggregator(gap, grace time.Duration) *SessionAggregator {
	return &SessionAggregator{gap: gap, grace: grace, sessions: map[string][]*Result{}}
}

// Add puts r in its session, merging the sessions it bridges, and returns
// the update, the sessions merged away and the sessions r's event time
// closed.
func (a *SessionAggregator) Add(r Record) Emitted {
	var out Emitted
	if r.Time.After(a.streamTime) {
		a.streamTime = r.Time
		// Close first: a closed session is final and takes no more
		// records, not even one within its gap.
		out.Finals = a.closeSessions()
	}

	merged := Result{Key: r.Key, Window: Window{Start: r.Time, End: r.Time}}
	var joined, rest []*Result
	for _, s := range a.sessions[r.Key] {
		if r.Time.Before(s.Window.Start.Add(-a.gap)) || r.Time.After(s.Window.End.Add(a.gap)) {
			rest = append(rest, s)
			continue
		}
		joined = append(joined, s)
		merged.Window.Start = earliest(merged.Window.Start, s.Window.Start)
		merged.Window.End = latest(merged.Window.End, s.Window.End)
		merged.Count += s.Count
		merged.Sum += s.Sum
	}
	if a.closesAt(merged.Window.End).Before(a.streamTime) {
		// Too late even with the sessions it joins: they are closed too.
		a.dropped++
		return out
	}
	merged.Count++
	merged.Sum += r.Value
	for _, s := range joined {
		// A session whose window stays the same is updated, not removed.
		if !s.Window.Start.Equal(merged.Window.Start) || !s.Window.End.Equal(merged.Window.End) {
			out.Removed = append(out.Removed, *s)
		}
	}
	a.sessions[r.Key] = insertByStart(rest, &merged)
	if c := a.closesAt(merged.Window.End); a.nextClose.IsZero() || c.Before(a.nextClose) {
		a.nextClose = c
	}
	out.Updates = []Result{merged}
	return out
}

// closesAt is the stream time a session ending at end stays open until:
// a record at end+gap could still join it, and grace is on top.
func (a *SessionAggregator) closesAt(end time.Time) time.Time {
	return end.Add(a.gap + a.grace)
}

// closeSessions removes the sessions stream time has passed the closing time
// of, and returns them in window order.
func (a *SessionAggregator) closeSessions() []Result {
	if a.nextClose.IsZero() || !a.nextClose.Before(a.streamTime) {
		return nil
	}
	var finals []Result
	a.nextClose = time.Time{}
	for key, sessions := range a.sessions {
		open := sessions[:0] // filter in place
		for _, s := range sessions {
			c := a.closesAt(s.Window.End)
			if c.Before(a.streamTime) {
				finals = append(finals, *s)
				continue
			}
			open = append(open, s)
			if a.nextClose.IsZero() || c.Before(a.nextClose) {
				a.nextClose = c
			}
		}
		if len(open) == 0 {
			delete(a.sessions, key)
		} else {
			a.sessions[key] = open
		}
	}
	sortResults(finals)
	return finals
}

// Dropped returns how many records came too late for their session.
func (a *SessionAggregator) Dropped() int { return a.dropped }

func insertByStart(sessions []*Result, s *Result) []*Result {
	i, _ := slices.BinarySearchFunc(sessions, s, func(x, y *Result) int { return x.Window.Start.Compare(y.Window.Start) })
	return slices.Insert(sessions, i, s)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
