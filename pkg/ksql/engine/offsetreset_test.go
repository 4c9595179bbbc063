package engine

import (
	"context"
	"testing"
)

func TestOffsetResetFromProperties(t *testing.T) {
	const src = "CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);"
	tests := []struct {
		name      string
		server    map[string]string
		props     map[string]string
		want      string
		wantPush  string
		pushProps map[string]string
		viaSet    bool
	}{
		{name: "default is latest", want: "latest", wantPush: "latest"},
		{name: "statement property", props: map[string]string{"auto.offset.reset": "earliest"}, want: "earliest", wantPush: "latest"},
		{name: "statement property is case-insensitive", props: map[string]string{"auto.offset.reset": "EARLIEST"}, want: "earliest", wantPush: "latest"},
		{name: "SET in the script", viaSet: true, want: "earliest", wantPush: "latest"},
		{name: "server property", server: map[string]string{"ksql.streams.auto.offset.reset": "earliest"}, want: "earliest", wantPush: "earliest"},
		{name: "statement overrides server", server: map[string]string{"auto.offset.reset": "earliest"},
			props: map[string]string{"auto.offset.reset": "latest"}, want: "latest",
			pushProps: map[string]string{"auto.offset.reset": "latest"}, wantPush: "latest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topics := NewMemoryTopics()
			eng := New(Options{Admin: topics, Producer: topics, Properties: tc.server})
			sql := src + " CREATE STREAM out AS SELECT id, v FROM s;"
			if tc.viaSet {
				sql = src + " SET 'auto.offset.reset'='earliest'; CREATE STREAM out AS SELECT id, v FROM s;"
			}
			if _, err := eng.Execute(context.Background(), sql, tc.props); err != nil {
				t.Fatal(err)
			}
			var got string
			for _, q := range eng.Queries() {
				if q.SinkName == "OUT" {
					got = q.OffsetReset
				}
			}
			if got != tc.want {
				t.Errorf("persistent OffsetReset = %q, want %q", got, tc.want)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pq, err := eng.StartQuery(ctx, "SELECT * FROM s EMIT CHANGES;", tc.pushProps)
			if err != nil {
				t.Fatal(err)
			}
			defer pq.Close()
			if pq.OffsetReset != tc.wantPush {
				t.Errorf("push OffsetReset = %q, want %q", pq.OffsetReset, tc.wantPush)
			}
		})
	}
}

func TestMaterializedSourceTableReadsFromEarliest(t *testing.T) {
	eng, _, _ := testEngine(t)
	mustExec(t, eng, "CREATE SOURCE TABLE t (id INT PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);")
	q := eng.Query("MATERIALIZE_T")
	if q == nil || q.OffsetReset != "earliest" {
		t.Fatalf("materialize query = %+v", q)
	}
}
