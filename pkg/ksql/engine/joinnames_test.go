package engine

import (
	"fmt"
	"strings"
	"testing"
)

// joinFixture creates a stream and a table keyed alike, both with a column
// named A, so that `*` over their join needs source-prefixed names.
const joinFixture = `CREATE STREAM l (id STRING KEY, a INT, b STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
	CREATE TABLE r (id STRING PRIMARY KEY, a INT, c STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
	CREATE STREAM l2 (id STRING KEY, d INT) WITH (kafka_topic='l2', value_format='JSON', partitions=1);`

func outputs(topics *MemoryTopics, topic string) []string {
	var out []string
	for _, r := range topics.Records(topic) {
		out = append(out, fmt.Sprintf("%s=%s@%d", r.Key, r.Value, r.Timestamp))
	}
	return out
}

// SELECT * and X.* over a join name every column after its source
// (alias_column), as ksqlDB does, instead of clashing.
func TestJoinStarNames(t *testing.T) {
	for _, tc := range []struct{ sel, schema string }{
		{"*", "L_ID STRING KEY, L_A INTEGER, L_B STRING, R_ID STRING, R_A INTEGER, R_C STRING"},
		{"l.*, r.*", "L_ID STRING KEY, L_A INTEGER, L_B STRING, R_ID STRING, R_A INTEGER, R_C STRING"},
		{"r.*, l.id", "L_ID STRING KEY, R_ID STRING, R_A INTEGER, R_C STRING"},
		{"l.id, l.a, r.a, c", "L_ID STRING KEY, L_A INTEGER, R_A INTEGER, C STRING"},
		{"l.id, l.ROWTIME, r.ROWPARTITION, r.ROWOFFSET", "L_ID STRING KEY, L_ROWTIME BIGINT, R_ROWPARTITION INTEGER, R_ROWOFFSET BIGINT"},
	} {
		eng, _, _ := testEngine(t)
		mustExec(t, eng, joinFixture)
		mustExec(t, eng, "CREATE STREAM o AS SELECT "+tc.sel+" FROM l JOIN r ON l.id = r.id;")
		if got := schemaString(eng.Catalog().Get("O").Columns); got != tc.schema {
			t.Errorf("SELECT %s: schema = %s, want %s", tc.sel, got, tc.schema)
		}
	}
}

// Each side's ROWTIME and ROWPARTITION are that side's record's.
func TestJoinSidePseudoColumns(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, joinFixture+`CREATE STREAM o AS SELECT l.id, l.ROWTIME, r.ROWTIME, ROWTIME AS t, r.ROWPARTITION FROM l JOIN r ON l.id = r.id;`)
	produce(t, topics, "r", []byte("k"), `{"a":1,"c":"x"}`, 10)
	produce(t, topics, "l", []byte("k"), `{"a":2,"b":"y"}`, 25)
	want := `[k={"L_ROWTIME":25,"R_ROWTIME":10,"T":25,"R_ROWPARTITION":0}@25]`
	if got := fmt.Sprint(outputs(topics, "O")); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// A three-way join: a stream joined with a table, then with a stream.
func TestThreeWayJoin(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, joinFixture+`CREATE STREAM o AS SELECT l.id, b, c, d FROM l JOIN r ON l.id = r.id LEFT JOIN l2 WITHIN 1 MINUTE ON l.id = l2.id;`)
	if got := schemaString(eng.Catalog().Get("O").Columns); got != "L_ID STRING KEY, B STRING, C STRING, D INTEGER" {
		t.Errorf("schema = %s", got)
	}
	produce(t, topics, "r", []byte("k"), `{"a":1,"c":"x"}`, 10)
	produce(t, topics, "l2", []byte("k"), `{"d":7}`, 20)
	produce(t, topics, "l", []byte("k"), `{"a":2,"b":"y"}`, 30)
	produce(t, topics, "l", []byte("j"), `{"a":2,"b":"z"}`, 40)
	want := `[k={"B":"y","C":"x","D":7}@30]`
	if got := fmt.Sprint(outputs(topics, "O")); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// Stream-stream joins of windowed streams join window by window and keep
