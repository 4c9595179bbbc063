package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
)

// TestStructStarAndPullLimits checks s->* in pull, push and persistent
// queries (one column per field, named after it), its refusal on a
// column that is no struct, and LIMIT in pull queries on tables, CREATE
// SOURCE TABLE and a table-table join.
func TestStructStarAndPullLimits(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE TABLE t (id VARCHAR PRIMARY KEY, s STRUCT<a INT, b STRUCT<c VARCHAR>>) WITH (kafka_topic='t', value_format='JSON', partitions=1);
		CREATE TABLE qt AS SELECT id, s->* FROM t;
		CREATE SOURCE TABLE st (id VARCHAR PRIMARY KEY, n INT) WITH (kafka_topic='st', value_format='JSON', partitions=1);
		CREATE TABLE l (id VARCHAR PRIMARY KEY, x INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
		CREATE TABLE r (id VARCHAR PRIMARY KEY, y INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
		CREATE TABLE j AS SELECT l.id AS id, x, y FROM l JOIN r ON l.id = r.id;`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	push, err := eng.StartQuery(ctx, "SELECT s->b->* FROM t EMIT CHANGES LIMIT 1;", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		produce(t, topics, "t", []byte(k), `{"S":{"A":1,"B":{"C":"`+k+`"}}}`, 1)
		produce(t, topics, "st", []byte(k), `{"N":5}`, 1)
		produce(t, topics, "l", []byte(k), `{"X":5}`, 1)
		produce(t, topics, "r", []byte(k), `{"Y":6}`, 1)
	}
	var pushed []string
	for r := range push.Rows() {
		pushed = append(pushed, fmt.Sprint(r))
	}
	if fmt.Sprint(push.ColumnNames, pushed) != "[C] [[a]]" {
		t.Errorf("push s->b->*: %v %v", push.ColumnNames, pushed)
	}
	cases := []struct{ sql, cols, rows string }{
		{"SELECT * FROM qt WHERE id = 'b';", "[ID A B]", `[["b",1,{"C":"b"}]]`},
		{"SELECT id, s->* FROM t EMIT CHANGES LIMIT 0;", "[ID A B]", "[]"},
		{"SELECT * FROM qt LIMIT 2;", "[ID A B]", `[["a",1,{"C":"a"}],["b",1,{"C":"b"}]]`},
		{"SELECT * FROM qt LIMIT 0;", "[ID A B]", "[]"},
		{"SELECT * FROM st WHERE id = 'c';", "[ID N]", `[["c",5]]`},
		{"SELECT * FROM j LIMIT 1;", "[ID X Y]", `[["a",5,6]]`},
	}
	for _, c := range cases {
		q, err := eng.StartQuery(ctx, c.sql, nil)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		rows := []any{}
		for r := range q.Rows() {
			rows = append(rows, r)
		}
		if got := string(format.AppendJSON(nil, rows)); fmt.Sprint(q.ColumnNames) != c.cols || got != c.rows {
			t.Errorf("%s: columns %v rows %s, want %s %s", c.sql, q.ColumnNames, got, c.cols, c.rows)
		}
		q.Close()
	}
	if _, err := eng.StartQuery(ctx, "SELECT id->* FROM qt;", nil); err == nil || !strings.Contains(err.Error(), "needs a STRUCT") {
		t.Errorf("id->*: err = %v", err)
	}
}
