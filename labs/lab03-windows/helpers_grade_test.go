//go:build grading

// Grading tests of lab 3. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. Every input
// has explicit event times on one day, 2026-03-02 (UTC), shown as clock times:
// 10:04:59.999 is a millisecond before 10:05. The Go exercises call your
// functions directly (exercise 5 also runs them over topics of the grader's
// broker, or an embedded one). Exercise 6 runs the same orders through your
// NewHoppingUnits and through ksqlDB (an embedded engine, running the
// grader's own hopping query) and compares what both emitted.
//
// The tests compile into your package, so their helpers are named gr...
// (grAt, grRes, ...): no name of yours can clash with them.
package lab03

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// lateAllowed is ksqlDB's default grace period: with it, no test record here
// is ever too late.
const grLateAllowed = 24 * time.Hour

// ---------------------------------------------------------------------------
// Times and windows.

// t0 is 10:00 on the lab's day; every test time is on that day.
var grT0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// at reads a clock time on the lab's day: "10:04:59.999".
func grAt(s string) time.Time {
	for _, layout := range []string{"15:04:05.000", "15:04:05"} {
		if c, err := time.Parse(layout, s); err == nil {
			return time.Date(grT0.Year(), grT0.Month(), grT0.Day(), c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), time.UTC)
		}
	}
	panic("bad test time " + s)
}

// clock shows a time as the tests write it: "10:04:59.999", the date only
// when it is not the lab's day.
func grClock(ts time.Time) string {
	ts = ts.UTC()
	s := ts.Format("15:04:05.000")
	s = strings.TrimSuffix(s, ".000")
	if y, m, d := ts.Date(); y != grT0.Year() || m != grT0.Month() || d != grT0.Day() {
		s = ts.Format("2006-01-02 ") + s
	}
	if ts.IsZero() {
		return "the zero time"
	}
	return s
}

func grFmtSpan(start, end time.Time, session bool) string {
	if session {
		return fmt.Sprintf("[%s, %s]", grClock(start), grClock(end))
	}
	return fmt.Sprintf("[%s, %s)", grClock(start), grClock(end))
}

func grFmtWindow(w Window, session bool) string { return grFmtSpan(w.Start, w.End, session) }

// refWindows is the test's own assigner, so that exercises 2 and 3 do not
// depend on your exercise 1.
type grRefWindows struct{ size, advance time.Duration }

func (w grRefWindows) Assign(ts time.Time) []Window {
	size, adv := w.size.Milliseconds(), w.advance.Milliseconds()
	var out []Window
	first := ts.UnixMilli() - size + 1
	first += ((adv - first%adv) % adv)
	for s := first; s <= ts.UnixMilli(); s += adv {
		out = append(out, Window{Start: time.UnixMilli(s).UTC(), End: time.UnixMilli(s + size).UTC()})
	}
	return out
}

// ---------------------------------------------------------------------------
// Go aggregators, step by step.

func grRec(key, ts string, v float64) Record { return Record{Key: key, Value: v, Time: grAt(ts)} }

func grRes(key, start, end string, count int, sum float64) Result {
	return Result{Key: key, Window: Window{Start: grAt(start), End: grAt(end)}, Count: count, Sum: sum}
}

// step is one record added, and what must come out. A nil slice is not
// checked; an empty one must be empty.
type grStep struct {
	in                       Record
	updates, removed, finals []Result
	// dropped is what Dropped() must say after the step; it is checked
	// when it is not 0, when checkDropped is set, or when the step expects
	// no update.
	dropped      int
	checkDropped bool
	why          string
}

// dropper is what both aggregators have beyond Add.
type grDropper interface{ Dropped() int }

