//go:build grading

// Grading tests of lab 2. Each exercise has one top-level test; each of its
// subtests earns a share of the exercise's points. The tests write known
// orders (explicit keys, partitions and timestamps, one record that is not an
// order among them) to fresh topics of the grader's broker (or an embedded
// one), run your functions inside the course's stream processor, and read
// back what came out.
package lab02

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// How long a processor may take to get through a test's few records (it
// joins a group first: seconds on a loaded machine), and to stop when asked.
// The tests wait for what they need (every input processed, the end of the
// input committed) and only a processor that never gets there waits this
// long.
const (
	processWait = 45 * time.Second
	stopWait    = 30 * time.Second
	// totalsWait is processWait for each of exercise 5's three runs, which
	// share one test's deadline.
	totalsWait = 30 * time.Second
)

// ---------------------------------------------------------------------------
// Exercise 1: large orders to their own topic.

func TestFilterLarge(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	in, out := labtest.Topic(t, "orders"), labtest.Topic(t, "orders-large")
	labtest.CreateTopic(t, bootstrap, in, 3)
	labtest.CreateTopic(t, bootstrap, out, 3)
	inputs := writeInputs(t, bootstrap, in, []item{
		ord(101, 9.5, "State_1"), ord(102, 2.0, "State_2"), ord(103, 8.0, "State_3"),
		ord(104, 8.25, "State_1"), ord(105, 0.75, "State_4"), bad(106, `{"orderid":106,"orderunits":`),
		ord(107, 7.99, "State_2"), ord(108, 12.5, "State_3"), ord(109, 3.5, "State_1"),
		ord(110, 8.5, "State_4"), ord(111, 1.25, "State_2"), ord(112, 10.0, "State_3"),
	})
	run := labtest.RunStream(t, stream.Config{
		Bootstrap: bootstrap, Group: labtest.Group(t, "filter"), Inputs: []string{in}, Output: out,
		Transform: FilterLarge,
	}, int64(len(inputs)), processWait, 0)
	outputs := labtest.ReadStream(t, bootstrap, out)
	byID, undecodable := outputsByOrder(outputs)

	t.Run("large orders come out unchanged", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		if len(undecodable) > 0 {
			t.Errorf("%d output records are not orders, e.g. %s: forward the input's value as it is", len(undecodable), describe(undecodable[0]))
		}
		for _, s := range inputs {
			if s.bad || s.order.OrderUnits <= LargeOrderUnits {
				continue
			}
			checkForwarded(t, s, byID[s.order.OrderID], fmt.Sprintf("large order %d (%g units)", s.order.OrderID, s.order.OrderUnits),
				"FilterLarge must return it: []stream.Record{{Key: in.Key, Value: in.Value}}")
		}
	})

	t.Run("small orders are dropped", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		if len(outputs) == 0 {
			large := 0
			for _, s := range inputs {
				if !s.bad && s.order.OrderUnits > LargeOrderUnits {
					large++
				}
			}
			t.Fatalf("nothing came out of the filter at all (%d orders in, %d of them large): a filter that drops everything drops the small ones too, but that is not the exercise; forward the large orders first", len(inputs)-1, large)
		}
		for _, s := range inputs {
			if s.bad || s.order.OrderUnits > LargeOrderUnits {
				continue
			}
			if n := len(byID[s.order.OrderID]); n > 0 {
				hint := "keep only orders with OrderUnits > LargeOrderUnits"
				if s.order.OrderUnits == LargeOrderUnits {
					hint = "8 units is not above LargeOrderUnits (8): compare with >, not >="
				}
				t.Errorf("order %d has %g units, so it is not large, but it came out %d time(s): %s", s.order.OrderID, s.order.OrderUnits, n, hint)
			}
		}
	})

	t.Run("the malformed record is skipped and reported", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		checkSkipped(t, inputs, run.Skipped,
			"FilterLarge must return DecodeOrder's error for a value that is not an order: returning nil, nil drops it silently, and nobody learns that the record was bad")
	})
}

// ---------------------------------------------------------------------------
// Exercise 2: rekeying orders by state.

