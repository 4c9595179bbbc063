package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/functions"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// TestRegexpExtractGroupOutOfRange checks that REGEXP_EXTRACT with a group
// index below zero or beyond the pattern's groups (a literal or an INT
// column) neither crashes the engine nor stops the query: as in ksqlDB, a
// group beyond the pattern's groups is NULL, and a negative group fails
// the call (a processing error; the column is NULL).
func TestRegexpExtractGroupOutOfRange(t *testing.T) {
	eng, topics, logged := testEngine(t)
	mustExec(t, eng, "CREATE STREAM s (id INT KEY, txt STRING, g INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	mustExec(t, eng, `CREATE STREAM o AS SELECT id,
  REGEXP_EXTRACT('(a)(b)?', txt, -1) AS neg,
  REGEXP_EXTRACT('(a)(b)?', txt, 7) AS beyond,
  REGEXP_EXTRACT('(a)(b)?', txt, g) AS bycol
  FROM s;`)
	for i, v := range []string{
		`{"txt": "xab", "g": -1}`,
		`{"txt": "xab", "g": 3}`,
		`{"txt": "xa", "g": 2147483647}`,
		`{"txt": "xa", "g": -2147483648}`,
		`{"txt": "xab", "g": 2}`,
		`{"txt": "xa", "g": 2}`,
		`{"txt": "zzz", "g": -1}`,
	} {
		produce(t, topics, "s", intKey(int32(i)), v, int64(i))
	}
	var got []string
	for _, r := range topics.Records("O") {
		got = append(got, string(r.Value))
	}
	want := []string{
		`{"NEG":null,"BEYOND":null,"BYCOL":null}`,
		`{"NEG":null,"BEYOND":null,"BYCOL":null}`,
		`{"NEG":null,"BEYOND":null,"BYCOL":null}`,
		`{"NEG":null,"BEYOND":null,"BYCOL":null}`,
		`{"NEG":null,"BEYOND":null,"BYCOL":"b"}`,
		// An optional group that took no part in the match is NULL, as
		// Java's Matcher.group returns.
		`{"NEG":null,"BEYOND":null,"BYCOL":null}`,
		`{"NEG":null,"BEYOND":null,"BYCOL":null}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("outputs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Negative groups on matching input: NEG on the six matching records,
	// BYCOL on records 0 and 3.
	if len(*logged) != 8 {
		t.Errorf("processing log has %d entries, want 8: %+v", len(*logged), *logged)
	}
	for _, e := range *logged {
		if !strings.Contains(e.Message, "REGEXP_EXTRACT") {
			t.Errorf("entry %+v does not name the function", e)
		}
	}
}

// panicAcc is an accumulator that panics, standing in for any bug in an
// operator.
type panicAcc struct{}

func (panicAcc) Add(args []any) {
	if args[0] == "boom" {
		panic("accumulator exploded")
	}
}
func (panicAcc) Undo([]any)                  {}
func (panicAcc) Merge(functions.Accumulator) {}
func (panicAcc) Result() any                 { return int64(0) }

// TestPanicInOperatorIsAProcessingError checks that a panic while a query
// processes a record (in a function or an operator) is reported as a
// processing error for that record instead of crashing the engine, and
// that the query goes on with the next record.
func TestPanicInOperatorIsAProcessingError(t *testing.T) {
	reg := functions.NewRegistry()
	reg.AddScalar(&functions.Scalar{Name: "EXPLODE_SCALAR", Resolve: func([]*types.Type, []any) (*types.Type, functions.Impl, error) {
		return types.StringType, func(a []any) (any, error) {
			if a[0] == "boom" {
				var m []string
				return m[3], nil
			}
			return a[0], nil
		}, nil
	}})
	reg.AddAggregate(&functions.Aggregate{Name: "EXPLODE_AGG", Resolve: func([]*types.Type, []any) (*types.Type, functions.AggregateFactory, error) {
		return types.BigintType, func() functions.Accumulator { return panicAcc{} }, nil
	}})
	topics := NewMemoryTopics()
	var logged []ProcessingLogEntry
	eng := New(Options{Admin: topics, Producer: topics, Functions: reg, ProcessingLog: func(e ProcessingLogEntry) { logged = append(logged, e) }})
	topics.OnProduce = eng.Deliver
	mustExec(t, eng, "CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	mustExec(t, eng, "CREATE STREAM o AS SELECT id, EXPLODE_SCALAR(v) AS x FROM s;")
	mustExec(t, eng, "CREATE TABLE a AS SELECT id, EXPLODE_AGG(v) AS x FROM s GROUP BY id;")
	for i, v := range []string{`{"v": "ok"}`, `{"v": "boom"}`, `{"v": "fine"}`} {
		produce(t, topics, "s", intKey(int32(i)), v, int64(i))
	}
	if got := len(topics.Records("O")); got != 3 {
		t.Errorf("O has %d records, want 3 (the failed call gives NULL)", got)
	}
	if got := len(topics.Records("A")); got != 2 {
		t.Errorf("A has %d records, want 2", got)
	}
	var errs int64
	for _, q := range eng.Queries() {
		if q.Processed() != 3 {
			t.Errorf("%s processed %d, want 3", q.ID, q.Processed())
		}
		errs += q.Errors()
	}
	if errs != 2 || len(logged) != 2 {
		t.Fatalf("errors %d, processing log %+v; want 2 each", errs, logged)
	}
	for _, e := range logged {
		if e.Offset != 1 || e.Topic != "s" {
			t.Errorf("entry %+v does not identify the record", e)
		}
	}
}

// TestHugeDecimalExponentIsUnreadable checks that a DECIMAL column given a
// number with a huge exponent is an unreadable record (a processing
// error), found at once, and that a tiny one rounds to zero.
func TestHugeDecimalExponentIsUnreadable(t *testing.T) {
	eng, topics, logged := testEngine(t)
	mustExec(t, eng, "CREATE STREAM s (id INT KEY, price DECIMAL(8, 2)) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	mustExec(t, eng, "CREATE STREAM o AS SELECT id, price FROM s;")
	finishes(t, "processing 4 records of huge exponents", func() {
		for i, v := range []string{`{"PRICE": 1e999999999}`, `{"PRICE": -1E+2147483647}`, `{"PRICE": "1e999999999"}`, `{"PRICE": 1e-999999999}`} {
			produce(t, topics, "s", intKey(int32(i)), v, int64(i))
		}
	})
	out := topics.Records("O")
	if len(out) != 1 || string(out[0].Value) != `{"PRICE":0.00}` {
		t.Errorf("outputs %v, want only PRICE 0.00", out)
	}
	if len(*logged) != 3 {
		t.Fatalf("processing log %+v, want 3 entries", *logged)
	}
	for _, e := range *logged {
		if !strings.Contains(e.Message, "deserialize") {
			t.Errorf("entry %+v is not a deserialization error", e)
		}
	}
}

// finishes runs fn and fails the test when it has not returned within a
// generous limit: a hang, as opposed to a slow machine.
func finishes(t *testing.T, what string, fn func()) {
	t.Helper()
	const limit = 30 * time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s did not return within %v: it hangs", what, limit)
	}
}
