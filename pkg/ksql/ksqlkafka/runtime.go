// Package ksqlkafka runs the embedded ksqlDB engine (pkg/ksql/engine) over a
// real Kafka cluster through sarama: topics are created and listed through
// the runtime's kafkautil.Client, query output and INSERT VALUES records are produced with
// an asynchronous producer, and every running query is fed by its own
// consumer of its source topics.
//
// Persistent queries commit their input offsets under a consumer group
// per query, named as ksqlDB names them
// (_confluent-ksql-default_query_CSAS_ORDERS_3). Offsets are committed
// only after every output record produced so far has been acknowledged by
// the broker, so a crash can repeat output but never lose it
// (at-least-once, like ksqlDB without exactly_once_v2). On a clean stop
// the final offsets are committed after a flush, so a restart continues
// exactly where the previous run stopped.
//
// A new persistent query starts at its auto.offset.reset (the statement's
// property, else the server's, else ksqlDB's default "latest"); a query
// starting at "latest" commits its starting offsets at once, and every
// commit carries the first offset the query read (its origin) as
// metadata. On restart a persistent query first rebuilds its state
// (aggregates, join tables, the rows served to pull queries) by reading
// its sources from its origin up to the committed offsets without
// producing output for those records (engine.Query.Restore), then
// continues normally. Restoring is decided record by record: a partition
// that has caught up produces output for its new records at once, also
// while other partitions still restore. After a clean stop the sink
// receives exactly the new outputs; after a crash, the outputs of records
// processed after the last commit are written again (at-least-once).
// (ksqlDB restores state from changelog topics instead; reading the
// source again is simpler and fine at the course's scale.)
//
// The catalogue is kept in a command topic
// (_confluent-ksql-default__command_topic, one partition): every
// statement that changed it is appended, and Open replays the topic, so an
// environment restarted on the same broker data folder gets its streams,
// tables and persistent queries back, under the query ids they had (each
// command records the query id it created and the statement number, and
// the numbering continues from there). Records a query cannot process are
// written as JSON to the processing log topic (default_ksql_processing_log),
// readable as the KSQL_PROCESSING_LOG stream.
package ksqlkafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
)

// DefaultServiceID is ksqlDB's default ksql.service.id.
const DefaultServiceID = "default_"

// Options configure a Runtime.
type Options struct {
	// Bootstrap is the Kafka bootstrap address, HOST:PORT[,HOST:PORT].
	Bootstrap string
	// ServiceID is ksql.service.id (DefaultServiceID when empty); it
	// prefixes the command topic, the processing log and consumer groups.
	ServiceID string
	// CommitInterval is how often persistent queries commit their input
	// offsets (after flushing their output); 100ms when zero.
	CommitInterval time.Duration
	// Logf receives operational messages (replay problems, consumer
	// failures); nil discards them.
	Logf func(format string, args ...any)
	// Properties are server properties shown by SHOW PROPERTIES.
	Properties map[string]string
	// Configure, when set, adjusts every sarama configuration the runtime
	// makes (for example a dialer that reaches an advertised address through
	// a local one, inside a container).
	Configure func(*sarama.Config)
}

// config is the sarama configuration of one of the runtime's clients.
func (o Options) config(clientID string) *sarama.Config {
	cfg := kafkautil.NewConfig(clientID)
	if o.Configure != nil {
		o.Configure(cfg)
	}
	return cfg
}

// Runtime is the engine running over Kafka. It is safe for concurrent use.
type Runtime struct {
	opts      Options
	brokers   []string
	kc        *kafkautil.Client // owns client
	client    sarama.Client
	prod      *producer
	eng       *engine.Engine
	clusterID string

	execMu sync.Mutex // serializes statements and their command-log appends

	mu      sync.Mutex
	feeds   map[*engine.Query]*feed
	started []*engine.Query // persistent queries started by the current statement
	// canon maps a running query's id to its canonical id: the id it had
	// when it was first created, which names its consumer group and is
	// what the command topic records (a replay gives queries their
	// recorded ids; they differ only for commands written before the
	// statement number was recorded).
	canon     map[string]string
	usedCanon map[string]bool
	replayID  string // canonical id of the query the replayed statement creates

	feedsWG      sync.WaitGroup
	closed       atomic.Bool
	closeOnce    sync.Once
	processedLog atomic.Int64
}

