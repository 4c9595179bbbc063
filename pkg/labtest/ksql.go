package labtest

// KSQL grading helpers: a ksqlDB server for the test, the learner's SQL
// files run with the names they use made unique to the test, queries with
// deadlines, and failure messages in the learner's names.
//
// Why names are rewritten: a lab's SQL files use fixed names (the stream
// ORDERS over the topic 'orders'), as a learner types them in their own
// session. Grading tests may share one ksqlDB server (the one `mlops-lab
// grade` or `mlops-lab start` runs, where the learner's own ORDERS may
// already exist, and other exercises run at the same time), so every test
// works on its own copies: the source names and topic names a script
// uses get a suffix unique to the test (ORDERS -> ORDERS_X1A2B3C4D,
// 'orders' -> 'orders_x1a2b3c4d'), the rewrite follows the SQL's tokens
// (words, quoted names, string literals), never the middle of a word,
// and every message shown to the learner has the suffix taken out again.
// The rewrite happens in both modes, with a shared server and with the
// test's own embedded one, so a script passes or fails the same way in
// both.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
)

// KsqlEnv returns the Kafka bootstrap address and the ksqlDB URL for a
// test. When the grader set MLOPS_LAB_KSQL_URL, those are the grader's
// (MLOPS_LAB_BOOTSTRAP must be set too: the tests write the inputs to the
// broker the server reads). Otherwise the test gets its own embedded
// broker, ksqlDB engine and REST server, stopped when the test ends.
func KsqlEnv(t testing.TB) (bootstrap, ksqlURL string) {
	t.Helper()
	bootstrap, ksqlURL, _ = ksqlEnv(t)
	return bootstrap, ksqlURL
}

// ksqlEnv is KsqlEnv, and whether the ksqlDB server is the test's own.
func ksqlEnv(t testing.TB) (bootstrap, ksqlURL string, own bool) {
	t.Helper()
	if url := os.Getenv(EnvKsqlURL); url != "" {
		bootstrap = os.Getenv(EnvBootstrap)
		if bootstrap == "" {
			t.Fatalf("%s is set but %s is not: the test needs the Kafka broker that ksqlDB server reads", EnvKsqlURL, EnvBootstrap)
		}
		return bootstrap, url, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), Budget(t, 60*time.Second))
	defer cancel()
	if bootstrap = os.Getenv(EnvBootstrap); bootstrap == "" {
		broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
		if err != nil {
			t.Fatalf("starting an embedded Kafka broker for this test: %v", err)
		}
		t.Cleanup(broker.Close)
		bootstrap = broker.Addr()
	}
	// A service id of its own, so an engine started over a shared broker
	// never replays (or writes) another engine's command topic.
	serviceID := "labtest_" + randomHex(4) + "_"
	// Over a shared broker, the engine's topics and groups (all named
	// with its service id) go once the engine has stopped: registered
	// before the engine's own cleanup, this runs after it.
	track(t).addMark(serviceID)
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: bootstrap, ServiceID: serviceID})
	if err != nil {
		t.Fatalf("starting an embedded ksqlDB engine for this test: %v", err)
	}
	srv := ksqlserver.New(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		_ = rt.Close()
		t.Fatalf("starting the embedded ksqlDB server for this test: %v", err)
	}
	// Cleanups run last-in first-out: the server stops, then the engine,
	// then the broker.
	t.Cleanup(func() { _ = rt.Close() })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	return bootstrap, srv.URL(), true
}