// the window on the key.
func TestWindowedStreamJoin(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM a (id STRING KEY, x INT) WITH (kafka_topic='a', value_format='JSON', partitions=1, window_type='Tumbling', window_size='10 SECONDS');
		CREATE STREAM b (id STRING KEY, y INT) WITH (kafka_topic='b', value_format='JSON', partitions=1, window_type='Tumbling', window_size='10 SECONDS');
		CREATE STREAM o AS SELECT a.id, WINDOWSTART AS ws, WINDOWEND AS we, x, y FROM a JOIN b WITHIN 1 MINUTE ON a.id = b.id;`)
	if got := eng.Catalog().Get("O"); !got.Windowed() {
		t.Fatalf("result is not windowed: %s", schemaString(got.Columns))
	}
	// `*` lists each side's window bounds after its key.
	mustExec(t, eng, "CREATE STREAM star AS SELECT * FROM a JOIN b WITHIN 1 MINUTE ON a.id = b.id;")
	if got := schemaString(eng.Catalog().Get("STAR").Columns); got != "A_ID STRING KEY, A_WINDOWSTART BIGINT, A_WINDOWEND BIGINT, A_X INTEGER, B_ID STRING, B_WINDOWSTART BIGINT, B_WINDOWEND BIGINT, B_Y INTEGER" {
		t.Errorf("STAR schema = %s", got)
	}
	wkey := func(k string, start int64) []byte {
		b := []byte(k)
		for i := 7; i >= 0; i-- {
			b = append(b, byte(start>>(8*i)))
		}
		return b
	}
	produce(t, topics, "a", wkey("k", 0), `{"x":1}`, 1)
	produce(t, topics, "b", wkey("k", 10000), `{"y":2}`, 2)
	produce(t, topics, "b", wkey("k", 0), `{"y":3}`, 3)
	var got []string
	for _, r := range topics.Records("O") {
		got = append(got, fmt.Sprintf("%q=%s", r.Key, r.Value))
	}
	want := `["k\x00\x00\x00\x00\x00\x00\x00\x00"={"WS":0,"WE":10000,"X":1,"Y":3}]`
	if strings.Join(got, ",") != strings.Trim(want, "[]") {
		t.Errorf("got %s, want %s", got, want)
	}
	if recs := topics.Records("STAR"); len(recs) != 1 || string(recs[0].Value) != `{"A_WINDOWSTART":0,"A_WINDOWEND":10000,"A_X":1,"B_ID":"k","B_WINDOWSTART":0,"B_WINDOWEND":10000,"B_Y":3}` {
		t.Errorf("STAR records = %v", recs)
	}
}

// A foreign-key table-table join: each order row is joined with the
// customer its customer_id points at, keyed by the order's key; a
// customer's change updates every order pointing at it.
func TestForeignKeyJoin(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE TABLE orders (id STRING PRIMARY KEY, customer_id STRING, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=2);
		CREATE TABLE customers (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
		CREATE TABLE o AS SELECT o.id, amount, name FROM orders o JOIN customers c ON o.customer_id = c.id;
		CREATE TABLE lo AS SELECT o.id, amount, name FROM orders o LEFT JOIN customers c ON o.customer_id = c.id;`)
	if got := schemaString(eng.Catalog().Get("O").Columns); got != "O_ID STRING KEY, AMOUNT INTEGER, NAME STRING" {
		t.Errorf("schema = %s", got)
	}
	produce(t, topics, "orders", []byte("o1"), `{"customer_id":"c1","amount":5}`, 1)
	produce(t, topics, "customers", []byte("c1"), `{"name":"Ann"}`, 2)
	produce(t, topics, "orders", []byte("o2"), `{"customer_id":"c1","amount":7}`, 3)
	produce(t, topics, "customers", []byte("c1"), `{"name":"Bo"}`, 4)
	produce(t, topics, "orders", []byte("o1"), `{"customer_id":"c2","amount":5}`, 5)
	produce(t, topics, "customers", []byte("c1"), "", 6)
	want := `[o1={"AMOUNT":5,"NAME":"Ann"}@2 o2={"AMOUNT":7,"NAME":"Ann"}@3 o1={"AMOUNT":5,"NAME":"Bo"}@4 o2={"AMOUNT":7,"NAME":"Bo"}@4 o1=@5 o2=@6]`
	if got := fmt.Sprint(outputs(topics, "O")); got != want {
		t.Errorf("inner:\ngot  %s\nwant %s", got, want)
	}
	wantLeft := `[o1={"AMOUNT":5,"NAME":null}@1 o1={"AMOUNT":5,"NAME":"Ann"}@2 o2={"AMOUNT":7,"NAME":"Ann"}@3 o1={"AMOUNT":5,"NAME":"Bo"}@4 o2={"AMOUNT":7,"NAME":"Bo"}@4 o1={"AMOUNT":5,"NAME":null}@5 o2={"AMOUNT":7,"NAME":null}@6]`
	if got := fmt.Sprint(outputs(topics, "LO")); got != wantLeft {
		t.Errorf("left:\ngot  %s\nwant %s", got, wantLeft)
	}
}

