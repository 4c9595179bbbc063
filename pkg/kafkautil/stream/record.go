package stream

import (
	"fmt"
	"strconv"
	"time"
)

// Record is one Kafka record: an input record a transform receives, or an
// output record it returns.
//
// For an input record every field is filled in. For an output record only
// Key, Value and, optionally, Topic and Timestamp count:
//
//   - Topic empty means Config.Output. An output may not go to one of the
//     processor's own input topics (it would read it back forever).
//   - Timestamp zero means the input record's timestamp, so event time
//     travels with the data through every step.
//   - Value nil is a tombstone: on a compacted topic it deletes the key.
//
// The record is written to the partition the Java client would choose for
// its key (murmur2), so records with the same key stay in one partition, in
// order, and line up with what Kafka Streams and ksqlDB write.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Timestamp time.Time
}

// IsTombstone reports whether the record deletes its key: a nil value.
func (r Record) IsTombstone() bool { return r.Value == nil }

// String names the record's place, "orders/1@42".
func (r Record) String() string {
	return r.Topic + "/" + strconv.Itoa(int(r.Partition)) + "@" + strconv.FormatInt(r.Offset, 10)
}

// Skipped is an input record the transform could not process.
type Skipped struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	// Err is what the transform returned.
	Err error
}

func (s Skipped) String() string {
	return fmt.Sprintf("%s/%d@%d (key %q): %v", s.Topic, s.Partition, s.Offset, s.Key, s.Err)
}

// Positions remember how far into each input partition a piece of state has
// got: for each "topic/partition", the offset of the last input record
// applied to it. Kept inside a state value (it marshals to JSON as an object
// of offsets), they make updates idempotent: after a restart the records the
// value already Covers are the ones it has counted before.
//
// The zero value (nil) covers nothing and is ready to use through Advance.
type Positions map[string]int64

// Covers reports whether r has already been applied: r comes from a
// partition these positions track, at or before the last applied offset.
func (p Positions) Covers(r Record) bool {
	last, ok := p[partitionKey(r)]
	return ok && r.Offset <= last
}

// Advance records that r has been applied.
func (p *Positions) Advance(r Record) {
	if *p == nil {
		*p = Positions{}
	}
	k := partitionKey(r)
	if last, ok := (*p)[k]; !ok || r.Offset > last {
		(*p)[k] = r.Offset
	}
}

func partitionKey(r Record) string {
	return r.Topic + "/" + strconv.Itoa(int(r.Partition))
}