func TestRekeyByState(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	in, out := labtest.Topic(t, "orders"), labtest.Topic(t, "orders-by-state")
	labtest.CreateTopic(t, bootstrap, in, 3)
	labtest.CreateTopic(t, bootstrap, out, 3)
	noState := ord(209, 4.0, "")
	inputs := writeInputs(t, bootstrap, in, []item{
		ord(201, 1.5, "State_1"), ord(202, 2.5, "State_2"), ord(203, 3.5, "State_3"), ord(204, 4.5, "State_4"),
		ord(205, 5.5, "State_1"), ord(206, 6.5, "State_1"), bad(207, `orderid=207 units=3`), ord(208, 8.5, "State_3"),
		noState, ord(210, 1.0, "State_2"), ord(211, 2.0, "State_4"), ord(212, 3.0, "State_1"),
		ord(213, 4.0, "State_3"), ord(214, 5.0, "State_2"), ord(215, 6.0, "State_1"), ord(216, 7.0, "State_4"),
	})
	run := labtest.RunStream(t, stream.Config{
		Bootstrap: bootstrap, Group: labtest.Group(t, "rekey"), Inputs: []string{in}, Output: out,
		Transform: RekeyByState,
	}, int64(len(inputs)), processWait, 0)
	outputs := labtest.ReadStream(t, bootstrap, out)
	byID, _ := outputsByOrder(outputs)
	valid := 0
	for _, s := range inputs {
		if !s.bad {
			valid++
		}
	}

	t.Run("every order is keyed by its state", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		if len(outputs) == 0 {
			t.Fatalf("nothing came out of RekeyByState: %d orders with a state went in, and each should come out once, keyed by its state", valid)
		}
		partitionOf := map[string]int32{}
		var missing []int
		var wrongKeys []string
		for _, s := range inputs {
			if s.bad {
				continue
			}
			got := byID[s.order.OrderID]
			if len(got) == 0 {
				missing = append(missing, s.order.OrderID)
				continue
			}
			if len(got) > 1 {
				t.Errorf("order %d (state %s) came out %d times, want once", s.order.OrderID, s.order.Address.State, len(got))
			}
			key := string(got[0].Key)
			switch {
			case key == s.order.Address.State:
			case key == fmt.Sprintf("%q", s.order.Address.State):
				wrongKeys = append(wrongKeys, fmt.Sprintf("order %d came out with key %s, want %s without the quotes: the key is the state's bytes, []byte(o.Address.State), not its JSON", s.order.OrderID, key, s.order.Address.State))
			case key == s.key:
				wrongKeys = append(wrongKeys, fmt.Sprintf("order %d came out with its old key %q (the orderid), want its state %q: set the output record's Key", s.order.OrderID, key, s.order.Address.State))
			default:
				wrongKeys = append(wrongKeys, labtest.Mismatch(fmt.Sprintf("key of order %d (state %s)", s.order.OrderID, s.order.Address.State), s.order.Address.State, fmt.Sprintf("%q", key), "the new key is address.state"))
			}
			if p, ok := partitionOf[key]; ok && p != got[0].Partition {
				t.Errorf("the orders keyed %q are in partitions %d and %d: one key, one partition is what rekeying is for", key, p, got[0].Partition)
			}
			partitionOf[key] = got[0].Partition
		}
		for i, w := range wrongKeys {
			if i == 3 {
				t.Errorf("... and %d more orders with the wrong key", len(wrongKeys)-3)
				break
			}
			t.Error(w)
		}
		if len(missing) > 0 {
			t.Errorf("orders %v went in with a state but did not come out", missing)
		}
	})

	t.Run("the value and timestamp are unchanged", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		missing := 0
		for _, s := range inputs {
			if s.bad {
				continue
			}
			got := byID[s.order.OrderID]
			if len(got) == 0 {
				missing++
				continue
			}
			r := got[0]
			if !bytes.Equal(r.Value, s.value) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("value of order %d after rekeying", s.order.OrderID), string(s.value), string(r.Value),
					"rekeying changes the key only: return in.Value as it is"))
			}
			if !r.Timestamp.Equal(s.ts) {
				t.Errorf("order %d came out with timestamp %s, want the input's %s: leave the output's Timestamp zero and the processor keeps the event's time",
					s.order.OrderID, r.Timestamp.UTC().Format(time.RFC3339), s.ts.UTC().Format(time.RFC3339))
			}
		}
		if missing > 0 {
			t.Errorf("%d of the %d orders with a state did not come out at all", missing, valid)
		}
	})

	t.Run("records without a state, or not orders, are reported", func(t *testing.T) {
		requireRan(t, run, len(inputs))
		checkSkipped(t, inputs, run.Skipped,
			"RekeyByState must return an error for a record it cannot route: DecodeOrder's error, or one of your own for an order without a state")
		if n := len(byID[noState.order.OrderID]); n > 0 {
			t.Errorf("order %d has no address.state, but it came out %d time(s) (key %q): an order that cannot be routed is an error, not a record with an empty key",
				noState.order.OrderID, n, byID[noState.order.OrderID][0].Key)
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 3: a running total of units per state.

func TestCountUnits(t *testing.T) {
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

// ---------------------------------------------------------------------------
// Exercise 4: reading a compacted topic back as a table.

func TestLoadTotals(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	topic := labtest.Topic(t, "units-by-state")
	createCompacted(t, bootstrap, topic)

	// Each state lives in one partition, as a changelog's keys do.
	put := func(p int32, state string, orders int, units float64) *sarama.ProducerMessage {
		v, _ := json.Marshal(StateTotal{State: state, Orders: orders, Units: units})
		return &sarama.ProducerMessage{Topic: topic, Partition: p, Key: sarama.StringEncoder(state), Value: sarama.ByteEncoder(v)}
	}
	del := func(p int32, state string) *sarama.ProducerMessage {
		return &sarama.ProducerMessage{Topic: topic, Partition: p, Key: sarama.StringEncoder(state)} // nil value: a tombstone
	}
	labtest.Produce(t, bootstrap,
		put(0, "State_1", 1, 1.5), put(1, "State_2", 1, 2.0), put(2, "State_3", 1, 0.5),
		put(0, "State_1", 2, 3.75), put(1, "State_4", 1, 1.0), del(1, "State_2"),
		del(0, "State_5"), put(2, "State_3", 2, 1.5), put(1, "State_4", 2, 2.5),
		del(2, "State_3"), put(0, "State_1", 3, 4.25), put(2, "State_3", 1, 7.0),
		put(2, "State_6", 1, 9.0),
	)
	const history = "the topic holds, in order: State_1 three totals (last 3 orders, 4.25 units); State_2 a total then a tombstone; " +
		"State_3 two totals, a tombstone, then a new total (1 order, 7 units); State_4 two totals (last 2 orders, 2.5 units); " +
		"State_5 only a tombstone; State_6 one total"
	first, firstErr := loadTotals(t, bootstrap, topic)

	t.Run("the latest value of each state wins", func(t *testing.T) {
		if firstErr != nil {
			t.Fatalf("LoadTotals(%s) returned an error: %v", topic, firstErr)
		}
		for _, w := range []StateTotal{{State: "State_1", Orders: 3, Units: 4.25}, {State: "State_4", Orders: 2, Units: 2.5}, {State: "State_6", Orders: 1, Units: 9}} {
			g, ok := first[w.State]
			switch {
			case !ok:
				t.Errorf("LoadTotals has no %s; %s.\n  read every partition from its first offset to its end", w.State, history)
			case g.Orders == 1 && w.Orders > 1:
				t.Errorf("%s", labtest.Mismatch(w.State, fmtTotal(w), fmtTotal(g), "that is the state's first total: later records of a key replace earlier ones"))
			case g.Orders != w.Orders || !near(g.Units, w.Units) || g.State != w.State:
				t.Errorf("%s", labtest.Mismatch(w.State+" (the last total written for it)", fmtTotal(w), fmtTotal(g), history))
			}
		}
	})

	t.Run("a tombstone deletes its state", func(t *testing.T) {
		if firstErr != nil {
			t.Fatalf("LoadTotals(%s) returned an error: %v", topic, firstErr)
		}
		if first == nil {
			t.Fatalf("LoadTotals returned a nil map and no error")
		}
		for _, gone := range []string{"State_2", "State_5"} {
			if g, ok := first[gone]; ok {
				hint := "a record with a nil value (a tombstone) deletes its key: delete(totals, key)"
				if g.State == "" && g.Orders == 0 && g.Units == 0 {
					hint = "you stored an empty total for the tombstone; a tombstone means the key is gone: delete it from the map"
				}
				t.Errorf("%s is in the table (%s), but its last record is a tombstone.\n  %s", gone, fmtTotal(g), hint)
			}
		}
		want := StateTotal{State: "State_3", Orders: 1, Units: 7}
		if g, ok := first["State_3"]; !ok {
			t.Errorf("State_3 is missing: it was deleted by a tombstone but written again afterwards, so it exists with %s. A tombstone deletes what came before it, not what comes after", fmtTotal(want))
		} else if g.Orders != want.Orders || !near(g.Units, want.Units) {
			t.Errorf("%s", labtest.Mismatch("State_3 (deleted, then written again)", fmtTotal(want), fmtTotal(g), ""))
		}
	})

	t.Run("each call reads the whole topic again", func(t *testing.T) {
		labtest.Produce(t, bootstrap, put(1, "State_4", 3, 3.0), put(1, "State_2", 1, 6.0), put(0, "State_7", 1, 1.0))
		second, err := loadTotals(t, bootstrap, topic)
		if err != nil {
			t.Fatalf("the second LoadTotals(%s) returned an error: %v", topic, err)
		}
		want := map[string]StateTotal{
			"State_1": {State: "State_1", Orders: 3, Units: 4.25}, "State_2": {State: "State_2", Orders: 1, Units: 6},
			"State_3": {State: "State_3", Orders: 1, Units: 7}, "State_4": {State: "State_4", Orders: 3, Units: 3},
			"State_6": {State: "State_6", Orders: 1, Units: 9}, "State_7": {State: "State_7", Orders: 1, Units: 1},
		}
		if _, ok := second["State_1"]; !ok && len(second) > 0 {
			t.Errorf("the second call has %d states but not State_1, which was written before the first call and not since: read from the beginning every time (a consumer group would resume where the last read stopped, but a table is rebuilt from the whole changelog)", len(second))
		}
		checkTotals(t, "the table after three more records (State_4 updated, State_2 written again, State_7 new)", want, second)
	})

	t.Run("a value that is not a total is an error naming its key", func(t *testing.T) {
		broken := labtest.Topic(t, "units-by-state")
		createCompacted(t, bootstrap, broken)
		labtest.Produce(t, bootstrap, &sarama.ProducerMessage{Topic: broken, Partition: 0, Key: sarama.StringEncoder("State_1"), Value: sarama.StringEncoder(`{"state":"State_1","orders":2,"units":3.5}`)},
			&sarama.ProducerMessage{Topic: broken, Partition: 1, Key: sarama.StringEncoder("State_8"), Value: sarama.StringEncoder(`{"state":"State_8","orders":"many"}`)})
		got, err := loadTotals(t, bootstrap, broken)
		switch {
		case err == nil:
			t.Errorf("LoadTotals returned no error (and %v) for a topic where the value of State_8 is {\"state\":\"State_8\",\"orders\":\"many\"}: return an error when a value does not decode", got)
		case !strings.Contains(err.Error(), "State_8"):
			t.Errorf("LoadTotals returned %q for a topic where the value of State_8 does not decode; say which key it was (wrap the error: fmt.Errorf(\"... %%s ...: %%w\", key, err))", err)
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 5: surviving a restart without counting twice.

func TestRunTotals(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	orders, totals := labtest.Topic(t, "orders"), labtest.Topic(t, "units-by-state")
	group := labtest.Group(t, "run-totals")
	labtest.CreateTopic(t, bootstrap, orders, 3)

	var (
		mu      sync.Mutex
		skipped []stream.Skipped
	)
	s := Settings{Bootstrap: bootstrap, Group: group, Orders: orders, Totals: totals, OnSkip: func(sk stream.Skipped) {
		mu.Lock()
		defer mu.Unlock()
		skipped = append(skipped, sk)
	}}
	skippedNow := func() []stream.Skipped {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(skipped)
	}

	batch1 := writeInputs(t, bootstrap, orders, []item{
		ord(501, 1.5, "State_1"), ord(502, 3.0, "State_2"), ord(503, 0.75, "State_3"),
		ord(504, 2.25, "State_1"), ord(505, 5.5, "State_3"), bad(506, `{"orderid":`),
		ord(507, 0.5, "State_1"), ord(508, 2.5, "State_2"), ord(509, 1.0, "State_3"),
		ord(510, 4.0, "State_2"), ord(511, 2.0, "State_3"), ord(512, 0.25, "State_1"), ord(513, 1.25, "State_2"),
	})
	all := slices.Clone(batch1)
	var first, second *totalsRun

	t.Run("counts every order and stops when asked", func(t *testing.T) {
		first = runTotals(t, s, all)
		first.requireStopped(t)
		got, err := readTotals(bootstrap, totals)
		if err != nil {
			t.Fatalf("reading the totals topic %s: %v", totals, err)
		}
		if len(got) == 0 {
			t.Fatalf("the totals topic %s is empty after RunTotals ran on %d orders: run a processor with Config.Changelog s.Totals and Config.TableTransform CountUnitsOnce", totals, len(all)-1)
		}
		checkTotals(t, "the totals after the first run", expectedTotals(all), got)
		checkSkipped(t, all, skippedNow(), "pass s.OnSkip to the processor as Config.OnSkip")
	})

	t.Run("a restart resumes: state from the changelog, input from the committed offsets", func(t *testing.T) {
		if first == nil || !first.returned || first.counted == 0 {
			t.Fatalf("cannot test a restart: the first run did not count orders and stop (see the first subtest)")
		}
		end := labtest.EndOffsets(t, bootstrap, orders)
		committed := committedOffsets(bootstrap, group, orders)
		if labtest.FormatOffsets(committed) != labtest.FormatOffsets(end) {
			t.Errorf("after the first run group %s has committed %s on the orders topic, want %s (the end: everything was processed).\n  use s.Group as Config.Group: the group's committed offsets are how a restarted processor knows where it stopped",
				group, labtest.FormatOffsets(committed), labtest.FormatOffsets(end))
		}
		changesBefore := sumOffsets(labtest.EndOffsets(t, bootstrap, totals))
		batch2 := writeInputs(t, bootstrap, orders, []item{
			ord(521, 2.0, "State_1"), ord(522, 1.0, "State_2"), ord(523, 3.0, "State_3"),
			ord(524, 0.5, "State_1"), ord(525, 1.5, "State_2"), ord(526, 2.5, "State_3"),
		})
		all = append(all, batch2...)
		second = runTotals(t, s, all)
		second.requireStopped(t)
		got, err := readTotals(bootstrap, totals)
		if err != nil {
			t.Fatalf("reading the totals topic %s: %v", totals, err)
		}
		checkTotals(t, fmt.Sprintf("the totals after a restart and %d more orders", len(batch2)), expectedTotals(all), got)
		if changes := sumOffsets(labtest.EndOffsets(t, bootstrap, totals)) - changesBefore; changes != int64(len(batch2)) {
			t.Errorf("the restarted processor wrote %d changes to the totals topic for %d new orders, want one per new order: it processed old orders again; did it resume from group s.Group's committed offsets?", changes, len(batch2))
		}
	})

	t.Run("a crash before the commit does not count twice", func(t *testing.T) {
		if second == nil || !second.returned || second.counted <= first.counted {
			t.Fatalf("cannot test a crash: the restart did not count the new orders and stop (see the other subtests)")
		}
		if sumOffsets(committedOffsets(bootstrap, group, orders)) <= 0 {
			t.Fatalf("cannot simulate a crash of group %s: it has committed nothing (see the second subtest)", group)
		}
		// A crash right after the changelog was written and before any
		// offset was committed: the group is back at the start, the
		// changelog holds every total.
		labtest.CommitOffsets(t, bootstrap, group, orders, map[int32]int64{0: 0, 1: 0, 2: 0})
		batch3 := writeInputs(t, bootstrap, orders, []item{ord(531, 1.0, "State_1"), ord(532, 2.0, "State_2"), ord(533, 4.0, "State_3")})
		all = append(all, batch3...)
		third := runTotals(t, s, all)
		third.requireStopped(t)
		got, err := readTotals(bootstrap, totals)
		if err != nil {
			t.Fatalf("reading the totals topic %s: %v", totals, err)
		}
		want := expectedTotals(all)
		if wo, go_ := sumTotals(want), sumTotals(got); go_ > wo {
			if stored := sumOffsets(labtest.EndOffsets(t, bootstrap, orders)); stored != int64(len(all)) {
				t.Fatalf("the orders topic holds %d records but the test wrote %d: the test's own input was duplicated, which says nothing about your code; grade again", stored, len(all))
			}
			t.Errorf("after a crash that left the group's offsets at 0, the totals count %d orders; %d were written (%d of them replayed from before the crash).\n  the replayed orders were counted again: keep in each total the positions it has counted (StateTotal.Counted), skip an order when total.Counted.Covers(in), and call total.Counted.Advance(in) when you count one",
				go_, wo, len(all)-len(batch3)-1)
		}
		checkTotals(t, "the totals after a crash and 3 more orders", want, got)
	})
}

// totalsRun is what one RunTotals call did.
type totalsRun struct {
	err      error
	early    bool // returned before its context ended
	returned bool
	counted  int // orders in the totals when it was stopped
	took     time.Duration
}

// runTotals runs RunTotals until it has caught up with the orders topic
// (the totals count every order written so far, and the group has
// committed the end of the topic: every record, bad ones included, is
// done) or totalsWait passes, then stops it. Waiting for both rather
// than for a quiet moment means a replayed order would already show (its
// partition is processed up to its end) and the commit a restart resumes
// from is in place.
func runTotals(t *testing.T, s Settings, written []sent) *totalsRun {
	t.Helper()
	wantOrders := 0
	for _, w := range written {
		if !w.bad {
			wantOrders++
		}
	}
	run := &totalsRun{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("RunTotals panicked: %v", r)
			}
		}()
		done <- RunTotals(ctx, s)
	}()
	start := time.Now()
	end := labtest.EndOffsets(t, s.Bootstrap, s.Orders)
	caughtUp := func() bool {
		if labtest.FormatOffsets(committedOffsets(s.Bootstrap, s.Group, s.Orders)) != labtest.FormatOffsets(end) {
			return false
		}
		got, _ := readTotals(s.Bootstrap, s.Totals)
		return sumTotals(got) >= wantOrders
	}
	deadline := time.Now().Add(labtest.Budget(t, totalsWait))
wait:
	for !caughtUp() && time.Now().Before(deadline) {
		select {
		case run.err = <-done:
			run.early, run.returned = true, true
			break wait
		case <-time.After(250 * time.Millisecond):
		}
	}
	run.took = time.Since(start)
	cancel()
	if !run.returned {
		select {
		case run.err = <-done:
			run.returned = true
		case <-time.After(labtest.Budget(t, stopWait)):
		}
	}
	got, _ := readTotals(s.Bootstrap, s.Totals)
	run.counted = sumTotals(got)
	return run
}

func (r *totalsRun) requireStopped(t *testing.T) {
	t.Helper()
	switch {
	case r.early && r.err != nil:
		t.Fatalf("RunTotals returned before its context ended, after %v: %v", r.took.Round(time.Millisecond), r.err)
	case r.early:
		t.Fatalf("RunTotals returned nil before its context ended: it must run until ctx is done (stream.Run does)")
	case !r.returned:
		t.Fatalf("RunTotals did not return within %v of its context ending: return when ctx is done", stopWait)
	case r.err != nil:
		t.Errorf("RunTotals returned %v when its context ended; a requested stop is not an error: return nil", r.err)
	}
}

// committedOffsets returns what group has committed on topic's 3
// partitions, -1 for none (and for a group that does not exist).
func committedOffsets(bootstrap, group, topic string) map[int32]int64 {
	out := map[int32]int64{0: -1, 1: -1, 2: -1}
	admin, err := kafkautil.NewAdmin(bootstrap)
	if err != nil {
		return out
	}
	defer admin.Close()
	resp, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0, 1, 2}})
	if err != nil {
		return out
	}
	for p := range out {
		if b := resp.GetBlock(topic, p); b != nil && b.Err == sarama.ErrNoError {
			out[p] = b.Offset
		}
	}
	return out
}

// readTotals reads the totals topic as a table of StateTotals (an empty table
// when the topic does not exist yet).
func readTotals(bootstrap, topic string) (map[string]StateTotal, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := stream.ReadTable(ctx, bootstrap, topic)
	if errors.Is(err, stream.ErrUnknownTopic) {
		return map[string]StateTotal{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]StateTotal{}
	for k, v := range raw {
		var st StateTotal
		if err := json.Unmarshal(v, &st); err != nil {
			return nil, fmt.Errorf("the value of %s is not a StateTotal (%v): %s", k, err, v)
		}
		out[k] = st
	}
	return out, nil
}

func sumTotals(totals map[string]StateTotal) int {
	n := 0
	for _, t := range totals {
		n += t.Orders
	}
	return n
}

// ---------------------------------------------------------------------------
// Inputs.

var t0 = time.UnixMilli(1_700_000_000_000).UTC()

// item is one input record: an order, or a value that is not one.
type item struct {
	order Order
	raw   string // the value, when not an order's JSON
}

func ord(id int, units float64, state string) item {
	ts := t0.Add(time.Duration(id) * time.Second)
	return item{order: Order{
		OrderTime: ts.UnixMilli(), OrderID: id, ItemID: fmt.Sprintf("Item_%d", id%999+1), OrderUnits: units,
		Address: Address{City: fmt.Sprintf("City_%d", id%89+1), State: state, Zipcode: 10000 + int64(id)},
	}}
}

func bad(id int, raw string) item {
	it := ord(id, 0, "")
	it.raw = raw
	return it
}

// sent is an input record as written: where it went and what it held.
type sent struct {
	order     Order
	bad       bool // not an order, or an order without a state
	key       string
	value     []byte
	ts        time.Time
	partition int32
	offset    int64
}

// describeBad says why a bad input is bad.
func (s sent) describeBad() string {
	var o Order
	if json.Unmarshal(s.value, &o) == nil {
		return fmt.Sprintf("order %d, which has no address.state", o.OrderID)
	}
	return fmt.Sprintf("%q, not an order", truncate(string(s.value), 60))
}

// writeInputs writes items to topic, keyed by order id, spread round robin
// over its 3 partitions, each with its order's timestamp, and returns them
// with the offsets they got.
func writeInputs(t *testing.T, bootstrap, topic string, items []item) []sent {
	t.Helper()
	next := labtest.EndOffsets(t, bootstrap, topic)
	var out []sent
	var msgs []*sarama.ProducerMessage
	for i, it := range items {
		s := sent{order: it.order, key: fmt.Sprint(it.order.OrderID), ts: time.UnixMilli(it.order.OrderTime).UTC(), partition: int32(i % 3)}
		if it.raw != "" {
			s.value, s.bad = []byte(it.raw), true
		} else {
			s.value, _ = json.Marshal(it.order)
			s.bad = it.order.Address.State == ""
		}
		s.offset = next[s.partition]
		next[s.partition]++
		out = append(out, s)
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Partition: s.partition, Key: sarama.StringEncoder(s.key), Value: sarama.ByteEncoder(s.value), Timestamp: s.ts})
	}
	labtest.Produce(t, bootstrap, msgs...)
	return out
}

func createCompacted(t *testing.T, bootstrap, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 30*time.Second))
	defer cancel()
	if err := kafkautil.EnsureTopics(ctx, bootstrap, []kafkautil.TopicSpec{{Name: topic, Partitions: 3, Compacted: true}}); err != nil {
		t.Fatalf("creating the compacted topic %s: %v", topic, err)
	}
}

