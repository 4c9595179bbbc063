//go:build grading

package lab02

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestFilterLarge(t *testing.T) {
	labtest.StopIfNotStarted(t, func() error { _, err := FilterLarge(stream.Record{}); return err })
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

func describe(r stream.Record) string {
	return fmt.Sprintf("%s with key %q and value %q", r, r.Key, truncate(string(r.Value), 80))
}
