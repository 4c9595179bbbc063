//go:build grading

package lab04

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

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

func checkTotals(t *testing.T, what string, want, got map[string]total, hint string) {
	t.Helper()
	var wrong []string
	for _, s := range sortedKeys(want) {
		g, ok := got[s]
		switch {
		case !ok:
			wrong = append(wrong, fmt.Sprintf("%s: missing (want %d orders, %.6g units)", s, want[s].count, want[s].units))
		case g.count != want[s].count || !near(g.units, want[s].units):
			wantUnits, gotUnits := labtest.FormatPair(want[s].units, g.units)
			wrong = append(wrong, fmt.Sprintf("%s: %d orders, %s units; want %d orders, %s units", s, g.count, gotUnits, want[s].count, wantUnits))
		}
	}
	for _, s := range sortedKeys(got) {
		if _, ok := want[s]; !ok {
			wrong = append(wrong, fmt.Sprintf("%q: a row no order has (%d orders, %.6g units)", s, got[s].count, got[s].units))
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
