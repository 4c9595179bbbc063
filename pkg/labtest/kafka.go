package labtest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// Group returns a consumer group id unique to this test run, starting with
// base, so tests sharing a cluster never join each other's groups. On a
// shared broker the group is deleted when the test ends.
func Group(t testing.TB, base string) string {
	t.Helper()
	name := uniqueName(t, "group-"+base)
	track(t).addGroup(name)
	return name
}

// Produce writes msgs synchronously to the partitions they name
// (msg.Partition), so a test controls exactly where each record goes. It
// fails the test when the cluster refuses a record.
func Produce(t testing.TB, bootstrap string, msgs ...*sarama.ProducerMessage) {
	t.Helper()
	// A retry after a slow answer on a loaded machine must not write a
	// record twice: an extra input looks like the learner's code counting
	// something twice.
	cfg := kafkautil.NewIdempotentConfig("mlops-lab-test-producer")
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Net.DialTimeout = 5 * time.Second
	producer, err := sarama.NewSyncProducer(kafkautil.SplitBootstrap(bootstrap), cfg)
	if err != nil {
		t.Fatalf("test producer: connecting to %s: %v", bootstrap, err)
	}
	defer producer.Close()
	if err := producer.SendMessages(msgs); err != nil {
		t.Fatalf("test producer: writing %d records: %v", len(msgs), err)
	}
}

// ReadTopic reads topic from the start of every partition until it has read
// want records or timeout has passed, and returns what it read: each
// partition's records in offset order, partitions interleaved as they
// arrived. It fails the test only when it cannot read at all; reading fewer
// records than wanted is for the caller to judge (and explain).
func ReadTopic(t testing.TB, bootstrap, topic string, want int, timeout time.Duration) []*sarama.ConsumerMessage {
	t.Helper()
	cfg := kafkautil.NewConfig("mlops-lab-test-reader")
	cfg.Net.DialTimeout = 5 * time.Second
	consumer, err := sarama.NewConsumer(kafkautil.SplitBootstrap(bootstrap), cfg)
	if err != nil {
		t.Fatalf("test reader: connecting to %s: %v", bootstrap, err)
	}
	defer consumer.Close()
	partitions, err := consumer.Partitions(topic)
	if err != nil {
		t.Fatalf("test reader: listing the partitions of %s: %v", topic, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), Budget(t, timeout))
	defer cancel()
	records := make(chan *sarama.ConsumerMessage)
	var wg sync.WaitGroup
	for _, p := range partitions {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("test reader: reading %s partition %d: %v", topic, p, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer pc.AsyncClose()
			for {
				select {
				case msg, ok := <-pc.Messages():
					if !ok {
						return
					}
					select {
					case records <- msg:
					case <-ctx.Done():
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	var out []*sarama.ConsumerMessage
	for len(out) < want {
		select {
		case msg := <-records:
			out = append(out, msg)
		case <-ctx.Done():
			cancel()
			wg.Wait()
			return out
		}
	}
	cancel()
	wg.Wait()
	return out
}

// SentinelHeader is the header that marks a sentinel record (see
// Sentinels); its value is the sentinel's token.
const SentinelHeader = "mlops-lab-sentinel"

// Sentinels returns one sentinel record for each partition of topic (0 to
// partitions-1), carrying token, for a test to write after its data.
//
// A sentinel is how a test proves that something does NOT come (a
// duplicate, a record that should have been filtered) without waiting for a
// quiet period that a loaded machine can outlast: a partition's records are
// read in order, so a reader that has handled a partition's sentinel has
// handled everything written to that partition before it. The handler the
// test gives the learner's code sets sentinels aside (SentinelToken) and
// waits until it has seen every one.
func Sentinels(topic string, partitions int32, token string) []*sarama.ProducerMessage {
	msgs := make([]*sarama.ProducerMessage, partitions)
	for p := range partitions {
		msgs[p] = &sarama.ProducerMessage{Topic: topic, Partition: p,
			Key:     sarama.StringEncoder("sentinel"),
			Value:   sarama.StringEncoder(`{"sentinel":true}`),
			Headers: []sarama.RecordHeader{{Key: []byte(SentinelHeader), Value: []byte(token)}}}
	}
	return msgs
}

// SentinelToken returns the token of a sentinel record written by
// Sentinels; ok is false for any other record.
func SentinelToken(msg *sarama.ConsumerMessage) (token string, ok bool) {
	for _, h := range msg.Headers {
		if h != nil && string(h.Key) == SentinelHeader {
			return string(h.Value), true
		}
	}
	return "", false
}

// EndOffsets returns the next offset of every partition of topic: on a topic
// that nothing has been deleted from, the number of records each partition
// holds.
func EndOffsets(t testing.TB, bootstrap, topic string) map[int32]int64 {
	t.Helper()
	kc := dial(t, bootstrap)
	defer kc.Close()
	out, err := kc.EndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatalf("reading the end offsets of %s: %v", topic, err)
	}
	return out
}

// CommittedOffsets returns the offsets group has committed for each partition
// of topic; -1 marks a partition with no commit.
func CommittedOffsets(t testing.TB, bootstrap, group, topic string) map[int32]int64 {
	t.Helper()
	kc := dial(t, bootstrap)
	defer kc.Close()
	out, err := kc.CommittedOffsets(context.Background(), group, topic)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return out
}

// Eventually polls cond every interval until it holds or timeout passes, and
// reports whether it held.
func Eventually(timeout, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// FormatOffsets prints per-partition offsets in partition order, "p0=3 p1=0".
func FormatOffsets(offsets map[int32]int64) string {
	parts := make([]int32, 0, len(offsets))
	for p := range offsets {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("p%d=%d", p, offsets[p])
	}
	return s
}

// testClientConfig is the configuration of the tests' own clients: the
// course defaults (a topic a test looks at is created if need be, as the
// learner's code would create it) and a short dial timeout.
func testClientConfig() *sarama.Config {
	cfg := kafkautil.NewConfig("mlops-lab-test-client")
	cfg.Net.DialTimeout = 5 * time.Second
	return cfg
}

// dial connects a kafkautil.Client to bootstrap.
func dial(t testing.TB, bootstrap string) *kafkautil.Client {
	t.Helper()
	kc, err := kafkautil.Dial(context.Background(), bootstrap, testClientConfig())
	if err != nil {
		t.Fatalf("%v", err)
	}
	return kc
}

func newClient(t testing.TB, bootstrap string) sarama.Client {
	t.Helper()
	client, err := sarama.NewClient(kafkautil.SplitBootstrap(bootstrap), testClientConfig())
	if err != nil {
		t.Fatalf("connecting to Kafka at %s: %v", bootstrap, err)
	}
	return client
}
