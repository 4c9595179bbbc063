//go:build solution

package lab01

import (
	"encoding/binary"
	"fmt"

	"github.com/IBM/sarama"
)

// Exercise 2: choosing partitions like the Java client.

// Murmur2 is the Java client's hash of a record key,
// org.apache.kafka.common.utils.Utils.murmur2: 32-bit MurmurHash2 with
// Kafka's seed, read as a signed Java int.
func Murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	// Java's int arithmetic wraps like Go's uint32, and Java's >>> (unsigned
	// shift) is Go's >> on a uint32: doing the maths unsigned and converting
	// at the end gives the same bits.
	h := seed ^ uint32(len(data))
	n := len(data) / 4
	for i := range n {
		k := binary.LittleEndian.Uint32(data[4*i:])
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	// The last one to three bytes, highest first (Java's switch falls through).
	tail := data[4*n:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// NewJavaPartitioner is a sarama.PartitionerConstructor that sends a keyed
// record to the partition the Java client would choose, so Go and Java
// producers of the same keys agree (and a Kafka Streams or ksqlDB join sees
// both sides of a key in the same partition).
func NewJavaPartitioner(topic string) sarama.Partitioner {
	return &javaPartitioner{unkeyed: sarama.NewRandomPartitioner(topic)}
}

var _ sarama.PartitionerConstructor = NewJavaPartitioner

type javaPartitioner struct {
	// unkeyed places records without a key: any partition will do. (The
	// Java client fills one partition's batch at a time, "sticky"; random
	// is the simple version of the same idea.)
	unkeyed sarama.Partitioner
}

func (p *javaPartitioner) Partition(msg *sarama.ProducerMessage, numPartitions int32) (int32, error) {
	if msg.Key == nil {
		return p.unkeyed.Partition(msg, numPartitions)
	}
	key, err := msg.Key.Encode()
	if err != nil {
		return -1, fmt.Errorf("encoding the key to choose a partition: %w", err)
	}
	// Utils.toPositive: clear the sign bit. Not abs(): abs(-h) and h land
	// together where Java's would not, and abs(math.MinInt32) stays negative.
	return (Murmur2(key) & 0x7fffffff) % numPartitions, nil
}

// RequiresConsistency tells sarama that a key's partition must be respected
// even while that partition is unavailable: moving the record elsewhere
// would break per-key ordering.
func (p *javaPartitioner) RequiresConsistency() bool { return true }
