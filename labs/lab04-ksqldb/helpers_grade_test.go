//go:build grading

// Grading tests of lab 4. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. A test writes
// known records (explicit keys, event times and Kafka timestamps) to fresh
// topics, sets up what the exercise starts from with the reference statements,
// runs your SQL file on the ksqlDB server, and checks what came back through
// the REST API: DESCRIBE and SHOW, the rows of pull and push queries, and the
// records on the sink topics. The window exercises (8 to 11) are graded
// another way, record by record on an embedded engine: see "Windows in KSQL"
// below.
//
// Your files use the contract's fixed names (ORDERS, 'orders'); the tests
// run them on their own copies (ORDERS_X1A2B3C4D over 'orders_x1a2b3c4d',
// see pkg/labtest/ksql.go), so they can share a server with your own
// session and with each other. Every message shows your names.
package lab04

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// How long a persistent query may take to get through a test's records, a
// push query to send the rows it should, a statement's query to show up in
// SHOW QUERIES, and a pull query to answer. The tests wait for what they
// need (committed offsets, a row, a LIMIT reached) and go on as soon as it
// is there: only a query that never gets there waits this long, so the
// bounds can be generous enough for a loaded machine.
const (
	processWait = 45 * time.Second
	pushWait    = 30 * time.Second
	writerWait  = 30 * time.Second
	pullWait    = 30 * time.Second
)

// The reference statements a test sets up before running an exercise's
// file, so that each exercise is graded on its own.
const (
	ordersDDL = `CREATE STREAM orders (orderkey VARCHAR KEY, ordertime BIGINT, orderid INT, itemid VARCHAR,
  orderunits DOUBLE, address STRUCT<city VARCHAR, state VARCHAR, zipcode INT>)
  WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON', TIMESTAMP='ordertime');`
	largeOrdersCSAS = `CREATE STREAM large_orders WITH (KAFKA_TOPIC='large_orders', VALUE_FORMAT='JSON') AS
  SELECT orderkey, orderid, itemid, orderunits, address->state AS state, address->city AS city
  FROM orders WHERE orderunits > 8 EMIT CHANGES;`
	unitsByStateCTAS = `CREATE TABLE units_by_state WITH (KAFKA_TOPIC='units_by_state', VALUE_FORMAT='JSON') AS
  SELECT address->state AS state, COUNT(*) AS order_count, SUM(orderunits) AS total_units
  FROM orders GROUP BY address->state EMIT CHANGES;`
	largeOrdersPerStateCTAS = `CREATE TABLE large_orders_per_state WITH (KAFKA_TOPIC='large_orders_per_state', VALUE_FORMAT='JSON') AS
  SELECT state, COUNT(*) AS order_count FROM large_orders GROUP BY state EMIT CHANGES;`
)

// ---------------------------------------------------------------------------
// Orders, users and views.

// baseTime is the event time the tests' records start from: an hour ago,
// to the second.
func baseTime() time.Time { return time.Now().Add(-time.Hour).Truncate(time.Second) }

type order struct {
	ID          int
	Item        string
	Units       float64
	City, State string
	Zip         int
	Time        time.Time // ordertime
}

type spec struct {
	units       float64
	state, city string
}

// newOrders numbers orders from firstID, one second of event time apart.
func newOrders(firstID int, specs ...spec) []order {
	base := baseTime()
	out := make([]order, len(specs))
	for i, s := range specs {
		id := firstID + i
		out[i] = order{ID: id, Item: fmt.Sprintf("Item_%d", 100+id%900), Units: s.units, City: s.city, State: s.state,
			Zip: 10000 + id*37%90000, Time: base.Add(time.Duration(id) * time.Second)}
	}
	return out
}

func (o order) key() string { return strconv.Itoa(o.ID) }

// record is the order as the datagen writes it, keyed by the orderid as
// text; its Kafka timestamp is 90 seconds after its ordertime, so ROWTIME
// shows which of the two a stream goes by.
func (o order) record() labtest.Record {
	v := fmt.Sprintf(`{"ordertime":%d,"orderid":%d,"itemid":%q,"orderunits":%s,"address":{"city":%q,"state":%q,"zipcode":%d}}`,
		o.Time.UnixMilli(), o.ID, o.Item, strconv.FormatFloat(o.Units, 'f', -1, 64), o.City, o.State, o.Zip)
	return labtest.Record{Key: []byte(o.key()), Value: []byte(v), Timestamp: o.Time.Add(90 * time.Second)}
}

func produceOrders(k *labtest.Ksql, orders []order) {
	recs := make([]labtest.Record, len(orders))
	for i, o := range orders {
		recs[i] = o.record()
	}
	k.Produce("orders", recs...)
}