// ---------------------------------------------------------------------------
// Checks.

// requireRan stops a subtest when the processor did not get through the
// inputs and stop cleanly.
func requireRan(t *testing.T, run *labtest.StreamRun, inputs int) {
	t.Helper()
	if p := run.Problem(int64(inputs)); p != "" {
		t.Fatalf("%s", p)
	}
}

// outputsByOrder groups output records by the order id in their value.
func outputsByOrder(records []stream.Record) (map[int][]stream.Record, []stream.Record) {
	byID := map[int][]stream.Record{}
	var undecodable []stream.Record
	for _, r := range records {
		var o Order
		if err := json.Unmarshal(r.Value, &o); err != nil {
			undecodable = append(undecodable, r)
			continue
		}
		byID[o.OrderID] = append(byID[o.OrderID], r)
	}
	return byID, undecodable
}

// checkForwarded checks that input s came out once, with its key, value and
// timestamp.
func checkForwarded(t *testing.T, s sent, got []stream.Record, what, howTo string) {
	t.Helper()
	switch {
	case len(got) == 0:
		t.Errorf("%s went in (partition %d, offset %d) but did not come out: %s", what, s.partition, s.offset, howTo)
		return
	case len(got) > 1:
		t.Errorf("%s came out %d times, want once: return one record per large order", what, len(got))
	}
	r := got[0]
	if string(r.Key) != s.key {
		t.Errorf("%s", labtest.Mismatch(what+": key", fmt.Sprintf("%q (the input's key)", s.key), fmt.Sprintf("%q", r.Key), "forward in.Key: a filter changes nothing about what it lets through"))
	}
	if !bytes.Equal(r.Value, s.value) {
		hint := "forward in.Value as it is"
		var o Order
		if json.Unmarshal(r.Value, &o) == nil && o == s.order {
			hint = "the order is right but the bytes differ: forward in.Value rather than encoding the order again"
		}
		t.Errorf("%s", labtest.Mismatch(what+": value", string(s.value), string(r.Value), hint))
	}
	if !r.Timestamp.Equal(s.ts) {
		t.Errorf("%s came out with timestamp %s, want the input's %s: leave the output's Timestamp zero and the processor keeps the event's time",
			what, r.Timestamp.UTC().Format(time.RFC3339), s.ts.Format(time.RFC3339))
	}
}

