package testrunner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/restapi"
)

// RESTCase is one of ksqlDB's REST query-validation tests: statements sent
// to the REST API, the records produced after the statements ran, and the
// answers the server must give (or the error it must refuse with).
type RESTCase struct {
	// File is the file the case came from (for messages).
	File       string            `json:"-"`
	Name       string            `json:"name"`
	Statements []string          `json:"statements"`
	Inputs     []json.RawMessage `json:"inputs"`
	Outputs    []json.RawMessage `json:"outputs"`
	// Responses are the expected answers, one per statement from the
	// first: {"admin": entity} for /ksql and {"query": [...]} for /query.
	Responses []map[string]json.RawMessage `json:"responses"`
	// ExpectedError is the error one of the statements must fail with.
	ExpectedError *RESTError `json:"expectedError"`
	// Properties are sent as the request properties of every request.
	Properties map[string]any `json:"properties"`
	// Topics declare topics (with registry schemas) before the run.
	Topics []struct {
		Name        string `json:"name"`
		KeyFormat   string `json:"keyFormat"`
		ValueFormat string `json:"valueFormat"`
	} `json:"topics"`
	// OutputConditions, when set, may ask for rows in order.
	OutputConditions *struct {
		VerifyOrder bool `json:"verifyOrder"`
	} `json:"outputConditions"`
}

// RESTError is an expected error answer.
type RESTError struct {
	// Type is ksqlDB's Java class of the error message:
	// ...KsqlStatementErrorMessage (a statement_error) or
	// ...KsqlErrorMessage (any error).
	Type    string `json:"type"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// LoadRESTCases reads a file of ksqlDB's REST query-validation tests.
func LoadRESTCases(path string) ([]RESTCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Tests []RESTCase `json:"tests"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	name := path[strings.LastIndex(path, "/")+1:]
	for i := range doc.Tests {
		doc.Tests[i].File = name
	}
	return doc.Tests, nil
}

// NeedsSchemaRegistry reports whether the case uses a format that needs a
// schema registry (AVRO, PROTOBUF, JSON_SR), which the embedded engine
// does not serve.
func (c RESTCase) NeedsSchemaRegistry() bool {
	for _, t := range c.Topics {
		for _, f := range []string{t.KeyFormat, t.ValueFormat} {
			if isRegistryFormat(f) {
				return true
			}
		}
	}
	for _, s := range c.Statements {
		u := strings.ToUpper(s)
		for _, f := range []string{"AVRO", "PROTOBUF", "JSON_SR"} {
			if strings.Contains(u, "'"+f+"'") {
				return true
			}
		}
	}
	return false
}

