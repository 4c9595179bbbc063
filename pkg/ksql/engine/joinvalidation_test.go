package engine

import (
	"context"
	"strings"
	"testing"
)

// The messages follow ksqlDB's stream-table-join, table-table-join and
// multi-col-keys functional tests and its co-partitioning check.
func TestJoinValidation(t *testing.T) {
	const ddl = `CREATE STREAM test_stream (id1 BIGINT KEY, f1 BIGINT) WITH (kafka_topic='left_topic', format='JSON', partitions=1);
		CREATE TABLE test_table (id2 BIGINT PRIMARY KEY, f2 BIGINT) WITH (kafka_topic='right_topic', format='JSON', partitions=1);
		CREATE TABLE left_table (id1 BIGINT PRIMARY KEY, f1 BIGINT) WITH (kafka_topic='lt_topic', format='JSON', partitions=1);
		CREATE TABLE right_table (id2 BIGINT PRIMARY KEY, f2 BIGINT) WITH (kafka_topic='rt_topic', format='JSON', partitions=1);
		CREATE TABLE two_keys (k1 BIGINT PRIMARY KEY, k2 BIGINT PRIMARY KEY, name STRING) WITH (kafka_topic='tk_topic', format='JSON', partitions=1);
		CREATE STREAM wide (id1 BIGINT KEY, f1 BIGINT) WITH (kafka_topic='wide_topic', format='JSON', partitions=3);
		CREATE TABLE wide_table (id2 BIGINT PRIMARY KEY, f2 BIGINT) WITH (kafka_topic='wide_table_topic', format='JSON', partitions=3);`
	tests := []struct{ sql, want string }{
		{"CREATE STREAM output AS SELECT id1, id2, f1, f2 FROM test_stream JOIN test_table ON id1 = f2;",
			"Invalid join condition: stream-table joins require to join on the table's primary key. Got TEST_STREAM.ID1 = TEST_TABLE.F2."},
		{"CREATE STREAM output AS SELECT id1, id2, f1, f2 FROM test_stream s LEFT JOIN test_table t ON t.f2 = s.id1;",
			"Invalid join condition: stream-table joins require to join on the table's primary key. Got S.ID1 = T.F2."},
		{"CREATE STREAM output AS SELECT s.id1, name FROM test_stream s JOIN two_keys t ON s.id1 = t.k1;",
			"Invalid join condition: stream-table joins require to join on the table's primary key. Got S.ID1 = T.K1."},
		{"CREATE TABLE output AS SELECT id1, f1, f2 FROM left_table JOIN right_table ON id1 = f2;",
			"Invalid join condition: table-table joins require to join on the primary key of the right input table. Got LEFT_TABLE.ID1 = RIGHT_TABLE.F2."},
		{"CREATE STREAM output AS SELECT s.id1, f2 FROM wide s JOIN test_table t ON s.id1 = t.id2;",
			"Can't join `S` with `T` since the number of partitions don't match. `S` partitions = 3; `T` partitions = 1. Please repartition either one so that the number of partitions match."},
		{"CREATE STREAM output AS SELECT test_stream.id1, f2 FROM test_stream JOIN wide_table ON test_stream.id1 = wide_table.id2;",
			"Can't join `TEST_STREAM` with `WIDE_TABLE` since the number of partitions don't match. `TEST_STREAM` partitions = 1; `WIDE_TABLE` partitions = 3. Please repartition either one so that the number of partitions match."},
		{"CREATE STREAM output AS SELECT s.id1, s.f1 FROM wide s JOIN test_stream t WITHIN 1 HOUR ON s.id1 = t.id1;",
			"Can't join `S` with `T` since the number of partitions don't match. `S` partitions = 3; `T` partitions = 1."},
	}
	for _, tc := range tests {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, ddl)
		_, err := eng.Execute(context.Background(), tc.sql, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n err  = %v\n want %s", tc.sql, err, tc.want)
		}
	}
	// Joins on the key of co-partitioned sources are accepted.
	for _, ok := range []string{
		"CREATE STREAM ok1 AS SELECT s.f1, s.id1, f2 FROM test_stream s JOIN test_table t ON s.f1 = t.id2;",
		"CREATE STREAM ok2 AS SELECT s.id1, f2 FROM wide s LEFT JOIN wide_table t ON t.id2 = s.id1;",
		"CREATE TABLE ok3 AS SELECT l.id1, f1, f2 FROM left_table l JOIN right_table r ON l.id1 = r.id2;",
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, ddl)
		if _, err := eng.Execute(context.Background(), ok, nil); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// Joins ksqlDB refuses are refused with its messages.