// unitsSetup is exercises 4 and 5's start: ORDERS and UNITS_BY_STATE from
// the reference statements, orders written and processed.
func unitsSetup(t *testing.T, firstID int) (*labtest.Ksql, []order, string) {
	t.Helper()
	k := labtest.NewKsql(t, []string{"ORDERS", "UNITS_BY_STATE"}, []string{"orders", "units_by_state"})
	k.CreateTopic("orders", 3)
	k.Exec(ordersDDL)
	k.Exec(unitsByStateCTAS)
	before := newOrders(firstID,
		spec{1.5, "State_1", "City_1"}, spec{2.5, "State_3", "City_2"}, spec{4, "State_2", "City_3"},
		spec{0.75, "State_3", "City_4"}, spec{6, "State_1", "City_5"}, spec{3.25, "State_3", "City_6"})
	produceOrders(k, before)
	writer := k.WaitWriter("UNITS_BY_STATE", writerWait)
	if writer == "" || !k.WaitProcessed(writer, processWait, "orders") {
		t.Fatalf("grading setup: the reference UNITS_BY_STATE query did not process the test's orders within %v", processWait)
	}
	return k, before, writer
}

// ---------------------------------------------------------------------------
// Checks.

// requireScript stops a subtest when the learner's script did not run.
func requireScript(t *testing.T, sc *labtest.KsqlScript) {
	t.Helper()
	if sc.Problem != "" {
		t.Fatal(sc.Problem)
	}
}

// requireSource stops a subtest when source does not exist or is not of
// kind (STREAM, TABLE; "" for either).
func requireSource(t *testing.T, k *labtest.Ksql, sc *labtest.KsqlScript, source, kind, how string) engine.SourceDescription {
	t.Helper()
	d, ok := k.Describe(source)
	if !ok && sc != nil && sc.Problem != "" {
		t.Fatalf("there is no stream or table named %s: your script stopped before it was created.\n%s", source, sc.Problem)
	}
	if !ok {
		msg := fmt.Sprintf("your script ran, but there is no stream or table named %s (DESCRIBE %s found nothing)", source, source)
		var names []string
		for n := range k.Sources() {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) > 0 {
			msg += fmt.Sprintf("; it created %s", strings.Join(names, ", "))
		}
		if how != "" {
			msg += ": " + how
		}
		t.Fatal(msg)
	}
	if kind != "" && d.Type != kind {
		t.Fatalf("%s is a %s: want a %s. %s", source, strings.ToLower(d.Type), strings.ToLower(kind), how)
	}
	return d
}

// requirePersistent stops a subtest unless source exists with kind and a
// persistent query writes it.
func requirePersistent(t *testing.T, k *labtest.Ksql, sc *labtest.KsqlScript, source, kind string) engine.SourceDescription {
	t.Helper()
	for _, st := range sc.Statements {
		if _, exists := k.Describe(source); !exists && st.IsQuery() {
			t.Fatalf("%s (line %d) has a bare SELECT: that is a query a client runs and watches, which stops when the client goes. CREATE %s %s AS SELECT ... runs the same SELECT as a persistent query on the server, writing its results to a topic",
				sc.File, st.Line, kind, strings.ToLower(source))
		}
	}
	d := requireSource(t, k, sc, source, kind, fmt.Sprintf("CREATE %s %s ... AS SELECT ...", kind, strings.ToLower(source)))
	if len(d.WriteQueries) == 0 && len(k.QueriesWriting(source)) == 0 {
		t.Fatalf("%s exists but no persistent query writes it: declared with CREATE %s (columns) it only reads a topic; CREATE %s %s AS SELECT ... starts the query that fills it", source, kind, kind, strings.ToLower(source))
	}
	return d
}

func requireWriter(t *testing.T, writer, source string) {
	t.Helper()
	if writer == "" {
		t.Fatalf("no persistent query writes %s, so there is nothing to check: see the first subtest", source)
	}
}

// oneQuery returns the script's single statement when it is a SELECT.
func oneQuery(t *testing.T, sc *labtest.KsqlScript) *labtest.KsqlStatement {
	t.Helper()
	if sc.Problem != "" || len(sc.Statements) != 1 || !sc.Statements[0].IsQuery() {
		return nil
	}
	return sc.Statements[0]
}

func requireQuery(t *testing.T, sc *labtest.KsqlScript, st *labtest.KsqlStatement) {
	t.Helper()
	if st == nil {
		t.Fatalf("%s must hold exactly one statement, a SELECT; it holds %d statements, the first a %s", sc.File, len(sc.Statements), firstWord(sc.Statements[0].Text))
	}
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return strings.ToUpper(f[0])
	}
	return "blank"
}

// column is an expected column: its type as DESCRIBE shows it, with
// alternatives separated by |.
type column struct {
	name, typ string
	key       bool
	hint      string
}

func checkColumns(t *testing.T, source string, fields []engine.FieldInfo, want []column) {
	t.Helper()
	got := map[string]engine.FieldInfo{}
	var names []string
	for _, f := range fields {
		got[strings.ToUpper(f.Name)] = f
		names = append(names, f.Name)
	}
	for _, c := range want {
		f, ok := got[c.name]
		if !ok {
			t.Errorf("%s has no column %s (its columns: %s): %s", source, c.name, strings.Join(names, ", "), c.hint)
			continue
		}
		typ := typeString(f.Schema)
		if !matchType(typ, c.typ) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the type of %s.%s", source, c.name), strings.ReplaceAll(c.typ, "|", " or "), typ, c.hint))
		}
		if isKey := f.Type == "KEY"; isKey != c.key {
			if c.key {
				t.Errorf("%s.%s is a value column: it should be the key (%s)", source, c.name, c.hint)
			} else {
				t.Errorf("%s.%s is a key column: it is a field of the JSON value, not the record key", source, c.name)
			}
		}
	}
}

