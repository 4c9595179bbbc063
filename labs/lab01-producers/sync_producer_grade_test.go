//go:build grading

package lab01

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestSyncProducer(t *testing.T) {
	labtest.StopIfNotStarted(t, func() error { _, _, err := (&OrderProducer{}).Send(Order{}); return err })
	bootstrap := labtest.Bootstrap(t)
	topic := labtest.Topic(t, "orders")
	labtest.CreateTopic(t, bootstrap, topic, 3)

	// Order 1001 is sent twice (an update): both records must share a key,
	// hence a partition.
	orders := []Order{
		sampleOrder(1001), sampleOrder(1002), sampleOrder(1003),
		sampleOrder(1004), sampleOrder(1005), sampleOrder(1001),
	}
	orders[5].OrderUnits = 9.5

	type placed struct {
		partition int32
		offset    int64
	}
	var (
		where   []placed
		sendErr error
	)
	finished := labtest.Within(t, 45*time.Second, "NewOrderProducer, Send and Close", func(context.Context) {
		p, err := NewOrderProducer(bootstrap, topic)
		if err != nil {
			sendErr = fmt.Errorf("NewOrderProducer(%q, %q) returned an error: %v", bootstrap, topic, err)
			return
		}
		if p == nil {
			sendErr = fmt.Errorf("NewOrderProducer returned neither a producer nor an error")
			return
		}
		defer p.Close()
		for _, o := range orders {
			part, off, err := p.Send(o)
			if err != nil {
				sendErr = fmt.Errorf("Send(order %d) returned an error: %v", o.OrderID, err)
				return
			}
			where = append(where, placed{part, off})
		}
	})
	if !finished && sendErr == nil {
		sendErr = fmt.Errorf("sending did not finish (see the failure above)")
	}

	var records map[placed]*sarama.ConsumerMessage
	var got []*sarama.ConsumerMessage
	var stored int64
	if sendErr == nil {
		stored = sumOffsets(labtest.EndOffsets(t, bootstrap, topic))
		got = labtest.ReadTopic(t, bootstrap, topic, len(orders), readWait)
		records = map[placed]*sarama.ConsumerMessage{}
		for _, r := range got {
			records[placed{r.Partition, r.Offset}] = r
		}
	}
	requireSent := func(t *testing.T) bool {
		t.Helper()
		if sendErr != nil {
			t.Errorf("sent %d orders to a 3-partition topic, but: %v", len(orders), sendErr)
			return false
		}
		return true
	}

	t.Run("stores every order once and reports where", func(t *testing.T) {
		if !requireSent(t) {
			return
		}
		if stored != int64(len(orders)) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("sent %d orders one by one; records in the topic", len(orders)), len(orders), stored, ""))
		}
		for i, o := range orders {
			w := where[i]
			r := records[w]
			if r == nil {
				t.Errorf("Send(order %d) returned partition %d offset %d, but there is no record there; the topic holds %s.\n  Return the partition and offset that SyncProducer.SendMessage gives back.",
					o.OrderID, w.partition, w.offset, describeRecords(got))
				continue
			}
			var back Order
			if json.Unmarshal(r.Value, &back) == nil && back.OrderID != o.OrderID {
				t.Errorf("Send(order %d) returned partition %d offset %d, but the record there is order %d", o.OrderID, w.partition, w.offset, back.OrderID)
			}
		}
	})

	t.Run("keys each record by its order id", func(t *testing.T) {
		if !requireSent(t) {
			return
		}
		for i, o := range orders {
			r := records[where[i]]
			if r == nil {
				t.Errorf("cannot find the record of order %d at the partition and offset Send returned (%d, %d)", o.OrderID, where[i].partition, where[i].offset)
				continue
			}
			if string(r.Key) != o.Key() {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("key of the record for order %d", o.OrderID), fmt.Sprintf("%q", o.Key()), keyText(r.Key),
					"the key decides the partition, so records of one order stay together and in order: set ProducerMessage.Key to sarama.StringEncoder(o.Key())"))
			}
		}
		if where[0].partition != where[5].partition {
			t.Errorf("order 1001 was sent twice and landed in partitions %d and %d: records with the same key must share a partition (is the key set?)", where[0].partition, where[5].partition)
		} else if where[5].offset <= where[0].offset {
			t.Errorf("order 1001 was sent twice to partition %d, at offsets %d then %d: the second send must come after the first", where[0].partition, where[0].offset, where[5].offset)
		}
	})

	t.Run("writes the order as JSON", func(t *testing.T) {
		if !requireSent(t) {
			return
		}
		for i, o := range orders {
			r := records[where[i]]
			if r == nil {
				t.Errorf("cannot find the record of order %d at the partition and offset Send returned (%d, %d)", o.OrderID, where[i].partition, where[i].offset)
				continue
			}
			var back Order
			if err := json.Unmarshal(r.Value, &back); err != nil {
				t.Errorf("the value of the record for order %d is not JSON (%v): %q\n  encode the order with json.Marshal, whose field names come from the struct tags (orderid, itemid, ...)", o.OrderID, err, truncate(string(r.Value), 120))
				continue
			}
			if back != o {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("order %d read back from its record", o.OrderID), o, back, "the value must be the whole order, encoded with json.Marshal"))
			}
			var fields map[string]any
			if json.Unmarshal(r.Value, &fields) == nil {
				if _, ok := fields["orderid"]; !ok {
					t.Errorf("the JSON of order %d has no \"orderid\" field: %s\n  marshal the Order itself so its json tags name the fields as ksql-datagen does", o.OrderID, truncate(string(r.Value), 120))
				}
			}
		}
	})
}

func describeRecords(records []*sarama.ConsumerMessage) string {
	if len(records) == 0 {
		return "no records"
	}
	var parts []string
	for _, r := range records {
		parts = append(parts, fmt.Sprintf("(p%d, offset %d, key %s)", r.Partition, r.Offset, keyText(r.Key)))
	}
	return strings.Join(parts, " ")
}

func keyText(k []byte) string {
	if k == nil {
		return "no key (nil)"
	}
	return fmt.Sprintf("%q", k)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
