package engine

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// SELECT * over a windowed table yields the key, WINDOWSTART, WINDOWEND
// and the values, in push and pull queries, as in ksqlDB.
func TestStarOverWindowedTableIncludesBounds(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE w AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY id;`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pq, err := eng.StartQuery(ctx, "SELECT * FROM w EMIT CHANGES LIMIT 2;", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(pq.ColumnNames, pq.ColumnTypes); got != "[ID WINDOWSTART WINDOWEND N] [INTEGER BIGINT BIGINT BIGINT]" {
		t.Errorf("push header = %s", got)
	}
	produce(t, topics, "s", intKey(1), `{"v":1}`, 1000)
	produce(t, topics, "s", intKey(1), `{"v":1}`, 31000)
	var rows []string
	timeout := time.After(30 * time.Second)
	for done := false; !done; {
		select {
		case r, ok := <-pq.Rows():
			if !ok {
				done = true
				break
			}
			rows = append(rows, fmt.Sprint(r))
		case <-timeout:
			t.Fatal("push query did not end at LIMIT")
		}
	}
	if fmt.Sprint(rows) != "[[1 0 30000 1] [1 30000 60000 1]]" {
		t.Errorf("push rows = %v", rows)
	}
	pull, err := eng.StartQuery(ctx, "SELECT * FROM w WHERE id = 1;", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(pull.ColumnNames); got != "[ID WINDOWSTART WINDOWEND N]" {
		t.Errorf("pull header = %s", got)
	}
	var prows []string
	for r := range pull.Rows() {
		prows = append(prows, fmt.Sprint(r))
	}
	if fmt.Sprint(prows) != "[[1 0 30000 1] [1 30000 60000 1]]" {
		t.Errorf("pull rows = %v", prows)
	}
	// A persistent query's SELECT * keeps the source's columns.
	mustExec(t, eng, "CREATE TABLE w2 AS SELECT * FROM w;")
	if got := schemaString(eng.Catalog().Get("W2").Columns); got != "ID INTEGER KEY, N BIGINT" {
		t.Errorf("W2 schema = %s", got)
	}
}
