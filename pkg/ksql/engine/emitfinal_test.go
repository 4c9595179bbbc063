package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
)

// windowedOutputs renders the records of a windowed sink as
// "key[start,end)=value@ts".
func windowedOutputs(t *testing.T, eng *Engine, topics *MemoryTopics, sink string) []string {
	t.Helper()
	src := eng.Catalog().Get(sink)
	var out []string
	for _, r := range topics.Records(src.Topic) {
		k, start, end, err := format.SplitWindow(r.Key, src.WindowKind(), src.WindowSize)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s[%d,%d)=%s@%d", k, start, end, r.Value, r.Timestamp))
	}
	return out
}

// The cases follow ksqlDB's suppress.json functional tests.
func TestEmitFinal(t *testing.T) {
	tests := []struct {
		name   string
		window string
		inputs []string // key@ts
		want   []string
	}{
		{"zero grace emits at window end", "TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS)",
			[]string{"k1@0", "k1@1", "k1@2"},
			[]string{`k1[0,2)={"COUNT":2}@1`}},
		{"not before window end plus grace", "TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS)",
			[]string{"k1@0", "k1@1", "k1@2"}, nil},
		{"out of order events within grace", "TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS)",
			[]string{"k1@0", "k1@1", "k1@2", "k1@1", "k1@0", "k1@5", "k1@0"},
			[]string{`k1[0,2)={"COUNT":4}@1`, `k1[2,4)={"COUNT":1}@2`}},
		{"large jump", "TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 2 MILLISECONDS)",
			[]string{"k1@0", "k1@1", "k1@2", "k1@0", "k1@3", "k1@0", "k1@4", "k1@0", "k1@30"},
			[]string{`k1[0,2)={"COUNT":4}@1`, `k1[2,4)={"COUNT":2}@3`, `k1[4,6)={"COUNT":1}@4`}},
		{"hopping", "HOPPING (SIZE 5 MILLISECONDS, ADVANCE BY 2 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS)",
			[]string{"k1@0", "k1@1", "k1@2", "k1@1", "k1@6", "k1@5", "k1@10"},
			[]string{`k1[0,5)={"COUNT":4}@2`, `k1[2,7)={"COUNT":3}@6`, `k1[4,9)={"COUNT":2}@6`}},
		{"multiple keys", "TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS)",
			[]string{"k1@0", "k2@1", "k1@2", "k1@1", "k2@0", "k1@5", "k1@0", "k2@2"},
			[]string{`k1[0,2)={"COUNT":2}@1`, `k2[0,2)={"COUNT":2}@1`, `k1[2,4)={"COUNT":1}@2`}},
		{"null keys are dropped", "TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS)",
			[]string{"k1@0", "@1", "@2", "@1", "@0", "k1@5"},
			[]string{`k1[0,2)={"COUNT":1}@0`}},
		{"session", "SESSION (5 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS)",
			[]string{"k1@0", "k1@5", "k1@1", "k2@6", "k1@30"},
			[]string{`k1[0,5)={"COUNT":3}@5`, `k2[6,6)={"COUNT":1}@6`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eng, topics, _ := testEngine(t)
			mustExec(t, eng, "CREATE STREAM INPUT (ID STRING KEY, COL1 STRING) WITH (kafka_topic='input_topic', value_format='JSON', partitions=1);")
			mustExec(t, eng, "CREATE TABLE OUTPUT AS SELECT ID, COUNT(*) AS COUNT FROM INPUT WINDOW "+tc.window+" GROUP BY ID EMIT FINAL;")
			for _, in := range tc.inputs {
				k, ts, _ := strings.Cut(in, "@")
				var key []byte
				if k != "" {
					key = []byte(k)
				}
				var n int64
				fmt.Sscan(ts, &n)
				produce(t, topics, "input_topic", key, `{"COL1":"v1"}`, n)
			}
			got := windowedOutputs(t, eng, topics, "OUTPUT")
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("outputs\n got  %v\n want %v", got, tc.want)
			}
		})
	}
}

func TestEmitFinalErrors(t *testing.T) {
	tests := []struct{ sql, want string }{
		{"CREATE TABLE OUTPUT AS SELECT ID, COUNT(*) AS COUNT FROM INPUT GROUP BY ID EMIT FINAL;",
			"EMIT FINAL is only supported for windowed aggregations."},
		{"CREATE STREAM OUTPUT AS SELECT ID, COL1 FROM INPUT EMIT FINAL;",
			"EMIT FINAL is only supported for windowed aggregations."},
		{"CREATE TABLE OUTPUT AS SELECT ID, COUNT(*) AS COUNT FROM INPUT WINDOW TUMBLING (SIZE 2 MILLISECONDS) EMIT FINAL;",
			"requires a GROUP BY clause"},
	}
	for _, tc := range tests {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, "CREATE STREAM INPUT (ID STRING KEY, COL1 STRING) WITH (kafka_topic='input_topic', value_format='JSON', partitions=1);")
		_, err := eng.Execute(context.Background(), tc.sql, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.sql, err, tc.want)
		}
	}
	eng, _, _ := testEngine(t)
	mustExec(t, eng, "CREATE STREAM INPUT (ID STRING KEY, COL1 STRING) WITH (kafka_topic='input_topic', value_format='JSON', partitions=1);")
	if _, err := eng.StartQuery(context.Background(), "SELECT ID, COL1 FROM INPUT EMIT FINAL;", nil); err == nil ||
		!strings.Contains(err.Error(), "EMIT FINAL is only supported for windowed aggregations.") {
		t.Errorf("push query: err = %v", err)
	}
}

func TestEmitFinalPushQuery(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, "CREATE STREAM INPUT (ID STRING KEY, COL1 STRING) WITH (kafka_topic='input_topic', value_format='JSON', partitions=1);")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pq, err := eng.StartQuery(ctx, "SELECT ID, COUNT(*) AS N FROM INPUT WINDOW TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS) GROUP BY ID EMIT FINAL LIMIT 2;", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range []int64{0, 1, 2, 3, 5} {
		produce(t, topics, "input_topic", []byte("k1"), `{"COL1":"v1"}`, ts)
	}
	var counts []any
	timeout := time.After(30 * time.Second)
	for done := false; !done; {
		select {
		case r, ok := <-pq.Rows():
			if !ok {
				done = true
				break
			}
			counts = append(counts, r[len(r)-1])
		case <-timeout:
			t.Fatal("push query did not end at LIMIT")
		}
	}
	if fmt.Sprint(counts) != "[2 2]" {
		t.Errorf("final counts = %v, want [2 2]", counts)
	}
}
