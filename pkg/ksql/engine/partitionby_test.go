package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// PARTITION BY several columns makes them the key; with JSON keys it is
// an object of them, written even when they are all null.
func TestPartitionBySeveralColumns(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (k STRING KEY, id INT, age INT, name STRING) WITH (kafka_topic='s', key_format='JSON', value_format='JSON', partitions=1);
		CREATE STREAM o AS SELECT id, age, name FROM s PARTITION BY id, age;`)
	if got := schemaString(eng.Catalog().Get("O").Columns); got != "ID INTEGER KEY, AGE INTEGER KEY, NAME STRING" {
		t.Errorf("schema = %s", got)
	}
	produce(t, topics, "s", []byte(`"a"`), `{"id":1,"age":30,"name":"x"}`, 1)
	produce(t, topics, "s", []byte(`"b"`), `{"id":null,"age":null,"name":"y"}`, 2)
	produce(t, topics, "s", []byte(`"c"`), `{"name":"z"}`, 3)
	want := `[{"ID":1,"AGE":30}={"NAME":"x"}@1 {"ID":null,"AGE":null}={"NAME":"y"}@2 {"ID":null,"AGE":null}={"NAME":"z"}@3]`
	if got := fmt.Sprint(outputs(topics, "O")); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// The ROWTIME of a window's row is the latest record time in the window,
// also when a record arrives out of order.
func TestWindowRowtimeIsLatestRecord(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE w AS SELECT id, COUNT(*) AS n, MAX(ROWTIME) AS latest FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY id;`)
	produce(t, topics, "s", intKey(1), `{"v":1}`, 5000)
	produce(t, topics, "s", intKey(1), `{"v":1}`, 2000)
	produce(t, topics, "s", intKey(1), `{"v":1}`, 12000)
	var got []string
	for _, r := range topics.Records("W") {
		got = append(got, fmt.Sprintf("%s@%d", r.Value, r.Timestamp))
	}
	want := `[{"N":1,"LATEST":5000}@5000 {"N":2,"LATEST":5000}@5000 {"N":1,"LATEST":12000}@12000]`
	if fmt.Sprint(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// PARTITION BY follows ksqlDB's rules on selecting the key.
func TestPartitionByKeyRules(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{"CREATE STREAM o AS SELECT * FROM input PARTITION BY ABS(id);", "KSQL_COL_0 INTEGER KEY, NAME STRING, AGE INTEGER, ID INTEGER"},
		{"CREATE STREAM o AS SELECT * FROM input PARTITION BY name;", "NAME STRING KEY, AGE INTEGER, ID INTEGER"},
		{"CREATE STREAM o AS SELECT name, id FROM input PARTITION BY ABS(id);",
			"The query used to build `O` must include the partitioning expression ABS(INPUT.ID) in its projection (eg, SELECT ABS(INPUT.ID)...)."},
		{"CREATE STREAM o AS SELECT name AS id, name FROM input PARTITION BY id;",
			"The query used to build `O` must include the partitioning expression INPUT.ID in its projection (eg, SELECT INPUT.ID...)."},
		{"CREATE STREAM o AS SELECT name, name AS name2, id FROM input PARTITION BY name;",
			"The projection contains a key column (`NAME`) more than once, aliased as: NAME and NAME2."},
		{"CREATE STREAM o AS SELECT name AS id, age, id AS old FROM input PARTITION BY name;", "ID STRING KEY, AGE INTEGER, OLD INTEGER"},
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, `CREATE STREAM input (id INT KEY, name STRING, age INT) WITH (kafka_topic='input', value_format='JSON', partitions=1);`)
		got := ""
		if _, err := eng.Execute(context.Background(), tc.sql, nil); err != nil {
			got = err.Error()
		} else {
			got = schemaString(eng.Catalog().Get("O").Columns)
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s\n  got  %s\n  want %s", tc.sql, got, tc.want)
		}
	}
}

// A result without key columns has the NONE key format; asking for a key
// format is refused as in ksqlDB.
func TestKeylessResultKeyFormat(t *testing.T) {
	eng, _, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM input (id INT KEY, name STRING) WITH (kafka_topic='input', value_format='JSON', partitions=1);
		CREATE STREAM o AS SELECT id, name FROM input PARTITION BY null;`)
	if got := eng.Catalog().Get("O").KeyFormat; got != "NONE" {
		t.Errorf("key format = %s", got)
	}
	_, err := eng.Execute(context.Background(), "CREATE STREAM o2 WITH (key_format='DELIMITED') AS SELECT id, name FROM input PARTITION BY null;", nil)
	if err == nil || !strings.Contains(err.Error(), "Key format specified for stream without key columns.") {
		t.Errorf("error = %v", err)
	}
}
