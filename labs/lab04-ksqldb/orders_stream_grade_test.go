//go:build grading

package lab04

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

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

func fmtMillis(ms int64) string {
	return fmt.Sprintf("%d (%s)", ms, time.UnixMilli(ms).UTC().Format("15:04:05"))
}
