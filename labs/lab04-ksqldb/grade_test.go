//go:build grading

// Grading tests of lab 4. Each exercise has one top-level test; each of its
// subtests earns a share of the exercise's points. A test writes known
// records (explicit keys, event times and Kafka timestamps) to fresh
// topics, sets up what the exercise starts from with the reference
// statements, runs your SQL file on the ksqlDB server, and checks what
// came back through the REST API: DESCRIBE and SHOW, the rows of pull and
// push queries, and the records on the sink topics.
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

	"github.com/IBM/sarama"

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
// Exercise 1: the orders topic as a stream.

func TestOrdersStream(t *testing.T) {
	k := labtest.NewKsql(t, []string{"ORDERS"}, []string{"orders"})
	k.CreateTopic("orders", 3)
	orders := newOrders(100,
		spec{4.5, "State_2", "City_12"}, spec{9.25, "State_1", "City_3"}, spec{0.5, "State_3", "City_7"},
		spec{8, "State_2", "City_41"}, spec{2.75, "State_5", "City_9"}, spec{6.125, "State_1", "City_3"},
		spec{1, "State_3", "City_18"}, spec{7.5, "State_4", "City_2"})
	produceOrders(k, orders)
	sc := k.Load("01_orders_stream.sql")
	k.Run(sc)

	t.Run("ORDERS is a stream over the orders topic", func(t *testing.T) {
		requireScript(t, sc)
		d := requireSource(t, k, sc, "ORDERS", "STREAM", "the stream your CREATE STREAM statement declares")
		if d.Topic != k.Topic("orders") {
			t.Errorf("%s", labtest.Mismatch("ORDERS's topic (DESCRIBE ORDERS)", "orders", k.Restore(d.Topic),
				"WITH (KAFKA_TOPIC='orders', ...): a stream reads the topic it names; ksqlDB does not guess it from the stream's name"))
		}
		if d.ValueFormat != "JSON" {
			t.Errorf("%s", labtest.Mismatch("ORDERS's value format", "JSON", d.ValueFormat, "the orders are JSON objects: VALUE_FORMAT='JSON'"))
		}
	})

	t.Run("its columns and types", func(t *testing.T) {
		requireScript(t, sc)
		d := requireSource(t, k, sc, "ORDERS", "", "")
		checkColumns(t, "ORDERS", d.Fields, []column{
			{"ORDERKEY", "STRING", true, "the record key is the orderid written as text (\"42\"): orderkey VARCHAR KEY. An INT key would be read as 4 binary bytes"},
			{"ORDERTIME", "BIGINT", false, "ordertime is milliseconds since 1970 (1700000000000): BIGINT, an INT is too small"},
			{"ORDERID", "INTEGER|BIGINT", false, "orderid is a whole number: INT"},
			{"ITEMID", "STRING", false, "itemid is text (\"Item_185\"): VARCHAR"},
			{"ORDERUNITS", "DOUBLE", false, "orderunits has decimals (4.371): DOUBLE"},
			{"ADDRESS", "STRUCT<CITY STRING, STATE STRING, ZIPCODE INTEGER|BIGINT>", false,
				"address is a nested JSON object: STRUCT<city VARCHAR, state VARCHAR, zipcode INT>"},
		})
	})

	// Both subtests below read the stream back with push queries from the
	// earliest offset (LIMIT: they end when every order came back).
	var rows, timeRows [][]any
	var rowsErr, timeErr error
	rowsQuery := "SELECT orderkey, orderid, itemid, orderunits, address->city AS city, address->state AS state, address->zipcode AS zipcode FROM orders EMIT CHANGES LIMIT " + strconv.Itoa(len(orders)) + ";"
	timeQuery := "SELECT orderkey, ROWTIME FROM orders EMIT CHANGES LIMIT " + strconv.Itoa(len(orders)) + ";"
	if sc.Problem == "" {
		rows, rowsErr = pushRows(k, rowsQuery, len(orders))
		if len(rows) > 0 || rowsErr != nil {
			timeRows, timeErr = pushRows(k, timeQuery, len(orders))
		}
	}

	t.Run("a push query reads every order back", func(t *testing.T) {
		requireScript(t, sc)
		d := requireSource(t, k, sc, "ORDERS", "", "")
		if rowsErr != nil {
			t.Fatalf("the test ran\n  %s\nand ksqlDB answered: %v\n(the column names are part of the contract: see the subtest on columns)", rowsQuery, rowsErr)
		}
		got := map[string][]any{}
		for _, r := range rows {
			got[fmt.Sprint(r[0])] = r
		}
		if len(rows) < len(orders) {
			hint := "Records ksqlDB cannot read (a value that does not fit the columns, a key that does not fit the key column) are skipped and logged in the processing log (SELECT * FROM KSQL_PROCESSING_LOG EMIT CHANGES;): check the column types"
			for _, f := range d.Fields {
				if f.Type == "KEY" && f.Schema.Type != "STRING" {
					hint = fmt.Sprintf("The key column %s is %s: the key \"%d\" is text, %d bytes, and ksqlDB reads an %s key as binary, so it skipped every record it could not read. Declare it VARCHAR", f.Name, f.Schema.Type, orders[0].ID, len(orders[0].key()), f.Schema.Type)
				}
			}
			t.Errorf("the test wrote %d orders to 'orders' and ran\n  %s\nfrom the earliest offset; %d rows came back in %v. %s",
				len(orders), rowsQuery, len(rows), pushWait, hint)
		}
		for _, o := range orders {
			r, ok := got[o.key()]
			if !ok {
				if len(rows) > 0 {
					t.Errorf("order %d (key %q) did not come back", o.ID, o.key())
				}
				continue
			}
			want := []any{o.key(), o.ID, o.Item, o.Units, o.City, o.State, o.Zip}
			if !sameRow(r, want) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the row of order %d (ORDERKEY, ORDERID, ITEMID, ORDERUNITS, ADDRESS->CITY, ADDRESS->STATE, ADDRESS->ZIPCODE)", o.ID),
					fmtRow(want), fmtRow(r), "a column that is NULL where the JSON has a value has a name or type that does not match the JSON field"))
			}
		}
	})

	t.Run("ROWTIME is the order's ordertime", func(t *testing.T) {
		requireScript(t, sc)
		requireSource(t, k, sc, "ORDERS", "", "")
		if timeErr != nil {
			t.Fatalf("the test ran\n  %s\nand ksqlDB answered: %v", timeQuery, timeErr)
		}
		if len(timeRows) == 0 {
			t.Fatalf("no rows came back from ORDERS, so ROWTIME cannot be checked: see the subtest before")
		}
		byKey := map[string]order{}
		for _, o := range orders {
			byKey[o.key()] = o
		}
		for _, r := range timeRows {
			o, ok := byKey[fmt.Sprint(r[0])]
			if !ok {
				continue
			}
			got, _ := toInt(r[1])
			switch got {
			case o.Time.UnixMilli():
			case o.record().Timestamp.UnixMilli():
				t.Fatalf("order %d has ROWTIME %s, the time the record was written to Kafka; its ordertime is %s, 90 seconds earlier. Add TIMESTAMP='ordertime' to the WITH clause: ROWTIME is then the event time, the time the order was placed, which windows (lab 3) and joins go by",
					o.ID, fmtMillis(got), fmtMillis(o.Time.UnixMilli()))
			default:
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("ROWTIME of order %d", o.ID), fmtMillis(o.Time.UnixMilli())+" (its ordertime)", fmtMillis(got), "TIMESTAMP='ordertime' in the WITH clause"))
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 2: a persistent query for large orders.

func TestLargeOrders(t *testing.T) {
	k := labtest.NewKsql(t, []string{"ORDERS", "LARGE_ORDERS"}, []string{"orders", "large_orders"})
	k.CreateTopic("orders", 3)
	k.Exec(ordersDDL)
	before := newOrders(200,
		spec{9.5, "State_1", "City_4"}, spec{2, "State_2", "City_11"}, spec{8, "State_3", "City_5"},
		spec{8.25, "State_2", "City_19"}, spec{0.75, "State_4", "City_8"}, spec{12.5, "State_3", "City_5"},
		spec{7.99, "State_1", "City_6"}, spec{3.5, "State_5", "City_32"})
	after := newOrders(300,
		spec{10, "State_4", "City_27"}, spec{1.25, "State_2", "City_3"}, spec{8.5, "State_5", "City_14"}, spec{6, "State_1", "City_4"})
	produceOrders(k, before)
	sc := k.Load("02_large_orders.sql")
	k.Run(sc)
	writer := ""
	if sc.Problem == "" {
		writer = k.WaitWriter("LARGE_ORDERS", writerWait)
	}
	produceOrders(k, after)
	var sink []*sarama.ConsumerMessage
	if writer != "" {
		k.WaitProcessed(writer, processWait, "orders")
		sink = k.ReadSink("LARGE_ORDERS")
	}
	byID, undecodable := sinkByOrder(sink)
	all := append(append([]order(nil), before...), after...)

	t.Run("a stream written by a persistent query", func(t *testing.T) {
		requireScript(t, sc)
		requirePersistent(t, k, sc, "LARGE_ORDERS", "STREAM")
		d, _ := k.Describe("LARGE_ORDERS")
		if d.Topic != k.Topic("large_orders") {
			t.Errorf("%s", labtest.Mismatch("LARGE_ORDERS's topic", "large_orders", k.Restore(d.Topic),
				"WITH (KAFKA_TOPIC='large_orders', VALUE_FORMAT='JSON') between the stream's name and AS SELECT; without it the topic is named after the stream, in capitals"))
		}
	})

	t.Run("only orders of more than 8 units", func(t *testing.T) {
		requireScript(t, sc)
		requireWriter(t, writer, "LARGE_ORDERS")
		if len(sink) == 0 {
			t.Fatalf("nothing reached the topic large_orders: %d of the %d orders have more than 8 units. Is the WHERE clause right (WHERE orderunits > 8)?", countLarge(all), len(all))
		}
		var missing []string
		for _, o := range all {
			n := len(byID[o.ID])
			switch {
			case o.Units > 8 && n == 0:
				missing = append(missing, fmt.Sprintf("%d (%g units)", o.ID, o.Units))
			case o.Units <= 8 && n > 0:
				hint := "keep only the orders WHERE orderunits > 8"
				if o.Units == 8 {
					hint = "exactly 8 units is not more than 8: use >, not >="
				}
				t.Errorf("order %d has %g units, but it reached large_orders: %s", o.ID, o.Units, hint)
			case n > 1:
				t.Errorf("order %d reached large_orders %d times, want once", o.ID, n)
			}
		}
		if len(missing) > 0 {
			t.Errorf("orders %s have more than 8 units but did not reach large_orders", strings.Join(missing, ", "))
		}
		if len(undecodable) > 0 {
			t.Errorf("%d records of large_orders are not JSON objects with an ORDERID, e.g. %s: keep VALUE_FORMAT='JSON' and select orderid", len(undecodable), undecodable[0])
		}
	})

	t.Run("state and city come out of the address struct", func(t *testing.T) {
		requireScript(t, sc)
		requireWriter(t, writer, "LARGE_ORDERS")
		checked := 0
		for _, o := range all {
			recs := byID[o.ID]
			if o.Units <= 8 || len(recs) == 0 {
				continue
			}
			checked++
			var v map[string]any
			_ = json.Unmarshal(recs[0].Value, &v)
			want := map[string]any{"ORDERID": o.ID, "ITEMID": o.Item, "ORDERUNITS": o.Units, "STATE": o.State, "CITY": o.City}
			var wrong []string
			for _, name := range []string{"ORDERID", "ITEMID", "ORDERUNITS", "STATE", "CITY"} {
				if !sameValue(v[name], want[name]) {
					wrong = append(wrong, fmt.Sprintf("%s is %s, want %s", name, fmtValue(v[name]), fmtValue(want[name])))
				}
			}
			if len(wrong) > 0 {
				hint := "select orderid, itemid, orderunits, address->state AS state, address->city AS city"
				if _, ok := v["ADDRESS"]; ok {
					hint = "the value still holds the whole ADDRESS struct: take the fields out with address->state AS state and address->city AS city"
				}
				t.Fatalf("order %d came out as %s:\n  %s\n  %s", o.ID, recs[0].Value, strings.Join(wrong, "\n  "), hint)
			}
		}
		if checked == 0 {
			t.Fatalf("no large order reached large_orders, so the columns cannot be checked: see the subtest before")
		}
	})

	t.Run("each order keeps its key", func(t *testing.T) {
		requireScript(t, sc)
		requireWriter(t, writer, "LARGE_ORDERS")
		checked := 0
		for _, o := range all {
			recs := byID[o.ID]
			if len(recs) == 0 {
				continue
			}
			checked++
			if key := string(recs[0].Key); key != o.key() {
				hint := "select orderkey too: the key column in the projection is the key of the records written"
				if recs[0].Key == nil {
					hint = "the records have no key: select orderkey, the stream's key column, and it stays the key"
				}
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the key of order %d in large_orders", o.ID), strconv.Quote(o.key()), strconv.Quote(key), hint))
			}
		}
		if checked == 0 {
			t.Fatalf("no order reached large_orders, so the keys cannot be checked: see the subtest before")
		}
	})

	t.Run("orders written after the statement ran are processed too", func(t *testing.T) {
		requireScript(t, sc)
		requireWriter(t, writer, "LARGE_ORDERS")
		for _, o := range after {
			if o.Units > 8 && len(byID[o.ID]) == 0 {
				t.Errorf("order %d (%g units) was written after your statement ran and did not reach large_orders within %v: a persistent query keeps running on the server and processes every new order", o.ID, o.Units, processWait)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 3: a table of running totals per state.

func TestUnitsByState(t *testing.T) {
	k := labtest.NewKsql(t, []string{"ORDERS", "UNITS_BY_STATE"}, []string{"orders", "units_by_state"})
	k.CreateTopic("orders", 3)
	k.Exec(ordersDDL)
	before := newOrders(400,
		spec{1.5, "State_1", "City_1"}, spec{3, "State_2", "City_2"}, spec{0.75, "State_3", "City_3"},
		spec{2.25, "State_1", "City_4"}, spec{5.5, "State_3", "City_5"}, spec{0.5, "State_1", "City_6"},
		spec{2.5, "State_2", "City_7"})
	after := newOrders(500, spec{1, "State_3", "City_8"}, spec{4, "State_4", "City_9"}, spec{2, "State_1", "City_1"})
	produceOrders(k, before)
	sc := k.Load("03_units_by_state.sql")
	k.Run(sc)
	writer := ""
	if sc.Problem == "" {
		writer = k.WaitWriter("UNITS_BY_STATE", writerWait)
	}
	produceOrders(k, after)
	if writer != "" {
		k.WaitProcessed(writer, processWait, "orders")
	}
	want := totalsOf(append(append([]order(nil), before...), after...))

	t.Run("a table keyed by state", func(t *testing.T) {
		requireScript(t, sc)
		d := requirePersistent(t, k, sc, "UNITS_BY_STATE", "TABLE")
		checkColumns(t, "UNITS_BY_STATE", d.Fields, []column{
			{"STATE", "STRING", true, "GROUP BY address->state makes the state the table's key: select it as address->state AS state"},
			{"ORDER_COUNT", "BIGINT", false, "COUNT(*) AS order_count"},
			{"TOTAL_UNITS", "DOUBLE", false, "SUM(orderunits) AS total_units"},
		})
		if d.Topic != k.Topic("units_by_state") {
			t.Errorf("%s", labtest.Mismatch("UNITS_BY_STATE's topic", "units_by_state", k.Restore(d.Topic), "WITH (KAFKA_TOPIC='units_by_state', VALUE_FORMAT='JSON')"))
		}
	})

	t.Run("a total per state, counting every order", func(t *testing.T) {
		requireScript(t, sc)
		requireWriter(t, writer, "UNITS_BY_STATE")
		q := "SELECT state, order_count, total_units FROM units_by_state;"
		res, err := k.Pull(q, pullWait)
		if err != nil {
			t.Fatalf("the test ran the pull query\n  %s\nand ksqlDB answered: %v", q, err)
		}
		got := map[string]total{}
		for _, r := range res.Rows {
			n, _ := toInt(r[1])
			u, _ := toFloat(r[2])
			got[fmt.Sprint(r[0])] = total{n, u}
		}
		checkTotals(t, "the rows of "+q, want, got,
			"every order counts once in its state's row: COUNT(*) and SUM(orderunits) over GROUP BY address->state")
	})

	t.Run("the changelog topic, keyed by state", func(t *testing.T) {
		requireScript(t, sc)
		requireWriter(t, writer, "UNITS_BY_STATE")
		d, _ := k.Describe("UNITS_BY_STATE")
		records := k.ReadSink("UNITS_BY_STATE")
		if len(records) == 0 {
			t.Fatalf("the table's topic %s holds no records: a table's topic is its changelog, one record for each change of a row", k.Restore(d.Topic))
		}
		got := map[string]total{}
		for _, r := range records {
			var v struct {
				OrderCount  *int64   `json:"ORDER_COUNT"`
				TotalUnits  *float64 `json:"TOTAL_UNITS"`
				UnusedState *string  `json:"STATE"`
			}
			if err := json.Unmarshal(r.Value, &v); err != nil || v.OrderCount == nil || v.TotalUnits == nil {
				t.Fatalf("a record of %s is %s: want a JSON object with ORDER_COUNT and TOTAL_UNITS (VALUE_FORMAT='JSON')", k.Restore(d.Topic), r.Value)
			}
			got[string(r.Key)] = total{*v.OrderCount, *v.TotalUnits} // the latest record of a key wins
		}
		checkTotals(t, "the latest record of each key in "+k.Restore(d.Topic), want, got,
			"the key of each changelog record is the state as plain text, the table's key column")
	})
}

// ---------------------------------------------------------------------------
// Exercise 4: a pull query.

func TestPullQuery(t *testing.T) {
	k, before, writer := unitsSetup(t, 600)
	sc := k.Load("04_pull_state.sql")
	st := oneQuery(t, sc)

	t.Run("it is a pull query", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		if st.IsPush() {
			t.Fatalf("%s ends with EMIT CHANGES: that makes it a push query, which keeps running and sends every future change. A pull query has no EMIT clause: it answers with the rows as they are now, and ends", sc.File)
		}
		if _, err := k.Pull(st.Text, pullWait); err != nil {
			t.Fatalf("the test ran\n  %s\nand ksqlDB answered: %v", st.Text, err)
		}
	})

	check := func(t *testing.T, want total) {
		t.Helper()
		if st.IsPush() {
			t.Fatalf("%s is a push query (EMIT CHANGES), which never ends: see the first subtest", sc.File)
		}
		res, err := k.Pull(st.Text, pullWait)
		if err != nil {
			t.Fatalf("the test ran\n  %s\nand ksqlDB answered: %v", st.Text, err)
		}
		cols := map[string]int{}
		for _, c := range []string{"STATE", "ORDER_COUNT", "TOTAL_UNITS"} {
			if i := res.Column(c); i >= 0 {
				cols[c] = i
			} else {
				t.Fatalf("the query's columns are %v: want STATE, ORDER_COUNT and TOTAL_UNITS (SELECT state, order_count, total_units, or SELECT *)", res.Columns)
			}
		}
		if len(res.Rows) != 1 {
			var states []string
			for _, r := range res.Rows {
				states = append(states, fmt.Sprint(r[cols["STATE"]]))
			}
			t.Fatalf("%s", labtest.Mismatch("the rows of your pull query", "one row, State_3's", fmt.Sprintf("%d rows %v", len(res.Rows), states),
				"look the row up by its key: WHERE state = 'State_3' (text in single quotes, and the case matters)"))
		}
		r := res.Rows[0]
		n, _ := toInt(r[cols["ORDER_COUNT"]])
		u, _ := toFloat(r[cols["TOTAL_UNITS"]])
		if fmt.Sprint(r[cols["STATE"]]) != "State_3" || n != want.count || !near(u, want.units) {
			t.Fatalf("%s", labtest.Mismatch("State_3's row (STATE, ORDER_COUNT, TOTAL_UNITS)", fmt.Sprintf("[State_3 %d %g]", want.count, want.units),
				fmtRow([]any{r[cols["STATE"]], r[cols["ORDER_COUNT"]], r[cols["TOTAL_UNITS"]]}), ""))
		}
	}

	t.Run("it answers one state's row", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		requireWriter(t, writer, "UNITS_BY_STATE")
		check(t, totalsOf(before)["State_3"])
	})

	t.Run("asked again, it answers the row as it is then", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		requireWriter(t, writer, "UNITS_BY_STATE")
		more := newOrders(700, spec{2.5, "State_3", "City_2"}, spec{1, "State_2", "City_2"}, spec{0.25, "State_3", "City_6"})
		produceOrders(k, more)
		k.WaitProcessed(writer, processWait, "orders")
		check(t, totalsOf(append(append([]order(nil), before...), more...))["State_3"])
	})
}

// ---------------------------------------------------------------------------
// Exercise 5: a push query.

func TestPushQuery(t *testing.T) {
	k, before, writer := unitsSetup(t, 800)
	sc := k.Load("05_push_state.sql")
	st := oneQuery(t, sc)

	// The query starts from now (the server's default, auto.offset.reset
	// latest): its rows are the changes that the orders written after it
	// started make. A real ksqlDB takes a few seconds to start a push query
	// (the embedded engine none), so the test writes one State_3 order at a
	// time until the first row comes, then the rest.
	var push *labtest.PushQuery
	var pushErr error
	var rows [][]any
	var written []order
	nextID := 900
	write := func(specs ...spec) {
		for _, s := range specs {
			o := newOrders(nextID, s)[0]
			nextID++
			produceOrders(k, []order{o})
			written = append(written, o)
		}
	}
	if sc.Problem == "" && st != nil && st.IsPush() && writer != "" {
		push, pushErr = k.PushRaw(st.SQL, nil)
	}
	if push != nil {
		deadline := time.Now().Add(labtest.Budget(t, processWait))
		for i := 0; len(rows) == 0 && time.Now().Before(deadline); i++ {
			write(spec{2, "State_1", "City_2"}, spec{1.5 + float64(i), "State_3", "City_1"})
			rows = append(rows, push.Collect(1, 3*time.Second)...)
		}
		if len(rows) > 0 {
			// Changes of other states first, processed by the table's
			// query before the last State_3 order is written: the row of
			// that last change is the marker that every row before it
			// has come, so no quiet period is needed to see rows that
			// should not come.
			write(spec{0.5, "State_3", "City_3"}, spec{4, "State_2", "City_4"})
			k.WaitProcessed(writer, processWait, "orders")
			write(spec{3.25, "State_3", "City_5"})
			final := totalsOf(append(append([]order(nil), before...), written...))["State_3"]
			cols := columnIndex(push.Columns)
			// Until the row of the last change has come (or the deadline).
			deadline := time.Now().Add(labtest.Budget(t, processWait))
			for !hasTotal(rows, cols, "State_3", final) && time.Now().Before(deadline) {
				r, ok := push.Next(time.Until(deadline))
				if !ok {
					break
				}
				rows = append(rows, r)
			}
			// And whatever came with it.
			rows = append(rows, push.Collect(100, 0)...)
		}
	}
	// The running totals of State_3 after each State_3 order written.
	var wantRows []total
	running := totalsOf(before)["State_3"]
	for _, o := range written {
		if o.State == "State_3" {
			running = total{running.count + 1, running.units + o.Units}
			wantRows = append(wantRows, running)
		}
	}

	t.Run("it is a push query", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		if !st.IsPush() {
			t.Fatalf("%s has no EMIT CHANGES: without it a SELECT on a table is a pull query, which answers once with the row as it is now and ends. EMIT CHANGES turns it into a push query that keeps sending every change", sc.File)
		}
		requireWriter(t, writer, "UNITS_BY_STATE")
		if pushErr != nil {
			t.Fatalf("the test ran\n  %s\nand ksqlDB answered: %v", st.Text, pushErr)
		}
		if ended, err := push.Ended(); ended {
			why := ""
			if err != nil {
				why = fmt.Sprintf(" (%v)", err)
			}
			t.Fatalf("the push query ended by itself after %d rows%s: it should keep running until the client closes it. Is there a LIMIT?", len(rows), why)
		}
	})

	t.Run("a row for every change of the state", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		if push == nil {
			t.Fatalf("the query did not run as a push query: see the subtest before")
		}
		cols := pushColumns(t, push)
		var got []total
		for _, r := range rows {
			if fmt.Sprint(r[cols["STATE"]]) != "State_3" {
				continue
			}
			n, _ := toInt(r[cols["ORDER_COUNT"]])
			u, _ := toFloat(r[cols["TOTAL_UNITS"]])
			got = append(got, total{n, u})
		}
		// The rows start with the first change the query saw (at once on
		// the embedded engine) and must then follow every change.
		first := -1
		for i, w := range wantRows {
			if len(got) > 0 && got[0].count == w.count && near(got[0].units, w.units) {
				first = i
			}
		}
		if first < 0 || len(wantRows)-first < 3 || !sameTotals(got, wantRows[first:]) {
			want := wantRows
			if first > 0 {
				want = wantRows[first:]
			}
			t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("after the query started, the test wrote %d orders, %d of them for State_3; the State_3 rows that came (ORDER_COUNT, TOTAL_UNITS)", len(written), len(wantRows)),
				fmtTotals(want), fmtTotals(got),
				"each change of State_3's row is one row of the push query, with the new running totals"))
		}
	})

	t.Run("no rows for other states", func(t *testing.T) {
		requireScript(t, sc)
		requireQuery(t, sc, st)
		if push == nil {
			t.Fatalf("the query did not run as a push query: see the first subtest")
		}
		cols := pushColumns(t, push)
		if len(rows) == 0 {
			t.Fatalf("no rows came at all in %v of writing orders", processWait)
		}
		var others []string
		for _, r := range rows {
			if s := fmt.Sprint(r[cols["STATE"]]); s != "State_3" {
				others = append(others, s)
			}
		}
		if len(others) > 0 {
			t.Fatalf("rows for %v came too: filter with WHERE state = 'State_3', as in exercise 4", others)
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 6: SHOW, DESCRIBE and TERMINATE: retiring a feed.

func TestTeardown(t *testing.T) {
	k := labtest.NewKsql(t, []string{"ORDERS", "LARGE_ORDERS", "UNITS_BY_STATE", "LARGE_ORDERS_PER_STATE"},
		[]string{"orders", "large_orders", "units_by_state", "large_orders_per_state"})
	k.CreateTopic("orders", 3)
	k.Exec(ordersDDL)
	k.Exec(largeOrdersCSAS)
	k.Exec(unitsByStateCTAS)
	k.Exec(largeOrdersPerStateCTAS)
	produceOrders(k, newOrders(1000, spec{9, "State_1", "City_1"}, spec{2, "State_2", "City_2"}, spec{11.5, "State_2", "City_3"}))
	sc := k.Load("06_teardown.sql")
	k.Run(sc)
	sources := map[string]engine.SourceInfo{}
	if sc.Problem == "" {
		sources = k.Sources()
	}
	retired := sources["LARGE_ORDERS"].Name == "" && sources["LARGE_ORDERS_PER_STATE"].Name == ""

	t.Run("the large-orders queries are terminated", func(t *testing.T) {
		requireScript(t, sc)
		for _, s := range []string{"LARGE_ORDERS_PER_STATE", "LARGE_ORDERS"} {
			if ids := k.QueriesWriting(s); len(ids) > 0 {
				t.Errorf("%s still runs and writes %s: find its id with SHOW QUERIES (or DESCRIBE %s EXTENDED), then TERMINATE it", k.Restore(ids[0]), s, strings.ToLower(s))
			}
		}
	})

	t.Run("the large-orders stream and table are dropped, with their topics", func(t *testing.T) {
		requireScript(t, sc)
		for _, s := range []string{"LARGE_ORDERS_PER_STATE", "LARGE_ORDERS"} {
			if info, ok := sources[s]; ok {
				t.Errorf("the %s %s still exists: DROP %s %s DELETE TOPIC", strings.ToLower(info.Type), s, info.Type, strings.ToLower(s))
			}
		}
		for _, topic := range []string{"large_orders_per_state", "large_orders"} {
			if k.TopicExists(topic) {
				t.Errorf("the topic %s still exists: DROP ... DELETE TOPIC removes the topic with the stream or table; a plain DROP only forgets the stream and leaves its records in Kafka", topic)
			}
		}
	})

	t.Run("the orders stream and the units-by-state table keep running", func(t *testing.T) {
		requireScript(t, sc)
		if !retired {
			t.Fatalf("first retire LARGE_ORDERS and LARGE_ORDERS_PER_STATE (the subtests before); this one checks that nothing else went with them")
		}
		if _, ok := sources["ORDERS"]; !ok {
			t.Fatalf("the stream ORDERS is gone: only the large-orders feed was to be retired; UNITS_BY_STATE and other readers need ORDERS")
		}
		if _, ok := sources["UNITS_BY_STATE"]; !ok {
			t.Fatalf("the table UNITS_BY_STATE is gone: only the large-orders feed was to be retired")
		}
		writer := k.QueriesWriting("UNITS_BY_STATE")
		if len(writer) == 0 {
			t.Fatalf("the query writing UNITS_BY_STATE was terminated too: TERMINATE only the queries of the large-orders feed (and never TERMINATE ALL on a shared server)")
		}
		if !k.TopicExists("orders") || !k.TopicExists("units_by_state") {
			t.Fatalf("the topic orders or units_by_state was deleted: DELETE TOPIC only for what is retired")
		}
		produceOrders(k, newOrders(1100, spec{1.5, "State_9", "City_1"}))
		if !k.WaitProcessed(writer[0], processWait, "orders") {
			t.Fatalf("UNITS_BY_STATE's query did not process a new order within %v", processWait)
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 7: page views per region, a stream-table join.

func TestPageviewsByRegion(t *testing.T) {
	k := labtest.NewKsql(t, []string{"PAGEVIEWS", "USERS", "PAGEVIEWS_ENRICHED", "PAGEVIEWS_PER_REGION"},
		[]string{"pageviews", "users", "pageviews_enriched", "pageviews_per_region"})
	// Co-partitioned: the same partition count on both sides of the join.
	k.CreateTopic("pageviews", 3)
	k.CreateTopic("users", 3)
	base := baseTime()
	users := []user{{"User_1", "Region_1", "FEMALE"}, {"User_2", "Region_2", "MALE"}, {"User_3", "Region_1", "OTHER"}}
	moved := user{"User_1", "Region_7", "FEMALE"}
	first := []view{{1, "User_1", "Page_11"}, {2, "User_2", "Page_12"}, {3, "User_9", "Page_13"}, {4, "User_3", "Page_14"}, {5, "User_1", "Page_15"}}
	later := []view{{6, "User_1", "Page_16"}, {7, "User_2", "Page_17"}}
	for _, u := range users {
		k.Produce("users", u.record(base))
	}
	sc := k.Load("07_pageviews_by_region.sql")
	k.Run(sc)
	joiner, counter := "", ""
	if ranAny(sc) {
		joiner = k.WaitWriter("PAGEVIEWS_ENRICHED", writerWait)
		counter = k.WaitWriter("PAGEVIEWS_PER_REGION", writerWait)
	}
	// One phase at a time, each processed before the next is written, so
	// every view meets the profile the test means it to meet.
	// Once the join's query has failed to catch up, waiting again would only
	// run into the test's deadline: the checks below say what is missing.
	stuck := false
	wait := func(topics ...string) {
		if joiner != "" && !stuck {
			stuck = !k.WaitProcessed(joiner, processWait, topics...)
		}
	}
	wait("users")
	for _, v := range first {
		k.Produce("pageviews", v.record(base))
	}
	wait("users", "pageviews")
	// Moved between the fifth view and the sixth, in event time too.
	k.Produce("users", moved.record(base.Add(5500*time.Millisecond)))
	wait("users", "pageviews")
	for _, v := range later {
		k.Produce("pageviews", v.record(base))
	}
	wait("users", "pageviews")
	var enriched []*sarama.ConsumerMessage
	if joiner != "" {
		enriched = k.ReadSink("PAGEVIEWS_ENRICHED")
		if counter != "" && !stuck {
			k.WaitProcessed(counter, processWait, k.SinkTopic("PAGEVIEWS_ENRICHED"))
		}
	}
	byPage := map[string][]enrichedView{}
	for _, m := range enriched {
		var v enrichedView
		if json.Unmarshal(m.Value, &v) == nil {
			v.Key = string(m.Key)
			byPage[v.PageID] = append(byPage[v.PageID], v)
		}
	}
	profile := map[string]user{}
	for _, u := range users {
		profile[u.ID] = u
	}

	t.Run("users is a table and pageviews a stream, over their topics", func(t *testing.T) {
		requireStarted(t, sc)
		u := requireSource(t, k, sc, "USERS", "TABLE", "a table of the users' latest profiles: CREATE TABLE users (userid VARCHAR PRIMARY KEY, ...)")
		checkColumns(t, "USERS", u.Fields, []column{
			{"USERID", "STRING", true, "userid VARCHAR PRIMARY KEY: the users topic is keyed by userid, and a table's key is what it is joined on"},
			{"REGISTERTIME", "BIGINT", false, "registertime BIGINT"},
			{"REGIONID", "STRING", false, "regionid VARCHAR"},
			{"GENDER", "STRING", false, "gender VARCHAR"},
		})
		p := requireSource(t, k, sc, "PAGEVIEWS", "STREAM", "CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR, pageid VARCHAR) WITH (...)")
		checkColumns(t, "PAGEVIEWS", p.Fields, []column{
			{"VIEWTIME", "BIGINT", false, "viewtime BIGINT"},
			{"USERID", "STRING", false, "userid VARCHAR, a value column (the pageviews topic is keyed by viewtime)"},
			{"PAGEID", "STRING", false, "pageid VARCHAR"},
		})
		for name, d := range map[string]engine.SourceDescription{"users": u, "pageviews": p} {
			if d.Topic != k.Topic(name) {
				t.Errorf("%s", labtest.Mismatch(strings.ToUpper(name)+"'s topic", name, k.Restore(d.Topic), fmt.Sprintf("KAFKA_TOPIC='%s'", name)))
			}
		}
	})

	t.Run("each view carries its user's region and gender", func(t *testing.T) {
		requireStarted(t, sc)
		requireEnriched(t, k, sc, joiner, enriched)
		if topic := k.SinkTopic("PAGEVIEWS_ENRICHED"); topic != k.Topic("pageviews_enriched") {
			t.Errorf("%s", labtest.Mismatch("PAGEVIEWS_ENRICHED's topic", "pageviews_enriched", k.Restore(topic), "WITH (KAFKA_TOPIC='pageviews_enriched', VALUE_FORMAT='JSON') before AS SELECT"))
		}
		for _, v := range first {
			u, known := profile[v.User]
			if !known {
				continue
			}
			got := byPage[v.Page]
			if len(got) == 0 {
				t.Errorf("the view of %s by %s did not reach pageviews_enriched", v.Page, v.User)
				continue
			}
			g := got[0]
			if str(g.RegionID) != u.Region || str(g.Gender) != u.Gender {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("REGIONID and GENDER of the view of %s by %s", v.Page, v.User), u.Region+" "+u.Gender, str(g.RegionID)+" "+str(g.Gender),
					"join the users table ON pv.userid = u.userid and select u.regionid AS regionid, u.gender AS gender"))
			}
			if g.Key != v.User && (g.UserID == nil || *g.UserID != v.User) {
				t.Errorf("the view of %s came out keyed %q, without a USERID: select pv.userid AS userid, the join column, which is the key of the joined stream", v.Page, g.Key)
			}
		}
	})

	t.Run("views of users without a profile are kept, with no region", func(t *testing.T) {
		requireStarted(t, sc)
		requireEnriched(t, k, sc, joiner, enriched)
		got := byPage["Page_13"]
		if len(got) == 0 {
			t.Fatalf("User_9 has no profile in users, and their view of Page_13 did not reach pageviews_enriched: a JOIN (inner) drops a view that finds no user; a LEFT JOIN keeps it, with NULL for the user's columns")
		}
		if got[0].RegionID != nil {
			t.Fatalf("User_9 has no profile, but the view of Page_13 came out with REGIONID %q: want NULL", *got[0].RegionID)
		}
	})

	t.Run("a profile change applies to later views only", func(t *testing.T) {
		requireStarted(t, sc)
		requireEnriched(t, k, sc, joiner, enriched)
		for _, c := range []struct {
			page, region, when string
		}{{"Page_15", "Region_1", "before"}, {"Page_16", "Region_7", "after"}} {
			got := byPage[c.page]
			if len(got) == 0 {
				t.Errorf("the view of %s by User_1 did not reach pageviews_enriched", c.page)
				continue
			}
			if str(got[0].RegionID) != c.region {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the region of User_1's view of %s, written %s User_1 moved from Region_1 to Region_7", c.page, c.when), c.region, str(got[0].RegionID),
					"a stream-table join looks the user up when the view is processed: the table's latest value at that moment, never a later one"))
			}
		}
	})

	t.Run("the per-region table counts the views of each region", func(t *testing.T) {
		requireStarted(t, sc)
		d := requirePersistent(t, k, sc, "PAGEVIEWS_PER_REGION", "TABLE")
		checkColumns(t, "PAGEVIEWS_PER_REGION", d.Fields, []column{
			{"REGIONID", "STRING", true, "GROUP BY regionid, selecting regionid: it becomes the table's key"},
			{"VIEWS", "BIGINT", false, "COUNT(*) AS views"},
		})
		if d.Topic != k.Topic("pageviews_per_region") {
			t.Errorf("%s", labtest.Mismatch("PAGEVIEWS_PER_REGION's topic", "pageviews_per_region", k.Restore(d.Topic), "WITH (KAFKA_TOPIC='pageviews_per_region', VALUE_FORMAT='JSON') before AS SELECT"))
		}
		q := "SELECT regionid, views FROM pageviews_per_region;"
		res, err := k.Pull(q, pullWait)
		if err != nil {
			t.Fatalf("the test ran the pull query\n  %s\nand ksqlDB answered: %v", q, err)
		}
		want := map[string]int64{"Region_1": 3, "Region_2": 2, "Region_7": 1}
		got := map[string]int64{}
		for _, r := range res.Rows {
			n, _ := toInt(r[1])
			got[str(r[0])] = n
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s", labtest.Mismatch("the rows of "+q+" (views per region)", fmt.Sprint(want), fmt.Sprint(got),
				"count the enriched views: FROM pageviews_enriched GROUP BY regionid. User_1's views count where User_1 was at the time (2 in Region_1, 1 in Region_7); the view of User_9, with no region, is in no group"))
		}
	})
}

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

func countLarge(orders []order) int {
	n := 0
	for _, o := range orders {
		if o.Units > 8 {
			n++
		}
	}
	return n
}

type user struct{ ID, Region, Gender string }

func (u user) record(at time.Time) labtest.Record {
	v := fmt.Sprintf(`{"registertime":%d,"userid":%q,"regionid":%q,"gender":%q}`, at.Add(-24*time.Hour).UnixMilli(), u.ID, u.Region, u.Gender)
	return labtest.Record{Key: []byte(u.ID), Value: []byte(v), Timestamp: at}
}

type view struct {
	Second     int
	User, Page string
}

// record is the view as the datagen writes it, keyed by its viewtime.
func (v view) record(base time.Time) labtest.Record {
	at := base.Add(time.Duration(v.Second) * time.Second)
	value := fmt.Sprintf(`{"viewtime":%d,"userid":%q,"pageid":%q}`, at.UnixMilli(), v.User, v.Page)
	return labtest.Record{Key: []byte(strconv.FormatInt(at.UnixMilli(), 10)), Value: []byte(value), Timestamp: at}
}

type enrichedView struct {
	Key      string  `json:"-"`
	UserID   *string `json:"USERID"`
	PageID   string  `json:"PAGEID"`
	RegionID *string `json:"REGIONID"`
	Gender   *string `json:"GENDER"`
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case *string:
		if x == nil {
			return "NULL"
		}
		return *x
	}
	return fmt.Sprint(v)
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

// requireStarted stops a subtest when none of the script's statements
// ran: a script that stopped half-way still earns what its first
// statements did.
func requireStarted(t *testing.T, sc *labtest.KsqlScript) {
	t.Helper()
	if !ranAny(sc) {
		t.Fatal(sc.Problem)
	}
}

// ranAny says at least one of the script's statements ran without error.
func ranAny(sc *labtest.KsqlScript) bool {
	for _, st := range sc.Statements {
		if st.Ran && st.Err == nil {
			return true
		}
	}
	return false
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

func requireEnriched(t *testing.T, k *labtest.Ksql, sc *labtest.KsqlScript, joiner string, enriched []*sarama.ConsumerMessage) {
	t.Helper()
	requirePersistent(t, k, sc, "PAGEVIEWS_ENRICHED", "STREAM")
	if joiner == "" {
		t.Fatalf("no persistent query writes PAGEVIEWS_ENRICHED")
	}
	if len(enriched) == 0 {
		t.Fatalf("the test wrote %d users and 7 page views, and nothing reached pageviews_enriched: is it CREATE STREAM pageviews_enriched WITH (KAFKA_TOPIC='pageviews_enriched', ...) AS SELECT ... FROM pageviews pv LEFT JOIN users u ON pv.userid = u.userid?", 3)
	}
}

// pushRows runs a push query from the earliest offset and collects up to
// n rows, waiting at most pushWait.
func pushRows(k *labtest.Ksql, q string, n int) ([][]any, error) {
	p, err := k.Push(q, k.Props)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	return p.Collect(n, pushWait), nil
}

// columnIndex maps upper-case column names to their positions.
func columnIndex(columns []string) map[string]int {
	cols := map[string]int{}
	for i, c := range columns {
		cols[strings.ToUpper(c)] = i
	}
	return cols
}

// hasTotal says a row of state with the total has come.
func hasTotal(rows [][]any, cols map[string]int, state string, want total) bool {
	si, ok1 := cols["STATE"]
	ci, ok2 := cols["ORDER_COUNT"]
	if !ok1 || !ok2 {
		return false
	}
	for _, r := range rows {
		if n, _ := toInt(r[ci]); fmt.Sprint(r[si]) == state && n == want.count {
			return true
		}
	}
	return false
}

func pushColumns(t *testing.T, p *labtest.PushQuery) map[string]int {
	t.Helper()
	cols := columnIndex(p.Columns)
	for _, c := range []string{"STATE", "ORDER_COUNT", "TOTAL_UNITS"} {
		if _, ok := cols[c]; !ok {
			t.Fatalf("the query's columns are %v: want STATE, ORDER_COUNT and TOTAL_UNITS", p.Columns)
		}
	}
	return cols
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

func checkTotals(t *testing.T, what string, want, got map[string]total, hint string) {
	t.Helper()
	var wrong []string
	for _, s := range sortedKeys(want) {
		g, ok := got[s]
		switch {
		case !ok:
			wrong = append(wrong, fmt.Sprintf("%s: missing (want %d orders, %g units)", s, want[s].count, want[s].units))
		case g.count != want[s].count || !near(g.units, want[s].units):
			wrong = append(wrong, fmt.Sprintf("%s: %d orders, %g units; want %d orders, %g units", s, g.count, g.units, want[s].count, want[s].units))
		}
	}
	for _, s := range sortedKeys(got) {
		if _, ok := want[s]; !ok {
			wrong = append(wrong, fmt.Sprintf("%q: a row no order has (%d orders, %g units)", s, got[s].count, got[s].units))
		}
	}
	if len(wrong) > 0 {
		t.Fatalf("%s:\n  %s\n  %s", what, strings.Join(wrong, "\n  "), hint)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sameTotals(a, b []total) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].count != b[i].count || !near(a[i].units, b[i].units) {
			return false
		}
	}
	return true
}

func fmtTotals(ts []total) string {
	parts := make([]string, len(ts))
	for i, x := range ts {
		parts[i] = fmt.Sprintf("(%d, %g)", x.count, x.units)
	}
	if len(parts) == 0 {
		return "no rows"
	}
	return strings.Join(parts, " ")
}

// sinkByOrder indexes sink records by their value's ORDERID.
func sinkByOrder(records []*sarama.ConsumerMessage) (map[int][]*sarama.ConsumerMessage, []string) {
	out := map[int][]*sarama.ConsumerMessage{}
	var bad []string
	for _, r := range records {
		var v struct {
			OrderID *int `json:"ORDERID"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil || v.OrderID == nil {
			bad = append(bad, string(r.Value))
			continue
		}
		out[*v.OrderID] = append(out[*v.OrderID], r)
	}
	return out, bad
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

func sameRow(got, want []any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if !sameValue(got[i], want[i]) {
			return false
		}
	}
	return true
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

func fmtMillis(ms int64) string {
	return fmt.Sprintf("%d (%s)", ms, time.UnixMilli(ms).UTC().Format("15:04:05"))
}