func TestJoinRefusals(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{"CREATE STREAM o AS SELECT * FROM s FULL OUTER JOIN t ON s.id = t.id;",
			"Invalid join type: full-outer join not supported for stream-table join. Got S [FULL] OUTER JOIN T."},
		{"CREATE STREAM o AS SELECT * FROM t JOIN s ON s.id = t.id;",
			"Invalid join order: table-stream joins are not supported; only stream-table joins. Got T [INNER] JOIN S."},
		{"CREATE STREAM o AS SELECT * FROM s JOIN t WITHIN 1 SECOND ON s.id = t.id;",
			"A window definition was provided for a Stream-Table join. These joins are not windowed."},
		{"CREATE TABLE o AS SELECT * FROM t2 JOIN t3 WITHIN 1 SECOND ON t2.id = t3.id;",
			"A window definition was provided for a Table-Table join."},
		{"CREATE TABLE o AS SELECT * FROM t FULL OUTER JOIN t2 ON t.name = t2.id;",
			"Invalid join type: full-outer join not supported for foreign-key table-table join. Got T [FULL] OUTER JOIN T2."},
		{"CREATE TABLE o AS SELECT * FROM t JOIN t3 ON t.id = t3.id;",
			"Invalid join condition: types don't match. Got T.ID{INTEGER} = T3.ID{STRING}."},
		{"CREATE STREAM o AS SELECT * FROM s JOIN s2 ON s.id = s2.id;",
			"Stream-Stream joins must have a WITHIN clause specified. None was provided."},
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, `CREATE STREAM s (id INT KEY, n INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
			CREATE STREAM s2 (id INT KEY, n INT) WITH (kafka_topic='s2', value_format='JSON', partitions=1);
			CREATE TABLE t (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1);
			CREATE TABLE t2 (id STRING PRIMARY KEY, v INT) WITH (kafka_topic='t2', value_format='JSON', partitions=1);
			CREATE TABLE t3 (id STRING PRIMARY KEY, v INT) WITH (kafka_topic='t3', value_format='JSON', partitions=1);`)
		_, err := eng.Execute(context.Background(), tc.sql, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n  error %v\n  want  %s", tc.sql, err, tc.want)
		}
	}
}

// A persistent join must select its key; a join on expressions is keyed by
// a synthetic ROWKEY.
func TestJoinKeyInProjection(t *testing.T) {
	const ddl = `CREATE STREAM l (a INT KEY, b INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
		CREATE STREAM r (a INT KEY, b INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
		CREATE STREAM kv (a INT KEY, b INT) WITH (kafka_topic='kv', value_format='KAFKA', partitions=1);`
	for _, tc := range []struct{ sql, want string }{
		{"CREATE STREAM o AS SELECT l.b, r.b FROM l JOIN r WITHIN 1 SECOND ON l.a = r.a;",
			"Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build `O` must include the join expressions L.A or R.A in its projection (eg, SELECT L.A...)."},
		{"CREATE STREAM o AS SELECT l.*, r.* FROM l JOIN r WITHIN 1 SECOND ON ABS(l.a) = ABS(r.a);",
			"The query used to build `O` must include the join expression ROWKEY in its projection (eg, SELECT ROWKEY...)."},
		{"CREATE STREAM o AS SELECT l.a, l.a AS k2, r.b FROM l JOIN r WITHIN 1 SECOND ON l.a = r.a;",
			"The projection contains a key column (`L_A`) more than once, aliased as: K2 and L_A."},
		{"CREATE STREAM o AS SELECT l.a, r.b FROM l JOIN kv WITHIN 1 SECOND ON l.a = kv.a;",
			"Source(s) KV are using the 'KAFKA' value format. This format does not yet support JOIN."},
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, ddl)
		_, err := eng.Execute(context.Background(), tc.sql, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n  error %v\n  want  %s", tc.sql, err, tc.want)
		}
	}
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, ddl+`CREATE STREAM o AS SELECT ROWKEY AS k, l.b, r.b FROM l JOIN r WITHIN 1 SECOND ON ABS(l.a) = ABS(r.a);`)
	if got := schemaString(eng.Catalog().Get("O").Columns); got != "K INTEGER KEY, L_B INTEGER, R_B INTEGER" {
		t.Errorf("schema = %s", got)
	}
	produce(t, topics, "l", intKey(-3), `{"b":1}`, 1)
	produce(t, topics, "r", intKey(3), `{"b":2}`, 2)
	recs := topics.Records("O")
	if len(recs) != 1 || string(recs[0].Key) != string(intKey(3)) || string(recs[0].Value) != `{"L_B":1,"R_B":2}` {
		t.Errorf("records = %v", recs)
	}
}

