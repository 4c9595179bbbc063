//go:build solution

package lab03

import (
	"slices"
	"strings"
	"time"
)

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

	// open holds the Result of every window that has not closed yet.
	open map[windowKey]*Result
	// streamTime is the largest event time seen; zero before the first
	// record.
	streamTime time.Time
	// nextClose is the earliest end + grace among the open windows, so
	// Add looks for windows to close only when one is due.
	nextClose time.Time
	dropped   int
}

// windowKey names one key's window: windows of one aggregator differ by
// their start.
type windowKey struct {
	key   string
	start int64
}

// NewTimeAggregator returns an aggregator over the windows assigner gives,
// with the grace period grace.
func NewTimeAggregator(assigner Assigner, grace time.Duration) *TimeAggregator {
	return &TimeAggregator{assigner: assigner, grace: grace, open: map[windowKey]*Result{}}
}

// Add counts r into each of its windows that is still open, and returns the
// updates, and the finals of the windows r's event time closed.
func (a *TimeAggregator) Add(r Record) Emitted {
	var out Emitted
	// Only a record newer than everything before it moves stream time on,
	// and only then can windows close.
	if r.Time.After(a.streamTime) {
		a.streamTime = r.Time
		out.Finals = a.closeWindows()
	}
	windows := a.assigner.Assign(r.Time)
	out.Updates = make([]Result, 0, len(windows))
	for _, w := range windows {
		closeAt := w.End.Add(a.grace)
		if !closeAt.After(a.streamTime) {
			// Closed: too late for this window, whose final is out (or
			// would have been, had it ever held a record).
			continue
		}
		k := windowKey{r.Key, w.Start.UnixMilli()}
		res, ok := a.open[k]
		if !ok {
			res = &Result{Key: r.Key, Window: w}
			a.open[k] = res
			if a.nextClose.IsZero() || closeAt.Before(a.nextClose) {
				a.nextClose = closeAt
			}
		}
		res.Count++
		res.Sum += r.Value
		out.Updates = append(out.Updates, *res)
	}
	if len(out.Updates) == 0 {
		a.dropped++
	}
	return out
}

// closeWindows removes the windows whose end + grace stream time has
// reached, and returns their final results in window order.
func (a *TimeAggregator) closeWindows() []Result {
	if a.nextClose.IsZero() || a.nextClose.After(a.streamTime) {
		return nil
	}
	var finals []Result
	a.nextClose = time.Time{}
	for k, res := range a.open {
		closeAt := res.Window.End.Add(a.grace)
		if !closeAt.After(a.streamTime) {
			finals = append(finals, *res)
			delete(a.open, k)
		} else if a.nextClose.IsZero() || closeAt.Before(a.nextClose) {
			a.nextClose = closeAt
		}
	}
	sortResults(finals)
	return finals
}

// Dropped returns how many records were too late for all their windows.
func (a *TimeAggregator) Dropped() int { return a.dropped }

// sortResults orders results by window start, then key: a map's order is
// random, and results are easier to read (and test) in order.
func sortResults(rs []Result) {
	slices.SortFunc(rs, func(x, y Result) int {
		if c := x.Window.Start.Compare(y.Window.Start); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
}
