package engine

import (
	"fmt"
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