// A FULL OUTER join is keyed by ROWKEY, the key of whichever side is
// present, and pads the missing side with nulls.
func TestFullOuterJoinRowkey(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE TABLE a (id STRING PRIMARY KEY, x INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		CREATE TABLE b (id STRING PRIMARY KEY, y INT) WITH (kafka_topic='b', value_format='JSON', partitions=1);
		CREATE TABLE o AS SELECT * FROM a FULL OUTER JOIN b ON a.id = b.id;`)
	if got := schemaString(eng.Catalog().Get("O").Columns); got != "ROWKEY STRING KEY, A_ID STRING, A_X INTEGER, B_ID STRING, B_Y INTEGER" {
		t.Errorf("schema = %s", got)
	}
	produce(t, topics, "b", []byte("k"), `{"y":1}`, 1)
	produce(t, topics, "a", []byte("k"), `{"x":2}`, 2)
	produce(t, topics, "b", []byte("k"), "", 3)
	want := `[k={"A_ID":null,"A_X":null,"B_ID":"k","B_Y":1}@1 k={"A_ID":"k","A_X":2,"B_ID":"k","B_Y":1}@2 k={"A_ID":"k","A_X":2,"B_ID":null,"B_Y":null}@3]`
	if got := fmt.Sprint(outputs(topics, "O")); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A stream-stream LEFT JOIN with a GRACE PERIOD emits a record without a
// match only when its window has closed (and not at all once a match
// arrives); without one, it emits it at once.
func TestStreamStreamLeftJoinGrace(t *testing.T) {
	for _, tc := range []struct{ within, want string }{
		{"WITHIN 10 SECONDS GRACE PERIOD 5 SECONDS",
			`[k2={"X":2,"Y":20}@2000 k1={"X":1,"Y":null}@0]`},
		{"WITHIN 10 SECONDS",
			`[k1={"X":1,"Y":null}@0 k2={"X":2,"Y":null}@1000 k2={"X":2,"Y":20}@2000 k3={"X":3,"Y":null}@16000]`},
	} {
		eng, topics, _ := testEngine(t)
		mustExec(t, eng, `CREATE STREAM a (id STRING KEY, x INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
			CREATE STREAM b (id STRING KEY, y INT) WITH (kafka_topic='b', value_format='JSON', partitions=1);
			CREATE STREAM o AS SELECT a.id, x, y FROM a LEFT JOIN b `+tc.within+` ON a.id = b.id;`)
		produce(t, topics, "a", []byte("k1"), `{"x":1}`, 0)
		produce(t, topics, "a", []byte("k2"), `{"x":2}`, 1000)
		produce(t, topics, "b", []byte("k2"), `{"y":20}`, 2000)
		produce(t, topics, "a", []byte("k3"), `{"x":3}`, 16000)
		if got := fmt.Sprint(outputs(topics, "O")); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.within, got, tc.want)
		}
	}
}

// Held-back records of a stream-stream LEFT JOIN with a GRACE PERIOD that
// arrived out of time order are emitted oldest first once their windows
// close, records of the same time in the order they arrived.
func TestStreamStreamLeftJoinGraceOrder(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM a (id STRING KEY, x INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		CREATE STREAM b (id STRING KEY, y INT) WITH (kafka_topic='b', value_format='JSON', partitions=1);
		CREATE STREAM o AS SELECT a.id, x, y FROM a LEFT JOIN b WITHIN 10 SECONDS GRACE PERIOD 5 SECONDS ON a.id = b.id;`)
	produce(t, topics, "a", []byte("k1"), `{"x":1}`, 3000)
	produce(t, topics, "a", []byte("k2"), `{"x":2}`, 1000)
	produce(t, topics, "a", []byte("k3"), `{"x":3}`, 2000)
	produce(t, topics, "a", []byte("k5"), `{"x":5}`, 1000)
	if got := outputs(topics, "O"); len(got) != 0 {
		t.Fatalf("emitted before the windows closed: %v", got)
	}
	produce(t, topics, "a", []byte("k4"), `{"x":4}`, 20000)
	want := `[k2={"X":2,"Y":null}@1000 k5={"X":5,"Y":null}@1000 k3={"X":3,"Y":null}@2000 k1={"X":1,"Y":null}@3000]`
	if got := fmt.Sprint(outputs(topics, "O")); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A join's result is keyed by the join key, also when the selected key
// column comes from the side that is missing.
func TestJoinKeyIsJoinKey(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM a (id STRING KEY, x INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		CREATE STREAM b (id STRING KEY, y INT) WITH (kafka_topic='b', value_format='JSON', partitions=1);
		CREATE STREAM o AS SELECT a.id, x, y FROM a RIGHT JOIN b WITHIN 10 SECONDS ON a.id = b.id;`)
	produce(t, topics, "b", []byte("k5"), `{"y":1}`, 1)
	produce(t, topics, "a", []byte("k5"), `{"x":2}`, 2)
	want := `[k5={"X":null,"Y":1}@1 k5={"X":2,"Y":1}@2]`
	if got := fmt.Sprint(outputs(topics, "O")); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A table-table RIGHT JOIN keeps the written order of the sources in `*`
// and pads the missing left side.
func TestTableTableRightJoin(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', value_format='JSON', partitions=1);
		CREATE TABLE o AS SELECT * FROM a RIGHT JOIN b ON a.id = b.id;`)
	if got := schemaString(eng.Catalog().Get("O").Columns); got != "A_ID INTEGER KEY, A_X STRING, B_ID INTEGER, B_Y STRING" {
		t.Errorf("schema = %s", got)
	}
	produce(t, topics, "a", intKey(1), `{"x":"p"}`, 1)
	produce(t, topics, "b", intKey(1), `{"y":"q"}`, 2)
	produce(t, topics, "b", intKey(7), `{"y":"r"}`, 3)
	var got []string
	for _, r := range topics.Records("O") {
		got = append(got, fmt.Sprintf("%x=%s@%d", r.Key, r.Value, r.Timestamp))
	}
	want := `[00000001={"A_X":"p","B_ID":1,"B_Y":"q"}@2 00000007={"A_X":null,"B_ID":7,"B_Y":"r"}@3]`
	if fmt.Sprint(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// Session-windowed streams join session by session; the result keeps the
// session on its key.
func TestSessionWindowedStreamJoin(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE STREAM a (id STRING KEY, x INT) WITH (kafka_topic='a', value_format='JSON', partitions=1, window_type='Session');
		CREATE STREAM b (id STRING KEY, y INT) WITH (kafka_topic='b', value_format='JSON', partitions=1, window_type='Session');
		CREATE STREAM o AS SELECT * FROM a JOIN b WITHIN 1 MINUTE ON a.id = b.id;`)
	if got := eng.Catalog().Get("O"); got.WindowType != "SESSION" {
		t.Fatalf("window type = %q", got.WindowType)
	}
	skey := func(k string, start, end int64) []byte {
		b := append([]byte(k), make([]byte, 16)...)
		for i := 0; i < 8; i++ {
			b[len(k)+i] = byte(end >> (8 * (7 - i)))
			b[len(k)+8+i] = byte(start >> (8 * (7 - i)))
		}
		return b
	}
	produce(t, topics, "a", skey("k", 0, 500), `{"x":1}`, 1)
	produce(t, topics, "b", skey("k", 0, 900), `{"y":2}`, 2)
	produce(t, topics, "b", skey("k", 0, 500), `{"y":3}`, 3)
	recs := topics.Records("O")
	if len(recs) != 1 || string(recs[0].Key) != string(skey("k", 0, 500)) ||
		string(recs[0].Value) != `{"A_WINDOWSTART":0,"A_WINDOWEND":500,"A_X":1,"B_ID":"k","B_WINDOWSTART":0,"B_WINDOWEND":500,"B_Y":3}` {
		for _, r := range recs {
			t.Logf("%q=%s", r.Key, r.Value)
		}
		t.Errorf("%d records", len(recs))
	}
}

// A stream record whose join column is null finds no table row and is
// dropped, by a LEFT JOIN too, as Kafka Streams drops it.
func TestStreamTableNullJoinKey(t *testing.T) {
	eng, topics, _ := testEngine(t)
	mustExec(t, eng, `CREATE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);
		CREATE STREAM clicks (uid STRING, page STRING) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);
		CREATE STREAM o AS SELECT c.uid AS uid, u.name, c.page FROM clicks c LEFT JOIN users u ON c.uid = u.id;`)
	produce(t, topics, "clicks", nil, `{"uid":null,"page":"/x"}`, 1)
	produce(t, topics, "clicks", nil, `{"uid":"u2","page":"/y"}`, 2)
	want := `[u2={"NAME":null,"PAGE":"/y"}@2]`
	if got := fmt.Sprint(outputs(topics, "O")); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// A synthetic join key takes the next free ROWKEY_n name.
func TestSyntheticKeyName(t *testing.T) {
	eng, _, _ := testEngine(t)
	mustExec(t, eng, `CREATE TABLE l (rowkey INT PRIMARY KEY, rowkey_1 INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
		CREATE TABLE r (rowkey_3 INT PRIMARY KEY, v INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
		CREATE TABLE o AS SELECT * FROM l FULL OUTER JOIN r ON l.rowkey = r.rowkey_3;`)
	if got := schemaString(eng.Catalog().Get("O").Columns); got != "ROWKEY_4 INTEGER KEY, L_ROWKEY INTEGER, L_ROWKEY_1 INTEGER, R_ROWKEY_3 INTEGER, R_V INTEGER" {
		t.Errorf("schema = %s", got)
	}
}
