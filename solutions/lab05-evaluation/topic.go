//go:build solution

package lab05

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// Exercise 1: from a topic to a data set.

// LoadTopic reads the labelled rows a topic holds now into a data set.
//
// Each record is one row: its key is the row's index ("0", "1", ...), its
// value a JSON object of the row's columns.
//
// Contract:
//   - read every partition from its beginning to the end it has now, then
//     return (a snapshot, as LoadTotals in lab 2).
//   - a row written more than once (the data set replayed a second time)
//     counts once: the latest value of each key wins.
//   - the rows come in row-index order, whichever partitions they were in:
//     row 2 before row 10.
//   - opts say which columns are the label and the features; pass them to
//     mlkit.FromRecords, which builds the Dataset.
//   - a key that is not a row index, or a value that is not a JSON object,
//     is an error that names the key.
func LoadTopic(ctx context.Context, bootstrap, topic string, opts mlkit.LoadOptions) (*mlkit.Dataset, error) {
	// A map by row index is a table: a replayed row overwrites itself.
	rows := map[int]map[string]any{}
	err := stream.Scan(ctx, bootstrap, topic, func(r stream.Record) error {
		i, err := strconv.Atoi(string(r.Key))
		if err != nil || i < 0 {
			return fmt.Errorf("record %s has key %q, not a row index", r, r.Key)
		}
		var values map[string]any
		if err := json.Unmarshal(r.Value, &values); err != nil || values == nil {
			return fmt.Errorf("row %d (key %q, %s) is not a JSON object: %v", i, r.Key, r, err)
		}
		rows[i] = values
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", topic, err)
	}

	// Partitions interleave, so the order of arrival means nothing: sort
	// the row indices as numbers (as strings, "10" would come before "2").
	order := make([]int, 0, len(rows))
	for i := range rows {
		order = append(order, i)
	}
	sort.Ints(order)
	records := make([]map[string]any, len(order))
	for k, i := range order {
		records[k] = rows[i]
	}
	if opts.Source == "" {
		opts.Source = "topic " + topic // so that errors name where the data came from
	}
	return mlkit.FromRecords(records, opts)
}
