//go:build grading

// Grading tests of lab 4. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. A test writes
// known records (explicit keys, event times and Kafka timestamps) to fresh
// topics, sets up what the exercise starts from with the reference statements,
// runs your SQL file on the ksqlDB server, and checks what came back through
// the REST API: DESCRIBE and SHOW, the rows of pull and push queries, and the
// records on the sink topics.
//
// Your files use the contract's fixed names (ORDERS, 'orders'); the tests
// run them on their own copies (ORDERS_X1A2B3C4D over 'orders_x1a2b3c4d',
// see pkg/labtest/ksql.go), so they can share a server with your own
// session and with each other. Every message shows your names.
package lab04

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
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
