package kafkautil

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
)

func startTestBroker(t *testing.T) string {
	t.Helper()
	b, err := StartBroker(context.Background(), BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

// hangLimit is how long a test waits for what must happen before it
// calls it a hang: generous, as a loaded machine may be slow.
const hangLimit = 60 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	t.Cleanup(cancel)
	return ctx
}

// dialTest connects one Client to a fresh embedded broker.
func dialTest(t *testing.T) *Client {
	t.Helper()
	c, err := Dial(testCtx(t), startTestBroker(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestClientOneConnection does a topic's whole life through one Client:
// create, ensure, produce, offsets, consume in a group, committed offsets,
// describe, delete.
func TestClientOneConnection(t *testing.T) {
	ctx := testCtx(t)
	c := dialTest(t)

	if err := c.CreateTopic(ctx, "orders", CreateTopicOptions{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	// EnsureTopics leaves orders as it is (2 partitions, not 5) and adds
	// the compacted table.
	if err := c.EnsureTopics(ctx, []TopicSpec{{Name: "orders", Partitions: 5}, {Name: "totals", Partitions: 3, Compacted: true}}); err != nil {
		t.Fatal(err)
	}
	topics, err := c.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tp := range topics {
		if !tp.Internal {
			got[tp.Name] = fmt.Sprintf("%d/%v", tp.Partitions, tp.Compacted)
		}
	}
	if want := map[string]string{"orders": "2/false", "totals": "3/true"}; !maps.Equal(got, want) {
		t.Fatalf("topics after EnsureTopics = %v, want %v", got, want)
	}
	parts, err := c.Partitions(ctx, "orders")
	if err != nil || len(parts) != 2 || parts[0] != 0 || parts[1] != 1 {
		t.Fatalf("Partitions(orders) = %v, %v; want [0 1]", parts, err)
	}

	// Partition 1 is chosen for every record of the first call; the
	// second lets the keys decide.
	one := int32(1)
	res, err := c.Produce(ctx, "orders", strings.NewReader("a\nb\nc\n"), ProduceOptions{Partition: &one})
	if err != nil || res.Sent != 3 || res.Partitions[1] != 3 {
		t.Fatalf("Produce to partition 1 = %+v, %v", res, err)
	}
	res, err = c.Produce(ctx, "orders", strings.NewReader("k1:x\nk2:y\nk3:z\nk4:w\n"), ProduceOptions{KeySeparator: ":"})
	if err != nil || res.Sent != 4 {
		t.Fatalf("Produce keyed = %+v, %v", res, err)
	}
	end, err := c.EndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int32]int64{0: int64(res.Partitions[0]), 1: int64(3 + res.Partitions[1])}; !maps.Equal(end, want) {
		t.Fatalf("EndOffsets = %v, want %v (3 records in partition 1, then the keyed ones as acknowledged: %v)", end, want, res.Partitions)
	}
	start, err := c.StartOffsets(ctx, "orders")
	if err != nil || !maps.Equal(start, map[int32]int64{0: 0, 1: 0}) {
		t.Fatalf("StartOffsets = %v, %v; want 0 in both partitions", start, err)
	}

	committed, err := c.CommittedOffsets(ctx, "readers", "orders")
	if err != nil || !maps.Equal(committed, map[int32]int64{0: -1, 1: -1}) {
		t.Fatalf("CommittedOffsets of a group that never read = %v, %v; want -1 everywhere", committed, err)
	}
	n, err := c.Consume(ctx, "orders", ConsumeOptions{Group: "readers", MaxMessages: 7}, nil)
	if err != nil || n != 7 {
		t.Fatalf("Consume in a group = %d, %v; want 7 records", n, err)
	}
	committed, err = c.CommittedOffsets(ctx, "readers", "orders")
	if err != nil || !maps.Equal(committed, end) {
		t.Fatalf("CommittedOffsets after reading everything = %v, %v; want the end offsets %v", committed, err, end)
	}

	d, err := c.DescribeTopic(ctx, "totals")
	if err != nil || len(d.Partitions) != 3 || !d.Compacted() || d.Records() != 0 {
		t.Fatalf("DescribeTopic(totals) = %+v, %v", d, err)
	}
	if err := c.DeleteTopic(ctx, "totals"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeTopic(ctx, "totals"); !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("describing a deleted topic: %v, want ErrUnknownTopic", err)
	}
}

// TestClientUnknownTopic checks that every method reports a missing topic
// the same way: errors.Is(err, ErrUnknownTopic), with the topic named.
func TestClientUnknownTopic(t *testing.T) {
	ctx := testCtx(t)
	c := dialTest(t)
	calls := map[string]func() error{
		"DescribeTopic": func() error { _, err := c.DescribeTopic(ctx, "nope"); return err },
		"DeleteTopic":   func() error { return c.DeleteTopic(ctx, "nope") },
		"Partitions":    func() error { _, err := c.Partitions(ctx, "nope"); return err },
		"EndOffsets":    func() error { _, err := c.EndOffsets(ctx, "nope"); return err },
		"StartOffsets":  func() error { _, err := c.StartOffsets(ctx, "nope"); return err },
		"CommittedOffsets": func() error {
			_, err := c.CommittedOffsets(ctx, "g", "nope")
			return err
		},
		"Produce": func() error { _, err := c.Produce(ctx, "nope", strings.NewReader("x\n"), ProduceOptions{}); return err },
		"Consume": func() error { _, err := c.Consume(ctx, "nope", ConsumeOptions{}, nil); return err },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrUnknownTopic) {
			t.Errorf("%s of a missing topic: %v, want ErrUnknownTopic", name, err)
			continue
		}
		var unknown *UnknownTopicError
		if !errors.As(err, &unknown) || unknown.Topic != "nope" || err.Error() != `topic "nope" does not exist` {
			t.Errorf("%s of a missing topic: %q, want it to name the topic", name, err)
		}
	}
	// Looking did not create it.
	if topics, err := c.ListTopics(ctx); err != nil {
		t.Fatal(err)
	} else {
		for _, tp := range topics {
			if tp.Name == "nope" {
				t.Fatal("looking at a missing topic created it")
			}
		}
	}

	if err := c.CreateTopic(ctx, "once", CreateTopicOptions{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	err := c.CreateTopic(ctx, "once", CreateTopicOptions{Partitions: 1})
	var exists *TopicExistsError
	if !errors.Is(err, ErrTopicExists) || !errors.As(err, &exists) || exists.Topic != "once" {
		t.Fatalf("creating a topic twice: %v, want ErrTopicExists naming it", err)
	}
	if errors.Is(err, ErrUnknownTopic) {
		t.Fatal("an existing topic reported as unknown")
	}
}

// TestClientBadInput checks that what a user can get wrong is refused with
// an error that says what, before anything is sent.
func TestClientBadInput(t *testing.T) {
	ctx := testCtx(t)
	for _, bootstrap := range []string{"", " , "} {
		if _, err := Dial(ctx, bootstrap, nil); err == nil || !strings.Contains(err.Error(), "HOST:PORT") {
			t.Errorf("Dial(%q): %v, want an error that shows the address's form", bootstrap, err)
		}
	}

	c := dialTest(t)
	if err := c.CreateTopic(ctx, "two", CreateTopicOptions{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	five, minus := int32(5), int32(-1)
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"empty topic name", func() error { return c.CreateTopic(ctx, "", CreateTopicOptions{}) }, "the topic name is empty"},
		{"topic name with a space", func() error { _, err := c.DescribeTopic(ctx, "my topic"); return err }, `topic name "my topic" is not valid`},
		{"negative partitions", func() error { return c.CreateTopic(ctx, "t", CreateTopicOptions{Partitions: -2}) }, "at least 1 partition (got -2)"},
		{"negative replication", func() error { return c.CreateTopic(ctx, "t", CreateTopicOptions{ReplicationFactor: -1}) }, "at least 1 (got -1)"},
		{"config typo", func() error {
			return c.CreateTopic(ctx, "t", CreateTopicOptions{Configs: map[string]string{"retention.msec": "1"}})
		}, "did you mean retention.ms"},
		{"replication above the brokers", func() error { return c.CreateTopic(ctx, "t", CreateTopicOptions{ReplicationFactor: 3}) }, "replication factor 3 is more than the cluster's brokers"},
		{"produce to partition 5 of 2", func() error {
			_, err := c.Produce(ctx, "two", strings.NewReader("x\n"), ProduceOptions{Partition: &five})
			return err
		}, "topic two has no partition 5: its partitions are 0 to 1"},
		{"produce to partition -1", func() error {
			_, err := c.Produce(ctx, "two", strings.NewReader("x\n"), ProduceOptions{Partition: &minus})
			return err
		}, "partition -1 does not exist"},
		{"produce without input", func() error { _, err := c.Produce(ctx, "two", nil, ProduceOptions{}); return err }, "no input"},
		{"bad value format", func() error {
			_, err := c.Produce(ctx, "two", strings.NewReader("x\n"), ProduceOptions{ValueFormat: "xml"})
			return err
		}, `unknown value format "xml"`},
		{"bad JSON value on line 2", func() error {
			_, err := c.Produce(ctx, "two", strings.NewReader("{}\n{oops\n"), ProduceOptions{ValueFormat: ValueFormatJSON})
			return err
		}, "line 2: value is not valid JSON"},
		{"consume partition 2 of 2", func() error {
			_, err := c.Consume(ctx, "two", ConsumeOptions{Partitions: []int32{2}}, nil)
			return err
		}, "topic two has no partition 2"},
		{"consume from offset 9 of an empty partition", func() error {
			_, err := c.Consume(ctx, "two", ConsumeOptions{From: FromOffset, Offset: 9, Partitions: []int32{0}}, nil)
			return err
		}, "offset 9 is out of range for partition 0 of two"},
		{"consume with an unknown start", func() error {
			_, err := c.Consume(ctx, "two", ConsumeOptions{From: StartFrom(7)}, nil)
			return err
		}, "unknown start 7"},
		{"consume a negative count", func() error {
			_, err := c.Consume(ctx, "two", ConsumeOptions{MaxMessages: -1}, nil)
			return err
		}, "max messages must be 0 (no limit) or more (got -1)"},
		{"group and partitions", func() error {
			_, err := c.Consume(ctx, "two", ConsumeOptions{Group: "g", Partitions: []int32{0}}, nil)
			return err
		}, "choose partitions or a group"},
		{"committed offsets without a group", func() error { _, err := c.CommittedOffsets(ctx, "", "two"); return err }, "no consumer group given"},
	}
	for _, tc := range cases {
		err := tc.call()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	// None of the refused calls created a topic.
	if _, err := c.DescribeTopic(ctx, "t"); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("a refused CreateTopic left topic t behind: %v", err)
	}
}

// TestClientContext checks that a call whose context has ended returns its
// error, and that the client still works for the next call.
func TestClientContext(t *testing.T) {
	c := dialTest(t)
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.CreateTopic(ended, "late", CreateTopicOptions{Partitions: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateTopic with an ended context: %v, want context.Canceled", err)
	}
	if _, err := c.ListTopics(ended); !errors.Is(err, context.Canceled) {
		t.Fatalf("ListTopics with an ended context: %v, want context.Canceled", err)
	}
	ctx := testCtx(t)
	if err := c.CreateTopic(ctx, "late", CreateTopicOptions{Partitions: 1}); err != nil {
		t.Fatalf("the client after an ended call: %v", err)
	}
	if _, err := Dial(ended, c.Bootstrap(), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with an ended context: %v, want context.Canceled", err)
	}
}

// TestDialKeepsTheCallersConfig checks that Dial's own settings (producers
// that report every outcome) stay in the client's copy of the configuration.
func TestDialKeepsTheCallersConfig(t *testing.T) {
	ctx := testCtx(t)
	cfg := NewConsoleConfig("test")
	cfg.Producer.Return.Successes = false
	c, err := Dial(ctx, startTestBroker(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if cfg.Producer.Return.Successes {
		t.Fatal("Dial changed the caller's configuration")
	}
	if err := c.CreateTopic(ctx, "counted", CreateTopicOptions{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	// Counting what was sent needs the successes the caller turned off.
	if res, err := c.Produce(ctx, "counted", strings.NewReader("a\nb\n"), ProduceOptions{}); err != nil || res.Sent != 2 {
		t.Fatalf("Produce = %+v, %v; want 2 sent", res, err)
	}
}
