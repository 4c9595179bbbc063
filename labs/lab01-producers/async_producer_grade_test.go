//go:build grading

package lab01

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestAsyncProducer(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error {
			// The starter's configuration is newConfig's, none of the three
			// settings made.
			p := AsyncProducerConfig().Producer
			if p.RequiredAcks != sarama.WaitForAll && !p.Idempotent && !p.Return.Successes {
				return errors.New("TODO(exercise 3): AsyncProducerConfig is not written yet")
			}
			return nil
		},
		// No broker address: written code fails at once, without a network.
		func() error { _, err := SendAsync(context.Background(), "", "orders", nil); return err })
	t.Run("config is safe", func(t *testing.T) {
		var cfg *sarama.Config
		if !labtest.Guard(t, "AsyncProducerConfig", func() { cfg = AsyncProducerConfig() }) {
			return
		}
		if cfg == nil {
			t.Fatal("AsyncProducerConfig returned nil")
		}
		if cfg.Producer.RequiredAcks != sarama.WaitForAll {
			t.Errorf("%s", labtest.Mismatch("Producer.RequiredAcks", "sarama.WaitForAll (-1, acks=all)", acksName(cfg.Producer.RequiredAcks),
				"with fewer acks a record the leader acknowledged is lost if the leader dies before its followers copy it"))
		}
		if !cfg.Producer.Idempotent {
			t.Errorf("Producer.Idempotent is false: without it a retry after a lost answer writes the record twice")
		}
		if !cfg.Producer.Return.Successes || !cfg.Producer.Return.Errors {
			t.Errorf("Producer.Return.Successes = %v, Producer.Return.Errors = %v: both must be true, or there is nothing to count on the Successes and Errors channels", cfg.Producer.Return.Successes, cfg.Producer.Return.Errors)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("sarama rejects the configuration: %v", err)
		}
	})

	t.Run("counts every delivery", func(t *testing.T) {
		bootstrap := labtest.Bootstrap(t)
		topic := labtest.Topic(t, "orders")
		labtest.CreateTopic(t, bootstrap, topic, 3)
		orders := make([]Order, 300)
		for i := range orders {
			orders[i] = sampleOrder(2000 + i)
		}
		report, err, ok := sendAsync(t, bootstrap, topic, orders)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("SendAsync(%d orders) returned an error: %v", len(orders), err)
		}
		stored := sumOffsets(labtest.EndOffsets(t, bootstrap, topic))
		if report.Delivered != len(orders) || report.Failed != 0 {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("report after sending %d small orders (the topic now holds %d records)", len(orders), stored),
				reportText(DeliveryReport{Delivered: len(orders)}), reportText(report), "count one delivery per message on Successes(), and read it until the producer closes it"))
		}
		if stored != int64(len(orders)) {
			t.Errorf("%s", labtest.Mismatch("records in the topic after SendAsync returned", len(orders), stored,
				"SendAsync must not return before every message has been answered: AsyncClose, then read Successes and Errors until both are closed"))
		}
	})

	t.Run("counts failures too", func(t *testing.T) {
		bootstrap := labtest.Bootstrap(t)
		topic := labtest.Topic(t, "orders")
		labtest.CreateTopic(t, bootstrap, topic, 3)
		orders := make([]Order, 50)
		oversized := map[int]bool{7: true, 23: true, 41: true}
		for i := range orders {
			orders[i] = sampleOrder(3000 + i)
			if oversized[i] {
				// 1.5 MB: larger than Producer.MaxMessageBytes (1,000,000 by
				// default) and than the broker's message.max.bytes.
				orders[i].ItemID = strings.Repeat("x", 1_500_000)
			}
		}
		report, err, ok := sendAsync(t, bootstrap, topic, orders)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("SendAsync(%d orders, 3 of them too large) returned an error: %v\n  a record that fails is counted in the report, not returned as SendAsync's error", len(orders), err)
		}
		want := DeliveryReport{Delivered: len(orders) - len(oversized), Failed: len(oversized)}
		if report != want {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("report after sending %d orders of which %d are 1.5 MB (over Producer.MaxMessageBytes)", len(orders), len(oversized)),
				reportText(want), reportText(report), "a record sarama or the broker rejects comes back on Errors(): count it there"))
		}
		if stored := sumOffsets(labtest.EndOffsets(t, bootstrap, topic)); stored != int64(want.Delivered) {
			t.Errorf("%s", labtest.Mismatch("records in the topic after SendAsync returned", want.Delivered, stored, ""))
		}
	})
}

func sendAsync(t *testing.T, bootstrap, topic string, orders []Order) (report DeliveryReport, err error, ok bool) {
	t.Helper()
	ok = labtest.Within(t, 30*time.Second, "SendAsync", func(ctx context.Context) {
		report, err = SendAsync(ctx, bootstrap, topic, orders)
	})
	return report, err, ok
}

func reportText(r DeliveryReport) string {
	return fmt.Sprintf("Delivered %d, Failed %d", r.Delivered, r.Failed)
}

func acksName(a sarama.RequiredAcks) string {
	switch a {
	case sarama.NoResponse:
		return "sarama.NoResponse (0)"
	case sarama.WaitForLocal:
		return "sarama.WaitForLocal (1, sarama's default)"
	case sarama.WaitForAll:
		return "sarama.WaitForAll (-1)"
	}
	return fmt.Sprint(int16(a))
}
