//go:build grading

// Grading tests of lab 3. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. Every input
// has explicit event times on one day, 2026-03-02 (UTC), shown as clock times:
// 10:04:59.999 is a millisecond before 10:05. The Go exercises call your
// functions directly (exercise 5 also runs them over topics of the grader's
// broker, or an embedded one); the KSQL exercises run your .sql file on a
// fresh embedded ksqlDB engine after the lab's streams.sql, feed it known
// records and read what your table received.
//
// The tests compile into your package, so their helpers are named gr...
// (grAt, grRes, ...): no name of yours can clash with them.
package lab03

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
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
// KSQL: running a learner's file.

// envSolutionDir, when set, is where the .sql files are read from instead
// of the working directory (the grader sets it to grade the reference
// solution).
const grEnvSolutionDir = "MLOPS_LAB_SOLUTION_DIR"

// graderStreams is the grader's copy of streams.sql, on fresh topics.
const grGraderStreams = `
CREATE STREAM orders (orderid INT KEY, ordertime BIGINT, itemid STRING, orderunits DOUBLE,
    address STRUCT<city STRING, state STRING, zipcode BIGINT>)
  WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE STREAM pageviews (viewtime BIGINT, userid STRING, pageid STRING)
  WITH (kafka_topic='pageviews', value_format='JSON', partitions=1);
`

// ksqlRun is what a learner's .sql file did on the test's inputs.
type grKsqlRun struct {
	file    string
	problem string // why there are no outputs to look at
	exec    *testrunner.Execution
}

func grRunKSQL(t *testing.T, file string, inputs []testrunner.Record) *grKsqlRun {
	t.Helper()
	run := &grKsqlRun{file: file}
	path := file
	if dir := os.Getenv(grEnvSolutionDir); dir != "" {
		path = filepath.Join(dir, file)
	}
	sql, err := os.ReadFile(path)
	if err != nil {
		run.problem = fmt.Sprintf("cannot read %s: %v", file, err)
		if errors.Is(err, os.ErrNotExist) {
			run.problem = fmt.Sprintf("there is no %s in the lab folder: write your statements there", file)
		}
		return run
	}
	var setupErr error
	backend := &testrunner.InProcess{Setup: func(eng *engine.Engine) {
		_, setupErr = eng.Execute(context.Background(), grGraderStreams, nil)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 60*time.Second))
	defer cancel()
	var exec *testrunner.Execution
	ok := labtest.Guard(t, "running "+file, func() {
		exec, err = backend.Execute(ctx, testrunner.Case{Name: file, Statements: string(sql), StatementsFile: file, Inputs: inputs})
	})
	switch {
	case !ok:
		run.problem = "running " + file + " crashed (see above)"
	case setupErr != nil:
		run.problem = fmt.Sprintf("the grader's streams.sql failed: %v", setupErr)
	case err != nil:
		run.problem = fmt.Sprintf("%v", err)
		if strings.Contains(strings.ToLower(err.Error()), "already exists") {
			run.problem += "\n  the grader creates the streams orders and pageviews (streams.sql) before it runs your file: leave their CREATE STREAM statements out of " + file
		}
	default:
		run.exec = exec
	}
	return run
}

// tableSpec names what an exercise's table must look like.
type grTableSpec struct {
	file, table string
	key         string // key column
	count, sum  string // value columns ("" when not used)
	start, end  string // window columns in the value
	session     bool
}

// row is one record of the learner's table: a window's new value, or a
// tombstone.
type grRow struct {
	key        string
	start, end time.Time
	tombstone  bool
	values     map[string]any
	ts         int64
}

func (r grRow) num(col string) (float64, bool) {
	switch v := r.values[col].(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	}
	return 0, false
}

func (r grRow) count(s grTableSpec) float64 { v, _ := r.num(s.count); return v }

func (r grRow) sum(s grTableSpec) float64 { v, _ := r.num(s.sum); return v }