// checkSkipped checks that exactly the bad inputs were reported as skipped.
func checkSkipped(t *testing.T, inputs []sent, skipped []stream.Skipped, howTo string) {
	t.Helper()
	var want []string
	isBad := map[string]sent{}
	for _, s := range inputs {
		at := fmt.Sprintf("partition %d offset %d", s.partition, s.offset)
		if s.bad {
			want = append(want, at)
			isBad[at] = s
		}
	}
	var got []string
	seen := map[string]bool{}
	for _, sk := range skipped {
		at := fmt.Sprintf("partition %d offset %d", sk.Partition, sk.Offset)
		got = append(got, at)
		seen[at] = true
		if _, ok := isBad[at]; !ok {
			t.Errorf("a good order (%s, key %q) was reported as skipped, with the error %v: only records you cannot process are errors", at, sk.Key, sk.Err)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if len(skipped) == 0 {
		var what []string
		for _, at := range want {
			what = append(what, fmt.Sprintf("%s (%s)", at, isBad[at].describeBad()))
		}
		t.Errorf("no record was reported as skipped; want %s.\n  %s", strings.Join(what, " and "), howTo)
		return
	}
	for _, at := range want {
		if !seen[at] {
			t.Errorf("the record at %s (%s) was not reported as skipped: %s", at, isBad[at].describeBad(), howTo)
		}
	}
}

// expectedTotals computes the totals of the good orders among inputs.
func expectedTotals(inputs []sent) map[string]StateTotal {
	out := map[string]StateTotal{}
	for _, s := range inputs {
		if s.bad {
			continue
		}
		st := s.order.Address.State
		t := out[st]
		t.State, t.Orders, t.Units = st, t.Orders+1, t.Units+s.order.OrderUnits
		out[st] = t
	}
	return out
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

// checkTotals compares totals state by state.
func checkTotals(t *testing.T, what string, want, got map[string]StateTotal) {
	t.Helper()
	states := map[string]bool{}
	for s := range want {
		states[s] = true
	}
	for s := range got {
		states[s] = true
	}
	var names []string
	for s := range states {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, s := range names {
		w, inWant := want[s]
		g, inGot := got[s]
		switch {
		case !inGot:
			t.Errorf("%s: there is no total for %s; want %d orders, %g units", what, s, w.Orders, w.Units)
		case !inWant:
			t.Errorf("%s: there is a total for %q (%s), a state no order was for", what, s, fmtTotal(g))
		case g.Orders == 2*w.Orders && near(g.Units, 2*w.Units):
			t.Errorf("%s: %s counts %d orders, %g units: exactly twice the %d orders, %g units written. Every order was counted twice", what, s, g.Orders, g.Units, w.Orders, w.Units)
		case g.Orders != w.Orders || !near(g.Units, w.Units):
			hint := ""
			if g.Orders == 1 && w.Orders > 1 {
				hint = "only one order counted: add to the state's current total (table.Get), do not start from zero each time"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s: %s", what, s), fmt.Sprintf("%d orders, %g units", w.Orders, w.Units), fmt.Sprintf("%d orders, %g units", g.Orders, g.Units), hint))
		case g.State != s:
			t.Errorf("%s: the total of %s says its state is %q: AddOrder sets State to the order's state", what, s, g.State)
		}
	}
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
			seq = append(seq, fmt.Sprintf("{orders %d, units %g}", st.Orders, st.Units))
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

// loadHung is set once a LoadTotals call has not returned in time: the
// later calls are not made, to keep the test within its deadline.
var loadHung bool

// loadWait is how long one LoadTotals call may take: reading a few records
// takes milliseconds, so only a call that waits for more records than the
// topic holds comes near it.
const loadWait = 30 * time.Second

func loadTotals(t *testing.T, bootstrap, topic string) (got map[string]StateTotal, err error) {
	t.Helper()
	if loadHung {
		return nil, errors.New("not called again: an earlier LoadTotals call did not return")
	}
	err = fmt.Errorf("LoadTotals did not return within %v: return once every partition has been read to the end it had when you started (a snapshot), rather than waiting for more records", loadWait)
	if !labtest.Within(t, loadWait, "LoadTotals", func(ctx context.Context) {
		got, err = LoadTotals(ctx, bootstrap, topic)
	}) {
		loadHung = true
	}
	return got, err
}

// fmtTotal shows a total without its positions.
func fmtTotal(t StateTotal) string {
	return fmt.Sprintf("{state %q, %d orders, %g units}", t.State, t.Orders, t.Units)
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func sumOffsets(offsets map[int32]int64) int64 {
	var n int64
	for _, o := range offsets {
		n += o
	}
	return n
}

func describe(r stream.Record) string {
	return fmt.Sprintf("%s with key %q and value %q", r, r.Key, truncate(string(r.Value), 80))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