// KsqlURL returns the ksqlDB URL for a test (see KsqlEnv; use KsqlEnv
// when the test also writes to Kafka, so both name the same broker).
func KsqlURL(t testing.TB) string {
	t.Helper()
	_, url := KsqlEnv(t)
	return url
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Ksql is one grading test's session with ksqlDB: the server, the broker
// it reads, and the test's unique names.
type Ksql struct {
	t testing.TB
	// Bootstrap and URL are the broker and the ksqlDB server.
	Bootstrap, URL string
	// Client talks to the server; statements sent through it directly are
	// not rewritten (use Exec, Run, Pull and Push for that).
	Client *ksqlclient.Client
	// Props are the streamsProperties of every statement and query the
	// session runs; auto.offset.reset is earliest, so a persistent query
	// reads the inputs written before it started.
	Props map[string]any

	suffix    string          // "_X1A2B3C4D"
	sources   map[string]bool // source names the session renames: upper case, or as quoted
	topics    map[string]bool // topic names the session renames
	serviceID string
}

// NewKsql starts a session on the test's ksqlDB (KsqlEnv). sources and
// topics are the fixed names the test and the learner's SQL use; names a
// learner's script creates are added when the script is loaded. When the
// test ends, on a shared server, the session terminates its queries and
// drops its streams, tables and topics.
func NewKsql(t testing.TB, sources, topics []string) *Ksql {
	t.Helper()
	bootstrap, url, own := ksqlEnv(t)
	k := &Ksql{t: t, Bootstrap: bootstrap, URL: url, Client: ksqlclient.New(url),
		Props:   map[string]any{"auto.offset.reset": "earliest"},
		suffix:  "_X" + strings.ToUpper(randomHex(4)),
		sources: map[string]bool{}, topics: map[string]bool{}}
	for _, s := range sources {
		k.sources[strings.ToUpper(s)] = true
	}
	for _, s := range topics {
		k.topics[s] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), Budget(t, 30*time.Second))
	defer cancel()
	info, err := k.Client.Info(ctx)
	if err != nil {
		t.Fatalf("ksqlDB at %s does not answer: %v", url, err)
	}
	k.serviceID = info.ServiceID
	if k.serviceID == "" {
		k.serviceID = ksqlkafka.DefaultServiceID
	}
	// Whatever holds the session's suffix on a shared broker goes when the
	// test ends; registered before the session's cleanup, this runs after
	// it.
	track(t).addMark(k.suffix)
	if !own {
		// A server of the test's own goes with everything on it.
		t.Cleanup(k.cleanup)
	}
	return k
}

// Source returns the test's unique name for a stream or table.
func (k *Ksql) Source(name string) string { return strings.ToUpper(name) + k.suffix }

// Topic returns the test's unique name for a topic.
func (k *Ksql) Topic(name string) string { return name + strings.ToLower(k.suffix) }

// Restore takes the test's suffix out of s (a message, a statement, a
// query id), so the learner reads the names they wrote.
func (k *Ksql) Restore(s string) string {
	return regexp.MustCompile(`(?i)`+regexp.QuoteMeta(k.suffix)).ReplaceAllString(s, "")
}

// CreateTopic creates the test's copy of topic.
func (k *Ksql) CreateTopic(topic string, partitions int32) {
	k.t.Helper()
	k.topics[topic] = true
	CreateTopic(k.t, k.Bootstrap, k.Topic(topic), partitions)
}

// Record is an input record a test writes.
type Record struct {
	Key, Value []byte
	Timestamp  time.Time
}

// Produce writes records to the test's copy of topic, each to the
// partition the Java client would choose for its key (murmur2), in order.
func (k *Ksql) Produce(topic string, records ...Record) {
	k.t.Helper()
	cfg := kafkautil.NewConfig("mlops-lab-test-producer")
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	cfg.Producer.Return.Successes = true
	cfg.Net.DialTimeout = 5 * time.Second
	producer, err := sarama.NewSyncProducer(kafkautil.SplitBootstrap(k.Bootstrap), cfg)
	if err != nil {
		k.t.Fatalf("test producer: connecting to %s: %v", k.Bootstrap, err)
	}
	defer producer.Close()
	msgs := make([]*sarama.ProducerMessage, len(records))
	for i, r := range records {
		msgs[i] = &sarama.ProducerMessage{Topic: k.Topic(topic), Timestamp: r.Timestamp}
		if r.Key != nil {
			msgs[i].Key = sarama.ByteEncoder(r.Key)
		}
		if r.Value != nil {
			msgs[i].Value = sarama.ByteEncoder(r.Value)
		}
	}
	// One at a time keeps the order of records of different keys too.
	for _, m := range msgs {
		if _, _, err := producer.SendMessage(m); err != nil {
			k.t.Fatalf("test producer: writing to %s: %v", topic, err)
		}
	}
}

// ReadAll reads every record the test's copy of topic holds now.
func (k *Ksql) ReadAll(topic string) []*sarama.ConsumerMessage {
	k.t.Helper()
	total := int64(0)
	for _, n := range EndOffsets(k.t, k.Bootstrap, k.Topic(topic)) {
		total += n
	}
	return ReadTopic(k.t, k.Bootstrap, k.Topic(topic), int(total), ksqlCallTimeout)
}

// ReadSink reads every record the topic of source (as DESCRIBE names it)
// holds now; nil when the source does not exist.
func (k *Ksql) ReadSink(source string) []*sarama.ConsumerMessage {
	k.t.Helper()
	d, ok := k.Describe(source)
	if !ok {
		return nil
	}
	total := int64(0)
	for _, n := range EndOffsets(k.t, k.Bootstrap, d.Topic) {
		total += n
	}
	return ReadTopic(k.t, k.Bootstrap, d.Topic, int(total), ksqlCallTimeout)
}

