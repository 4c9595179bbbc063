package engine

import (
	"context"
	"testing"
)

// FuzzEngine plans and runs arbitrary statements over a stream and a table
// (lambdas, joins, functions) and feeds each query a record: a statement
// may be refused, but must never crash the engine.
func FuzzEngine(f *testing.F) {
	for _, s := range []string{
		"CREATE STREAM o AS SELECT TRANSFORM(arr, x => x + 1) AS t FROM s;",
		"CREATE STREAM o AS SELECT REDUCE(m, 0, (acc, k, v) => acc + v) AS t FROM s;",
		"CREATE STREAM o AS SELECT FILTER(arr, x => x > 1), ARRAY_SORT(arr), GEO_DISTANCE(1, 2, 3, 4, 'mi') FROM s;",
		"CREATE STREAM o AS SELECT * FROM s JOIN t ON s.id = t.id;",
		"CREATE STREAM o AS SELECT s.ROWTIME, t.ROWPARTITION FROM s LEFT JOIN t ON s.id = t.id;",
		"CREATE STREAM o AS SELECT s.id, GENERATE_SERIES(1, n) FROM s PARTITION BY s.id, n;",
		"CREATE TABLE o AS SELECT id, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;",
		"CREATE STREAM o AS SELECT MASK_LEFT(str, n), SLICE(arr, n, 2), SPLIT_TO_MAP(str, ',', '=') FROM s;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		eng, topics, _ := testEngine(t)
		mustExec(t, eng, `CREATE STREAM s (id INT KEY, n INT, str STRING, arr ARRAY<INT>, m MAP<STRING, INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
			CREATE TABLE t (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1);`)
		if _, err := eng.Execute(context.Background(), sql, nil); err != nil {
			return
		}
		produce(t, topics, "t", intKey(1), `{"name":"a"}`, 1)
		produce(t, topics, "s", intKey(1), `{"n":3,"str":"a=1,b=2","arr":[3,null,1],"m":{"a":1,"b":null}}`, 2)
	})
}
