//go:build grading

package lab01

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

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
	labtest.StopIfNotStarted(t,
		func() error { Murmur2([]byte("21")); return nil },
		func() error {
			_, err := NewJavaPartitioner("orders").Partition(&sarama.ProducerMessage{Topic: "orders", Key: sarama.StringEncoder("21")}, 3)
			return err
		},
		func() error { NewJavaPartitioner("orders").RequiresConsistency(); return nil })
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
			panic("java_partitioner_grade_test.go: the reference murmur2 disagrees with Kafka's pinned value for " + v.key)
		}
	}
	for _, c := range javaPartitions {
		p, err := sarama.NewMurmur2Partitioner("orders").Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(c.key)}, c.partitions)
		if err != nil || p != c.want {
			panic(fmt.Sprintf("java_partitioner_grade_test.go: sarama's murmur2 partitioner puts %q in partition %d of %d, the table says %d", c.key, p, c.partitions, c.want))
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