// TopicExists reports whether the test's copy of topic exists.
func (k *Ksql) TopicExists(topic string) bool {
	k.t.Helper()
	ctx, cancel := k.ctx(ksqlCallTimeout)
	defer cancel()
	topics, err := kafkautil.ListTopics(ctx, k.Bootstrap)
	if err != nil {
		k.t.Fatalf("listing topics: %v", err)
	}
	for _, tp := range topics {
		if tp.Name == k.Topic(topic) {
			return true
		}
	}
	return false
}

// ksqlCallTimeout bounds one request to the server or the broker: far more
// than any takes, so that only a server that does not answer runs into it,
// even on a loaded machine.
const ksqlCallTimeout = 30 * time.Second

// ctx is a context for one call, with d capped by Budget.
func (k *Ksql) ctx(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), Budget(k.t, d))
}

// Exec runs the test's own statements (the setup an exercise starts from),
// rewritten to the test's names, and fails the test when one fails: a
// failing setup is the grader's defect, not the learner's.
func (k *Ksql) Exec(sql string) []ksqlclient.Entity {
	k.t.Helper()
	sc := k.Parse("the test's setup", sql)
	if sc.Problem != "" {
		k.t.Fatalf("grading setup: %s", sc.Problem)
	}
	k.Run(sc)
	if sc.Problem != "" {
		k.t.Fatalf("grading setup: %s", sc.Problem)
	}
	var out []ksqlclient.Entity
	for _, st := range sc.Statements {
		if st.Entity != nil {
			out = append(out, *st.Entity)
		}
	}
	return out
}

// KsqlScript is a SQL script split into statements, each rewritten to the
// session's names, and after Run what each statement answered.
type KsqlScript struct {
	// File is the script's name in messages.
	File string
	// Statements in script order.
	Statements []*KsqlStatement
	// Problem says why the script could not be read, parsed or run to its
	// end ("" when it ran, or is ready to); Failed names the statement.
	Problem string
	Failed  *KsqlStatement
	// Empty says the file holds no statement at all (comments only).
	Empty bool

	syntaxError bool             // Problem is a syntax error after Statements
	tokens      [][]parser.Token // each statement's tokens
}

// KsqlStatement is one statement of a script.
type KsqlStatement struct {
	// Line is the line of the file it starts on.
	Line int
	// Text is the statement as written; SQL is what is sent.
	Text, SQL string
	// Parsed is the statement's syntax tree (of Text).
	Parsed parser.Statement
	// Ran says it was executed; Entity is what it answered, or Err its
	// error (names restored).
	Ran    bool
	Entity *ksqlclient.Entity
	Err    error
}

// IsQuery says the statement is a SELECT (a push or pull query, which is
// run through Pull or Push rather than Run).
func (s *KsqlStatement) IsQuery() bool {
	_, ok := s.Parsed.(*parser.QueryStatement)
	return ok
}

// IsPush says the statement is a SELECT ... EMIT CHANGES.
func (s *KsqlStatement) IsPush() bool {
	q, ok := s.Parsed.(*parser.QueryStatement)
	return ok && q.Query.Emit == parser.EmitChanges
}

// Load reads one of the learner's SQL files (LabFile: a missing file
// fails the test) and parses it (Parse; a syntax error ends up in the
// script's Problem).
func (k *Ksql) Load(file string) *KsqlScript {
	k.t.Helper()
	return k.Parse(file, string(LabFile(k.t, file)))
}