// typeString renders a DESCRIBE schema: STRING, STRUCT<CITY STRING, ...>.
func typeString(s engine.Schema) string {
	switch s.Type {
	case "STRUCT":
		var parts []string
		for _, f := range s.Fields {
			parts = append(parts, strings.ToUpper(f.Name)+" "+typeString(f.Schema))
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	case "ARRAY":
		if s.MemberSchema != nil {
			return "ARRAY<" + typeString(*s.MemberSchema) + ">"
		}
	case "MAP":
		if s.MemberSchema != nil {
			return "MAP<STRING, " + typeString(*s.MemberSchema) + ">"
		}
	}
	return s.Type
}

// matchType matches a type against a pattern in which "A|B" accepts either.
func matchType(typ, pattern string) bool {
	for {
		i := strings.IndexAny(pattern, "|")
		if i < 0 {
			return typ == pattern
		}
		// The alternatives are single words: find the word around i.
		start := strings.LastIndexAny(pattern[:i], " <") + 1
		end := i + 1 + strings.IndexAny(pattern[i+1:]+">", ",>")
		alts := strings.Split(pattern[start:end], "|")
		for _, a := range alts {
			if matchType(typ, pattern[:start]+a+pattern[end:]) {
				return true
			}
		}
		return false
	}
}

type total struct {
	count int64
	units float64
}

func totalsOf(orders []order) map[string]total {
	out := map[string]total{}
	for _, o := range orders {
		tt := out[o.State]
		out[o.State] = total{tt.count + 1, tt.units + o.Units}
	}
	return out
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		return int64(x), x == math.Trunc(x)
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// sameValue compares a value from JSON with the expected Go value.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case int:
		n, ok := toInt(got)
		return ok && n == int64(w)
	case float64:
		f, ok := toFloat(got)
		return ok && near(f, w)
	case string:
		s, ok := got.(string)
		return ok && s == w
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

func fmtValue(v any) string {
	if v == nil {
		return "NULL"
	}
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func fmtRow(r []any) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = fmtValue(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ---------------------------------------------------------------------------
// Windows in KSQL (exercises 8 to 11). These tests run your .sql file on a
// fresh embedded ksqlDB engine (pkg/ksql/testrunner), after the grader's own
// orders and pageviews streams, feed it records with explicit event times on
// one day, 2026-03-02 (UTC), shown as clock times (10:04:59.999 is a
// millisecond before 10:05), and read what your table received, record by
// record. Their helpers are named gr... .

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

func grNear(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// ---------------------------------------------------------------------------
// KSQL: running a learner's file.

// envSolutionDir, when set, is where the .sql files are read from instead
// of the working directory (the grader sets it to grade the reference
// solution).
const grEnvSolutionDir = "MLOPS_LAB_SOLUTION_DIR"

// graderStreams declares the streams the window exercises read, on fresh
// topics: orders and pageviews with the columns exercises 1 and 7 give them.
// Each test record's timestamp is its event time (ordertime, viewtime).
const grGraderStreams = `
CREATE STREAM orders (orderkey VARCHAR KEY, ordertime BIGINT, orderid INT, itemid STRING, orderunits DOUBLE,
    address STRUCT<city STRING, state STRING, zipcode BIGINT>)
  WITH (kafka_topic='orders', value_format='JSON', partitions=1, timestamp='ordertime');
CREATE STREAM pageviews (viewtime BIGINT, userid STRING, pageid STRING)
  WITH (kafka_topic='pageviews', value_format='JSON', partitions=1, timestamp='viewtime');
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
	if parser.IsBlank(string(sql)) {
		run.problem = file + " has no statements yet (only comments): write the statements the exercise asks for"
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
		run.problem = fmt.Sprintf("the grader's orders and pageviews streams failed: %v", setupErr)
	case err != nil:
		run.problem = fmt.Sprintf("%v", err)
		if strings.Contains(strings.ToLower(err.Error()), "already exists") {
			run.problem += "\n  the grader creates the streams orders and pageviews (exercises 1 and 7) before it runs your file: leave their CREATE STREAM statements out of " + file
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
			t.Fatalf("%s created no table: write CREATE TABLE %s AS SELECT ...", s.file, strings.ToLower(s.table))
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
	return testrunner.R("orders", fmt.Sprint(id), map[string]any{
		"ordertime": ms, "orderid": id, "itemid": fmt.Sprintf("Item_%d", id), "orderunits": units,
		"address": map[string]any{"city": "City_1", "state": state, "zipcode": 10000 + id},
	}).At(ms)
}