// rows returns the records the exercise's table received, or fails the test
// saying why there are none.
func (k *grKsqlRun) rows(t *testing.T, s grTableSpec) []grRow {
	t.Helper()
	if k.problem != "" {
		t.Fatalf("%s", k.problem)
	}
	recs, ok := k.exec.Outputs[s.table]
	if !ok {
		var topics []string
		for topic := range k.exec.Outputs {
			topics = append(topics, topic)
		}
		sort.Strings(topics)
		if len(topics) == 0 {
			t.Fatalf("%s created no table: write CREATE TABLE %s AS SELECT ... (a file of comments only creates nothing)", s.file, strings.ToLower(s.table))
		}
		t.Fatalf("%s wrote to %s but not to %s: name the table %s, and leave KAFKA_TOPIC out of its WITH clause so its topic is named after it", s.file, strings.Join(topics, ", "), s.table, strings.ToLower(s.table))
	}
	if len(recs) == 0 {
		msg := fmt.Sprintf("the table %s received no record from the test's inputs", s.table)
		if len(k.exec.ProcessingErrors) > 0 {
			msg += fmt.Sprintf("; ksqlDB skipped records: %v", k.exec.ProcessingErrors[0])
		}
		t.Fatalf("%s", msg)
	}
	var out []grRow
	var problems []string
	for _, grRec := range recs {
		key, value := grDecoded(grRec.Key), grDecoded(grRec.Value)
		r := grRow{key: fmt.Sprint(key), tombstone: value == nil}
		if grRec.Timestamp != nil {
			r.ts = *grRec.Timestamp
		}
		if grRec.Window == nil {
			t.Fatalf("%s is not windowed: its record for key %s has no window. Add the WINDOW clause (%s)", s.table, r.key, map[bool]string{true: "WINDOW SESSION (...)", false: "WINDOW TUMBLING / HOPPING (...)"}[s.session])
		}
		if s.session != (grRec.Window.Type == testrunner.SessionWindowType) {
			want := map[bool]string{true: "session windows (WINDOW SESSION)", false: "time windows (WINDOW TUMBLING or HOPPING)"}[s.session]
			t.Fatalf("%s has %s windows; the exercise wants %s", s.table, grRec.Window.Type, want)
		}
		r.start, r.end = time.UnixMilli(grRec.Window.Start).UTC(), time.UnixMilli(grRec.Window.End).UTC()
		if !r.tombstone {
			m, ok := value.(map[string]any)
			if !ok {
				t.Fatalf("the value of %s's record for %v is %v, not a JSON object of columns", s.table, key, value)
			}
			r.values = m
			for _, col := range []string{s.count, s.sum} {
				if _, ok := r.num(col); col != "" && !ok && len(problems) == 0 {
					problems = append(problems, fmt.Sprintf("the value of %s's records has no numeric column %s; it has %s: name the aggregate with AS %s", s.table, col, grColumns(m), strings.ToLower(col)))
				}
			}
		}
		out = append(out, r)
	}
	if len(problems) > 0 {
		t.Fatalf("%s", problems[0])
	}
	return out
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

func grColumns(m map[string]any) string {
	var cols []string
	for c := range m {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	if len(cols) == 0 {
		return "no column"
	}
	return strings.Join(cols, ", ")
}

// window is an expected window of a table and its totals.
type grWindow struct {
	key        string
	start, end string
	count      int
	sum        float64
	why        string
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

func grFindRow(table map[string]grRow, key string, start time.Time) (grRow, bool) {
	r, ok := table[grResultID(key, start)]
	return r, ok
}

func grFmtValues(s grTableSpec, r grRow) string {
	if r.tombstone {
		return "a tombstone"
	}
	if s.sum == "" {
		return fmt.Sprintf("%s %g", s.count, r.count(s))
	}
	return fmt.Sprintf("%s %g, %s %.10g", s.count, r.count(s), s.sum, r.sum(s))
}

func grFmtWant(s grTableSpec, w grWindow) string {
	if s.sum == "" {
		return fmt.Sprintf("%s %d", s.count, w.count)
	}
	return fmt.Sprintf("%s %d, %s %.10g", s.count, w.count, s.sum, w.sum)
}

// checkTable checks that the table's latest values hold the expected
// windows.
func grCheckTable(t *testing.T, s grTableSpec, rows []grRow, want []grWindow, shape string) {
	t.Helper()
	table := grLatest(rows)
	var problems []string
	for _, w := range want {
		start, end := grAt(w.start), grAt(w.end)
		g, ok := grFindRow(table, w.key, start)
		switch {
		case !ok:
			msg := fmt.Sprintf("there is no window %s for %s; expected %s: %s", grFmtSpan(start, end, s.session), w.key, grFmtWant(s, w), w.why)
			if others := grWindowsOf(table, w.key, s.session); others != "" {
				msg += "\n    the windows of " + w.key + " are: " + others
			}
			problems = append(problems, msg)
		case !g.end.Equal(end):
			problems = append(problems, fmt.Sprintf("the window of %s that starts at %s ends at %s; expected %s", w.key, grClock(start), grClock(g.end), grFmtSpan(start, end, s.session)))
		case g.count(s) != float64(w.count) || s.sum != "" && !grNear(g.sum(s), w.sum):
			problems = append(problems, fmt.Sprintf("window %s for %s: expected %s, got %s: %s", grFmtSpan(start, end, s.session), w.key, grFmtWant(s, w), grFmtValues(s, g), w.why))
		}
	}
	grReport(t, fmt.Sprintf("%s, the latest value of each window of %s", s.file, s.table), problems, "the table wants "+shape)
}

func grWindowsOf(table map[string]grRow, key string, session bool) string {
	var rs []grRow
	for _, r := range table {
		if r.key == key {
			rs = append(rs, r)
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].start.Before(rs[j].start) })
	var parts []string
	for _, r := range rs {
		parts = append(parts, grFmtSpan(r.start, r.end, session))
	}
	return strings.Join(parts, " ")
}

// checkWindowColumns checks the window columns in the value.
func grCheckWindowColumns(t *testing.T, s grTableSpec, rows []grRow, hint string) {
	t.Helper()
	for _, r := range rows {
		if r.tombstone {
			continue
		}
		st, okS := r.num(s.start)
		en, okE := r.num(s.end)
		if !okS || !okE {
			t.Errorf("the value of %s's records has the columns %s; expected %s and %s as well: %s", s.table, grColumns(r.values), s.start, s.end, hint)
			return
		}
		if int64(st) != r.start.UnixMilli() || int64(en) != r.end.UnixMilli() {
			t.Errorf("a record of %s for %s in the window %s has %s %d and %s %d; expected %d and %d (the window's bounds in milliseconds: WINDOWSTART and WINDOWEND)",
				s.table, r.key, grFmtSpan(r.start, r.end, s.session), s.start, int64(st), s.end, int64(en), r.start.UnixMilli(), r.end.UnixMilli())
			return
		}
	}
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

// order is an order record for the orders stream, keyed by its id, at
// event time ts (the record timestamp, and its ordertime).
func grOrder(id int, state, ts string, units float64) testrunner.Record {
	return grOrderAt(id, state, grAt(ts), units)
}

func grOrderAt(id int, state string, ts time.Time, units float64) testrunner.Record {
	ms := ts.UnixMilli()
	return testrunner.R("orders", id, map[string]any{
		"ordertime": ms, "orderid": id, "itemid": fmt.Sprintf("Item_%d", id), "orderunits": units,
		"address": map[string]any{"city": "City_1", "state": state, "zipcode": 10000 + id},
	}).At(ms)
}
