package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
)

// testEngine returns an engine on in-memory topics that routes every
// produced record straight back into the engine.
func testEngine(t testing.TB) (*Engine, *MemoryTopics, *[]ProcessingLogEntry) {
	t.Helper()
	topics := NewMemoryTopics()
	var logged []ProcessingLogEntry
	eng := New(Options{Admin: topics, Producer: topics, ProcessingLog: func(e ProcessingLogEntry) { logged = append(logged, e) }})
	topics.OnProduce = eng.Deliver
	return eng, topics, &logged
}

func mustExec(t testing.TB, eng *Engine, sql string) []Entity {
	t.Helper()
	ents, err := eng.Execute(context.Background(), sql, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return ents
}

func produce(t testing.TB, topics *MemoryTopics, topic string, key []byte, value string, ts int64) {
	t.Helper()
	var v []byte
	if value != "" {
		v = []byte(value)
	}
	if err := topics.Produce(context.Background(), Record{Topic: topic, Key: key, Value: v, Timestamp: ts}); err != nil {
		t.Fatal(err)
	}
}

func intKey(i int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }

func TestWindowAssignment(t *testing.T) {
	tests := []struct {
		name   string
		window string
		ts     []int64
		want   [][2]int64
	}{
		{"tumbling", "TUMBLING (SIZE 30 SECONDS)", []int64{0, 29999, 30000}, [][2]int64{{0, 30000}, {0, 30000}, {30000, 60000}}},
		{"hopping", "HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS)", []int64{25000}, [][2]int64{{0, 30000}, {10000, 40000}, {20000, 50000}}},
		{"grace drops late records", "TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 5 SECONDS)", []int64{0, 20000, 5000}, [][2]int64{{0, 10000}, {20000, 30000}}},
		{"session merge", "SESSION (10 SECONDS)", []int64{0, 5000, 30000}, [][2]int64{{0, 0}, {0, 0}, {0, 5000}, {30000, 30000}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eng, topics, _ := testEngine(t)
			mustExec(t, eng, "CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
			mustExec(t, eng, "CREATE TABLE w AS SELECT id, COUNT(*) AS n FROM s WINDOW "+tc.window+" GROUP BY id;")
			for _, ts := range tc.ts {
				produce(t, topics, "s", intKey(1), `{"v":1}`, ts)
			}
			var got [][2]int64
			src := eng.Catalog().Get("W")
			for _, r := range topics.Records("W") {
				_, start, end, err := format.SplitWindow(r.Key, src.WindowKind(), src.WindowSize)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, [2]int64{start, end})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("windows = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestProcessingLogSkipsBadRecords(t *testing.T) {
	eng, topics, logged := testEngine(t)
	mustExec(t, eng, "CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	mustExec(t, eng, "CREATE STREAM o AS SELECT id, v * 2 AS v2 FROM s;")
	produce(t, topics, "s", intKey(1), `{"v":1}`, 1)
	produce(t, topics, "s", intKey(2), `{"v":`, 2)       // bad JSON
	produce(t, topics, "s", intKey(3), `{"v":"abc"}`, 3) // wrong type
	produce(t, topics, "s", []byte{1}, `{"v":4}`, 4)     // bad key
	produce(t, topics, "s", intKey(5), `{"v":5}`, 5)
	out := topics.Records("O")
	if len(out) != 2 || string(out[1].Value) != `{"V2":10}` {
		t.Fatalf("outputs = %v", out)
	}
	if len(*logged) != 3 {
		t.Fatalf("processing log has %d entries, want 3: %+v", len(*logged), *logged)
	}
	e := (*logged)[0]
	if e.Topic != "s" || e.Offset != 1 || !strings.Contains(e.Message, "deserialize") {
		t.Errorf("entry = %+v", e)
	}
	q := eng.Queries()[0]
	if q.Errors() != 3 || q.Processed() != 5 {
		t.Errorf("errors=%d processed=%d", q.Errors(), q.Processed())
	}
}

func TestPushAndPullQueries(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (id VARCHAR KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE totals AS SELECT id, SUM(v) AS total FROM s GROUP BY id;`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pq, err := eng.StartQuery(ctx, "SELECT id, v FROM s WHERE v > 1 EMIT CHANGES LIMIT 2;", nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pq.ColumnNames, pq.ColumnTypes) != "[ID V] [STRING INTEGER]" {
		t.Errorf("header = %v %v", pq.ColumnNames, pq.ColumnTypes)
	}
	for i, v := range []int{1, 2, 3, 4} {
		produce(t, topics, "s", []byte(fmt.Sprint("k", i%2)), fmt.Sprintf(`{"v":%d}`, v), int64(i))
	}
	var rows []string
	for r := range pq.Rows() {
		rows = append(rows, fmt.Sprint(r))
	}
	if fmt.Sprint(rows) != "[[k1 2] [k0 3]]" {
		t.Errorf("push rows = %v", rows)
	}
	select {
	case <-pq.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("push query did not stop at LIMIT")
	}
	pull, err := eng.StartQuery(ctx, "SELECT * FROM totals WHERE id = 'k0';", nil)
	if err != nil {
		t.Fatal(err)
	}
	var prow []any
	for r := range pull.Rows() {
		prow = r
	}
	if fmt.Sprint(prow) != "[k0 4]" || !pull.IsPull {
		t.Errorf("pull row = %v", prow)
	}
	// A pull query on a stream scans the records its topic holds now.
	scan, err := eng.StartQuery(ctx, "SELECT id, v * 10 AS v10 FROM s WHERE v > 1 LIMIT 2;", nil)
	if err != nil {
		t.Fatal(err)
	}
	var srows []string
	for r := range scan.Rows() {
		srows = append(srows, fmt.Sprint(r))
	}
	if fmt.Sprint(srows) != "[[k1 20] [k0 30]]" || !scan.IsPull || scan.PullTable {
		t.Errorf("stream pull rows = %v (pull %v, table %v)", srows, scan.IsPull, scan.PullTable)
	}
	if _, err := eng.StartQuery(ctx, "SELECT ROWOFFSET FROM s;", nil); err == nil || !strings.Contains(err.Error(), "`ROWOFFSET`") {
		t.Errorf("ROWOFFSET in a pull query: err = %v", err)
	}
}

func TestStatementEntities(t *testing.T) {
	eng, _, _ := testEngine(t)
	ents := mustExec(t, eng, `CREATE STREAM s (id INT KEY, name STRING, address STRUCT<city STRING>) WITH (kafka_topic='s', value_format='JSON', partitions=2);
		CREATE STREAM upper AS SELECT id, UCASE(name) AS name FROM s;
		SHOW STREAMS; SHOW QUERIES; DESCRIBE s; DESCRIBE FUNCTION UCASE; SHOW FUNCTIONS; SHOW TOPICS; SHOW PROPERTIES;`)
	wantTypes := []string{"currentStatus", "currentStatus", "streams", "queries", "sourceDescription", "describe_function", "function_names", "kafka_topics", "properties"}
	if len(ents) != len(wantTypes) {
		t.Fatalf("got %d entities", len(ents))
	}
	for i, e := range ents {
		b, _ := json.Marshal(e)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if m["@type"] != wantTypes[i] || e.EntityType() != wantTypes[i] {
			t.Errorf("entity %d: @type %v, want %s", i, m["@type"], wantTypes[i])
		}
	}
	cs := ents[1].(*CurrentStatus)
	if cs.CommandStatus.Status != "SUCCESS" || !strings.HasPrefix(cs.CommandStatus.QueryID, "CSAS_UPPER_") {
		t.Errorf("status = %+v", cs.CommandStatus)
	}
	if got := len(ents[2].(*StreamsList).Streams); got != 2 {
		t.Errorf("SHOW STREAMS listed %d streams", got)
	}
	desc := ents[4].(*SourceDescriptionEntity).SourceDescription
	if desc.Fields[0].Type != "KEY" || desc.Fields[2].Schema.Type != "STRUCT" || desc.Partitions != 2 || len(desc.ReadQueries) != 1 {
		t.Errorf("description = %+v", desc)
	}
	// Errors: unknown source, dropping a source that a query reads.
	_, err := eng.Execute(context.Background(), "DESCRIBE nope;", nil)
	var se *StatementError
	if !errors.As(err, &se) || se.ErrorCode != ErrBadStatement {
		t.Errorf("describe error = %v", err)
	}
	if _, err := eng.Execute(context.Background(), "DROP STREAM s;", nil); err == nil || !strings.Contains(err.Error(), "CSAS_UPPER_") {
		t.Errorf("drop error = %v", err)
	}
	qid := cs.CommandStatus.QueryID
	plan, err := eng.ExplainPlan("SELECT id, UCASE(name) AS name FROM s WHERE id > 1 EMIT CHANGES")
	if err != nil || !strings.Contains(plan, "[ FILTER ]") || !strings.Contains(plan, "[ SOURCE ]") {
		t.Errorf("plan = %q, %v", plan, err)
	}
	mustExec(t, eng, "TERMINATE "+qid+"; DROP STREAM upper; DROP STREAM s DELETE TOPIC;")
	if len(eng.Catalog().List()) != 0 {
		t.Error("catalogue not empty after drops")
	}
}

func TestCommandLogReplay(t *testing.T) {
	eng, _, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE c AS SELECT id, COUNT(*) AS n FROM s GROUP BY id;
		SHOW TABLES;`)
	log := eng.CommandLog()
	if len(log) != 2 {
		t.Fatalf("command log = %q", log)
	}
	topics := NewMemoryTopics()
	_ = topics.CreateTopic(context.Background(), "s", 1, 1)
	fresh := New(Options{Admin: topics, Producer: topics})
	topics.OnProduce = fresh.Deliver
	if err := fresh.Replay(context.Background(), log); err != nil {
		t.Fatal(err)
	}
	produce(t, topics, "s", intKey(7), `{"v":1}`, 1)
	if got := topics.Records("C"); len(got) != 1 || string(got[0].Value) != `{"N":1}` {
		t.Errorf("replayed query output = %v", got)
	}
}

func TestInsertValues(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM s (id INT KEY, name STRING, price DECIMAL(4,2)) WITH (kafka_topic='s', value_format='DELIMITED', partitions=1);
		INSERT INTO s (id, name, price, ROWTIME) VALUES (3, 'a,b', 1.5, 42);`)
	recs := topics.Records("s")
	if len(recs) != 1 || string(recs[0].Value) != `"a,b",1.50` || recs[0].Timestamp != 42 || binary.BigEndian.Uint32(recs[0].Key) != 3 {
		t.Fatalf("records = %+v", recs)
	}
}

func TestJoins(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);
		CREATE STREAM clicks (uid STRING, page STRING) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);
		CREATE STREAM enriched AS SELECT c.uid AS uid, u.name, c.page FROM clicks c LEFT JOIN users u ON c.uid = u.id;`)
	produce(t, topics, "users", []byte("u1"), `{"name":"Ann"}`, 1)
	produce(t, topics, "clicks", nil, `{"uid":"u1","page":"/a"}`, 2)
	produce(t, topics, "clicks", nil, `{"uid":"u2","page":"/b"}`, 3)
	out := topics.Records("ENRICHED")
	if len(out) != 2 {
		t.Fatalf("join produced %d records", len(out))
	}
	if string(out[0].Key) != "u1" || string(out[0].Value) != `{"NAME":"Ann","PAGE":"/a"}` {
		t.Errorf("first = %s %s", out[0].Key, out[0].Value)
	}
	if string(out[1].Value) != `{"NAME":null,"PAGE":"/b"}` {
		t.Errorf("second = %s", out[1].Value)
	}
}

// BenchmarkFilterProject measures a JSON filter+project query end to end
// (decode, filter, project, encode, produce).
func BenchmarkFilterProject(b *testing.B) {
	topics := NewMemoryTopics()
	var produced int
	eng := New(Options{Admin: topics, Producer: ProducerFunc(func(_ context.Context, rec Record) error {
		produced++
		return nil
	})})
	mustExec(b, eng, `CREATE STREAM events (id VARCHAR KEY, user_id INT, action STRING, amount DOUBLE, meta STRUCT<country STRING>)
		WITH (kafka_topic='events', value_format='JSON', partitions=1);
		CREATE STREAM big AS SELECT id, user_id, UCASE(action) AS action, amount * 1.1 AS amount, meta->country AS country FROM events WHERE amount > 10;`)
	rec := Record{Topic: "events", Key: []byte("k1"), Value: []byte(`{"user_id":42,"action":"click","amount":12.5,"meta":{"country":"NL"},"extra":[1,2,3]}`)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec.Offset = int64(i)
		eng.Deliver(rec)
	}
	b.StopTimer()
	if produced != b.N {
		b.Fatalf("produced %d of %d", produced, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