// RegistryFormats names the schema-registry formats the case uses, for
// the list of cases not run ("AVRO", "PROTOBUF, JSON_SR", ...).
func (c RESTCase) RegistryFormats() string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if f = strings.ToUpper(f); isRegistryFormat(f) && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, t := range c.Topics {
		add(t.KeyFormat)
		add(t.ValueFormat)
	}
	for _, s := range c.Statements {
		u := strings.ToUpper(s)
		for _, f := range []string{"AVRO", "PROTOBUF", "JSON_SR"} {
			if strings.Contains(u, "'"+f+"'") {
				add(f)
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func isRegistryFormat(f string) bool {
	switch strings.ToUpper(f) {
	case "AVRO", "PROTOBUF", "PROTOBUF_NOSR", "JSON_SR":
		return true
	}
	return false
}

// restDefaultPartitions is the partition count of ksqlDB's REST test
// topics unless a statement says otherwise.
const restDefaultPartitions = 4

// restQueryTimeout bounds how long one query's answer may take to arrive
// before the case fails (a safety net: answers arrive in milliseconds).
const restQueryTimeout = 10 * time.Second

// RunREST runs one case the way ksqlDB's RestTestExecutor does: the
// statements before the first SELECT go to /ksql in one request, the
// inputs are then produced (partitioned by the key's murmur2 hash), and
// every SELECT goes to /query on its own. It returns nil when every answer
// matches, else an error describing the first difference.
func RunREST(ctx context.Context, c RESTCase) (err error) {
	ctx = orBackground(ctx)
	topics := newRESTTopics()
	eng := engine.New(engine.Options{Admin: topics, Producer: topics, DefaultPartitions: restDefaultPartitions,
		QueryStarted: topics.started, Properties: map[string]string{"ksql.streams.auto.offset.reset": "earliest"}})
	topics.eng = eng
	srv := ksqlserver.New(restBackend{eng})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(sctx)
	}()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the engine crashed: %v", v)
		}
	}()
	for _, s := range c.Statements {
		if err := createTopicsOf(ctx, topics, s); err != nil {
			return err
		}
	}
	for _, t := range c.Topics {
		_ = topics.CreateTopic(ctx, t.Name, restDefaultPartitions, 1)
	}
	props := c.Properties
	if props == nil {
		props = map[string]any{}
	}
	var gotErr *restAnswerError
	resp := 0
	produced := false
	stmts := c.Statements
	for i := 0; i < len(stmts) && gotErr == nil; {
		if isSelect(stmts[i]) {
			if !produced {
				if err := produceInputs(ctx, topics, eng, c.Inputs); err != nil {
					return err
				}
				produced = true
			}
			var want []json.RawMessage
			if resp < len(c.Responses) {
				if q, ok := c.Responses[resp]["query"]; ok {
					if err := json.Unmarshal(q, &want); err != nil {
						return fmt.Errorf("responses[%d].query: %w", resp, err)
					}
				}
			}
			got, aerr, err := postQuery(ctx, srv.URL(), stmts[i], props, want)
			if err != nil {
				return fmt.Errorf("%s: %w", stmts[i], err)
			}
			if aerr != nil {
				gotErr = aerr
				break
			}
			if resp < len(c.Responses) {
				if err := compareQuery(want, got, c.OutputConditions != nil && c.OutputConditions.VerifyOrder); err != nil {
					return fmt.Errorf("responses[%d] (%s): %w", resp, stmts[i], err)
				}
			}
			resp++
			i++
			continue
		}
		j := i
		for j < len(stmts) && !isSelect(stmts[j]) {
			j++
		}
		ents, aerr, err := postKSQL(ctx, srv.URL(), strings.Join(stmts[i:j], "\n"), props)
		if err != nil {
			return err
		}
		for _, ent := range ents {
			if resp < len(c.Responses) {
				want, ok := c.Responses[resp]["admin"]
				if !ok {
					return fmt.Errorf("responses[%d]: expected a query answer, got an admin answer %s", resp, clip(ent))
				}
				if err := compareSubset("admin", want, ent); err != nil {
					return fmt.Errorf("responses[%d]: %w", resp, err)
				}
			}
			resp++
		}
		if aerr != nil {
			gotErr = aerr
			break
		}
		i = j
	}
	if c.ExpectedError != nil {
		if gotErr == nil {
			return fmt.Errorf("expected the error %q, every statement succeeded", c.ExpectedError.Message)
		}
		return compareError(c.ExpectedError, gotErr)
	}
	if gotErr != nil {
		return fmt.Errorf("unexpected error %d: %s", gotErr.status, gotErr.body)
	}
	if resp < len(c.Responses) {
		return fmt.Errorf("%d responses expected, %d statements answered", len(c.Responses), resp)
	}
	if !produced {
		if err := produceInputs(ctx, topics, eng, c.Inputs); err != nil {
			return err
		}
	}
	if len(c.Outputs) > 0 {
		return compareOutputs(topics, eng, c.Outputs)
	}
	return nil
}

// isSelect reports whether a statement is a query for /query.
func isSelect(s string) bool {
	f := strings.Fields(s)
	return len(f) > 0 && strings.EqualFold(f[0], "SELECT")
}

// createTopicsOf creates the topic a CREATE statement names, with its
// PARTITIONS or the default, as ksqlDB's harness creates them first.
func createTopicsOf(ctx context.Context, topics *restTopics, stmt string) error {
	st, err := parser.ParseStatement(stmt)
	if err != nil {
		return nil // the server answers the error
	}
	cs, ok := st.(*parser.CreateSource)
	if !ok {
		return nil
	}
	topic := cs.Props.String("KAFKA_TOPIC")
	if topic == "" {
		return nil
	}
	parts := restDefaultPartitions
	if n, ok := cs.Props.Get("PARTITIONS"); ok {
		if v, err := parsePositive(n); err == nil {
			parts = v
		}
	}
	return topics.CreateTopic(ctx, topic, parts, 1)
}