// Parse splits src into statements and rewrites them to the session's
// names. The streams and tables the script creates, and the topics they
// name, join the session's names. A syntax error becomes the script's
// Problem, with its line and column in src and the line itself; the
// statements before it are kept (Run runs them).
func (k *Ksql) Parse(file, src string) *KsqlScript {
	sc := &KsqlScript{File: file}
	toks, err := parser.Tokenize(src)
	if err != nil {
		sc.Problem = syntaxProblem(file, src, err, parser.Pos{Line: 1, Col: 1})
		return sc
	}
	// parser.SplitScript cuts the statements (as the shell does); each is
	// parsed on its own, so that the statements before a syntax error
	// still run, as they do in `mlops-lab ksql -f` and ksql's RUN SCRIPT.
	// A last statement without its ';' counts too.
	stmts, rest := parser.SplitScript(src)
	if !parser.IsBlank(rest) {
		stmts = append(stmts, parser.ScriptStatement{Offset: len(src) - len(rest), Text: rest})
	}
	var groups [][]parser.Token
	for _, st := range stmts {
		var g []parser.Token
		for _, tok := range toks {
			if tok.Kind != parser.TokEOF && tok.Off >= st.Offset && tok.End <= st.Offset+len(st.Text) {
				g = append(g, tok)
			}
		}
		if len(g) > 0 && !(len(g) == 1 && g[0].Kind == parser.TokOp && g[0].Text == ";") {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		sc.Empty = true
		sc.Problem = file + " has no statements yet (only comments): write the statements the exercise asks for"
		return sc
	}
	for _, g := range groups {
		first, last := g[0], g[len(g)-1]
		text := src[first.Off:last.End]
		parsed, err := parser.ParseStatement(text)
		if err != nil {
			sc.Problem = syntaxProblem(file, src, err, first.Pos)
			sc.syntaxError = true
			break
		}
		k.collectNames(parsed)
		sc.Statements = append(sc.Statements, &KsqlStatement{Line: first.Pos.Line, Text: strings.TrimSpace(text), Parsed: parsed})
		sc.tokens = append(sc.tokens, g)
	}
	// Rewritten once every name the script creates is known (a statement
	// may name a source created further down, in a DROP at the top).
	for i, st := range sc.Statements {
		st.SQL = k.rewrite(src, sc.tokens[i])
	}
	return sc
}

// collectNames adds every stream, table and topic a statement names to
// the session's names, so that a script only ever sees and touches the
// test's copies: on a shared server, a DROP of a name the test did not
// set up must not reach the learner's own stream of that name.
func (k *Ksql) collectNames(st parser.Statement) {
	add := func(name string) {
		if name != "" {
			k.sources[name] = true
		}
	}
	var rel func(r parser.Relation)
	rel = func(r parser.Relation) {
		switch x := r.(type) {
		case *parser.AliasedSource:
			add(x.Name)
		case *parser.Join:
			rel(x.Left)
			add(x.Right.Name)
		}
	}
	query := func(q *parser.Query) {
		if q != nil {
			rel(q.From)
		}
	}
	switch s := st.(type) {
	case *parser.CreateSource:
		add(s.Name)
		if topic := s.Props.String("KAFKA_TOPIC"); topic != "" {
			k.topics[topic] = true
		}
	case *parser.CreateAsSelect:
		add(s.Name)
		if topic := s.Props.String("KAFKA_TOPIC"); topic != "" {
			k.topics[topic] = true
		}
		query(s.Query)
	case *parser.InsertInto:
		add(s.Target)
		query(s.Query)
	case *parser.InsertValues:
		add(s.Target)
	case *parser.DropSource:
		add(s.Name)
	case *parser.Describe:
		add(s.Name)
	case *parser.QueryStatement:
		query(s.Query)
	case *parser.Explain:
		if s.Statement != nil {
			k.collectNames(s.Statement)
		}
	}
}

// queryIDPattern matches the ids ksqlDB gives persistent queries,
// CSAS_<SINK>_<n> and CTAS_<SINK>_<n>.
var queryIDPattern = regexp.MustCompile(`^(?i)(CSAS|CTAS)_(.+)_([0-9]+)$`)

// rewrite renames the session's sources and topics in one statement's
// tokens, leaving everything between them (spacing, comments) as written.
func (k *Ksql) rewrite(src string, toks []parser.Token) string {
	var b strings.Builder
	at := toks[0].Off
	for _, tok := range toks {
		b.WriteString(src[at:tok.Off])
		at = tok.End
		text := tok.Text
		switch tok.Kind {
		case parser.TokIdent:
			if k.sources[tok.Val] {
				text = tok.Text + k.suffix
			} else if m := queryIDPattern.FindStringSubmatch(tok.Text); m != nil && k.sources[strings.ToUpper(m[2])] {
				// A query id as the learner saw it in their own session:
				// resolved when the statement runs (resolveQueryIDs).
				text = strings.ToUpper(m[1]) + "_" + strings.ToUpper(m[2]) + k.suffix + "_" + m[3]
			}
		case parser.TokQuotedIdent:
			if k.sources[tok.Val] {
				q := tok.Text[:1]
				text = q + strings.ReplaceAll(tok.Val+k.suffix, q, q+q) + q
			}
		case parser.TokString:
			if k.topics[tok.Val] {
				text = "'" + strings.ReplaceAll(k.Topic(tok.Val), "'", "''") + "'"
			}
		}
		b.WriteString(text)
	}
	return b.String()
}

// syntaxProblem shows a syntax error at its place in the file; the
// error's position is relative to a statement that starts at base.
func syntaxProblem(file, src string, err error, base parser.Pos) string {
	var pe *parser.Error
	if !errors.As(err, &pe) {
		return fmt.Sprintf("%s: %v", file, err)
	}
	pos := parser.Pos{Line: base.Line + pe.Pos.Line - 1, Col: pe.Pos.Col}
	if pe.Pos.Line == 1 {
		pos.Col = base.Col + pe.Pos.Col - 1
	}
	msg := fmt.Sprintf("%s:%d:%d: syntax error: %s", file, pos.Line, pos.Col, pe.Msg)
	lines := strings.Split(src, "\n")
	if pos.Line >= 1 && pos.Line <= len(lines) {
		line := strings.TrimRight(lines[pos.Line-1], "\r")
		prefix := fmt.Sprintf("  %d | ", pos.Line)
		pad := strings.Repeat(" ", len(prefix)+max(pos.Col-1, 0))
		msg += "\n" + prefix + strings.ReplaceAll(line, "\t", " ") + "\n" + pad + "^"
	}
	return msg
}

// Run executes a script's statements in order, as ksqlDB runs a script,
// and stops at the first that fails (its error, with the statement and
// where it starts, becomes the script's Problem). SET and UNSET change
// the properties of the statements after them; SELECT statements are left
// for Pull and Push. TERMINATE ALL is narrowed to this session's queries
// (on a shared server it would end everyone's), and a query id written as
// the learner saw it (CSAS_LARGE_ORDERS_3) is resolved to the id of the
// query writing that sink on this server.
func (k *Ksql) Run(sc *KsqlScript) {
	k.t.Helper()
	if sc.Problem != "" && !sc.syntaxError {
		return
	}
	props := map[string]any{}
	for key, v := range k.Props {
		props[key] = v
	}
	for i, st := range sc.Statements {
		switch p := st.Parsed.(type) {
		case *parser.SetProperty:
			props[p.Name] = p.Value
			st.Ran = true
			continue
		case *parser.UnsetProperty:
			delete(props, p.Name)
			st.Ran = true
			continue
		case *parser.QueryStatement:
			continue
		}
		st.Ran = true
		var ents []ksqlclient.Entity
		var err error
		if term, ok := st.Parsed.(*parser.Terminate); ok && term.All {
			ents, err = k.terminateOwn()
		} else {
			ctx, cancel := k.ctx(2 * ksqlCallTimeout)
			ents, err = k.Client.Execute(ctx, k.resolveQueryIDs(st), props)
			cancel()
		}
		if err != nil {
			st.Err = k.restoreErr(err)
			sc.Failed = st
			sc.syntaxError = false
			sc.Problem = fmt.Sprintf("%s, statement %d (line %d) failed:\n  %s\nksqlDB answered: %v", sc.File, i+1, st.Line, indent(st.Text), st.Err)
			return
		}
		if len(ents) > 0 {
			e := ents[len(ents)-1]
			st.Entity = &e
		}
	}
}

// resolveQueryIDs replaces the session's query ids in a TERMINATE or
// EXPLAIN with the ids of the queries writing those sinks now.
func (k *Ksql) resolveQueryIDs(st *KsqlStatement) string {
	var id string
	switch p := st.Parsed.(type) {
	case *parser.Terminate:
		id = p.QueryID
	case *parser.Explain:
		id = p.QueryID
	}
	m := queryIDPattern.FindStringSubmatch(id)
	if m == nil || !k.sources[strings.ToUpper(m[2])] {
		return st.SQL
	}
	written := strings.ToUpper(m[1]) + "_" + strings.ToUpper(m[2]) + k.suffix + "_" + m[3]
	queries, err := k.queries()
	if err != nil {
		return st.SQL
	}
	for _, q := range queries {
		if strings.HasPrefix(strings.ToUpper(q.ID), strings.ToUpper(m[1])+"_") {
			for _, sink := range q.Sinks {
				if strings.EqualFold(sink, k.Source(m[2])) {
					return replaceWord(st.SQL, written, q.ID)
				}
			}
		}
	}
	return st.SQL
}

func replaceWord(s, old, repl string) string {
	return regexp.MustCompile(`(?i)\b`+regexp.QuoteMeta(old)+`\b`).ReplaceAllLiteralString(s, repl)
}

// terminateOwn runs TERMINATE for every query of this session.
func (k *Ksql) terminateOwn() ([]ksqlclient.Entity, error) {
	queries, err := k.queries()
	if err != nil {
		return nil, err
	}
	var out []ksqlclient.Entity
	for _, q := range k.own(queries) {
		ctx, cancel := k.ctx(ksqlCallTimeout)
		ents, err := k.Client.Execute(ctx, "TERMINATE "+q.ID+";", k.Props)
		cancel()
		if err != nil {
			return out, err
		}
		out = append(out, ents...)
	}
	return out, nil
}

// own keeps the queries that write to the session's sources.
func (k *Ksql) own(queries []engine.RunningQuery) []engine.RunningQuery {
	var out []engine.RunningQuery
	for _, q := range queries {
		if strings.Contains(strings.ToUpper(q.ID), k.suffix) {
			out = append(out, q)
			continue
		}
		for _, s := range q.Sinks {
			if strings.HasSuffix(strings.ToUpper(s), k.suffix) {
				out = append(out, q)
				break
			}
		}
	}
	return out
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

// restoreErr restores the names in an error from the server.
func (k *Ksql) restoreErr(err error) error {
	var ke *ksqlclient.Error
	if errors.As(err, &ke) {
		return fmt.Errorf("error %d: %s", ke.Code, k.Restore(ke.Message))
	}
	return errors.New(k.Restore(err.Error()))
}

// queries lists the running persistent queries (SHOW QUERIES).
func (k *Ksql) queries() ([]engine.RunningQuery, error) {
	ctx, cancel := k.ctx(ksqlCallTimeout)
	defer cancel()
	ents, err := k.Client.Execute(ctx, "SHOW QUERIES;")
	if err != nil {
		return nil, err
	}
	var list engine.QueriesList
	if len(ents) == 0 {
		return nil, errors.New("SHOW QUERIES answered nothing")
	}
	if err := ents[0].Decode(&list); err != nil {
		return nil, fmt.Errorf("reading SHOW QUERIES: %w", err)
	}
	return list.Queries, nil
}

// Queries returns the session's running queries (the persistent ones
// writing its sources, and its push queries), with ids and names as the
// server has them.
func (k *Ksql) Queries() []engine.RunningQuery {
	k.t.Helper()
	queries, err := k.queries()
	if err != nil {
		k.t.Fatalf("SHOW QUERIES: %v", err)
	}
	return k.own(queries)
}

// QueriesWriting returns the ids of the running queries that write source.
func (k *Ksql) QueriesWriting(source string) []string {
	k.t.Helper()
	var ids []string
	for _, q := range k.Queries() {
		for _, s := range q.Sinks {
			if strings.EqualFold(s, k.Source(source)) {
				ids = append(ids, q.ID)
			}
		}
	}
	return ids
}

// QueriesReading returns the ids of the running queries that read source
// (DESCRIBE's read queries).
func (k *Ksql) QueriesReading(source string) []string {
	k.t.Helper()
	d, ok := k.Describe(source)
	if !ok {
		return nil
	}
	var ids []string
	for _, q := range d.ReadQueries {
		ids = append(ids, q.ID)
	}
	return ids
}

// Describe returns DESCRIBE <source> EXTENDED, and false when the source
// does not exist.
func (k *Ksql) Describe(source string) (engine.SourceDescription, bool) {
	k.t.Helper()
	ctx, cancel := k.ctx(ksqlCallTimeout)
	defer cancel()
	ents, err := k.Client.Execute(ctx, "DESCRIBE "+k.Source(source)+" EXTENDED;")
	var ke *ksqlclient.Error
	if errors.As(err, &ke) && ke.Code != engine.ErrServer {
		return engine.SourceDescription{}, false
	}
	if err != nil {
		k.t.Fatalf("DESCRIBE %s: %v", source, k.restoreErr(err))
	}
	var d engine.SourceDescriptionEntity
	if len(ents) == 0 || ents[0].Decode(&d) != nil {
		k.t.Fatalf("DESCRIBE %s: unexpected answer %s", source, ents)
	}
	return d.SourceDescription, true
}

// Sources returns the session's streams and tables (SHOW STREAMS and SHOW
// TABLES), by their names as the learner wrote them (upper case).
func (k *Ksql) Sources() map[string]engine.SourceInfo {
	k.t.Helper()
	out := map[string]engine.SourceInfo{}
	for _, what := range []string{"STREAMS", "TABLES"} {
		ctx, cancel := k.ctx(ksqlCallTimeout)
		ents, err := k.Client.Execute(ctx, "SHOW "+what+";")
		cancel()
		if err != nil {
			k.t.Fatalf("SHOW %s: %v", what, err)
		}
		if len(ents) == 0 {
			k.t.Fatalf("SHOW %s: the server answered nothing", what)
		}
		var list struct {
			Streams []engine.SourceInfo `json:"streams"`
			Tables  []engine.SourceInfo `json:"tables"`
		}
		if err := ents[0].Decode(&list); err != nil {
			k.t.Fatalf("reading SHOW %s: %v", what, err)
		}
		for _, s := range append(list.Streams, list.Tables...) {
			if strings.HasSuffix(strings.ToUpper(s.Name), k.suffix) {
				out[k.Restore(strings.ToUpper(s.Name))] = s
			}
		}
	}
	return out
}

// QueryResult is what a pull query, or a push query until it was closed,
// answered.
type QueryResult struct {
	Columns []string
	Types   []string
	Rows    [][]any
}

// Column returns the index of a column by name (case-insensitive), or -1.
func (r *QueryResult) Column(name string) int {
	for i, c := range r.Columns {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// ErrQueryRunning is Pull's error for a query that had not ended by its
// deadline: a push query (EMIT CHANGES) rather than a pull query.
var ErrQueryRunning = errors.New("the query was still running at its deadline: a pull query answers once and ends; one with EMIT CHANGES is a push query and runs until it is stopped")

// Pull runs a query (rewritten to the session's names) that should end by
// itself, and returns its rows; when it has not ended within timeout the
// error is ErrQueryRunning, with the rows so far.
func (k *Ksql) Pull(sql string, timeout time.Duration) (*QueryResult, error) {
	k.t.Helper()
	sql = k.rewriteSQL(sql)
	ctx, cancel := k.ctx(timeout)
	defer cancel()
	rows, err := k.Client.Query(ctx, sql, k.Props)
	if err != nil {
		return nil, k.restoreErr(err)
	}
	defer rows.Close()
	res := &QueryResult{Columns: rows.ColumnNames, Types: rows.ColumnTypes}
	for rows.Next() {
		res.Rows = append(res.Rows, rows.Row())
	}
	if ctx.Err() != nil {
		return res, ErrQueryRunning
	}
	if err := rows.Err(); err != nil {
		return res, k.restoreErr(err)
	}
	return res, nil
}

// rewriteSQL rewrites SQL the test wrote; it must parse.
func (k *Ksql) rewriteSQL(sql string) string {
	k.t.Helper()
	sc := k.Parse("query", sql)
	if sc.Problem != "" || len(sc.Statements) != 1 {
		k.t.Fatalf("grading query %q: %s", sql, sc.Problem)
	}
	return sc.Statements[0].SQL
}

// PushQuery is a running push query.
type PushQuery struct {
	k       *Ksql
	Columns []string
	Types   []string
	rows    chan []any
	done    chan struct{}
	err     error
	cancel  context.CancelFunc
	closeFn func() error
}

// Push starts a query (rewritten to the session's names) with props
// (nil: the server's default, auto.offset.reset latest: rows for records
// arriving from now on). It is closed when the test ends.
func (k *Ksql) Push(sql string, props map[string]any) (*PushQuery, error) {
	k.t.Helper()
	sql = k.rewriteSQL(sql)
	return k.PushRaw(sql, props)
}

// PushRaw starts a push query that is already in the session's names (a
// learner's statement's SQL).
func (k *Ksql) PushRaw(sql string, props map[string]any) (*PushQuery, error) {
	ctx, cancel := context.WithCancel(context.Background())
	type started struct {
		rows *ksqlclient.Rows
		err  error
	}
	ch := make(chan started, 1)
	go func() {
		rows, err := k.Client.Query(ctx, sql, props)
		ch <- started{rows, err}
	}()
	var st started
	wait := Budget(k.t, ksqlCallTimeout)
	select {
	case st = <-ch:
	case <-time.After(wait):
		cancel()
		return nil, fmt.Errorf("the server did not start the query within %v", wait)
	}
	if st.err != nil {
		cancel()
		return nil, k.restoreErr(st.err)
	}
	rows := st.rows
	p := &PushQuery{k: k, Columns: rows.ColumnNames, Types: rows.ColumnTypes, rows: make(chan []any, 1024),
		done: make(chan struct{}), cancel: cancel, closeFn: rows.Close}
	go func() {
		defer close(p.done)
		defer close(p.rows)
		for rows.Next() {
			select {
			case p.rows <- rows.Row():
			case <-ctx.Done():
				return
			}
		}
		if err := rows.Err(); err != nil && ctx.Err() == nil {
			p.err = k.restoreErr(err)
		}
	}()
	k.t.Cleanup(p.Close)
	return p, nil
}

// Next waits up to timeout for the next row; false when none came (or
// the query ended).
func (p *PushQuery) Next(timeout time.Duration) ([]any, bool) {
	select {
	case r, ok := <-p.rows:
		return r, ok
	case <-time.After(timeout):
		return nil, false
	}
}

// Collect waits until n rows have come or timeout has passed, and returns
// the rows that came.
func (p *PushQuery) Collect(n int, timeout time.Duration) [][]any {
	var out [][]any
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case r, ok := <-p.rows:
			if !ok {
				return out
			}
			out = append(out, r)
		case <-deadline:
			return out
		}
	}
	return out
}

// Ended reports whether the query has ended (LIMIT reached, or the server
// ended it), and the error that ended it, if any.
func (p *PushQuery) Ended() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Close ends the query.
func (p *PushQuery) Close() {
	p.cancel()
	_ = p.closeFn()
}

// WaitProcessed waits until the persistent query queryID has processed
// every record that topics hold now: until its consumer group's committed
// offsets reach their ends (ksqlDB commits only after the output of what
// it processed is written). A topic is one of the test's fixed names (its
// copy is meant) or a real name (SinkTopic). It reports whether that
// happened within timeout; a topic that does not exist never is.
func (k *Ksql) WaitProcessed(queryID string, timeout time.Duration, topics ...string) bool {
	k.t.Helper()
	group := ksqlkafka.GroupID(k.serviceID, queryID)
	client := newClient(k.t, k.Bootstrap)
	defer client.Close()
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		k.t.Fatalf("connecting an admin client to %s: %v", k.Bootstrap, err)
	}
	ends := map[string]map[int32]int64{}
	for _, topic := range topics {
		if k.topics[topic] {
			topic = k.Topic(topic)
		}
		parts, err := client.Partitions(topic)
		if err != nil {
			return false
		}
		ends[topic] = map[int32]int64{}
		for _, p := range parts {
			if ends[topic][p], err = client.GetOffset(topic, p, sarama.OffsetNewest); err != nil {
				return false
			}
		}
	}
	return Eventually(Budget(k.t, timeout), 50*time.Millisecond, func() bool {
		for topic, offsets := range ends {
			parts := make([]int32, 0, len(offsets))
			for p := range offsets {
				parts = append(parts, p)
			}
			// A group that has committed nothing yet is an error here:
			// not processed yet.
			resp, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: parts})
			if err != nil {
				return false
			}
			for p, end := range offsets {
				block := resp.GetBlock(topic, p)
				if end > 0 && (block == nil || block.Err != sarama.ErrNoError || block.Offset < end) {
					return false
				}
			}
		}
		return true
	})
}

