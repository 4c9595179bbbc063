//go:build grading

package lab03

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// TestGoMatchesKsql feeds the same orders to NewHoppingUnits and to ksqlDB,
// which runs the grader's hopping query (grHoppingQuery), and compares what
// both emitted.
func TestGoMatchesKsql(t *testing.T) {
	labtest.StopIfNotStarted(t, func() error { NewHoppingUnits(); return nil })
	records := grCompareInputs()
	var kin []testrunner.Record
	for i, r := range records {
		kin = append(kin, grOrderAt(i+1, r.Key, r.Time, r.Value))
	}
	run := grRunKSQL(t, "hopping query", grHoppingQuery, kin)
	const table = "UNITS_LAST_5_MINUTES"

	var goUpdates []Result
	goProblem := ""
	var agg *TimeAggregator
	switch {
	case !labtest.Guard(t, "NewHoppingUnits()", func() { agg = NewHoppingUnits() }):
		goProblem = "NewHoppingUnits panicked"
	case agg == nil:
		goProblem = "NewHoppingUnits() returned nil: return NewTimeAggregator(Hopping{...}, grace) with the size, advance and grace of ksqlDB's hopping windows (5 minutes, 1 minute, 30 seconds)"
	case !labtest.Guard(t, "NewHoppingUnits().Add", func() {
		for _, r := range records {
			goUpdates = append(goUpdates, agg.Add(r).Updates...)
		}
	}):
		goProblem = "Add of the aggregator NewHoppingUnits returned panicked"
	case len(goUpdates) == 0:
		goProblem = fmt.Sprintf("your Go aggregator (NewHoppingUnits) gave no update for %d orders: finish exercises 1 to 3 first", len(records))
	}
	prepare := func(t *testing.T) []grRow {
		t.Helper()
		if goProblem != "" {
			t.Fatalf("%s", goProblem)
		}
		return run.rows(t, table)
	}

	t.Run("every window has the same count and sum", func(t *testing.T) {
		rows := prepare(t)
		goTable := map[string]Result{}
		for _, u := range goUpdates {
			goTable[grResultID(u.Key, u.Window.Start)] = u
		}
		ksqlTable := grLatest(rows)
		var problems []string
		goMore, ksqlMore := 0, 0
		ids := map[string]bool{}
		for id := range goTable {
			ids[id] = true
		}
		for id := range ksqlTable {
			ids[id] = true
		}
		var sorted []string
		for id := range ids {
			sorted = append(sorted, id)
		}
		sort.Strings(sorted)
		for _, id := range sorted {
			g, inGo := goTable[id]
			k, inK := ksqlTable[id]
			switch {
			case !inK:
				problems = append(problems, fmt.Sprintf("window %s of %s: Go says %s; ksqlDB has no such window", grFmtWindow(g.Window, false), g.Key, grFmtResultValues(g)))
				goMore++
			case !inGo:
				problems = append(problems, fmt.Sprintf("window %s of %s: ksqlDB says %s; your Go aggregator has no such window", grFmtSpan(k.start, k.end, false), k.key, grFmtRow(k)))
				ksqlMore++
			default:
				kc, ks := k.count, k.units
				if kc != float64(g.Count) || !grNear(ks, g.Sum) {
					problems = append(problems, fmt.Sprintf("window %s of %s: Go says %s; ksqlDB says %s", grFmtWindow(g.Window, false), g.Key, grFmtResultValues(g), grFmtRow(k)))
					if float64(g.Count) > kc {
						goMore++
					} else {
						ksqlMore++
					}
				}
			}
		}
		if len(problems) == 0 {
			return
		}
		hint := "the same orders went into both (key the state, value the units, time the record timestamp), so the windows, the grace period or the closing rule differ"
		switch {
		case goMore > 0 && ksqlMore == 0:
			hint = "Go counts orders that ksqlDB dropped as too late: is NewHoppingUnits's grace period 30 seconds, and does your Go window close when stream time reaches end + grace, not only after it?"
		case ksqlMore > 0 && goMore == 0:
			hint = "ksqlDB counts orders that your Go aggregator dropped: is NewHoppingUnits's grace period 30 seconds, and is your stream time the largest event time seen?"
		}
		grReport(t, fmt.Sprintf("%d of %d windows differ between NewHoppingUnits and ksqlDB on the same %d orders", len(problems), len(ids), len(records)), problems, hint)
	})

	t.Run("the same updates, in the same order", func(t *testing.T) {
		rows := prepare(t)
		var ks []grRow
		for _, r := range rows {
			if !r.tombstone {
				ks = append(ks, r)
			}
		}
		n := min(len(ks), len(goUpdates))
		for i := 0; i < n; i++ {
			g, k := goUpdates[i], ks[i]
			if g.Key != k.key || !g.Window.Start.Equal(k.start) || !g.Window.End.Equal(k.end) || float64(g.Count) != k.count || !grNear(g.Sum, k.units) {
				t.Errorf("update %d of %d differs (the ones before agree):\n  Go:     window %s of %s, %s\n  ksqlDB: window %s of %s, %s\n  both emit one update per order and open window, earliest window first; the first difference shows where they part",
					i+1, len(ks), grFmtWindow(g.Window, false), g.Key, grFmtResultValues(g), grFmtSpan(k.start, k.end, false), k.key, grFmtRow(k))
				return
			}
		}
		if len(ks) != len(goUpdates) {
			t.Errorf("Go emitted %d updates and ksqlDB %d for the same %d orders; the first %d agree", len(goUpdates), len(ks), len(records), n)
		}
	})
}

// compareInputs are a few hundred orders of four states over about a
// quarter of an hour, a tenth of them out of order by up to 2.5 minutes and
// a few by 6 to 8 minutes: the same every run.
func grCompareInputs() []Record {
	rng := rand.New(rand.NewPCG(3, 2026))
	var out []Record
	now := grT0
	for range 360 {
		now = now.Add(time.Duration(500+rng.IntN(3000)) * time.Millisecond)
		ts := now
		switch p := rng.IntN(100); {
		case p < 10:
			ts = now.Add(-time.Duration(rng.IntN(150_000)) * time.Millisecond)
		case p < 13:
			ts = now.Add(-time.Duration(360_000+rng.IntN(120_000)) * time.Millisecond)
		}
		out = append(out, Record{Key: fmt.Sprintf("State_%d", 1+rng.IntN(4)), Value: float64(1+rng.IntN(999)) / 100, Time: ts})
	}
	// The edges: stream time lands exactly on a window's end + grace, and
	// a record for that window comes right then (closed: dropped), one for
	// the next window is in time, and one arrives at a window's end (not
	// in it).
	end := time.UnixMilli(now.UnixMilli() - now.UnixMilli()%60_000).UTC().Add(2 * time.Minute)
	return append(out,
		Record{Key: "State_2", Value: 1.25, Time: end.Add(30 * time.Second)},
		Record{Key: "State_1", Value: 2.5, Time: end.Add(-time.Millisecond)},
		Record{Key: "State_3", Value: 0.75, Time: end.Add(-4*time.Minute - time.Millisecond)},
		Record{Key: "State_4", Value: 3.5, Time: end},
	)
}

func grFmtResultValues(r Result) string { return fmt.Sprintf("count %d, sum %.10g", r.Count, r.Sum) }
