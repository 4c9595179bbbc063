package datagen

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// The dataset family replays one of the course's shipped data sets (package
// datasets) into a topic, one record per row, so that the labs about models
// read their training data off Kafka like any other stream:
//
//	dataset:iris          every row in file order, then stop
//	dataset:iris:shuffle  every row once, in an order drawn from the seed
//
// The key is the row's index in the file, counted from 0 ("0", "1", ...),
// whatever order the rows are sent in: it identifies the row, so a replay
// (the generator run a second time into the same topic) writes the same keys
// again, and a reader that keeps the latest value per key sees each row once.
//
// The value is a JSON object holding exactly the file's columns, in file
// order: every feature as a number, and the label column as a number or, for
// a categorical label such as iris's species, its class name:
//
//	key "0"  {"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2,"species":"setosa"}
//
// There is deliberately no extra row-number field: mlkit.FromRecords takes
// every field but the label as a feature, and a row number is not one.
//
// A dataset generator is Finite: it stops after the last row.

// DatasetFamily is the registered prefix of the dataset generators.
const DatasetFamily = "dataset:"

// datasetShuffle is the suffix that asks for a shuffled replay.
const datasetShuffle = ":shuffle"

func init() {
	Register(DatasetFamily, newDatasetFromOptions)
}

// DatasetNames lists the data sets the family can replay ("iris", ...), in
// lexical order.
func DatasetNames() []string {
	names := make([]string, 0, len(datasets.Catalog))
	for _, info := range datasets.Catalog {
		names = append(names, strings.TrimSuffix(info.File, ".csv"))
	}
	return names
}

// DatasetReplay replays a data set's rows; see the family's description
// above. Build one with NewDatasetReplay or New("dataset:NAME", opts).
type DatasetReplay struct {
	name  string // the generator's name, "dataset:iris"
	data  *mlkit.Dataset
	order []int // the rows in the order they are sent
	next  int   // position in order of the next row
	clock func() time.Time
}

// NewDatasetReplay returns a generator replaying the named data set ("iris"
// or "iris.csv"), in file order, or, with shuffle, in the order of
// mlkit.Permutation(rows, seed). clock gives the record timestamps (time.Now
// when nil). An unknown name is an error that lists the data sets.
func NewDatasetReplay(name string, shuffle bool, seed uint64, clock func() time.Time) (*DatasetReplay, error) {
	file := strings.TrimSuffix(name, ".csv") + ".csv"
	var info *datasets.Info
	for i := range datasets.Catalog {
		if datasets.Catalog[i].File == file {
			info = &datasets.Catalog[i]
		}
	}
	if info == nil {
		return nil, fmt.Errorf("unknown data set %q: the data sets are %s", name, strings.Join(DatasetNames(), ", "))
	}
	d, err := mlkit.LoadCSVFS(datasets.FS, info.File, mlkit.LoadOptions{Label: info.Label})
	if err != nil {
		return nil, fmt.Errorf("data set %s: %w", name, err)
	}
	g := &DatasetReplay{name: DatasetFamily + strings.TrimSuffix(info.File, ".csv"), data: d, clock: clock}
	if g.clock == nil {
		g.clock = time.Now
	}
	if shuffle {
		g.name += datasetShuffle
		g.order = mlkit.Permutation(d.Rows(), seed)
	} else {
		g.order = make([]int, d.Rows())
		for i := range g.order {
			g.order[i] = i
		}
	}
	return g, nil
}

// newDatasetFromOptions is the family's constructor: opts.Arg is "NAME" or
// "NAME:shuffle".
func newDatasetFromOptions(opts Options) (Generator, error) {
	name, shuffle := strings.CutSuffix(opts.Arg, datasetShuffle)
	return NewDatasetReplay(name, shuffle, opts.Seed, opts.Clock)
}

// Name implements Generator: "dataset:iris" (or "dataset:iris:shuffle").
func (g *DatasetReplay) Name() string { return g.name }

// Dataset returns the name of the data set replayed, "iris".
func (g *DatasetReplay) Dataset() string {
	return strings.TrimSuffix(strings.TrimPrefix(g.name, DatasetFamily), datasetShuffle)
}

// Shuffled reports whether the rows are sent in a shuffled order.
func (g *DatasetReplay) Shuffled() bool { return strings.HasSuffix(g.name, datasetShuffle) }

// Rows returns the number of records the generator sends in all.
func (g *DatasetReplay) Rows() int { return len(g.order) }

// More implements Finite: false once every row was sent.
func (g *DatasetReplay) More() bool { return g.next < len(g.order) }

// Next implements Generator. After the last row it returns nil values (Run
// and Print stop before that, as the generator is Finite).
func (g *DatasetReplay) Next() (key, value []byte, ts time.Time) {
	if !g.More() {
		return nil, nil, g.clock()
	}
	row := g.order[g.next]
	g.next++
	// The value is built fresh for every record: the producer keeps it
	// until the broker has acknowledged it.
	value, _ = g.data.AppendRecordJSON(make([]byte, 0, 16*(g.data.Cols()+1)), row) // row is in range
	return []byte(strconv.Itoa(row)), value, g.clock()
}
