//go:build grading

// Grading tests of lab 2. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. The tests
// write known orders (explicit keys, partitions and timestamps, one record
// that is not an order among them) to fresh topics of the grader's broker (or
// an embedded one), run your functions inside the course's stream processor,
// and read back what came out.
package lab02

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

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
			t.Errorf("%s: there is no total for %s; want %d orders, %.6g units", what, s, w.Orders, w.Units)
		case !inWant:
			t.Errorf("%s: there is a total for %q (%s), a state no order was for", what, s, fmtTotal(g))
		case g.Orders == 2*w.Orders && near(g.Units, 2*w.Units):
			t.Errorf("%s: %s counts %d orders, %.6g units: exactly twice the %d orders, %.6g units written. Every order was counted twice", what, s, g.Orders, g.Units, w.Orders, w.Units)
		case g.Orders != w.Orders || !near(g.Units, w.Units):
			hint := ""
			if g.Orders == 1 && w.Orders > 1 {
				hint = "only one order counted: add to the state's current total (table.Get), do not start from zero each time"
			}
			wantUnits, gotUnits := labtest.FormatPair(w.Units, g.Units)
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("%s: %s", what, s), fmt.Sprintf("%d orders, %s units", w.Orders, wantUnits), fmt.Sprintf("%d orders, %s units", g.Orders, gotUnits), hint))
		case g.State != s:
			t.Errorf("%s: the total of %s says its state is %q: AddOrder sets State to the order's state", what, s, g.State)
		}
	}
}

// fmtTotal shows a total without its positions.
func fmtTotal(t StateTotal) string {
	return fmt.Sprintf("{state %q, %d orders, %.6g units}", t.State, t.Orders, t.Units)
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
