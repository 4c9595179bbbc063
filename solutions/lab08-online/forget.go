//go:build solution

package lab08

import (
	"encoding/json"
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
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
	var state LineState
	if raw, ok := table.Get(LineKey); ok {
		if err := json.Unmarshal(raw, &state); err != nil {
			return nil, fmt.Errorf("the line's state in the table is not readable: %w", err)
		}
	}
	if state.Counted.Covers(in) {
		// Replayed after a restart: the sums already hold this record.
		return nil, nil
	}
	id := string(in.Key)
	if id == "" {
		return nil, fmt.Errorf("a point without a key: an update or a delete could never find it")
	}
	pointKey := PointPrefix + id
	old, had, err := livePoint(table, pointKey)
	if err != nil {
		return nil, err
	}

	if in.IsTombstone() {
		if !had {
			// Never seen, or deleted already: there is nothing to forget,
			// and forgetting anyway would corrupt the sums.
			return nil, fmt.Errorf("a tombstone for point %q: %w", id, mlkit.ErrUnknownKey)
		}
		if err := state.Line.Forget(old.X, old.Y); err != nil {
			return nil, err
		}
		table.Delete(pointKey)
	} else {
		p, err := DecodePoint(in.Value)
		if err != nil {
			return nil, fmt.Errorf("point %q: %w", id, err)
		}
		if had {
			// An update: the old value leaves the model before the new one
			// comes in, as if the old had never been.
			if err := state.Line.Forget(old.X, old.Y); err != nil {
				return nil, err
			}
		}
		if err := state.Line.Learn(p.X, p.Y); err != nil {
			return nil, err
		}
		value, _ := json.Marshal(p)
		table.Put(pointKey, value)
	}

	// The sums and how far they have counted go in one value: one record
	// of the changelog, so there is no moment when one is stored and the
	// other is not.
	state.Counted.Advance(in)
	value, err := json.Marshal(state)
	if err != nil {
		return nil, err
	}
	table.Put(LineKey, value)
	update, err := json.Marshal(NewLineUpdate(&state.Line))
	if err != nil {
		return nil, err
	}
	return []stream.Record{{Key: []byte(LineKey), Value: update}}, nil
}

// livePoint reads a point's live value from the table.
func livePoint(table *stream.Table, key string) (Point, bool, error) {
	raw, ok := table.Get(key)
	if !ok {
		return Point{}, false, nil
	}
	var p Point
	if err := json.Unmarshal(raw, &p); err != nil {
		return Point{}, false, fmt.Errorf("the table's %s is not readable: %w", key, err)
	}
	return p, true, nil
}