// SinkTopic returns the real name of the topic of source (as DESCRIBE
// names it), or "" when the source does not exist.
func (k *Ksql) SinkTopic(source string) string {
	k.t.Helper()
	d, ok := k.Describe(source)
	if !ok {
		return ""
	}
	return d.Topic
}

// WaitWriter waits until one persistent query writes source, and returns
// its id ("" when none did within timeout).
func (k *Ksql) WaitWriter(source string, timeout time.Duration) string {
	k.t.Helper()
	var id string
	Eventually(Budget(k.t, timeout), 50*time.Millisecond, func() bool {
		if ids := k.QueriesWriting(source); len(ids) > 0 {
			id = ids[0]
			return true
		}
		return false
	})
	return id
}

// cleanup ends the session's queries, drops its sources (deleting their
// topics) and deletes its remaining topics, so a shared server and broker
// keep nothing of the test.
func (k *Ksql) cleanup() {
	if queries, err := k.queries(); err == nil {
		for _, q := range k.own(queries) {
			ctx, cancel := k.ctx(10 * time.Second)
			_, _ = k.Client.Execute(ctx, "TERMINATE "+q.ID+";")
			cancel()
		}
	}
	// Drop readers before what they read: retry while drops make progress.
	for round := 0; round < 5; round++ {
		var names []string
		for _, what := range []string{"STREAMS", "TABLES"} {
			ctx, cancel := k.ctx(10 * time.Second)
			ents, err := k.Client.Execute(ctx, "SHOW "+what+";")
			cancel()
			if err != nil || len(ents) == 0 {
				continue
			}
			var list struct {
				Streams []engine.SourceInfo `json:"streams"`
				Tables  []engine.SourceInfo `json:"tables"`
			}
			_ = ents[0].Decode(&list)
			for _, s := range append(list.Streams, list.Tables...) {
				if strings.HasSuffix(strings.ToUpper(s.Name), k.suffix) {
					names = append(names, s.Type+" `"+strings.ReplaceAll(s.Name, "`", "``")+"`")
				}
			}
		}
		if len(names) == 0 {
			break
		}
		sort.Strings(names)
		for _, n := range names {
			ctx, cancel := k.ctx(10 * time.Second)
			_, _ = k.Client.Execute(ctx, "DROP "+n+" DELETE TOPIC;")
			cancel()
		}
	}
	ctx, cancel := k.ctx(10 * time.Second)
	defer cancel()
	topics, err := kafkautil.ListTopics(ctx, k.Bootstrap)
	if err != nil {
		return
	}
	for _, tp := range topics {
		if strings.HasSuffix(tp.Name, strings.ToLower(k.suffix)) || strings.Contains(strings.ToUpper(tp.Name), k.suffix) {
			_ = kafkautil.DeleteTopic(ctx, k.Bootstrap, tp.Name)
		}
	}
}
