package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Statements ksqlDB refuses are refused with its words.
func TestRefusalWording(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{"SELECT 1 + null AS x FROM s EMIT CHANGES;",
			"Error processing expression: (1 + null). Arithmetic on types INTEGER and null are not supported."},
		{"SELECT null * null AS x FROM s EMIT CHANGES;",
			"Arithmetic on types null and null are not supported."},
		{"SELECT ARRAY[1, 2] + null AS x FROM s EMIT CHANGES;",
			"Arithmetic on types ARRAY<INTEGER> and null are not supported."},
		{"SELECT COUNT(1) FROM s WINDOW TUMBLING (SIZE 1 SECOND) WHERE windowstart > 1000 GROUP BY k EMIT CHANGES;",
			"Error in WHERE expression: Unknown column WINDOWSTART."},
		{"SELECT COUNT(1) FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k HAVING MIN(windowend) > 1000 EMIT CHANGES;",
			"Window bounds column WINDOWEND can only be used in the SELECT clause of windowed aggregations"},
		{"CREATE TABLE o AS SELECT COUNT(*) FROM s;",
			"Use of aggregate functions requires a GROUP BY clause."},
		{"SELECT NO_SUCH(k) FROM s EMIT CHANGES;",
			"Can't find any functions with the name 'NO_SUCH'"},
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, `CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`)
		var err error
		if strings.HasPrefix(tc.sql, "SELECT") {
			var pq *PushQuery
			if pq, err = eng.StartQuery(context.Background(), tc.sql, nil); err == nil {
				pq.Close()
			}
		} else {
			_, err = eng.Execute(context.Background(), tc.sql, nil)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n  error %v\n  want  %s", tc.sql, err, tc.want)
		}
	}
}

// A push query may aggregate without GROUP BY: all rows form one group.
func TestPushAggregateWithoutGroupBy(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`)
	pq, err := eng.StartQuery(context.Background(), "SELECT COUNT(*) AS n, SUM(v) AS total FROM s EMIT CHANGES LIMIT 2;", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(pq.ColumnNames); got != "[N TOTAL]" {
		t.Errorf("header = %s", got)
	}
	produce(t, topics, "s", intKey(1), `{"v":2}`, 1)
	produce(t, topics, "s", intKey(2), `{"v":5}`, 2)
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
	if fmt.Sprint(rows) != "[[1 2] [2 7]]" {
		t.Errorf("rows = %v", rows)
	}
}

// INSERT VALUES with a column where a value belongs is refused as ksqlDB
// refuses it.
func TestInsertValuesColumnReference(t *testing.T) {
	eng, _, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`)
	_, err := eng.Execute(context.Background(), "INSERT INTO s (k, v) VALUES (1, foo);", nil)
	if err == nil || !strings.Contains(err.Error(), "Failed to prepare statement: 'FOO' is not a valid stream/table name or alias.") {
		t.Errorf("error = %v", err)
	}
	mustExec(t, eng, "INSERT INTO s (k, v) VALUES (1, REDUCE(ARRAY[1, 2], 0, (a, x) => a + x));")
}

// A map literal keeps its keys' type, and a NULL key is written "null".
func TestMapLiteralKeys(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE STREAM o AS SELECT k, MAP(1 := 'a', 2 := 'b') AS m, MAP(CAST(NULL AS STRING) := v) AS n, MAP(1 := 'a', 2 := 'b')[2] AS b FROM s;`)
	if got := schemaString(eng.Catalog().Get("O").Columns); got != "K INTEGER KEY, M MAP<INTEGER, STRING>, N MAP<STRING, INTEGER>, B STRING" {
		t.Errorf("schema = %s", got)
	}
	produce(t, topics, "s", intKey(1), `{"v":3}`, 1)
	if recs := topics.Records("O"); len(recs) != 1 || string(recs[0].Value) != `{"M":{"1":"a","2":"b"},"N":{"null":3},"B":"b"}` {
		t.Errorf("records = %v", recs)
	}
}

// An unknown column is reported with the clause it is used in.
func TestUnknownColumnClause(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{"CREATE STREAM o AS SELECT k, nope FROM s;", "SELECT column 'NOPE' cannot be resolved."},
		{"CREATE STREAM o AS SELECT k FROM s WHERE nope > 1;", "WHERE column 'NOPE' cannot be resolved."},
		{"CREATE TABLE o AS SELECT COUNT(*) FROM s GROUP BY nope;", "GROUP BY column 'NOPE' cannot be resolved."},
		{"CREATE STREAM o AS SELECT * FROM s PARTITION BY nope;", "PARTITION BY column 'NOPE' cannot be resolved."},
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, `CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`)
		_, err := eng.Execute(context.Background(), tc.sql, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n  error %v\n  want  %s", tc.sql, err, tc.want)
		}
	}
}
