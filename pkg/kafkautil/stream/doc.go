// Package stream is a small stream processor on sarama: it reads input
// topics as a consumer group, hands each record to a transform function,
// writes what the transform returns, and commits the input offset only once
// those writes are acknowledged.
//
//	 input topics          Processor                          output topics
//	+-------------+     +--------------------------------+    +-------------+
//	| orders  p0  |---->| read a batch (consumer group)  |    |             |
//	|         p1  |---->| transform each record ---------+--->| Output      |
//	|         p2  |---->|   (errors: skipped, reported)  |    |             |
//	+-------------+     | Table.Put / Delete ------------+--->| Changelog   |
//	       ^            | wait for the acks              |    | (compacted) |
//	       |            | mark the batch's offsets       |    +-------------+
//	       +------------+ commit (every second, on stop) |           |
//	                    +--------------------------------+           |
//	                          ^  restored on start from the changelog |
//	                          +---------------------------------------+
//
// # Delivery: at least once
//
// Outputs are written before the input offset is committed, so a processor
// that stops (or crashes) never loses a record: on restart it resumes from
// the last committed offset. The price is duplicates: records processed
// after the last commit and before the crash are processed again. Stateless
// transforms (filter, rekey) write those outputs twice; readers that key by
// id or read the output as a table do not care.
//
// # State: a Table backed by a changelog
//
// A stateful processor (Config.TableTransform) gets a Table: a map from key
// to value in memory, every change of which is also written to a compacted
// changelog topic, in the same batch as the outputs and before the offsets
// are committed. When the processor starts it reads the changelog back
// (ReadTable: latest value per key, tombstones delete), so a restart
// continues the running totals instead of starting from zero.
//
// Restoring the state is not enough to avoid double counting: the changelog
// may already hold the effect of records whose offsets were not committed
// when the processor died, and those records come again. Exactly-once needs
// either transactions that commit the changelog writes and the offsets
// together, or updates that are idempotent. This package takes the second
// road and gives it a tool: Positions, kept inside each state value, remember
// the offset of the last input record applied to that value, per input
// partition. A transform that skips records its value already Covers, and
// Advances the positions when it applies one, counts every record once across
// any number of restarts, because the value and its positions are written to
// the changelog together, in one record.
//
// A stateful processor holds every key of its Table, so run one instance of
// it per changelog: with several instances in one group each would restore
// and update the whole table. (Kafka Streams splits the state by input
// partition instead; that is one of this lab's stretch goals.)
//
// # Bad records
//
// A transform that cannot read a record returns an error. The processor then
// skips the record, counts it (Stats.Skipped), reports it to Config.OnSkip
// with its topic, partition and offset, and goes on: one malformed record
// never stops a stream. Any changes the transform made to the Table before
// it returned the error are undone, and its outputs are dropped. A transform
// that panics is a bug rather than bad data: Run stops and returns the panic
// as an error, without committing the record that caused it.
package stream
