//go:build grading

package lab04

import (
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

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
