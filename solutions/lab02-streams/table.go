//go:build solution

package lab02

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Exercise 4: reading a compacted topic back as a table.

// LoadTotals reads the changelog topic of the totals, as it is now, into a
// map by state: what the table looked like after the last change written.
//
// Contract:
//   - read every partition from its beginning to its current end, then
//     return (a snapshot; do not wait for more). stream.Scan does the
//     reading: give it a function that applies one record to the map.
//   - the latest value of a key wins (a key's records share a partition and
//     arrive in the order they were written).
//   - a tombstone (a record whose value is nil) deletes its key.
//   - a value that is not a StateTotal is an error that names its key.
func LoadTotals(ctx context.Context, bootstrap, topic string) (map[string]StateTotal, error) {
	totals := map[string]StateTotal{}
	err := stream.Scan(ctx, bootstrap, topic, func(r stream.Record) error {
		state := string(r.Key)
		if r.IsTombstone() {
			// The key was deleted: forget whatever came before.
			delete(totals, state)
			return nil
		}
		var t StateTotal
		if err := json.Unmarshal(r.Value, &t); err != nil {
			return fmt.Errorf("the value of %s at %s is not a total: %w", state, r, err)
		}
		// Later records overwrite earlier ones: the latest value wins.
		totals[state] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return totals, nil
}
