//go:build grading

package lab02

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestRekeyByState(t *testing.T) {
	labtest.StopIfNotStarted(t, func() error { _, err := RekeyByState(stream.Record{}); return err })
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
