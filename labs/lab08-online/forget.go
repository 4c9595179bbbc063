package lab08

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Exercise 3: updates and tombstones, safe to replay.

// ApplyPoint is a stream.TableFunc over the points topic. It keeps, in the
// processor's table (and so in its compacted changelog):
//
//	"point/<id>"  the live value of each point, as Point JSON
//	"line"        a LineState: the line's running sums, and Counted
//
// Contract, for an input record with key id:
//   - a record the line has counted already (Counted covers it: read
//     again after a restart) changes nothing and writes nothing.
//   - a point with a new id is learned; a point with an id seen before
//     replaces it: the old value is forgotten and the new one learned.
//   - a tombstone (nil value) forgets the id's point and deletes its
//     entry; a tombstone for an id that holds no point (never seen, or
//     deleted already) is an error wrapping mlkit.ErrUnknownKey.
//   - a value that is not a point (DecodePoint fails) is an error.
//   - every record applied advances Counted, in the same Put as the sums,
//     and returns one LineUpdate record (key "line", no Topic: the
//     processor writes it to Config.Output).
//
// An error leaves the table as it was (the processor undoes any Put), so
// a bad record is skipped and reported, never half applied.
func ApplyPoint(in stream.Record, table *stream.Table) ([]stream.Record, error) {
	// TODO(exercise 3): read the LineState, skip what it Covers, forget the
	// id's old point (if any), learn the new one (or Delete on a
	// tombstone), Advance, Put both back, return the LineUpdate.
	return nil, errors.New("TODO(exercise 3): ApplyPoint is not written yet")
}
