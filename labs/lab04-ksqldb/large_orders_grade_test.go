//go:build grading

package lab04

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

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

func countLarge(orders []order) int {
	n := 0
	for _, o := range orders {
		if o.Units > 8 {
			n++
		}
	}
	return n
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