// runSteps adds each step's record to a fresh aggregator and compares what
// comes out; it stops at the first step that differs (the later ones would
// only repeat the difference).
func grRunSteps(t *testing.T, name string, newAgg func() Aggregator, steps []grStep) {
	t.Helper()
	var agg Aggregator
	if !labtest.Guard(t, name, func() { agg = newAgg() }) {
		return
	}
	if grIsNil(agg) {
		t.Fatalf("%s returned nil", name)
	}
	session := strings.Contains(name, "Session")
	var history []string
	for i, s := range steps {
		var got Emitted
		if !labtest.Guard(t, fmt.Sprintf("Add(%s)", grFmtRecord(s.in)), func() { got = agg.Add(s.in) }) {
			return
		}
		var diffs []string
		if s.updates != nil && !grSameResults(got.Updates, s.updates, true) {
			diffs = append(diffs, fmt.Sprintf("Updates:\n    expected: %s\n    got:      %s", grFmtResults(s.updates, session), grFmtResults(got.Updates, session)))
		}
		if s.removed != nil && !grSameResults(got.Removed, s.removed, false) {
			diffs = append(diffs, fmt.Sprintf("Removed:\n    expected: %s\n    got:      %s", grFmtResults(s.removed, session), grFmtResults(got.Removed, session)))
		}
		if s.finals != nil && !grSameResults(got.Finals, s.finals, false) {
			diffs = append(diffs, fmt.Sprintf("Finals:\n    expected: %s\n    got:      %s", grFmtResults(s.finals, session), grFmtResults(got.Finals, session)))
		}
		if d, ok := agg.(grDropper); ok && (s.dropped > 0 || s.checkDropped || len(s.updates) == 0 && s.updates != nil) {
			var n int
			if labtest.Guard(t, "Dropped()", func() { n = d.Dropped() }) && n != s.dropped {
				diffs = append(diffs, fmt.Sprintf("Dropped():\n    expected: %d\n    got:      %d", s.dropped, n))
			}
		}
		if len(diffs) > 0 {
			before := "it is the first record"
			if len(history) > 0 {
				before = "the records before: " + strings.Join(history, ", ")
			}
			msg := fmt.Sprintf("%s, record %d of %d: Add(%s) (%s)\n  %s", name, i+1, len(steps), grFmtRecord(s.in), before, strings.Join(diffs, "\n  "))
			if s.why != "" {
				msg += "\n  " + s.why
			}
			t.Error(msg)
			return
		}
		history = append(history, grFmtRecord(s.in))
	}
}

func grIsNil(a Aggregator) bool {
	switch v := a.(type) {
	case nil:
		return true
	case *TimeAggregator:
		return v == nil
	case *SessionAggregator:
		return v == nil
	}
	return false
}

// sameResults compares results, in order or as a set.
func grSameResults(got, want []Result, ordered bool) bool {
	if len(got) != len(want) {
		return false
	}
	g, w := slices.Clone(got), slices.Clone(want)
	if !ordered {
		grSortByWindow(g)
		grSortByWindow(w)
	}
	return slices.EqualFunc(g, w, func(x, y Result) bool {
		return x.Key == y.Key && x.Window.Start.Equal(y.Window.Start) && x.Window.End.Equal(y.Window.End) && x.Count == y.Count && grNear(x.Sum, y.Sum)
	})
}

func grSortByWindow(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		if !rs[i].Window.Start.Equal(rs[j].Window.Start) {
			return rs[i].Window.Start.Before(rs[j].Window.Start)
		}
		if !rs[i].Window.End.Equal(rs[j].Window.End) {
			return rs[i].Window.End.Before(rs[j].Window.End)
		}
		return rs[i].Key < rs[j].Key
	})
}

func grFmtRecord(r Record) string {
	return fmt.Sprintf("{%s %g at %s}", r.Key, r.Value, grClock(r.Time))
}

func grFmtResults(rs []Result, session bool) string {
	if len(rs) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s %s count %d sum %.10g", r.Key, grFmtWindow(r.Window, session), r.Count, r.Sum))
	}
	return strings.Join(parts, "; ")
}

