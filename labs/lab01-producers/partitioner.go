package lab01

import (
	"errors"

	"github.com/IBM/sarama"
)

// Exercise 2: choosing partitions like the Java client.
//
// A keyed record goes to partition hash(key) mod the number of partitions,
// but clients disagree on the hash. sarama hashes with FNV-1a; the Java
// client (and Kafka Streams, ksqlDB, librdkafka's "murmur2_random") with
// murmur2. When a Go and a Java producer write the same keys to one topic,
// or a Go producer feeds a ksqlDB join, the same key must land in the same
// partition, so here you teach sarama the Java client's choice:
//
//	partition = toPositive(murmur2(keyBytes)) % numPartitions
//	toPositive(h) = h & 0x7fffffff   (clear the sign bit; not abs!)
//
// (Recent sarama versions ship this as sarama.NewMurmur2Partitioner. Write
// your own first, then compare: that is how you will know what it does.)

// Murmur2 is the Java client's hash of a record key,
// org.apache.kafka.common.utils.Utils.murmur2: 32-bit MurmurHash2 with
// Kafka's seed, read as a signed Java int.
func Murmur2(data []byte) int32 {
	// TODO(exercise 2): compute MurmurHash2 as the Java client does. Do all
	// the arithmetic on uint32 (it wraps like Java's int, and Go's >> on a
	// uint32 is Java's unsigned >>>), and convert to int32 at the end.
	//
	//   constants: seed = 0x9747b28c, m = 0x5bd1e995, r = 24
	//   h := seed XOR len(data)
	//   for each whole 4-byte block b (little-endian: b[0] is the low byte):
	//       k := b as uint32
	//       k *= m;  k ^= k >> r;  k *= m
	//       h *= m;  h ^= k
	//   the 1 to 3 bytes left over, t, if any:
	//       3 left: h ^= t[2] << 16, then go on with the 2 case
	//       2 left: h ^= t[1] << 8,  then go on with the 1 case
	//       1 left: h ^= t[0];  h *= m
	//   finally: h ^= h >> 13;  h *= m;  h ^= h >> 15
	//
	// Check: Murmur2([]byte("21")) is -973932308, and "abc" gives 479470107.
	panic("TODO(exercise 2): Murmur2 is not written yet")
}

// NewJavaPartitioner is a sarama.PartitionerConstructor (set it as
// cfg.Producer.Partitioner) that sends a keyed record to the partition the
// Java client would choose.
func NewJavaPartitioner(topic string) sarama.Partitioner {
	// TODO(exercise 2): records without a key can go anywhere; keep a
	// partitioner for them here (sarama.NewRandomPartitioner(topic) will do).
	return &javaPartitioner{}
}

var _ sarama.PartitionerConstructor = NewJavaPartitioner

type javaPartitioner struct{}

// Partition chooses the partition of msg among numPartitions.
func (p *javaPartitioner) Partition(msg *sarama.ProducerMessage, numPartitions int32) (int32, error) {
	// TODO(exercise 2):
	//   - msg.Key == nil: let the partitioner for unkeyed records choose.
	//   - otherwise get the key's bytes with msg.Key.Encode() and return
	//     toPositive(Murmur2(key)) % numPartitions (see the top of the file).
	return -1, errors.New("TODO(exercise 2): choose a partition")
}

// RequiresConsistency tells sarama whether a key's partition must be
// respected even while that partition is unavailable.
func (p *javaPartitioner) RequiresConsistency() bool {
	// TODO(exercise 2): a hash partitioner promises "same key, same
	// partition", which per-key ordering depends on. Should sarama be
	// allowed to move a keyed record to another partition?
	panic("TODO(exercise 2): RequiresConsistency is not written yet")
}