// CommandTopic is the command topic's name for a service id.
func CommandTopic(serviceID string) string { return "_confluent-ksql-" + serviceID + "_command_topic" }

// ProcessingLogTopic is the processing log topic's name for a service id.
func ProcessingLogTopic(serviceID string) string { return serviceID + "ksql_processing_log" }

// GroupID is the consumer group a persistent query commits its offsets
// under.
func GroupID(serviceID, queryID string) string {
	return "_confluent-ksql-" + serviceID + "query_" + queryID
}

// command is one entry of the command topic.
type command struct {
	Statement string `json:"statement"`
	// QueryID is the canonical id of the persistent query the statement
	// created, if any.
	QueryID string `json:"queryId,omitempty"`
	// Properties are the statement's effective properties that a replay
	// needs (auto.offset.reset of the query it created), as ksqlDB keeps
	// a command's overwritten properties.
	Properties map[string]string `json:"streamsProperties,omitempty"`
	// Seq is the engine's statement number after the statement: a replay
	// continues the numbering from it, so query ids are never reused.
	Seq int64 `json:"seq,omitempty"`
}

// Open connects to Kafka, replays the command topic and starts the
// persistent queries it describes.
func Open(ctx context.Context, opts Options) (*Runtime, error) {
	if opts.ServiceID == "" {
		opts.ServiceID = DefaultServiceID
	}
	if opts.CommitInterval <= 0 {
		opts.CommitInterval = 100 * time.Millisecond
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	r := &Runtime{opts: opts, brokers: kafkautil.SplitBootstrap(opts.Bootstrap), feeds: map[*engine.Query]*feed{},
		canon: map[string]string{}, usedCanon: map[string]bool{}}
	if err := kafkautil.WaitReachable(ctx, opts.Bootstrap); err != nil {
		return nil, err
	}
	cfg := opts.config("ksql-" + opts.ServiceID)
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Flush.Frequency = time.Millisecond
	cfg.Producer.Flush.Messages = 500
	cfg.ChannelBufferSize = 4096
	cfg.Admin.Timeout = 10 * time.Second
	kc, err := kafkautil.Dial(ctx, opts.Bootstrap, cfg)
	if err != nil {
		return nil, fmt.Errorf("ksql: %w", err)
	}
	r.kc, r.client = kc, kc.Sarama()
	client := r.client
	prod, err := newProducer(client)
	if err != nil {
		kc.Close()
		return nil, fmt.Errorf("ksql: producer: %w", err)
	}
	prod.onError = func(msg *sarama.ProducerMessage, err error) {
		opts.Logf("ksql: producing to %s: %v", msg.Topic, err)
	}
	r.prod = prod
	r.clusterID = fetchClusterID(client)

	ta := &topicAdmin{kc: kc}
	for _, t := range []string{CommandTopic(opts.ServiceID), ProcessingLogTopic(opts.ServiceID)} {
		if err := ta.CreateTopic(ctx, t, 1, 1); err != nil {
			r.Close()
			return nil, fmt.Errorf("ksql: %w", err)
		}
	}
	props := map[string]string{"ksql.service.id": opts.ServiceID, "bootstrap.servers": opts.Bootstrap}
	maps.Copy(props, opts.Properties)
	r.eng = engine.New(engine.Options{
		Admin:         ta,
		Producer:      prod,
		ProcessingLog: r.logProcessingError,
		QueryStarted:  r.queryStarted,
		QueryStopped:  r.queryStopped,
		Properties:    props,
	})
	cmds, err := r.readCommands(ctx)
	if err != nil {
		r.Close()
		return nil, err
	}
	r.replay(ctx, cmds)
	r.createProcessingLogStream(ctx)
	return r, nil
}

func fetchClusterID(client sarama.Client) string {
	for _, b := range client.Brokers() {
		_ = b.Open(client.Config())
		resp, err := b.GetMetadata(&sarama.MetadataRequest{Version: 2})
		if err == nil && resp.ClusterID != nil {
			return *resp.ClusterID
		}
	}
	return ""
}

// Engine returns the engine.
func (r *Runtime) Engine() *engine.Engine { return r.eng }

// ClusterID is the Kafka cluster id ("" when the broker did not say).
func (r *Runtime) ClusterID() string { return r.clusterID }

// ServiceID is ksql.service.id.
func (r *Runtime) ServiceID() string { return r.opts.ServiceID }

// Execute runs a script of statements (what POST /ksql does). Statements
// that change the catalogue are appended to the command topic before
// Execute returns, and records written by INSERT VALUES are acknowledged
// by the broker.
func (r *Runtime) Execute(ctx context.Context, sql string, props map[string]string) ([]engine.Entity, error) {
	if r.closed.Load() {
		return nil, &engine.StatementError{Type: "statement_error", ErrorCode: engine.ErrServer, Message: "the ksql server is shutting down", StatementText: sql, Entities: []engine.Entity{}}
	}
	stmts, err := parser.ParseScript(sql)
	if err != nil {
		return nil, &engine.StatementError{Type: "statement_error", ErrorCode: engine.ErrBadStatement, Message: err.Error(), StatementText: sql, Entities: []engine.Entity{}}
	}
	r.execMu.Lock()
	defer r.execMu.Unlock()
	local := maps.Clone(props)
	if local == nil {
		local = map[string]string{}
	}
	var out []engine.Entity
	fail := func(err error, text string) ([]engine.Entity, error) {
		var se *engine.StatementError
		if !errors.As(err, &se) {
			se = &engine.StatementError{Type: "statement_error", ErrorCode: engine.ErrBadStatement, Message: err.Error(), StatementText: text, Entities: []engine.Entity{}}
		}
		se.Entities = append(se.Entities, out...)
		return out, se
	}
	for _, st := range stmts {
		before := len(r.eng.CommandLog())
		r.mu.Lock()
		r.started = nil
		r.mu.Unlock()
		// Records the statement writes (INSERT VALUES) are answered for
		// before the statement counts as done.
		w := &ackWaiter{}
		ent, err := r.eng.ExecuteStatement(withAckWaiter(ctx, w), st, local)
		if err == nil && w.count() > 0 {
			err = insertError(st, w.wait(ctx))
		}
		if err != nil {
			return fail(err, st.Text())
		}
		if ent != nil {
			out = append(out, ent)
		}
		if err := r.logCommands(ctx, before); err != nil {
			return fail(&engine.StatementError{Type: "statement_error", ErrorCode: engine.ErrServer,
				Message: "The statement ran but could not be written to the command topic: " + err.Error(), StatementText: st.Text(), Entities: []engine.Entity{}}, st.Text())
		}
	}
	return out, nil
}

// insertError turns a record the producer or the broker refused into
// the statement's error, as ksqlDB words it.
func insertError(st parser.Statement, err error) error {
	if err == nil {
		return nil
	}
	target := ""
	if iv, ok := st.(*parser.InsertValues); ok {
		target = iv.Target
	}
	code := engine.ErrServer
	var cfgErr sarama.ConfigurationError
	if errors.Is(err, sarama.ErrMessageSizeTooLarge) || errors.As(err, &cfgErr) {
		// Too large for the producer (max.request.size) or the broker.
		code = engine.ErrBadStatement
	}
	return &engine.StatementError{Type: "statement_error", ErrorCode: code,
		Message:       fmt.Sprintf("Failed to insert values into '%s'. %v", target, err),
		StatementText: st.Text(), Entities: []engine.Entity{}}
}

// logCommands appends the statements the engine logged since before.
func (r *Runtime) logCommands(ctx context.Context, before int) error {
	logged := r.eng.CommandLog()
	if len(logged) <= before {
		return nil
	}
	r.mu.Lock()
	var queryID, reset string
	for _, q := range r.started {
		if id, ok := r.canon[strings.ToUpper(q.ID)]; ok {
			queryID, reset = id, q.OffsetReset
		}
	}
	r.mu.Unlock()
	for i, text := range logged[before:] {
		c := command{Statement: r.canonicalText(text), Seq: r.eng.Sequence()}
		if i == len(logged[before:])-1 {
			c.QueryID = queryID
			if queryID != "" && reset != "" {
				c.Properties = map[string]string{"auto.offset.reset": reset}
			}
		}
		if err := r.appendCommand(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// canonicalText rewrites TERMINATE <id> to the query's canonical id.
func (r *Runtime) canonicalText(text string) string {
	st, err := parser.ParseStatement(text)
	if err != nil {
		return text
	}
	t, ok := st.(*parser.Terminate)
	if !ok || t.All {
		return text
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.canon[strings.ToUpper(t.QueryID)]; ok {
		return "TERMINATE " + c + ";"
	}
	return text
}

func (r *Runtime) appendCommand(ctx context.Context, c command) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	w := &ackWaiter{}
	if err := r.prod.Produce(withAckWaiter(ctx, w), engine.Record{Topic: CommandTopic(r.opts.ServiceID), Value: b, Timestamp: time.Now().UnixMilli()}); err != nil {
		return err
	}
	return w.wait(ctx)
}

// readCommands reads the command topic from the beginning to its end.
func (r *Runtime) readCommands(ctx context.Context) ([]command, error) {
	topic := CommandTopic(r.opts.ServiceID)
	if err := r.client.RefreshMetadata(topic); err != nil {
		return nil, fmt.Errorf("ksql: reading the command topic: %w", err)
	}
	end, err := r.client.GetOffset(topic, 0, sarama.OffsetNewest)
	if err != nil {
		return nil, fmt.Errorf("ksql: reading the command topic: %w", err)
	}
	start, err := r.client.GetOffset(topic, 0, sarama.OffsetOldest)
	if err != nil {
		return nil, fmt.Errorf("ksql: reading the command topic: %w", err)
	}
	if end <= start {
		return nil, nil
	}
	consumer, err := sarama.NewConsumerFromClient(r.client)
	if err != nil {
		return nil, fmt.Errorf("ksql: reading the command topic: %w", err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, 0, start)
	if err != nil {
		return nil, fmt.Errorf("ksql: reading the command topic: %w", err)
	}
	defer pc.Close()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	var cmds []command
	for {
		select {
		case m := <-pc.Messages():
			var c command
			if err := json.Unmarshal(m.Value, &c); err != nil || c.Statement == "" {
				r.opts.Logf("ksql: skipping unreadable command at offset %d: %s", m.Offset, m.Value)
			} else {
				cmds = append(cmds, c)
			}
			if m.Offset+1 >= end {
				return cmds, nil
			}
		case <-timeout.C:
			return nil, fmt.Errorf("ksql: reading the command topic: timed out at %d records of %d", len(cmds), end-start)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// replay executes the command topic's statements on the fresh engine.
func (r *Runtime) replay(ctx context.Context, cmds []command) {
	r.execMu.Lock()
	defer r.execMu.Unlock()
	for _, c := range cmds {
		text := c.Statement
		if st, err := parser.ParseStatement(text); err == nil {
			if t, ok := st.(*parser.Terminate); ok && !t.All {
				r.mu.Lock()
				for cur, canon := range r.canon {
					if strings.EqualFold(canon, t.QueryID) {
						text = "TERMINATE " + cur + ";"
					}
				}
				r.mu.Unlock()
			}
		}
		r.mu.Lock()
		r.replayID = c.QueryID
		if c.QueryID != "" {
			r.usedCanon[strings.ToUpper(c.QueryID)] = true
		}
		r.mu.Unlock()
		// The query gets the id it had: its number is the statement's.
		if n, ok := queryNumber(c.QueryID); ok {
			r.eng.ReserveSequence(n - 1)
		}
		props := c.Properties
		if props == nil && c.QueryID != "" {
			// Written before commands carried properties, when every
			// persistent query read from the earliest offset.
			props = map[string]string{"auto.offset.reset": "earliest"}
		}
		if _, err := r.eng.Execute(ctx, text, props); err != nil {
			r.opts.Logf("ksql: replaying %q: %v", text, err)
		}
		r.eng.ReserveSequence(c.Seq)
	}
	r.mu.Lock()
	r.replayID = ""
	r.mu.Unlock()
}

// queryNumber is the statement number at the end of a query id
// (CSAS_ORDERS_3 -> 3).
func queryNumber(id string) (int64, bool) {
	i := strings.LastIndexByte(id, '_')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(id[i+1:], 10, 64)
	return n, err == nil && n > 0
}

const processingLogStream = "KSQL_PROCESSING_LOG"

// createProcessingLogStream declares the processing log stream (as ksqlDB
// does with ksql.logging.processing.stream.auto.create). It is not
// written to the command topic: every start declares it again.
func (r *Runtime) createProcessingLogStream(ctx context.Context) {
	if r.eng.Catalog().Get(processingLogStream) != nil {
		return
	}
	stmt := "CREATE STREAM IF NOT EXISTS " + processingLogStream + " (LOGGER STRING, LEVEL STRING, `TIME` BIGINT, " +
		"MESSAGE STRUCT<`TYPE` INT, DESERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORDB64 STRING, CAUSE ARRAY<STRING>, `TOPIC` STRING>, " +
		"RECORDPROCESSINGERROR STRUCT<ERRORMESSAGE STRING, RECORD STRING, CAUSE ARRAY<STRING>>, " +
		"SERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORD STRING, CAUSE ARRAY<STRING>, `TOPIC` STRING>>) " +
		"WITH (KAFKA_TOPIC='" + ProcessingLogTopic(r.opts.ServiceID) + "', VALUE_FORMAT='JSON');"
	if _, err := r.eng.Execute(ctx, stmt, nil); err != nil {
		r.opts.Logf("ksql: creating %s: %v", processingLogStream, err)
	}
}

// logProcessingError writes a processing log entry in the shape of
// ksqlDB's processing log.
func (r *Runtime) logProcessingError(e engine.ProcessingLogEntry) {
	r.processedLog.Add(1)
	msg := map[string]any{}
	lower := strings.ToLower(e.Message)
	switch {
	case strings.Contains(lower, "serialize") && !strings.Contains(lower, "deserializ"):
		msg["TYPE"] = 2
		msg["SERIALIZATIONERROR"] = map[string]any{"TARGET": "value", "ERRORMESSAGE": e.Message, "RECORD": nil, "CAUSE": []string{}, "TOPIC": e.Topic}
	case strings.Contains(lower, "deserializ") || strings.Contains(lower, "json") || strings.Contains(lower, "parse"):
		msg["TYPE"] = 0
		msg["DESERIALIZATIONERROR"] = map[string]any{"TARGET": "value", "ERRORMESSAGE": e.Message, "RECORDB64": nil, "CAUSE": []string{}, "TOPIC": e.Topic}
	default:
		msg["TYPE"] = 1
		msg["RECORDPROCESSINGERROR"] = map[string]any{"ERRORMESSAGE": e.Message, "RECORD": nil, "CAUSE": []string{}}
	}
	v := map[string]any{"LOGGER": "processing." + e.QueryID, "LEVEL": "ERROR", "TIME": time.Now().UnixMilli(), "MESSAGE": msg}
	b, _ := json.Marshal(v)
	if err := r.prod.Produce(context.Background(), engine.Record{Topic: ProcessingLogTopic(r.opts.ServiceID), Value: b, Timestamp: time.Now().UnixMilli()}); err != nil {
		r.opts.Logf("ksql: writing the processing log: %v", err)
	}
}

// StartQuery starts a push query (or answers a pull query); its rows
// arrive on the PushQuery's Rows channel. The query ends when ctx ends.
func (r *Runtime) StartQuery(ctx context.Context, sql string, props map[string]string) (*engine.PushQuery, error) {
	if r.closed.Load() {
		return nil, &engine.StatementError{Type: "statement_error", ErrorCode: engine.ErrServer, Message: "the ksql server is shutting down", StatementText: sql, Entities: []engine.Entity{}}
	}
	return r.eng.StartQuery(ctx, sql, props)
}

// Close stops every query (committing the offsets of persistent ones
// after flushing their output) and disconnects from Kafka. The catalogue
// stays in the command topic.
func (r *Runtime) Close() error {
	r.closeOnce.Do(func() {
		r.closed.Store(true)
		r.mu.Lock()
		for _, f := range r.feeds {
			f.signalStop()
		}
		r.mu.Unlock()
		r.feedsWG.Wait()
		if r.prod != nil {
			r.prod.close()
		}
		if r.kc != nil {
			r.kc.Close()
		}
	})
	return nil
}
