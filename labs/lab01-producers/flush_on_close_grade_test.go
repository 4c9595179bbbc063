//go:build grading

package lab01

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestSenderClose(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	topic := labtest.Topic(t, "orders")
	labtest.CreateTopic(t, bootstrap, topic, 3)
	const n = 2000

	var (
		sender   *Sender
		setupErr error
		closeErr error
	)
	ran := labtest.Within(t, 45*time.Second, fmt.Sprintf("NewSender, %d Sends and Close", n), func(ctx context.Context) {
		s, err := NewSender(bootstrap, topic)
		if err != nil {
			setupErr = fmt.Errorf("NewSender returned an error: %v", err)
			return
		}
		if s == nil {
			setupErr = fmt.Errorf("NewSender returned neither a Sender nor an error")
			return
		}
		sender = s
		for i := range n {
			if err := s.Send(ctx, sampleOrder(5000+i)); err != nil {
				setupErr = fmt.Errorf("Send(order %d) returned an error: %v", 5000+i, err)
				if ctx.Err() != nil {
					setupErr = fmt.Errorf("%v\n  Send blocked until the test's deadline: is something reading Successes() and Errors() all along? Once their buffers are full the producer stops taking input", setupErr)
				}
				return
			}
		}
		closeErr = s.Close()
	})
	if !ran && setupErr == nil {
		setupErr = fmt.Errorf("sending and closing did not finish (see the failure above)")
	}

	t.Run("close flushes every accepted order", func(t *testing.T) {
		if setupErr != nil {
			t.Fatalf("sent %d orders then called Close, but: %v", n, setupErr)
		}
		// Read the end offsets right away: once Close has returned, every
		// order must already be stored, not on its way.
		offsets := labtest.EndOffsets(t, bootstrap, topic)
		if stored := sumOffsets(offsets); stored != n {
			hint := "Close must flush what is buffered and wait for every answer before returning: AsyncClose, then wait until Successes and Errors are closed (or call the producer's Close)"
			if stored > n {
				hint = "more records than sends: is something sending twice?"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("records in the topic the moment Close returned, after %d Sends (%s)", n, labtest.FormatOffsets(offsets)), n, stored, hint))
		}
		if closeErr != nil {
			t.Errorf("Close returned %v although every order was valid", closeErr)
		}
		records := labtest.ReadTopic(t, bootstrap, topic, n, readWait)
		seen := map[int]bool{}
		for _, r := range records {
			var o Order
			if json.Unmarshal(r.Value, &o) == nil {
				seen[o.OrderID] = true
			}
		}
		var missing []int
		for i := range n {
			if !seen[5000+i] {
				missing = append(missing, 5000+i)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%d of %d orders are missing from the topic, for example %v", len(missing), n, missing[:min(5, len(missing))])
		}
	})

	t.Run("after Close, Send fails and Close is harmless", func(t *testing.T) {
		if sender == nil {
			t.Fatalf("no Sender to test: %v", setupErr)
		}
		if !ran {
			t.Fatalf("the first Close did not return")
		}
		var sendErr, againErr error
		labtest.Within(t, 20*time.Second, "Send after Close, then Close again", func(ctx context.Context) {
			sendErr = sender.Send(ctx, sampleOrder(9999))
			againErr = sender.Close()
		})
		if t.Failed() {
			t.Log("sending into a closed sarama producer panics (send on closed channel): remember that Close was called, and refuse to Send after it")
			return
		}
		if sendErr == nil {
			t.Errorf("Send after Close returned nil: the order cannot be delivered any more, so say so (for example ErrSenderClosed)")
		}
		if againErr != nil {
			t.Logf("a second Close returned %v (allowed, but nil is friendlier)", againErr)
		}
		if stored := sumOffsets(labtest.EndOffsets(t, bootstrap, topic)); stored != n {
			t.Errorf("%s", labtest.Mismatch("records in the topic after a Send that came after Close", n, stored, "nothing may be sent after Close"))
		}
	})
}
