package lab05

import (
	"context"
	"errors"

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
	// TODO(exercise 1): stream.Scan the topic into a map from row index
	// (strconv.Atoi of the key) to the decoded value (map[string]any),
	// then sort the indices and hand the values, in that order, to
	// mlkit.FromRecords with opts.
	return nil, errors.New("TODO(exercise 1): LoadTopic is not written yet")
}