// In a multi-way join every column equal to the join key may key the
// result; a join on expressions passes its key on only to the columns it
// equals.
func TestMultiWayJoinKeys(t *testing.T) {
	const ddl = `CREATE STREAM a (id INT KEY, v BIGINT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		CREATE TABLE b (id INT PRIMARY KEY, v BIGINT) WITH (kafka_topic='b', value_format='JSON', partitions=1);
		CREATE TABLE c (id INT PRIMARY KEY, v BIGINT) WITH (kafka_topic='c', value_format='JSON', partitions=1);`
	for _, tc := range []struct{ sql, want string }{
		{"CREATE STREAM o AS SELECT c.id, a.v, b.v, c.v FROM a JOIN b ON a.id = b.id LEFT JOIN c ON a.id = c.id;", "C_ID INTEGER KEY, A_V BIGINT, B_V BIGINT, C_V BIGINT"},
		{"CREATE STREAM o AS SELECT b.id, a.v FROM a JOIN b ON a.id = b.id JOIN c ON a.id = c.id;", "B_ID INTEGER KEY, A_V BIGINT"},
		{"CREATE STREAM o AS SELECT a.v FROM a JOIN b ON a.id = b.id JOIN c ON a.id = c.id;", "must include the join expressions A.ID, B.ID or C.ID in its projection (eg, SELECT A.ID...)."},
		{"CREATE STREAM o AS SELECT a.v FROM a JOIN b ON a.id = b.id JOIN c ON a.id * 2 = c.id;", "must include the join expression C.ID in its projection (eg, SELECT C.ID...)."},
		{"CREATE TABLE o AS SELECT b.v, c.v FROM b JOIN c ON CAST(b.v AS INT) = c.id;", "must include the join expression B_ID in its projection."},
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, ddl)
		_, err := eng.Execute(context.Background(), tc.sql, nil)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = schemaString(eng.Catalog().Get("O").Columns)
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s\n  got  %s\n  want %s", tc.sql, got, tc.want)
		}
	}
}

// Join conditions ksqlDB refuses are refused with its messages.
func TestJoinConditionRefusals(t *testing.T) {
	const ddl = `CREATE TABLE left_table (id BIGINT PRIMARY KEY, f1 BIGINT) WITH (kafka_topic='lt', value_format='JSON', partitions=1);
		CREATE TABLE right_table (id BIGINT PRIMARY KEY, f2 BIGINT) WITH (kafka_topic='rt', value_format='JSON', partitions=1);
		CREATE STREAM l (a INT KEY, b INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
		CREATE STREAM r (a INT KEY, b INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
		CREATE STREAM ws (a INT KEY, b INT) WITH (kafka_topic='ws', value_format='JSON', partitions=1, window_type='Session');
		CREATE STREAM ws2 (a INT KEY, b INT) WITH (kafka_topic='ws2', value_format='JSON', partitions=1, window_type='Session');
		CREATE STREAM wm (a INT KEY, m MAP<STRING, INT>) WITH (kafka_topic='wm', value_format='JSON', partitions=1);
		CREATE STREAM wm2 (a INT KEY, m MAP<STRING, INT>) WITH (kafka_topic='wm2', value_format='JSON', partitions=1);
		CREATE STREAM wt (a INT KEY, b INT) WITH (kafka_topic='wt', value_format='JSON', partitions=1, window_type='Tumbling', window_size='1 SECOND');`
	for _, tc := range []struct{ sql, want string }{
		{"CREATE TABLE o AS SELECT * FROM left_table JOIN right_table ON id = id;",
			"Column 'ID' is ambiguous. Could be LEFT_TABLE.ID or RIGHT_TABLE.ID."},
		{"CREATE TABLE o AS SELECT * FROM left_table JOIN right_table ON unknown.id = right_table.id;",
			"Failed to prepare statement: 'UNKNOWN' is not a valid stream/table name or alias."},
		{"CREATE STREAM o AS SELECT * FROM l JOIN r WITHIN 1 SECOND ON l.iid = r.a;",
			"JOIN ON column 'L.IID' cannot be resolved."},
		{"CREATE STREAM o AS SELECT * FROM l JOIN r WITHIN 1 SECOND ON l.a = 0;",
			"Invalid comparison expression '0' in join '(L.A = 0)'. Each side of the join comparision must contain references from exactly one source."},
		{"CREATE STREAM o AS SELECT * FROM l JOIN r WITHIN 1 SECOND ON l.a = r.a AND l.b = r.b;",
			"Invalid join condition: joins on multiple conditions are not yet supported. Got ((L.A = R.A) AND (L.B = R.B))."},
		{"CREATE STREAM o AS SELECT * FROM wm JOIN wm2 WITHIN 1 SECOND ON wm.m = wm2.m;",
			"Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: `WM_M`. Column type: MAP<STRING, INTEGER>."},
		{"CREATE STREAM o AS SELECT * FROM wm PARTITION BY m;",
			"Key column name: `M`. Column type: MAP<STRING, INTEGER>."},
		{"CREATE STREAM o AS SELECT * FROM l x JOIN l y WITHIN 1 SECOND ON x.a = y.a;",
			"Can not join 'L' to 'L': self joins are not yet supported."},
		{"CREATE STREAM o AS SELECT * FROM ws JOIN r WITHIN 1 SECOND ON ws.a = r.a;",
			"Can not join windowed source to non-windowed source.\n`WS` is SESSION windowed\n`R` is not windowed"},
		{"CREATE STREAM o AS SELECT * FROM ws JOIN wt WITHIN 1 SECOND ON ws.a = wt.a;",
			"Incompatible windowed sources.\nLeft source: SESSION\nRight source: TUMBLING\nSession windowed sources can only be joined to other session windowed sources"},
		{"CREATE STREAM o AS SELECT * FROM ws JOIN ws2 WITHIN 1 SECOND ON ws.b = ws2.b;",
			"Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385."},
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, ddl)
		_, err := eng.Execute(context.Background(), tc.sql, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n  error %v\n  want  %s", tc.sql, err, tc.want)
		}
	}
}
