//go:build grading

// Grading tests of lab 1. Each exercise has one top-level test; each of its
// subtests earns a share of the exercise's points. Every test talks to a real
// broker: the grader's (MLOPS_LAB_BOOTSTRAP) or an embedded one it starts,
// on topics and groups no other test uses.
package lab01

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// readWait bounds reading a test's records back: ReadTopic returns as soon
// as it has them all, so only a missing record makes a test wait this long.
const readWait = 30 * time.Second

// ---------------------------------------------------------------------------
// Exercise 1: a synchronous producer of keyed JSON orders.

func TestSyncProducer(t *testing.T) {
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

// ---------------------------------------------------------------------------
// Exercise 2: choosing partitions like the Java client.

// murmur2Vectors are pinned by Kafka's own test of the Java client's hash
// (UtilsTest.testMurmur2 in clients/src/test/java/org/apache/kafka/common/utils).
var murmur2Vectors = []struct {
	key  string
	hash int32
}{
	{"21", -973932308},
	{"foobar", -790332482},
	{"a-little-bit-long-string", -985981536},
	{"a-little-bit-longer-string", -1486304829},
	{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
	{"abc", 479470107},
}

// javaPartitions are worked out by hand from the pinned hashes: clear the
// sign bit (h & 0x7fffffff, which is h + 2^31 for negative h), then take the
// remainder. For "21": 2147483648 - 973932308 = 1173551340; 1173551340 % 3 = 0
// and % 4 = 0. Five of the six hashes are negative, so abs() gets them wrong.
var javaPartitions = []struct {
	key        string
	partitions int32
	want       int32
}{
	{"21", 3, 0}, {"foobar", 3, 0}, {"a-little-bit-long-string", 3, 2},
	{"a-little-bit-longer-string", 3, 2}, {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 3, 2}, {"abc", 3, 0},
	{"21", 4, 0}, {"foobar", 4, 2}, {"a-little-bit-long-string", 4, 0},
	{"a-little-bit-longer-string", 4, 3}, {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 4, 1}, {"abc", 4, 3},
}

func TestJavaPartitioner(t *testing.T) {
	t.Run("murmur2 matches the Java client", func(t *testing.T) {
		for _, v := range murmur2Vectors {
			var got int32
			if !call(t, fmt.Sprintf("Murmur2(%q)", v.key), func() { got = Murmur2([]byte(v.key)) }) {
				continue
			}
			if got != v.hash {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Murmur2(%q), pinned by Kafka's UtilsTest.testMurmur2", v.key), v.hash, got, murmurHint(v.key, got)))
			}
		}
	})

	t.Run("keys go where the Java client sends them", func(t *testing.T) {
		cases := append([]struct {
			key        string
			partitions int32
			want       int32
		}{}, javaPartitions...)
		// More keys, with partitions from a reference murmur2 (checked
		// against the pinned hashes in init).
		for _, n := range []int32{3, 6} {
			for i := range 10 {
				k := fmt.Sprintf("k%d", i)
				cases = append(cases, struct {
					key        string
					partitions int32
					want       int32
				}{k, n, (referenceMurmur2([]byte(k)) & 0x7fffffff) % n})
			}
		}
		var placed []placement
		for _, c := range cases {
			var (
				got int32
				err error
			)
			msg := &sarama.ProducerMessage{Topic: "orders", Key: sarama.StringEncoder(c.key), Value: sarama.StringEncoder("{}")}
			if !call(t, "the partitioner's Partition", func() {
				p := NewJavaPartitioner("orders")
				if p == nil {
					err = fmt.Errorf("NewJavaPartitioner returned nil")
					return
				}
				got, err = p.Partition(msg, c.partitions)
			}) {
				return
			}
			if err != nil {
				t.Fatalf("Partition(key %q, %d partitions) returned an error: %v", c.key, c.partitions, err)
			}
			placed = append(placed, placement{c.key, c.partitions, c.want, got})
		}
		reportPlacements(t, "calling Partition directly", placed)
	})

	t.Run("records land in the Java client's partition", func(t *testing.T) {
		bootstrap := labtest.Bootstrap(t)
		topic := labtest.Topic(t, "orders")
		labtest.CreateTopic(t, bootstrap, topic, 3)

		consistent := false
		call(t, "RequiresConsistency", func() {
			if p := NewJavaPartitioner(topic); p != nil {
				consistent = p.RequiresConsistency()
			}
		})
		if !consistent {
			t.Errorf("RequiresConsistency() is false: sarama may then send a keyed record to another partition while its own is unavailable, breaking per-key order; a hash partitioner returns true")
		}

		type result struct {
			partition int32
			err       error
		}
		results := map[string]result{}
		var setupErr error
		labtest.Within(t, 45*time.Second, "producing with NewJavaPartitioner", func(context.Context) {
			cfg := sarama.NewConfig()
			cfg.Version = sarama.V3_6_0_0
			cfg.Producer.Return.Successes = true
			cfg.Producer.RequiredAcks = sarama.WaitForAll
			cfg.Producer.Partitioner = NewJavaPartitioner
			producer, err := sarama.NewSyncProducer(brokers(bootstrap), cfg)
			if err != nil {
				setupErr = err
				return
			}
			defer producer.Close()
			for _, v := range murmur2Vectors {
				p, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(v.key), Value: sarama.StringEncoder(v.key)})
				results[v.key] = result{p, err}
			}
		})
		if setupErr != nil {
			t.Fatalf("connecting a producer with Partitioner = NewJavaPartitioner: %v", setupErr)
		}
		var placed []placement
		for _, c := range javaPartitions[:6] {
			r, ok := results[c.key]
			switch {
			case !ok:
				t.Fatalf("key %q was not sent (see above)", c.key)
			case r.err != nil:
				t.Fatalf("sending key %q through sarama with Partitioner = NewJavaPartitioner failed: %v", c.key, r.err)
			}
			placed = append(placed, placement{c.key, c.partitions, c.want, r.partition})
		}
		reportPlacements(t, "producing through sarama with Partitioner = NewJavaPartitioner", placed)
	})

	t.Run("records without a key still get a partition", func(t *testing.T) {
		seen := map[int32]int{}
		for range 60 {
			var (
				got int32
				err error
			)
			if !call(t, "Partition with a nil key", func() {
				p := NewJavaPartitioner("orders")
				if p == nil {
					err = fmt.Errorf("NewJavaPartitioner returned nil")
					return
				}
				got, err = p.Partition(&sarama.ProducerMessage{Topic: "orders", Value: sarama.StringEncoder("{}")}, 3)
			}) {
				return
			}
			if err != nil {
				t.Fatalf("Partition(no key, 3 partitions) returned an error: %v\n  a record without a key may go to any partition: hand it to another partitioner (sarama.NewRandomPartitioner or NewRoundRobinPartitioner)", err)
			}
			if got < 0 || got >= 3 {
				t.Fatalf("Partition(no key, 3 partitions) returned %d: a partition must be 0, 1 or 2", got)
			}
			seen[got]++
		}
		if len(seen) < 2 {
			t.Errorf("60 records without a key all went to one partition (%v): spread them (random or round robin), or one partition takes all the load", seen)
		}
	})
}

