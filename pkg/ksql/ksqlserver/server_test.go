package ksqlserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
)

// stack is a broker, the engine over it and the REST server.
type stack struct {
	broker *kafkautil.Broker
	rt     *ksqlkafka.Runtime
	srv    *ksqlserver.Server
	c      *ksqlclient.Client
}

func start(t *testing.T, dataDir string) *stack {
	t.Helper()
	ctx := context.Background()
	b, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: b.Addr(), Logf: t.Logf})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	srv := ksqlserver.New(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		rt.Close()
		b.Close()
		t.Fatal(err)
	}
	s := &stack{broker: b, rt: rt, srv: srv, c: ksqlclient.New(srv.URL())}
	t.Cleanup(s.stop)
	return s
}

func (s *stack) stop() {
	if s.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Close(ctx)
	_ = s.rt.Close()
	s.broker.Close()
	s.srv = nil
}

func (s *stack) exec(t *testing.T, sql string) []ksqlclient.Entity {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	ents, err := s.c.Execute(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return ents
}

// produce writes JSON values with string keys to topic.
func (s *stack) produce(t *testing.T, topic string, kvs ...string) {
	t.Helper()
	cfg := kafkautil.NewConfig("test")
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	p, err := sarama.NewSyncProducer([]string{s.broker.Addr()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := 0; i+1 < len(kvs); i += 2 {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(kvs[i]), Value: sarama.StringEncoder(kvs[i+1])}); err != nil {
			t.Fatal(err)
		}
	}
}

// consumeAll reads n records of topic from the beginning, failing after
// a generous deadline; then, once every persistent query has committed
// the end of its input (ksqlDB commits only after writing the output of
// what it processed), it reads the rest of topic up to its end offset,
// so extra records show up without waiting for a quiet period.
func (s *stack) consumeAll(t *testing.T, topic string, n int) []string {
	t.Helper()
	c, err := sarama.NewConsumer([]string{s.broker.Addr()}, kafkautil.NewConfig("test-reader"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pc, err := c.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var out []string
	last := int64(-1)
	deadline := time.After(waitLimit)
	for len(out) < n {
		select {
		case m := <-pc.Messages():
			out = append(out, string(m.Value))
			last = m.Offset
		case <-deadline:
			t.Fatalf("topic %s: got %d records %q, want %d", topic, len(out), out, n)
		}
	}
	end := s.settledEnd(t, topic)
	for last+1 < end {
		select {
		case m := <-pc.Messages():
			out = append(out, string(m.Value))
			last = m.Offset
		case <-deadline:
			t.Fatalf("topic %s: got records %q up to offset %d, want up to its end %d", topic, out, last, end)
		}
	}
	return out
}

// waitLimit bounds every wait of these tests: generous, as a loaded
// machine may be slow; a test that passes never waits that long.
const waitLimit = 60 * time.Second

// queryGroupPrefix starts the consumer group of every persistent query.
const queryGroupPrefix = "_confluent-ksql-"

// endOffsets returns the end offset of every partition of topics; a
// topic that no longer exists (dropped, its group's commits left over)
// has none.
func endOffsets(client sarama.Client, topics map[string]bool) (map[string]map[int32]int64, error) {
	exist, err := client.Topics()
	if err != nil {
		return nil, err
	}
	ends := map[string]map[int32]int64{}
	for _, topic := range exist {
		if !topics[topic] {
			continue
		}
		parts, err := client.Partitions(topic)
		if err != nil {
			return nil, err
		}
		ends[topic] = map[int32]int64{}
		for _, p := range parts {
			if ends[topic][p], err = client.GetOffset(topic, p, sarama.OffsetNewest); err != nil {
				return nil, err
			}
		}
	}
	return ends, nil
}

// queryCommits returns the committed offsets of every persistent query's
// consumer group: group -> topic -> partition -> offset.
func queryCommits(admin sarama.ClusterAdmin) (map[string]map[string]map[int32]int64, error) {
	groups, err := admin.ListConsumerGroups()
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]map[int32]int64{}
	for g := range groups {
		if !strings.HasPrefix(g, queryGroupPrefix) {
			continue
		}
		resp, err := admin.ListConsumerGroupOffsets(g, nil)
		if err != nil {
			return nil, err
		}
		out[g] = map[string]map[int32]int64{}
		for topic, blocks := range resp.Blocks {
			for p, b := range blocks {
				if b.Err == sarama.ErrNoError && b.Offset >= 0 {
					if out[g][topic] == nil {
						out[g][topic] = map[int32]int64{}
					}
					out[g][topic][p] = b.Offset
				}
			}
		}
	}
	return out, nil
}

// settledEnd waits until every persistent query has committed the end
// of each topic it reads, twice with the same ends (a query may feed
// another), and returns topic's end offset then: no query has anything
// left to write to it. A test here runs on its own broker, so every
// query group is one of its running queries.
func (s *stack) settledEnd(t *testing.T, topic string) int64 {
	t.Helper()
	client, err := sarama.NewClient([]string{s.broker.Addr()}, kafkautil.NewConfig("test-settle"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	var prev map[string]map[int32]int64
	var lag string
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		commits, err := queryCommits(admin)
		if err != nil {
			lag = err.Error()
			continue
		}
		topics := map[string]bool{topic: true}
		for _, byTopic := range commits {
			for tp := range byTopic {
				topics[tp] = true
			}
		}
		if err := client.RefreshMetadata(); err != nil {
			lag = err.Error()
			continue
		}
		ends, err := endOffsets(client, topics)
		if err != nil {
			lag = err.Error()
			continue
		}
		lag = ""
		for g, byTopic := range commits {
			for tp, parts := range byTopic {
				for p, off := range parts {
					if end, ok := ends[tp][p]; ok && off < end {
						lag = fmt.Sprintf("query group %s at offset %d of %s[%d], end %d", g, off, tp, p, end)
					}
				}
			}
		}
		if _, ok := ends[topic][0]; !ok {
			lag = "no such topic"
		}
		if lag == "" && fmt.Sprint(ends) == fmt.Sprint(prev) {
			return ends[topic][0]
		}
		if lag == "" {
			prev = ends
		} else {
			prev = nil
		}
	}
	t.Fatalf("topic %s: the queries did not settle within %v: %s", topic, waitLimit, lag)
	return 0
}

func nextRow(t *testing.T, rows *ksqlclient.Rows) []any {
	t.Helper()
	type res struct {
		row []any
		ok  bool
	}
	ch := make(chan res, 1)
	go func() {
		ok := rows.Next()
		ch <- res{rows.Row(), ok}
	}()
	select {
	case r := <-ch:
		if !r.ok {
			t.Fatalf("query ended early: %v", rows.Err())
		}
		return r.row
	case <-time.After(waitLimit):
		t.Fatalf("no row within %v", waitLimit)
	}
	return nil
}

func TestInfoAndHealth(t *testing.T) {
	s := start(t, "")
	ctx := context.Background()
	info, err := s.c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != ksqlserver.Version || info.ServerStatus != "RUNNING" || info.ServiceID != "default_" || info.KafkaClusterID == "" {
		t.Errorf("info %+v", info)
	}
	h, err := s.c.Health(ctx)
	if err != nil || !h.IsHealthy {
		t.Errorf("health %+v, %v", h, err)
	}
}

func TestStatements(t *testing.T) {
	s := start(t, "")
	ents := s.exec(t, `CREATE STREAM orders (id VARCHAR KEY, amount DOUBLE, item VARCHAR)
		WITH (kafka_topic='orders', value_format='JSON', partitions=2);
		CREATE STREAM big AS SELECT id, amount FROM orders WHERE amount > 10;`)
	if len(ents) != 2 || ents[0].Type != "currentStatus" || !strings.HasPrefix(ents[1].QueryID, "CSAS_BIG_") {
		t.Fatalf("entities %+v", ents)
	}
	queryID := ents[1].QueryID
	ents = s.exec(t, "SHOW STREAMS;")
	var streams struct {
		Streams []struct {
			Name  string `json:"name"`
			Topic string `json:"topic"`
		} `json:"streams"`
	}
	if err := ents[0].Decode(&streams); err != nil || ents[0].Type != "streams" {
		t.Fatalf("SHOW STREAMS: %s %v", ents[0].Raw, err)
	}
	names := map[string]bool{}
	for _, st := range streams.Streams {
		names[st.Name] = true
	}
	if !names["ORDERS"] || !names["BIG"] {
		t.Errorf("SHOW STREAMS lists %v", names)
	}
	ents = s.exec(t, "SHOW QUERIES;")
	if ents[0].Type != "queries" || !strings.Contains(string(ents[0].Raw), queryID) {
		t.Errorf("SHOW QUERIES: %s", ents[0].Raw)
	}
	ents = s.exec(t, "DESCRIBE orders;")
	if ents[0].Type != "sourceDescription" || !strings.Contains(string(ents[0].Raw), `"AMOUNT"`) {
		t.Errorf("DESCRIBE: %s", ents[0].Raw)
	}
	ents = s.exec(t, "SHOW TOPICS;")
	if ents[0].Type != "kafka_topics" || !strings.Contains(string(ents[0].Raw), `"orders"`) {
		t.Errorf("SHOW TOPICS: %s", ents[0].Raw)
	}
	// The stream cannot be dropped while a query reads it.
	_, err := s.c.Execute(context.Background(), "DROP STREAM orders;")
	var ke *ksqlclient.Error
	if !errors.As(err, &ke) || ke.Code != 40001 || ke.StatusCode != 400 {
		t.Fatalf("DROP of a read stream: %v", err)
	}
	s.exec(t, "TERMINATE "+queryID+";")
	s.exec(t, "DROP STREAM big DELETE TOPIC; DROP STREAM orders;")
	ents = s.exec(t, "SHOW QUERIES;")
	if strings.Contains(string(ents[0].Raw), queryID) {
		t.Errorf("terminated query still listed: %s", ents[0].Raw)
	}
}

func TestParseError(t *testing.T) {
	s := start(t, "")
	body := `{"ksql":"SELECT * FORM s;","streamsProperties":{}}`
	resp, err := http.Post(s.srv.URL()+"/ksql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if resp.StatusCode != 400 || got["@type"] != "statement_error" || got["error_code"] != float64(40001) ||
		!strings.Contains(got["message"].(string), "line 1:10") || got["statementText"] != "SELECT * FORM s;" {
		t.Errorf("HTTP %d %s", resp.StatusCode, raw)
	}
	if ents, ok := got["entities"].([]any); !ok || len(ents) != 0 {
		t.Errorf("entities: %s", raw)
	}
	_, err = s.c.Execute(context.Background(), "CREATE STREM x;")
	var ke *ksqlclient.Error
	if !errors.As(err, &ke) || ke.Code != 40001 || !strings.Contains(ke.Message, "line 1:8") {
		t.Errorf("client error %#v", err)
	}
}

func TestPushQuery(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM pq (id VARCHAR KEY, v INT) WITH (kafka_topic='pq', value_format='JSON', partitions=3);`)
	ctx := context.Background()
	rows, err := s.c.Query(ctx, "SELECT id, v * 2 AS dbl FROM pq EMIT CHANGES LIMIT 3;", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if fmt.Sprint(rows.ColumnNames) != "[ID DBL]" || fmt.Sprint(rows.ColumnTypes) != "[STRING INTEGER]" || rows.QueryID == "" {
		t.Errorf("header %q %v %v", rows.QueryID, rows.ColumnNames, rows.ColumnTypes)
	}
	s.produce(t, "pq", "a", `{"V":1}`)
	if r := nextRow(t, rows); fmt.Sprint(r) != "[a 2]" {
		t.Errorf("row %v", r)
	}
	s.exec(t, "INSERT INTO pq (id, v) VALUES ('b', 5);")
	if r := nextRow(t, rows); fmt.Sprint(r) != "[b 10]" {
		t.Errorf("row %v", r)
	}
	s.produce(t, "pq", "c", `{"V":7}`, "d", `{"V":8}`)
	if r := nextRow(t, rows); fmt.Sprint(r) != "[c 14]" && fmt.Sprint(r) != "[d 16]" {
		t.Errorf("row %v", r)
	}
	// LIMIT 3 reached: the stream ends.
	done := make(chan bool, 1)
	go func() { done <- rows.Next() }()
	select {
	case more := <-done:
		if more || rows.Err() != nil {
			t.Errorf("after LIMIT: more=%v err=%v", more, rows.Err())
		}
	case <-time.After(waitLimit):
		t.Fatal("query did not end at its LIMIT")
	}
	waitNoTransient(t, s)
}

func waitNoTransient(t *testing.T, s *stack) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		n := 0
		for _, q := range s.rt.Engine().Queries() {
			if !q.Persistent {
				n++
			}
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d push queries still running on the server", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDisconnectAndCloseQuery(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM dq (id VARCHAR KEY, v INT) WITH (kafka_topic='dq', value_format='JSON', partitions=1);`)
	ctx := context.Background()
	rows, err := s.c.Query(ctx, "SELECT * FROM dq EMIT CHANGES;", nil)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close() // the client goes away
	waitNoTransient(t, s)

	rows, err = s.c.Query(ctx, "SELECT * FROM dq EMIT CHANGES;", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if err := s.c.CloseQuery(ctx, rows.QueryID); err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("row after close-query: %v", rows.Row())
	}
	waitNoTransient(t, s)
	var ke *ksqlclient.Error
	if err := s.c.CloseQuery(ctx, "nope"); !errors.As(err, &ke) || ke.StatusCode != 400 {
		t.Errorf("closing an unknown query: %v", err)
	}
}

func TestConcurrentPushQueries(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM cq (id VARCHAR KEY, v INT) WITH (kafka_topic='cq', value_format='JSON', partitions=2);`)
	const n = 20
	ctx := context.Background()
	var all []*ksqlclient.Rows
	for i := 0; i < n; i++ {
		rows, err := s.c.Query(ctx, fmt.Sprintf("SELECT v + %d AS w FROM cq EMIT CHANGES LIMIT 2;", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		all = append(all, rows)
	}
	s.produce(t, "cq", "a", `{"V":100}`, "a", `{"V":200}`)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, rows := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got []string
			for r, err := range rows.All() {
				if err != nil {
					errs <- err
					return
				}
				got = append(got, fmt.Sprint(r...))
			}
			if want := fmt.Sprintf("[%d %d]", 100+i, 200+i); fmt.Sprint(got) != want {
				errs <- fmt.Errorf("query %d: rows %v, want %s", i, got, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitNoTransient(t, s)
}

func TestPullQueryAndOldQueryEndpoint(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM clicks (user VARCHAR KEY, page VARCHAR) WITH (kafka_topic='clicks', value_format='JSON', partitions=1);
		CREATE TABLE per_user AS SELECT user, COUNT(*) AS n FROM clicks GROUP BY user;`)
	s.produce(t, "clicks", "ann", `{"PAGE":"a"}`, "bob", `{"PAGE":"b"}`, "ann", `{"PAGE":"c"}`)
	ctx := context.Background()
	deadline := time.Now().Add(waitLimit)
	for {
		rows, err := s.c.Query(ctx, "SELECT user, n FROM per_user WHERE user = 'ann';", nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for r, err := range rows.All() {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprint(r))
		}
		rows.Close()
		if fmt.Sprint(got) == "[[ann 2]]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pull query: %v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The older /query endpoint: one JSON array.
	body := `{"ksql":"SELECT * FROM clicks EMIT CHANGES LIMIT 2;","streamsProperties":{"auto.offset.reset":"earliest"}}`
	resp, err := http.Post(s.srv.URL()+"/query", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msgs []map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 || msgs[0]["header"] == nil || msgs[1]["row"] == nil || string(msgs[3]["finalMessage"]) != `"Limit Reached"` {
		t.Errorf("/query answered %d messages: %v", len(msgs), msgs)
	}
	if !strings.Contains(string(msgs[0]["header"]), "`USER` STRING, `PAGE` STRING") {
		t.Errorf("header %s", msgs[0]["header"])
	}
	// /query-stream with Accept: application/json is one JSON array.
	req, _ := http.NewRequest("POST", s.srv.URL()+"/query-stream", strings.NewReader(`{"sql":"SELECT * FROM per_user;"}`))
	req.Header.Set("Accept", "application/json")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var arr []json.RawMessage
	if err := json.NewDecoder(resp2.Body).Decode(&arr); err != nil || len(arr) != 3 || !strings.Contains(string(arr[0]), `"columnNames":["USER","N"]`) {
		t.Errorf("json /query-stream: %v %s", err, arr)
	}
}

func TestInsertsStream(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM ins (id VARCHAR KEY, v INT, tags ARRAY<VARCHAR>, attrs MAP<VARCHAR, INT>) WITH (kafka_topic='ins', value_format='JSON', partitions=1);`)
	ctx := context.Background()
	err := s.c.Insert(ctx, "ins", []map[string]any{
		{"ID": "a", "V": 1, "TAGS": []string{"x", "y"}, "ATTRS": map[string]int{"k": 1}},
		{"id": "b", "v": 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := s.consumeAll(t, "ins", 2)
	if len(got) != 2 || got[0] != `{"V":1,"TAGS":["x","y"],"ATTRS":{"k":1}}` || got[1] != `{"V":2,"TAGS":null,"ATTRS":null}` {
		t.Errorf("records %q", got)
	}
	var ke *ksqlclient.Error
	if err := s.c.Insert(ctx, "ins", []map[string]any{{"NOPE": 1}}); !errors.As(err, &ke) {
		t.Errorf("unknown column: %v", err)
	}
	if err := s.c.Insert(ctx, "missing", []map[string]any{{"V": 1}}); !errors.As(err, &ke) || ke.StatusCode != 400 {
		t.Errorf("unknown stream: %v", err)
	}
}

func TestRestartWithDataFolder(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	s.exec(t, `CREATE STREAM src (id VARCHAR KEY, v INT) WITH (kafka_topic='src', value_format='JSON', partitions=1);
		CREATE STREAM doubled AS SELECT id, v * 2 AS w FROM src;
		CREATE TABLE totals AS SELECT id, SUM(v) AS total FROM src GROUP BY id;`)
	s.produce(t, "src", "a", `{"V":1}`, "a", `{"V":2}`)
	s.consumeAll(t, "DOUBLED", 2)
	s.consumeAll(t, "TOTALS", 2)
	s.stop()

	s = start(t, dir)
	ents := s.exec(t, "SHOW QUERIES;")
	if !strings.Contains(string(ents[0].Raw), "CSAS_DOUBLED") || !strings.Contains(string(ents[0].Raw), "CTAS_TOTALS") {
		t.Fatalf("queries after restart: %s", ents[0].Raw)
	}
	s.produce(t, "src", "a", `{"V":3}`)
	got := s.consumeAll(t, "DOUBLED", 3)
	if want := `[{"W":2} {"W":4} {"W":6}]`; fmt.Sprint(got) != want {
		t.Errorf("DOUBLED after restart: %v, want %s", got, want)
	}
	// The aggregate continued from its state: 1+2+3.
	got = s.consumeAll(t, "TOTALS", 3)
	if want := `[{"TOTAL":1} {"TOTAL":3} {"TOTAL":6}]`; fmt.Sprint(got) != want {
		t.Errorf("TOTALS after restart: %v, want %s", got, want)
	}
}

func TestProcessingLog(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM plin (id VARCHAR KEY, v INT) WITH (kafka_topic='plin', value_format='JSON', partitions=1);
		CREATE STREAM plout AS SELECT id, v FROM plin;`)
	s.produce(t, "plin", "a", `{"V":"not a number"`, "b", `{"V":2}`)
	if got := s.consumeAll(t, "PLOUT", 1); fmt.Sprint(got) != `[{"V":2}]` {
		t.Errorf("PLOUT %v", got)
	}
	got := s.consumeAll(t, ksqlkafka.ProcessingLogTopic(ksqlkafka.DefaultServiceID), 1)
	if len(got) != 1 || !strings.Contains(got[0], `"LOGGER":"processing.CSAS_PLOUT_`) || !strings.Contains(got[0], `"TOPIC":"plin"`) {
		t.Errorf("processing log %q", got)
	}
	ents := s.exec(t, "DESCRIBE KSQL_PROCESSING_LOG;")
	if ents[0].Type != "sourceDescription" {
		t.Errorf("KSQL_PROCESSING_LOG: %s", ents[0].Raw)
	}
}