func produceInputs(ctx context.Context, topics *restTopics, eng *engine.Engine, raw []json.RawMessage) error {
	run := &inProcessRun{eng: eng}
	for i, r := range raw {
		in, err := parseRecord(r)
		if err != nil {
			return fmt.Errorf("inputs[%d]: %w", i, err)
		}
		rec, err := run.encodeInput(in)
		if err != nil {
			return fmt.Errorf("inputs[%d] (topic %s): %w", i, in.Topic, err)
		}
		if err := topics.Produce(ctx, rec); err != nil {
			return fmt.Errorf("inputs[%d]: %w", i, err)
		}
	}
	return nil
}

func compareOutputs(topics *restTopics, eng *engine.Engine, raw []json.RawMessage) error {
	run := &inProcessRun{eng: eng}
	var want []Record
	actual := map[string][]Record{}
	for i, r := range raw {
		rec, err := parseRecord(r)
		if err != nil {
			return fmt.Errorf("outputs[%d]: %w", i, err)
		}
		want = append(want, rec)
		if _, ok := actual[rec.Topic]; ok {
			continue
		}
		src := run.outputSource(rec.Topic)
		actual[rec.Topic] = []Record{}
		for _, out := range topics.Records(rec.Topic) {
			actual[rec.Topic] = append(actual[rec.Topic], decodeOutput(src, out))
		}
	}
	if res := Compare(want, actual); !res.Passed {
		return errors.New(res.Diff())
	}
	return nil
}

// restAnswerError is an error answer of the server.
type restAnswerError struct {
	status int
	body   json.RawMessage
}

func post(ctx context.Context, url string, body any) (*http.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

func postKSQL(ctx context.Context, base, sql string, props map[string]any) ([]json.RawMessage, *restAnswerError, error) {
	resp, err := post(ctx, base+"/ksql", restapi.KsqlRequest{KSQL: sql, StreamsProperties: props})
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		aerr := &restAnswerError{status: resp.StatusCode, body: b}
		var e struct {
			Entities []json.RawMessage `json:"entities"`
		}
		_ = json.Unmarshal(b, &e)
		return e.Entities, aerr, nil
	}
	var ents []json.RawMessage
	if err := json.Unmarshal(b, &ents); err != nil {
		return nil, nil, fmt.Errorf("reading the /ksql answer %s: %w", clip(b), err)
	}
	return ents, nil, nil
}

// postQuery sends a SELECT to /query and reads the streamed JSON array: to
// its end, or, for a push query that has given as many elements as want
// holds, until then (as ksqlDB's harness does, which then closes it).
func postQuery(ctx context.Context, base, sql string, props map[string]any, want []json.RawMessage) ([]json.RawMessage, *restAnswerError, error) {
	ctx, cancel := context.WithTimeout(ctx, restQueryTimeout)
	defer cancel()
	resp, err := post(ctx, base+"/query", restapi.KsqlRequest{KSQL: sql, StreamsProperties: props})
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return nil, &restAnswerError{status: resp.StatusCode, body: b}, nil
	}
	push := strings.Contains(strings.ToUpper(sql), "EMIT CHANGES")
	dec := json.NewDecoder(bufio.NewReader(resp.Body))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the /query answer: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, nil, fmt.Errorf("the /query answer is not a JSON array (starts with %v)", tok)
	}
	var got []json.RawMessage
	for dec.More() {
		var el json.RawMessage
		if err := dec.Decode(&el); err != nil {
			if ctx.Err() != nil {
				return got, nil, fmt.Errorf("no answer within %s after %d elements", restQueryTimeout, len(got))
			}
			return got, nil, fmt.Errorf("reading the /query answer: %w", err)
		}
		got = append(got, el)
		// An error in the stream ends it.
		var em struct {
			ErrorMessage json.RawMessage `json:"errorMessage"`
		}
		if json.Unmarshal(el, &em) == nil && em.ErrorMessage != nil {
			return nil, &restAnswerError{status: http.StatusBadRequest, body: em.ErrorMessage}, nil
		}
		if push && len(want) > 0 && len(got) >= len(want) && !hasFinal(want) {
			return got, nil, nil
		}
	}
	return got, nil, nil
}

