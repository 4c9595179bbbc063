package ksqlserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/restapi"
)

// memBackend serves an engine over in-memory topics: what a produced
// record changes is settled when Produce returns.
type memBackend struct {
	eng    *engine.Engine
	topics *engine.MemoryTopics
}

func (b memBackend) Execute(ctx context.Context, sql string, props map[string]string) ([]engine.Entity, error) {
	return b.eng.Execute(ctx, sql, props)
}

func (b memBackend) StartQuery(ctx context.Context, sql string, props map[string]string) (*engine.PushQuery, error) {
	return b.eng.StartQuery(ctx, sql, props)
}

func (b memBackend) Engine() *engine.Engine { return b.eng }
func (b memBackend) ClusterID() string      { return "memory" }
func (b memBackend) ServiceID() string      { return "memory_" }

func startMemory(t *testing.T) (memBackend, *ksqlserver.Server) {
	t.Helper()
	topics := engine.NewMemoryTopics()
	eng := engine.New(engine.Options{Admin: topics, Producer: topics})
	topics.OnProduce = eng.Deliver
	b := memBackend{eng: eng, topics: topics}
	srv := ksqlserver.New(b)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	return b, srv
}

func (b memBackend) mustExec(t *testing.T, sql string) {
	t.Helper()
	if _, err := b.eng.Execute(context.Background(), sql, nil); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (b memBackend) produce(t *testing.T, topic, key, value string) {
	t.Helper()
	rec := engine.Record{Topic: topic, Key: []byte(key)}
	if value != "" {
		rec.Value = []byte(value)
	}
	if err := b.topics.Produce(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
}

// oldQuery streams a SELECT from /query; next returns its elements one at
// a time (compacted JSON), "" at the end of the array.
func oldQuery(t *testing.T, srv *ksqlserver.Server, sql string) (next func() string) {
	t.Helper()
	body, _ := json.Marshal(restapi.KsqlRequest{KSQL: sql, StreamsProperties: map[string]any{}})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/query", strings.NewReader(string(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		var e restapi.ErrorMessage
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("%s: HTTP %d: %s", sql, resp.StatusCode, e.Message)
	}
	dec := json.NewDecoder(bufio.NewReader(resp.Body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		t.Fatalf("%s: the answer does not start a JSON array: %v %v", sql, tok, err)
	}
	return func() string {
		t.Helper()
		if !dec.More() {
			return ""
		}
		var el json.RawMessage
		if err := dec.Decode(&el); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		var sr restapi.StreamedRow
		if err := json.Unmarshal(el, &sr); err != nil {
			t.Fatalf("%s: element %s: %v", sql, el, err)
		}
		out, _ := json.Marshal(sr)
		return string(out)
	}
}

func all(next func() string) []string {
	var out []string
	for el := next(); el != ""; el = next() {
		out = append(out, el)
	}
	return out
}

// TestQueryEndpointPullAnswers checks /query's pull answers as ksqlDB
// gives them: a lookup in a table marks key columns KEY and ends without
// a final message; a scan of a stream ends with "Query Completed".
func TestQueryEndpointPullAnswers(t *testing.T) {
	b, srv := startMemory(t)
	b.mustExec(t, `CREATE STREAM clicks (user VARCHAR KEY, page VARCHAR) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);
		CREATE TABLE per_user AS SELECT user, COUNT(*) AS n FROM clicks GROUP BY user;`)
	b.produce(t, "clicks", "ann", `{"PAGE":"a"}`)
	b.produce(t, "clicks", "bob", `{"PAGE":"b"}`)
	b.produce(t, "clicks", "ann", `{"PAGE":"c"}`)

	got := all(oldQuery(t, srv, "SELECT * FROM per_user WHERE user = 'ann';"))
	want := []string{
		`{"header":{"queryId":"` + queryID(t, got) + `","schema":"` + "`USER` STRING KEY, `N` BIGINT" + `"}}`,
		`{"row":{"columns":["ann",2]}}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table pull:\n got %s\nwant %s", got, want)
	}

	got = all(oldQuery(t, srv, "SELECT page FROM clicks WHERE user = 'ann';"))
	if len(got) != 4 || !strings.Contains(got[0], "`PAGE` STRING\"") || got[1] != `{"row":{"columns":["a"]}}` ||
		got[2] != `{"row":{"columns":["c"]}}` || got[3] != `{"finalMessage":"Query Completed"}` {
		t.Errorf("stream pull: %s", got)
	}

	got = all(oldQuery(t, srv, "SELECT * FROM per_user LIMIT 1;"))
	if len(got) != 2 || !strings.HasPrefix(got[1], `{"row":`) {
		t.Errorf("table scan with LIMIT 1: %s", got)
	}
}

func queryID(t *testing.T, els []string) string {
	t.Helper()
	if len(els) == 0 {
		t.Fatal("no header")
	}
	var sr restapi.StreamedRow
	if err := json.Unmarshal([]byte(els[0]), &sr); err != nil || sr.Header == nil {
		t.Fatalf("first element %s is no header", els[0])
	}
	return sr.Header.QueryID
}

// TestQueryEndpointTableTombstones checks that a push query over a table
// streams a deleted row as a tombstone row, counted toward the LIMIT, and
// that LIMIT 0 ends at once.
func TestQueryEndpointTableTombstones(t *testing.T) {
	b, srv := startMemory(t)
	b.mustExec(t, `CREATE TABLE users (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (kafka_topic='users', value_format='JSON', partitions=1);`)
	next := oldQuery(t, srv, "SELECT * FROM users EMIT CHANGES LIMIT 2;")
	if hdr := next(); !strings.Contains(hdr, "`ID` STRING, `NAME` STRING\"") {
		t.Fatalf("push header %s", hdr)
	}
	// The query is registered once its header is written.
	b.produce(t, "users", "u1", `{"NAME":"ann"}`)
	b.produce(t, "users", "u1", "")
	got := all(next)
	want := []string{`{"row":{"columns":["u1","ann"]}}`, `{"row":{"columns":["u1",null],"tombstone":true}}`, `{"finalMessage":"Limit Reached"}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("push over a table:\n got %s\nwant %s", got, want)
	}

	got = all(oldQuery(t, srv, "SELECT * FROM users EMIT CHANGES LIMIT 0;"))
	if len(got) != 2 || got[1] != `{"finalMessage":"Limit Reached"}` {
		t.Errorf("LIMIT 0: %s", got)
	}
}

// TestStreamPullOverKafka checks a pull query on a stream over Kafka: it
// reads the records the topic holds and ends with "Query Completed".
func TestStreamPullOverKafka(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM clicks (user VARCHAR KEY, page VARCHAR) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);`)
	s.produce(t, "clicks", "ann", `{"PAGE":"a"}`, "bob", `{"PAGE":"b"}`, "ann", `{"PAGE":"c"}`)
	got := all(oldQuery(t, s.srv, "SELECT user, page FROM clicks WHERE page <> 'b';"))
	want := []string{`{"row":{"columns":["ann","a"]}}`, `{"row":{"columns":["ann","c"]}}`, `{"finalMessage":"Query Completed"}`}
	if len(got) != 4 || strings.Join(got[1:], "\n") != strings.Join(want, "\n") {
		t.Errorf("stream pull over Kafka:\n got %s\nwant header and %s", got, want)
	}
	// A LIMIT stops the read of the topic at its last row.
	got = all(oldQuery(t, s.srv, "SELECT user, page FROM clicks LIMIT 2;"))
	want = []string{`{"row":{"columns":["ann","a"]}}`, `{"row":{"columns":["bob","b"]}}`, `{"finalMessage":"Query Completed"}`}
	if len(got) != 4 || strings.Join(got[1:], "\n") != strings.Join(want, "\n") {
		t.Errorf("stream pull over Kafka with LIMIT:\n got %s\nwant header and %s", got, want)
	}
}