func grNear(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// ---------------------------------------------------------------------------
// ksqlDB: the grader's own hopping query, the twin NewHoppingUnits must match.

// graderStreams declares the orders stream the query reads, on a fresh
// topic; each test record's timestamp is its event time.
const grGraderStreams = `
CREATE STREAM orders (orderid INT KEY, ordertime BIGINT, itemid STRING, orderunits DOUBLE,
    address STRUCT<city STRING, state STRING, zipcode BIGINT>)
  WITH (kafka_topic='orders', value_format='JSON', partitions=1);
`

// grHoppingQuery is ksqlDB's version of NewHoppingUnits: units per state in
// hopping windows of 5 minutes that advance by 1 minute, with a grace period
// of 30 seconds. Lab 4 teaches this statement (its exercise 9).
const grHoppingQuery = `
CREATE TABLE units_last_5_minutes AS
  SELECT address->state AS state,
         WINDOWSTART AS window_start, WINDOWEND AS window_end,
         COUNT(*) AS orders, SUM(orderunits) AS units
  FROM orders
  WINDOW HOPPING (SIZE 5 MINUTES, ADVANCE BY 1 MINUTE, GRACE PERIOD 30 SECONDS)
  GROUP BY address->state
  EMIT CHANGES;
`

// ksqlRun is what ksqlDB did on the test's inputs.
type grKsqlRun struct {
	name    string
	problem string // why there are no outputs to look at
	exec    *testrunner.Execution
}

// grRunKSQL runs the statements sql, named name in messages, on a fresh
// embedded engine after graderStreams, and feeds it inputs.
func grRunKSQL(t *testing.T, name, sql string, inputs []testrunner.Record) *grKsqlRun {
	t.Helper()
	run := &grKsqlRun{name: name}
	var setupErr error
	backend := &testrunner.InProcess{Setup: func(eng *engine.Engine) {
		_, setupErr = eng.Execute(context.Background(), grGraderStreams, nil)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 60*time.Second))
	defer cancel()
	var exec *testrunner.Execution
	var err error
	ok := labtest.Guard(t, "running "+name, func() {
		exec, err = backend.Execute(ctx, testrunner.Case{Name: name, Statements: sql, Inputs: inputs})
	})
	switch {
	case !ok:
		run.problem = "running " + name + " crashed (see above): the grader's ksqlDB failed, not your code"
	case setupErr != nil:
		run.problem = fmt.Sprintf("the grader's orders stream failed: %v", setupErr)
	case err != nil:
		run.problem = fmt.Sprintf("the grader's %s failed: %v", name, err)
	default:
		run.exec = exec
	}
	return run
}

// row is one record of ksqlDB's table: a window's new totals, or a
// tombstone.
type grRow struct {
	key          string
	start, end   time.Time
	tombstone    bool
	count, units float64
}

// rows returns the records the table received, or fails the test saying
// why there are none.
func (k *grKsqlRun) rows(t *testing.T, table string) []grRow {
	t.Helper()
	if k.problem != "" {
		t.Fatalf("%s", k.problem)
	}
	recs := k.exec.Outputs[table]
	if len(recs) == 0 {
		msg := fmt.Sprintf("the grader's %s wrote no record to %s", k.name, table)
		if len(k.exec.ProcessingErrors) > 0 {
			msg += fmt.Sprintf("; ksqlDB skipped records: %v", k.exec.ProcessingErrors[0])
		}
		t.Fatalf("%s", msg)
	}
	var out []grRow
	for _, rec := range recs {
		key, value := grDecoded(rec.Key), grDecoded(rec.Value)
		r := grRow{key: fmt.Sprint(key), tombstone: value == nil}
		if rec.Window == nil {
			t.Fatalf("the grader's %s: a record of %s has no window", k.name, table)
		}
		r.start, r.end = time.UnixMilli(rec.Window.Start).UTC(), time.UnixMilli(rec.Window.End).UTC()
		if !r.tombstone {
			m, _ := value.(map[string]any)
			c, okC := grNum(m["ORDERS"])
			u, okU := grNum(m["UNITS"])
			if !okC || !okU {
				t.Fatalf("the grader's %s: a record of %s has the value %v, without the numbers ORDERS and UNITS", k.name, table, value)
			}
			r.count, r.units = c, u
		}
		out = append(out, r)
	}
	return out
}

func grNum(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// grDecoded turns a key or value as the test runner reports it (JSON text)
// into Go values; nil stays nil (a tombstone).
func grDecoded(v any) any {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		return v
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return string(raw)
	}
	return out
}

func grResultID(key string, start time.Time) string {
	return fmt.Sprintf("%s@%020d", key, start.UnixMilli())
}

// latest reads the rows as a table: the latest value of each (key, window),
// tombstones delete.
func grLatest(rows []grRow) map[string]grRow {
	out := map[string]grRow{}
	for _, r := range rows {
		id := grResultID(r.key, r.start)
		if r.tombstone {
			delete(out, id)
			continue
		}
		out[id] = r
	}
	return out
}

func grFmtRow(r grRow) string {
	if r.tombstone {
		return "a tombstone"
	}
	return fmt.Sprintf("count %g, sum %.10g", r.count, r.units)
}

// report fails the test with a list of problems, at most 6 of them shown.
func grReport(t *testing.T, what string, problems []string, hint string) {
	t.Helper()
	if len(problems) == 0 {
		return
	}
	shown := problems
	if len(shown) > 6 {
		shown = shown[:6]
	}
	msg := what + ":\n  " + strings.Join(shown, "\n  ")
	if len(problems) > len(shown) {
		msg += fmt.Sprintf("\n  ... and %d more", len(problems)-len(shown))
	}
	if hint != "" {
		msg += "\n  " + hint
	}
	t.Error(msg)
}

// orderAt is an order record for the orders stream, keyed by its id, at
// event time ts (the record timestamp, and its ordertime).
func grOrderAt(id int, state string, ts time.Time, units float64) testrunner.Record {
	ms := ts.UnixMilli()
	return testrunner.R("orders", id, map[string]any{
		"ordertime": ms, "orderid": id, "itemid": fmt.Sprintf("Item_%d", id), "orderunits": units,
		"address": map[string]any{"city": "City_1", "state": state, "zipcode": 10000 + id},
	}).At(ms)
}