func hasFinal(els []json.RawMessage) bool {
	if len(els) == 0 {
		return false
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(els[len(els)-1], &m)
	_, ok := m["finalMessage"]
	return ok
}

// compareQuery compares a /query answer: the header's schema exactly, the
// number of elements exactly, rows as a multiset (or in order) and the
// final message.
func compareQuery(want, got []json.RawMessage, ordered bool) error {
	if len(want) != len(got) {
		return fmt.Errorf("expected %d elements (header, rows, final message), got %d:\n  expected %s\n  got      %s",
			len(want), len(got), joinRaw(want), joinRaw(got))
	}
	var wantRows, gotRows []json.RawMessage
	for i := range want {
		var w, g map[string]json.RawMessage
		if err := json.Unmarshal(want[i], &w); err != nil {
			return fmt.Errorf("expected element %d: %w", i, err)
		}
		if err := json.Unmarshal(got[i], &g); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
		switch {
		case w["header"] != nil:
			var wh, gh struct {
				Schema string `json:"schema"`
			}
			_ = json.Unmarshal(w["header"], &wh)
			if g["header"] == nil {
				return fmt.Errorf("element %d: expected a header, got %s", i, got[i])
			}
			_ = json.Unmarshal(g["header"], &gh)
			if wh.Schema != gh.Schema {
				return fmt.Errorf("header schema: expected %q, got %q", wh.Schema, gh.Schema)
			}
		case w["row"] != nil:
			if g["row"] == nil {
				return fmt.Errorf("element %d: expected a row %s, got %s", i, want[i], got[i])
			}
			wantRows, gotRows = append(wantRows, w["row"]), append(gotRows, g["row"])
		default:
			if err := compareSubset("element", want[i], got[i]); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
	}
	if ordered {
		for i := range wantRows {
			if !javaEqual(decodeNumbers(wantRows[i]), decodeNumbers(gotRows[i])) {
				return fmt.Errorf("row %d: expected %s, got %s", i, wantRows[i], gotRows[i])
			}
		}
		return nil
	}
	used := make([]bool, len(gotRows))
next:
	for _, w := range wantRows {
		wv := decodeNumbers(w)
		for j, g := range gotRows {
			if !used[j] && javaEqual(wv, decodeNumbers(g)) {
				used[j] = true
				continue next
			}
		}
		return fmt.Errorf("expected row %s not found in %s", w, joinRaw(gotRows))
	}
	return nil
}

func joinRaw(els []json.RawMessage) string {
	parts := make([]string, len(els))
	for i, e := range els {
		parts[i] = string(compact(e))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func decodeNumbers(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	_ = dec.Decode(&v)
	return v
}

// javaEqual compares JSON values as ksqlDB's harness does after Jackson
// read them: an integer and a decimal number differ (1 vs 1.0).
func javaEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		xi, yi := isIntegral(x), isIntegral(y)
		if xi != yi {
			return false
		}
		if xi {
			bx, _ := new(big.Int).SetString(string(x), 10)
			by, _ := new(big.Int).SetString(string(y), 10)
			return bx != nil && by != nil && bx.Cmp(by) == 0
		}
		fx, _ := x.Float64()
		fy, _ := y.Float64()
		return fx == fy
	case []any:
		return arraysEqual(x, b, javaEqual)
	case map[string]any:
		return objectsEqual(x, b, javaEqual, exactField)
	default:
		return a == b
	}
}

func isIntegral(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// compareSubset checks that every field the expected object gives is in
// the actual one with an equal value; a key ending in |STARTS_WITH
// matches a prefix of the string.
func compareSubset(what string, want, got json.RawMessage) error {
	wv, gv := decodeNumbers(want), decodeNumbers(got)
	return subset(what, wv, gv)
}

func subset(path string, want, got any) error {
	wm, ok := want.(map[string]any)
	if !ok {
		if !javaEqual(want, got) {
			return fmt.Errorf("%s: expected %s, got %s", path, marshal(want), marshal(got))
		}
		return nil
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: expected an object %s, got %s", path, marshal(want), marshal(got))
	}
	keys := make([]string, 0, len(wm))
	for k := range wm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if name, ok := strings.CutSuffix(k, "|STARTS_WITH"); ok {
			ws, _ := wm[k].(string)
			gs, _ := gm[name].(string)
			if !strings.HasPrefix(gs, ws) {
				return fmt.Errorf("%s.%s: expected to start with %q, got %q", path, name, ws, gs)
			}
			continue
		}
		if err := subset(path+"."+k, wm[k], gm[k]); err != nil {
			return err
		}
	}
	return nil
}

// compareError compares an error answer with the expected one: the HTTP
// status, the error type (KsqlStatementErrorMessage is a statement_error;
// KsqlErrorMessage matches any error) and the message, which must contain
// the expected text as in ksqlDB's harness.
func compareError(want *RESTError, got *restAnswerError) error {
	var e struct {
		Type    string `json:"@type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(got.body, &e)
	if want.Status != 0 && want.Status != got.status {
		return fmt.Errorf("error status: expected %d, got %d (%s)", want.Status, got.status, e.Message)
	}
	if strings.HasSuffix(want.Type, ".KsqlStatementErrorMessage") && e.Type != "statement_error" {
		return fmt.Errorf("error type: expected a statement_error, got %q (%s)", e.Type, e.Message)
	}
	if !strings.Contains(e.Message, want.Message) {
		return fmt.Errorf("error message: expected %q, got %q", want.Message, e.Message)
	}
	return nil
}

// restBackend serves the engine through the REST server.
type restBackend struct{ eng *engine.Engine }

func (b restBackend) Execute(ctx context.Context, sql string, props map[string]string) ([]engine.Entity, error) {
	return b.eng.Execute(ctx, sql, props)
}

func (b restBackend) StartQuery(ctx context.Context, sql string, props map[string]string) (*engine.PushQuery, error) {
	return b.eng.StartQuery(ctx, sql, props)
}

func (b restBackend) Engine() *engine.Engine { return b.eng }
func (b restBackend) ClusterID() string      { return "rest-test" }
func (b restBackend) ServiceID() string      { return "rest_test_" }

// restTopics is an in-memory broker with partitions: a record goes to the
// partition the Java client's murmur2 hash of its key picks, gets that
// partition's next offset and is delivered to the queries at once. A
// transient query reading from earliest is fed the records already
// written, as a Kafka consumer would be.
type restTopics struct {
	*engine.MemoryTopics
	eng *engine.Engine

	mu      sync.Mutex
	log     []engine.Record
	offsets map[string][]int64
}

func newRESTTopics() *restTopics {
	return &restTopics{MemoryTopics: engine.NewMemoryTopics(), offsets: map[string][]int64{}}
}

var murmur2 = kgo.StickyKeyPartitioner(nil)

// Produce implements engine.Producer.
func (t *restTopics) Produce(ctx context.Context, rec engine.Record) error {
	info, ok, _ := t.DescribeTopic(ctx, rec.Topic)
	if !ok {
		_ = t.CreateTopic(ctx, rec.Topic, restDefaultPartitions, 1)
		info, _, _ = t.DescribeTopic(ctx, rec.Topic)
	}
	parts := max(info.Partitions, 1)
	if rec.Key != nil {
		key := rec.Key
		// Kafka Streams partitions a windowed key by the key inside the
		// window (WindowedStreamPartitioner).
		for _, src := range t.eng.Catalog().ByTopic(rec.Topic) {
			if src.Windowed() {
				if k, _, _, err := format.SplitWindow(key, src.WindowKind(), src.WindowSize); err == nil {
					key = k
				}
				break
			}
		}
		rec.Partition = int32(murmur2.ForTopic(rec.Topic).Partition(&kgo.Record{Key: key}, parts))
	} else {
		rec.Partition = 0
	}
	t.mu.Lock()
	offs := t.offsets[rec.Topic]
	if len(offs) < parts {
		offs = append(offs, make([]int64, parts-len(offs))...)
		t.offsets[rec.Topic] = offs
	}
	rec.Offset = offs[rec.Partition]
	offs[rec.Partition]++
	t.log = append(t.log, rec)
	t.mu.Unlock()
	t.eng.Deliver(rec)
	return nil
}

// Records returns what was written to a topic, in order.
func (t *restTopics) Records(topic string) []engine.Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []engine.Record
	for _, r := range t.log {
		if r.Topic == topic {
			out = append(out, r)
		}
	}
	return out
}

// ReadTopic implements engine.TopicReader (pull queries on streams).
func (t *restTopics) ReadTopic(_ context.Context, topic string, fn func(engine.Record) bool) error {
	for _, r := range t.Records(topic) {
		if !fn(r) {
			break
		}
	}
	return nil
}

// started feeds a transient query that reads from earliest the records
// its topics already hold.
func (t *restTopics) started(q *engine.Query) {
	if q.Persistent || q.OffsetReset != "earliest" {
		return
	}
	t.mu.Lock()
	var recs []engine.Record
	for _, r := range t.log {
		for _, topic := range q.SourceTopics {
			if r.Topic == topic {
				recs = append(recs, r)
			}
		}
	}
	t.mu.Unlock()
	go func() {
		for _, r := range recs {
			q.Process(r)
		}
	}()
}
