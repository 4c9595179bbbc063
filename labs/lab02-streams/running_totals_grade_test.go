//go:build grading

package lab02

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestCountUnits(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { AddOrder(StateTotal{}, Order{}); return nil },
		func() error { _, err := CountUnits(stream.Record{}, nil); return err })
	t.Run("AddOrder counts one more order", func(t *testing.T) {
		o := ord(301, 2.25, "State_2").order
		cases := []struct {
			name        string
			total, want StateTotal
		}{
			{"a state's first order", StateTotal{}, StateTotal{State: "State_2", Orders: 1, Units: 2.25}},
			{"a running total", StateTotal{State: "State_2", Orders: 3, Units: 10.5}, StateTotal{State: "State_2", Orders: 4, Units: 12.75}},
		}
		for _, c := range cases {
			var got StateTotal
			if !labtest.Guard(t, "AddOrder", func() { got = AddOrder(c.total, o) }) {
				continue
			}
			if got.State != c.want.State || got.Orders != c.want.Orders || !near(got.Units, c.want.Units) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s: AddOrder(%s, an order of %g units for %s)", c.name, fmtTotal(c.total), o.OrderUnits, o.Address.State),
					fmtTotal(c.want), fmtTotal(got), "one more order, its units added, State set to the order's state"))
			}
		}
	})

	bootstrap := labtest.Bootstrap(t)
	in, totals := labtest.Topic(t, "orders"), labtest.Topic(t, "units-by-state")
	labtest.CreateTopic(t, bootstrap, in, 3)
	items := []item{
		ord(301, 1.5, "State_1"), ord(302, 3.0, "State_2"), ord(303, 0.75, "State_3"),
		ord(304, 2.25, "State_1"), bad(305, `not json at all`), ord(306, 5.5, "State_3"),
		ord(307, 0.5, "State_1"), ord(308, 2.5, "State_2"), ord(309, 1.0, "State_3"),
		ord(310, 4.0, "State_1"), ord(311, 2.0, "State_3"), ord(312, 0.25, "State_3"),
		ord(313, 9.0, ""), ord(314, 1.25, "State_2"),
	}
	inputs := writeInputs(t, bootstrap, in, items)
	run := labtest.RunStream(t, stream.Config{
		Bootstrap: bootstrap, Group: labtest.Group(t, "totals"), Inputs: []string{in}, Changelog: totals,
		TableTransform: CountUnits,
	}, int64(len(inputs)), processWait, 0)
	changelog := labtest.ReadStream(t, bootstrap, totals)
	want := expectedTotals(inputs)

	t.Run("the latest total of each state is right", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		got, problems := latestTotals(changelog)
		for _, p := range problems {
			t.Error(p)
		}
		if len(changelog) == 0 {
			t.Fatalf("the changelog topic is empty after %d orders: CountUnits must Put each state's new total into the table (the processor writes every Put to the changelog)", len(inputs)-2)
		}
		checkTotals(t, "the latest total of each state in the changelog", want, got)
	})

	t.Run("every change is published, in order", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		if len(changelog) == 0 {
			t.Fatalf("the changelog topic is empty after %d orders; want one record per order: the state's new total", len(inputs)-2)
		}
		checkChanges(t, inputs, changelog)
	})

	t.Run("bad records are reported and change nothing", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		checkSkipped(t, inputs, run.Skipped,
			"CountUnits must return an error for a record that is not an order and for an order without a state")
		for _, r := range changelog {
			if len(r.Key) == 0 {
				t.Errorf("the changelog has a total under an empty key (%s): an order without a state must be an error, not counted under \"\"", r.Value)
				break
			}
		}
	})
}

// latestTotals reads a changelog's records as a table of StateTotals.
func latestTotals(records []stream.Record) (map[string]StateTotal, []string) {
	out := map[string]StateTotal{}
	var problems []string
	for _, r := range records {
		if r.IsTombstone() {
			delete(out, string(r.Key))
			continue
		}
		var st StateTotal
		if err := json.Unmarshal(r.Value, &st); err != nil {
			problems = append(problems, fmt.Sprintf("the changelog record of %q at %s is not a StateTotal as JSON (%v): %s", r.Key, r, err, truncate(string(r.Value), 80)))
			continue
		}
		out[string(r.Key)] = st
	}
	return out, problems
}

// checkChanges checks that every good order produced one changelog record
// for its state, each counting one more order than the one before.
func checkChanges(t *testing.T, inputs []sent, changelog []stream.Record) {
	t.Helper()
	units := map[string][]float64{}
	for _, s := range inputs {
		if !s.bad {
			units[s.order.Address.State] = append(units[s.order.Address.State], s.order.OrderUnits)
		}
	}
	changes := map[string][]StateTotal{}
	for _, r := range changelog {
		var st StateTotal
		if json.Unmarshal(r.Value, &st) == nil {
			changes[string(r.Key)] = append(changes[string(r.Key)], st)
		}
	}
	var states []string
	for s := range units {
		states = append(states, s)
	}
	sort.Strings(states)
	for _, s := range states {
		got := changes[s]
		if len(got) != len(units[s]) {
			t.Errorf("%s had %d orders, so its changelog should hold %d records (one new total per order); it holds %d", s, len(units[s]), len(units[s]), len(got))
			continue
		}
		var seq []string
		ok := true
		var added []float64
		for i, st := range got {
			seq = append(seq, fmt.Sprintf("{orders %d, units %.6g}", st.Orders, st.Units))
			if st.Orders != i+1 {
				ok = false
			}
			prev := 0.0
			if i > 0 {
				prev = got[i-1].Units
			}
			added = append(added, math.Round((st.Units-prev)*1000)/1000)
		}
		wantAdded := slices.Clone(units[s])
		slices.Sort(wantAdded)
		slices.Sort(added)
		if !ok || !slices.Equal(added, wantAdded) {
			hint := "each record is the previous total plus one order"
			if len(got) > 1 && got[len(got)-1].Orders == 1 {
				hint = "every change starts again from one order: read the state's current total from the table (table.Get) before adding to it"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the changelog of %s, in order (its orders had %v units)", s, units[s]),
				fmt.Sprintf("%d totals counting 1, 2, ... orders", len(units[s])), strings.Join(seq, " "), hint))
		}
	}
}