// init checks the test's own expectations: the reference murmur2 against
// Kafka's pinned hashes, and the hand-worked partitions against sarama's
// murmur2 partitioner, an independent implementation of the same rule.
func init() {
	for _, v := range murmur2Vectors {
		if referenceMurmur2([]byte(v.key)) != v.hash {
			panic("grade_test.go: the reference murmur2 disagrees with Kafka's pinned value for " + v.key)
		}
	}
	for _, c := range javaPartitions {
		p, err := sarama.NewMurmur2Partitioner("orders").Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(c.key)}, c.partitions)
		if err != nil || p != c.want {
			panic(fmt.Sprintf("grade_test.go: sarama's murmur2 partitioner puts %q in partition %d of %d, the table says %d", c.key, p, c.partitions, c.want))
		}
	}
}

// referenceMurmur2 is the test's own transcription of the Java client's
// Utils.murmur2, checked in init against the pinned values.
func referenceMurmur2(data []byte) int32 {
	const m = 0x5bd1e995
	h := uint32(0x9747b28c) ^ uint32(len(data))
	i := 0
	for ; i+4 <= len(data); i += 4 {
		k := binary.LittleEndian.Uint32(data[i:])
		k *= m
		k ^= k >> 24
		k *= m
		h = h*m ^ k
	}
	switch len(data) - i {
	case 3:
		h ^= uint32(data[i+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[i+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[i])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

func murmurHint(key string, got int32) string {
	switch {
	case got == 0:
		return "Murmur2 returns 0: is it still the starter's TODO?"
	case uint32(got) == fnvHash(key):
		return "that is FNV-1a, sarama's default hash, not murmur2"
	case len(key)%4 != 0:
		return fmt.Sprintf("%q has %d bytes, %d after the last whole 4-byte block: check the tail (bytes added highest first, falling through) and the final mix (h ^= h>>13; h *= m; h ^= h>>15)", key, len(key), len(key)%4)
	default:
		return "check the seed (0x9747b28c ^ length), the 4-byte little-endian blocks, and use uint32 so >> is Java's >>>"
	}
}

// placement is where one key went, and where the Java client sends it.
type placement struct {
	key        string
	partitions int32
	want, got  int32
}

// reportPlacements fails t for the keys that went to the wrong partition,
// showing the working for the first few, and names the likely mistake when
// one explains every result.
func reportPlacements(t *testing.T, what string, placed []placement) {
	t.Helper()
	var wrong []placement
	for _, p := range placed {
		if p.got != p.want {
			wrong = append(wrong, p)
		}
	}
	if len(wrong) == 0 {
		return
	}
	var lines []string
	for _, p := range wrong[:min(4, len(wrong))] {
		h := referenceMurmur2([]byte(p.key))
		lines = append(lines, fmt.Sprintf("key %q landed in partition %d of %d; the Java client sends it to %d (murmur2 = %d; & 0x7fffffff = %d; %% %d = %d)",
			p.key, p.got, p.partitions, p.want, h, h&0x7fffffff, p.partitions, p.want))
	}
	if len(wrong) > 4 {
		lines = append(lines, fmt.Sprintf("... and %d more", len(wrong)-4))
	}
	t.Errorf("%s, %d of %d keys went to the wrong partition:\n  %s\n  %s", what, len(wrong), len(placed), strings.Join(lines, "\n  "), diagnosePlacements(placed, wrong))
}

// diagnosePlacements names the mistake that explains every placement: a
// wrong hash, abs() instead of clearing the sign bit, or sarama's default
// FNV-1a partitioner.
func diagnosePlacements(placed, wrong []placement) string {
	for _, p := range wrong {
		if learner, ok := safeMurmur2([]byte(p.key)); ok && learner != referenceMurmur2([]byte(p.key)) {
			return fmt.Sprintf("your Murmur2 gives %d for key %q, the Java client %d: fix the hash first (see the murmur2 subtest).", learner, p.key, referenceMurmur2([]byte(p.key)))
		}
	}
	abs := func(x int32) int32 {
		if x < 0 {
			return -x
		}
		return x
	}
	explains := func(model func(key string, n int32) int32) bool {
		for _, p := range placed {
			if model(p.key, p.partitions) != p.got {
				return false
			}
		}
		return true
	}
	switch {
	case explains(func(k string, n int32) int32 { return abs(referenceMurmur2([]byte(k)) % n) }),
		explains(func(k string, n int32) int32 { return abs(referenceMurmur2([]byte(k))) % n }):
		return "that is what abs() gives: did you mask the sign bit? The Java client's toPositive clears it (h & 0x7fffffff) rather than taking the absolute value."
	case explains(func(k string, n int32) int32 { return abs(int32(fnvHash(k)) % n) }):
		return "that is where sarama's default FNV-1a hash partitioner puts them: choose the partition from Murmur2 of the key."
	default:
		return "partition = (Murmur2(key) & 0x7fffffff) % numPartitions."
	}
}

// call runs a piece of the learner's code, turning a panic or a hang (an
// endless loop in a hash, say) into a failure of t.
func call(t *testing.T, what string, fn func()) bool {
	t.Helper()
	return labtest.Within(t, 5*time.Second, what, func(context.Context) { fn() })
}

// safeMurmur2 calls the learner's Murmur2, reporting false if it panics.
func safeMurmur2(data []byte) (h int32, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return Murmur2(data), true
}

func fnvHash(key string) uint32 {
	f := fnv.New32a()
	f.Write([]byte(key))
	return f.Sum32()
}

// ---------------------------------------------------------------------------
// Exercise 3: an async producer that counts deliveries and failures.

func TestAsyncProducer(t *testing.T) {
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

// ---------------------------------------------------------------------------
// Exercise 4: shutting down without losing orders.

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

// ---------------------------------------------------------------------------
// Exercise 5: a consumer-group member that resumes where it stopped.

func TestConsumerGroupResume(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	topic := labtest.Topic(t, "orders")
	group := labtest.Group(t, "resume")
	labtest.CreateTopic(t, bootstrap, topic, 3)

	// Ten orders written before the member ever runs.
	labtest.Produce(t, bootstrap, orderMessages(topic, 100, 10)...)

	first := runMember(t, bootstrap, group, topic, 10)

	t.Run("reads the topic from the beginning", func(t *testing.T) {
		if first.earlyErr != nil {
			t.Fatalf("RunMember returned before its context ended: %v", first.earlyErr)
		}
		ids := first.orderIDs()
		if len(ids) == 0 {
			t.Fatalf("10 orders were in the topic before the member joined group %s; in %v it handled none.\n  a group with no committed offsets starts at Consumer.Offsets.Initial, and sarama's default is OffsetNewest (only what is written after joining): use sarama.OffsetOldest", group, first.waited)
		}
		if want := idRange(100, 10); !equalInts(ids, want) {
			t.Errorf("%s", labtest.Mismatch("order ids handled by the first run", want, ids, "each record must reach the handler exactly once"))
		}
	})

	t.Run("returns nil when its context ends", func(t *testing.T) {
		switch {
		case first.earlyErr != nil:
			t.Fatalf("RunMember returned an error before its context ended: %v", first.earlyErr)
		case !first.returned:
			t.Fatalf("RunMember did not return within %v of its context being cancelled: return when ctx is done (Consume returns then; stop calling it)", memberStopWait)
		case first.err != nil:
			t.Errorf("RunMember returned %v after its context was cancelled; a requested stop is not an error: return nil", first.err)
		}
	})

	t.Run("resumes after a restart without reprocessing", func(t *testing.T) {
		if len(first.orderIDs()) == 0 || !first.returned {
			t.Fatalf("cannot test a restart: the first run did not handle the 10 orders and stop (see the other subtests)")
		}
		committed := labtest.CommittedOffsets(t, bootstrap, group, topic)
		labtest.Produce(t, bootstrap, orderMessages(topic, 200, 5)...)
		second := runMember(t, bootstrap, group, topic, 5)
		if second.earlyErr != nil {
			t.Fatalf("the second RunMember returned before its context ended: %v", second.earlyErr)
		}
		ids := second.orderIDs()
		want := idRange(200, 5)
		if equalInts(ids, want) {
			return
		}
		var old []int
		for _, id := range ids {
			if id < 200 {
				old = append(old, id)
			}
		}
		hint := ""
		switch {
		case len(old) > 0:
			hint = fmt.Sprintf("it handled %d orders of the first run again (%v); after the first run the group had committed %s (want p0..p2 summing to 10).\n  mark each record after handling it (sess.MarkMessage), keep Consumer.Offsets.AutoCommit.Enable on (or call sess.Commit()), and close the consumer group before returning, so the last marks are committed", len(old), old, labtest.FormatOffsets(committed))
		case len(ids) == 0:
			hint = "the restarted member handled nothing: does it start again after a restart?"
		}
		t.Errorf("%s", labtest.Mismatch("order ids handled after a restart, with 5 new orders written since the first run", want, ids, hint))
	})
}

// memberRun is what one RunMember call did.
type memberRun struct {
	mu       sync.Mutex
	msgs     []*sarama.ConsumerMessage
	earlyErr error // RunMember returned before being asked to stop
	returned bool  // RunMember returned after being asked to stop
	err      error
	waited   time.Duration

	sentinels map[int32]bool // partitions whose sentinel the member handled
}

func (r *memberRun) orderIDs() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []int
	for _, m := range r.msgs {
		var o Order
		if json.Unmarshal(m.Value, &o) == nil {
			ids = append(ids, o.OrderID)
		}
	}
	sort.Ints(ids)
	return ids
}

// How long a member may take to get its records (joining a group takes a
// few seconds, more on a loaded machine), and to return once cancelled.
const (
	memberWait     = 30 * time.Second
	memberStopWait = 20 * time.Second
)

// runMember runs RunMember until it has handled want records, then writes a
// sentinel to each of the topic's 3 partitions and waits until it has
// handled those too, then cancels it. A partition's records come in order,
// so once its sentinel has come nothing written before it (a duplicate
// included) is still on its way: no quiet period to guess. It gives up
// waiting after memberWait for each of the two.
func runMember(t *testing.T, bootstrap, group, topic string, want int) *memberRun {
	run := &memberRun{sentinels: map[int32]bool{}}
	token := labtest.Topic(t, "sentinel")
	handle := func(msg *sarama.ConsumerMessage) {
		run.mu.Lock()
		defer run.mu.Unlock()
		if tok, ok := labtest.SentinelToken(msg); ok {
			if tok == token {
				run.sentinels[msg.Partition] = true
			}
			return
		}
		run.msgs = append(run.msgs, msg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("RunMember panicked: %v", r)
			}
		}()
		done <- RunMember(ctx, bootstrap, group, []string{topic}, handle)
	}()
	start := time.Now()
	// waitFor polls cond until it holds, RunMember returns (early), or
	// memberWait passes.
	waitFor := func(cond func() bool) bool {
		deadline := time.Now().Add(labtest.Budget(t, memberWait))
		for !cond() {
			if time.Now().After(deadline) {
				return false
			}
			select {
			case err := <-done:
				if err == nil {
					err = fmt.Errorf("it returned nil while its context was still live")
				}
				run.earlyErr = err
				return false
			case <-time.After(50 * time.Millisecond):
			}
		}
		return true
	}
	count := func() int { run.mu.Lock(); defer run.mu.Unlock(); return len(run.msgs) }
	if waitFor(func() bool { return count() >= want }) {
		labtest.Produce(t, bootstrap, labtest.Sentinels(topic, 3, token)...)
		waitFor(func() bool { run.mu.Lock(); defer run.mu.Unlock(); return len(run.sentinels) == 3 })
	}
	run.waited = time.Since(start)
	if run.earlyErr != nil {
		return run
	}
	cancel()
	select {
	case run.err = <-done:
		run.returned = true
	case <-time.After(labtest.Budget(t, memberStopWait)):
	}
	return run
}

// ---------------------------------------------------------------------------
// Exercise 6: two members sharing partitions through a rebalance.

// rebalanceWait bounds each wait of the rebalance test: a rebalance takes a
// member's heartbeat, the old owners' commits and a new join, seconds on a
// loaded machine.
const rebalanceWait = 30 * time.Second

func TestConsumerGroupRebalance(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	topic := labtest.Topic(t, "orders")
	group := labtest.Group(t, "rebalance")
	const partitions = 4
	labtest.CreateTopic(t, bootstrap, topic, partitions)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	// processed records, by member, as "partition/offset"; the partitions
	// whose sentinel (written last) a member has handled.
	var mu sync.Mutex
	processed := map[string][]string{}
	sentinels := map[int32]bool{}
	sentinelToken := labtest.Topic(t, "sentinel")
	handlerFor := func(name string) Handler {
		return func(msg *sarama.ConsumerMessage) {
			mu.Lock()
			defer mu.Unlock()
			if tok, ok := labtest.SentinelToken(msg); ok {
				if tok == sentinelToken {
					sentinels[msg.Partition] = true
				}
				return
			}
			processed[name] = append(processed[name], fmt.Sprintf("%d/%d", msg.Partition, msg.Offset))
		}
	}
	countOf := func(name string) int { mu.Lock(); defer mu.Unlock(); return len(processed[name]) }

	// start runs StartMember for a subtest; the member lives until the whole
	// test ends.
	parent := t
	start := func(t *testing.T, name string) *Member {
		var (
			m   *Member
			err error
		)
		if !labtest.Within(t, 30*time.Second, "StartMember", func(context.Context) {
			m, err = StartMember(ctx, bootstrap, group, []string{topic}, handlerFor(name))
		}) {
			return nil
		}
		if err != nil {
			t.Errorf("StartMember (member %s) returned an error: %v", name, err)
			return nil
		}
		if m == nil {
			t.Errorf("StartMember (member %s) returned neither a Member nor an error", name)
			return nil
		}
		parent.Cleanup(func() {
			labtest.Within(parent, memberStopWait, "Member.Stop", func(context.Context) { _ = m.Stop() })
		})
		return m
	}
	// assignment asks a member which partitions of the topic it owns; a panic
	// or a hang in Assignment counts as owning nothing, and is remembered
	// for the failure message.
	var trouble string
	assignment := func(m *Member) []int32 {
		res := make(chan []int32, 1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					trouble = fmt.Sprintf("\n  note: Assignment panicked: %v", r)
					mu.Unlock()
					res <- nil
				}
			}()
			res <- m.Assignment()[topic]
		}()
		select {
		case parts := <-res:
			return parts
		case <-time.After(5 * time.Second):
			mu.Lock()
			trouble = "\n  note: Assignment did not return within 5 s: is its lock held while a ConsumeClaim waits for records?"
			mu.Unlock()
			return nil
		}
	}
	troubleNote := func() string { mu.Lock(); defer mu.Unlock(); return trouble }

	var a, b *Member

	t.Run("a lone member owns every partition", func(t *testing.T) {
		if a = start(t, "A"); a == nil {
			return
		}
		all := []int32{0, 1, 2, 3}
		wait := labtest.Budget(t, rebalanceWait)
		if !labtest.Eventually(wait, 100*time.Millisecond, func() bool { return equalInt32s(assignment(a), all) }) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("member A's Assignment() for the %d-partition topic, alone in its group after %v", partitions, wait), all, assignment(a),
				"a partition is the member's while its ConsumeClaim runs: record it when ConsumeClaim starts, forget it when it returns")+troubleNote())
		}
	})

	// Twenty records, five per partition, for A to handle before B arrives.
	labtest.Produce(t, bootstrap, spreadMessages(topic, 0, 20, partitions)...)
	sent := 20
	if a != nil {
		labtest.Eventually(labtest.Budget(t, rebalanceWait), 50*time.Millisecond, func() bool { return countOf("A") >= 20 })
	}

	t.Run("a second member takes a share", func(t *testing.T) {
		if a == nil {
			t.Fatalf("member A did not start (see the first subtest)")
		}
		if b = start(t, "B"); b == nil {
			return
		}
		split := func() bool {
			pa, pb := assignment(a), assignment(b)
			return len(pa) > 0 && len(pb) > 0 && len(pa)+len(pb) == partitions && disjointCover(pa, pb, partitions)
		}
		wait := labtest.Budget(t, rebalanceWait)
		if !labtest.Eventually(wait, 100*time.Millisecond, split) {
			pa, pb := assignment(a), assignment(b)
			hint := "after the rebalance each partition belongs to exactly one member"
			switch {
			case len(pa) == 0:
				hint = "A owns nothing: when B joined, the group rebalanced, A's session ended and its Consume call returned. Call Consume again, in a loop, to rejoin with the new assignment"
			case len(pb) == 0:
				hint = "B owns nothing: is its ConsumeClaim running (and recording the partition) for the partitions it was given?"
			}
			t.Errorf("%v after member B joined: A owns %v, B owns %v; want the %d partitions split between them, none shared.\n  %s%s", wait, pa, pb, partitions, hint, troubleNote())
		}
	})

	t.Run("every record is processed exactly once", func(t *testing.T) {
		if a == nil || b == nil {
			t.Fatalf("the two members did not both start (see the subtests above)")
		}
		// Keep writing, one record per partition every 200 ms, until both
		// members have handled records written after B joined.
		aBefore, bBefore := countOf("A"), countOf("B")
		deadline := time.Now().Add(labtest.Budget(t, rebalanceWait))
		for time.Now().Before(deadline) {
			labtest.Produce(t, bootstrap, spreadMessages(topic, sent, partitions, partitions)...)
			sent += partitions
			if sent >= 60 && countOf("A") > aBefore && countOf("B") > bBefore {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		// Then a sentinel per partition: once both members together have
		// handled every sentinel, each partition has been read up to its
		// end, duplicates included, by whoever owns it now.
		labtest.Produce(t, bootstrap, labtest.Sentinels(topic, partitions, sentinelToken)...)
		if !labtest.Eventually(labtest.Budget(t, rebalanceWait), 50*time.Millisecond, func() bool { mu.Lock(); defer mu.Unlock(); return len(sentinels) == partitions }) {
			mu.Lock()
			t.Logf("of the %d partitions, the members reached the end of %d (the records written last)", partitions, len(sentinels))
			mu.Unlock()
		}

		mu.Lock()
		defer mu.Unlock()
		times := map[string][]string{}
		for _, name := range []string{"A", "B"} {
			for _, rec := range processed[name] {
				times[rec] = append(times[rec], name)
			}
		}
		var dups, missing []string
		for rec, by := range times {
			if len(by) > 1 {
				dups = append(dups, fmt.Sprintf("%s by %s", rec, strings.Join(by, "+")))
			}
		}
		for i := range sent {
			rec := fmt.Sprintf("%d/%d", i%partitions, i/partitions)
			if len(times[rec]) == 0 {
				missing = append(missing, rec)
			}
		}
		sort.Strings(dups)
		sort.Strings(missing)
		if len(dups) > 0 {
			t.Errorf("%d of %d records (partition/offset) were processed twice, e.g. %v.\n  a member must commit what it handled before it gives a partition up: mark each record after handling (sess.MarkMessage) and keep Consumer.Offsets.AutoCommit.Enable on: sarama then commits the marked offsets when a session ends, before the partitions move",
				len(dups), sent, dups[:min(5, len(dups))])
		}
		if len(missing) > 0 {
			t.Errorf("%d of %d records (partition/offset) were never processed, e.g. %v: is every claim consumed until its Messages channel closes?", len(missing), sent, missing[:min(5, len(missing))])
		}
		if processedAfter := len(processed["B"]) - bBefore; processedAfter <= 0 {
			t.Errorf("member B processed no records, though %d were written after it joined", sent-20)
		}
		if processedAfter := len(processed["A"]) - aBefore; processedAfter <= 0 {
			t.Errorf("member A processed no records after B joined, though %d were written: does it rejoin after the rebalance?", sent-20)
		}
	})
}

// ---------------------------------------------------------------------------
// Helpers.

func sampleOrder(id int) Order {
	return Order{
		OrderTime:  1_700_000_000_000 + int64(id)*1000,
		OrderID:    id,
		ItemID:     fmt.Sprintf("Item_%d", id%999+1),
		OrderUnits: float64(id%97)/10 + 0.5,
		Address:    Address{City: fmt.Sprintf("City_%d", id%89+1), State: fmt.Sprintf("State_%d", id%9+1), Zipcode: 10000 + int64(id%90000)},
	}
}

// orderMessages returns n orders with ids from first, spread round robin over
// 3 partitions.
func orderMessages(topic string, first, n int) []*sarama.ProducerMessage {
	msgs := make([]*sarama.ProducerMessage, n)
	for i := range n {
		o := sampleOrder(first + i)
		value, _ := json.Marshal(o)
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Partition: int32(i % 3), Key: sarama.StringEncoder(o.Key()), Value: sarama.ByteEncoder(value)}
	}
	return msgs
}

// spreadMessages returns n records numbered from first, record i going to
// partition i % partitions (so it lands at offset i / partitions).
func spreadMessages(topic string, first, n, partitions int) []*sarama.ProducerMessage {
	msgs := make([]*sarama.ProducerMessage, n)
	for i := range n {
		o := sampleOrder(first + i)
		value, _ := json.Marshal(o)
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Partition: int32((first + i) % partitions), Key: sarama.StringEncoder(o.Key()), Value: sarama.ByteEncoder(value)}
	}
	return msgs
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

func sumOffsets(offsets map[int32]int64) int64 {
	var total int64
	for _, o := range offsets {
		total += o
	}
	return total
}

func idRange(first, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = first + i
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalInt32s(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	s := append([]int32(nil), a...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	for i := range s {
		if s[i] != b[i] {
			return false
		}
	}
	return true
}

func disjointCover(a, b []int32, n int) bool {
	seen := map[int32]int{}
	for _, p := range append(append([]int32(nil), a...), b...) {
		seen[p]++
	}
	if len(seen) != n {
		return false
	}
	for p, c := range seen {
		if c != 1 || p < 0 || int(p) >= n {
			return false
		}
	}
	return true
}
