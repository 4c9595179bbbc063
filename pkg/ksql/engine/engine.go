// Package engine is the embedded ksqlDB-compatible engine: a catalogue of
// streams and tables, a planner that turns each statement into a logical
// plan (explainable as text), and operators that consume input records
// and produce output records (source decoding, filter, projection,
// re-keying, windowed and unwindowed aggregation, HAVING, joins, sinks).
//
// The engine knows nothing about Kafka: records come in through
// Engine.Deliver (or Query.Process) and go out through a Producer; topics
// are managed through a TopicAdmin. The Kafka layer implements both and
// serves the REST API on top of Execute, StartQuery and the entities.
//
//	topics := engine.NewMemoryTopics()
//	eng := engine.New(engine.Options{Admin: topics, Producer: topics})
//	topics.OnProduce = eng.Deliver // route outputs to downstream queries
//	_, err := eng.Execute(ctx, `CREATE STREAM s (id INT KEY, v STRING)
//	    WITH (kafka_topic='s', value_format='JSON', partitions=1);
//	  CREATE STREAM t AS SELECT id, UCASE(v) AS v FROM s;`, nil)
//	eng.Deliver(engine.Record{Topic: "s", Key: key, Value: []byte(`{"V":"a"}`)})
package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/functions"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// Options configure an Engine.
type Options struct {
	// Admin creates and lists topics. Required.
	Admin TopicAdmin
	// Producer writes query output and INSERT VALUES records. Required.
	Producer Producer
	// ProcessingLog receives records that could not be processed.
	ProcessingLog func(ProcessingLogEntry)
	// Functions is the function registry (default: the built-ins).
	Functions *functions.Registry
	// QueryStarted and QueryStopped notify the Kafka layer so it can
	// start and stop feeding a query (persistent or transient).
	QueryStarted func(q *Query)
	QueryStopped func(q *Query)
	// DefaultPartitions and DefaultReplicas for topics created by CSAS
	// and CTAS when the source gives no hint (default 1).
	DefaultPartitions int
	DefaultReplicas   int
	// Properties are server properties shown by SHOW PROPERTIES.
	Properties map[string]string
}

// Engine executes ksqlDB statements. It is safe for concurrent use.
type Engine struct {
	opts    Options
	cat     *Catalog
	reg     *functions.Registry
	mu      sync.Mutex // serializes statements
	qmu     sync.RWMutex
	queries map[string]*Query
	byTopic map[string][]*Query
	seq     int64
	tseq    atomic.Int64
	props   map[string]string
	cmdLog  []string
}

// New returns an engine.
func New(opts Options) *Engine {
	if opts.Functions == nil {
		opts.Functions = functions.NewRegistry()
	}
	if opts.DefaultPartitions <= 0 {
		opts.DefaultPartitions = 1
	}
	if opts.DefaultReplicas <= 0 {
		opts.DefaultReplicas = 1
	}
	e := &Engine{opts: opts, cat: newCatalog(), reg: opts.Functions, queries: map[string]*Query{},
		byTopic: map[string][]*Query{}, props: map[string]string{}}
	for k, v := range opts.Properties {
		e.props[k] = v
	}
	return e
}

// Catalog returns the catalogue of streams and tables.
func (e *Engine) Catalog() *Catalog { return e.cat }

// Functions returns the function registry.
func (e *Engine) Functions() *functions.Registry { return e.reg }

// CommandLog returns the statements that built the current catalogue and
// persistent queries, in order (what ksqlDB keeps in its command topic).
// Executing them on a fresh engine rebuilds the same state.
func (e *Engine) CommandLog() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.cmdLog...)
}

// Sequence is the number of the last statement that changed the
// catalogue or the queries; query ids carry the number of the statement
// that created them (CSAS_ORDERS_3).
func (e *Engine) Sequence() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seq
}

// ReserveSequence makes the statement numbering continue above n (it
// never goes back), so that a restarted server replaying its command
// topic gives queries the ids they had and never reuses one.
func (e *Engine) ReserveSequence(n int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq = max(e.seq, n)
}

// Replay executes a command log on this engine.
func (e *Engine) Replay(ctx context.Context, statements []string) error {
	for _, s := range statements {
		if _, err := e.Execute(ctx, s, nil); err != nil {
			return fmt.Errorf("replaying %q: %w", s, err)
		}
	}
	return nil
}

// Query is a running query: persistent (CSAS, CTAS, INSERT INTO) or
// transient (a push query).
type Query struct {
	ID         string
	Statement  string
	Persistent bool
	// SinkName and SinkTopic are set for persistent queries.
	SinkName  string
	SinkTopic string
	// SourceTopics are the topics the query reads.
	SourceTopics []string
	// ColumnNames and ColumnTypes describe the rows of a push query.
	ColumnNames []string
	ColumnTypes []string
	// OffsetReset is "earliest" or "latest": where the query starts
	// reading a source partition it has no committed offset for. It comes
	// from auto.offset.reset in the statement's properties, else the
	// server's (auto.offset.reset or ksql.streams.auto.offset.reset), else
	// ksqlDB's default, "latest". The hidden queries that materialize
	// source tables always read from "earliest".
	OffsetReset string

	eng       *Engine
	plan      *plan
	mu        sync.Mutex
	cur       Record
	restoring bool // the current record only rebuilds state (Restore)
	inputs    map[string][]*inputNode
	processed atomic.Int64
	errors    atomic.Int64
	stopped   atomic.Bool
	sink      sink
	push      *pushSink
}

// Processed returns the number of input records processed.
func (q *Query) Processed() int64 { return q.processed.Load() }

// Errors returns the number of records skipped because of errors.
func (q *Query) Errors() int64 { return q.errors.Load() }

// Process feeds one input record to the query. Records of topics the
// query does not read are ignored.
func (q *Query) Process(rec Record) { q.process(rec, false) }

// Restore feeds a record the query already processed before a restart:
// it rebuilds the query's state (aggregates, join tables, the rows pull
// queries read) without producing output or processing-log entries again.
func (q *Query) Restore(rec Record) { q.process(rec, true) }

func (q *Query) process(rec Record, restoring bool) {
	if q.stopped.Load() {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	ins := q.inputs[rec.Topic]
	if len(ins) == 0 {
		return
	}
	q.cur = rec
	q.restoring = restoring
	defer func() { q.restoring = false }()
	q.processed.Add(1)
	// A panic in an operator is a processing error for this record, not a
	// crash of the engine.
	defer func() {
		if p := recover(); p != nil {
			q.logError(rec, fmt.Sprintf("Error processing record: %v", p))
		}
	}()
	for _, in := range ins {
		in.process(q, rec)
	}
}

func (q *Query) logError(rec Record, msg string) {
	q.errors.Add(1)
	if q.eng.opts.ProcessingLog != nil && !q.restoring {
		q.eng.opts.ProcessingLog(ProcessingLogEntry{QueryID: q.ID, Message: msg, Topic: rec.Topic,
			Partition: rec.Partition, Offset: rec.Offset, Timestamp: rec.Timestamp})
	}
}

// query is the internal name used by operators.
type query = Query

// Deliver feeds a record to every running query that reads its topic.
func (e *Engine) Deliver(rec Record) {
	e.qmu.RLock()
	qs := e.byTopic[rec.Topic]
	e.qmu.RUnlock()
	for _, q := range qs {
		q.Process(rec)
	}
}

// Queries returns the running queries (persistent and transient).
func (e *Engine) Queries() []*Query {
	e.qmu.RLock()
	defer e.qmu.RUnlock()
	out := make([]*Query, 0, len(e.queries))
	for _, q := range e.queries {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Query returns a running query by id.
func (e *Engine) Query(id string) *Query {
	e.qmu.RLock()
	defer e.qmu.RUnlock()
	return e.queries[strings.ToUpper(id)]
}

func (e *Engine) register(q *Query) {
	e.qmu.Lock()
	e.queries[strings.ToUpper(q.ID)] = q
	for t := range q.inputs {
		e.byTopic[t] = append(e.byTopic[t], q)
	}
	e.qmu.Unlock()
	if e.opts.QueryStarted != nil {
		e.opts.QueryStarted(q)
	}
}

func (e *Engine) unregister(q *Query) {
	q.stopped.Store(true)
	e.qmu.Lock()
	delete(e.queries, strings.ToUpper(q.ID))
	for t := range q.inputs {
		list := e.byTopic[t]
		for i, x := range list {
			if x == q {
				e.byTopic[t] = append(list[:i:i], list[i+1:]...)
				break
			}
		}
	}
	e.qmu.Unlock()
	if e.opts.QueryStopped != nil {
		e.opts.QueryStopped(q)
	}
}

// Execute parses and executes a script of statements, returning one entity
// per statement. On the first failing statement it returns a
// *StatementError whose Entities hold the results so far.
func (e *Engine) Execute(ctx context.Context, sql string, props map[string]string) ([]Entity, error) {
	stmts, err := parser.ParseScript(sql)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, sql, "%s", err.Error())
	}
	var out []Entity
	local := map[string]string{}
	for k, v := range props {
		local[k] = v
	}
	for _, st := range stmts {
		ent, err := e.ExecuteStatement(ctx, st, local)
		if err != nil {
			var se *StatementError
			if !errors.As(err, &se) {
				se = stmtErr(ErrBadStatement, st.Text(), "%s", err.Error())
			}
			se.Entities = append(se.Entities, out...)
			return out, se
		}
		if ent != nil {
			out = append(out, ent)
		}
	}
	return out, nil
}

// ExecuteStatement executes one parsed statement. props are the request's
// streamsProperties (SET/UNSET change them for later statements of the
// same script).
func (e *Engine) ExecuteStatement(ctx context.Context, st parser.Statement, props map[string]string) (Entity, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	text := st.Text()
	switch s := st.(type) {
	case *parser.CreateSource:
		return e.createSource(ctx, s)
	case *parser.CreateAsSelect:
		return e.createAsSelect(ctx, s, props)
	case *parser.InsertInto:
		return e.insertInto(ctx, s, props)
	case *parser.InsertValues:
		return e.insertValues(ctx, s)
	case *parser.DropSource:
		return e.drop(ctx, s)
	case *parser.Terminate:
		return e.terminate(s)
	case *parser.Show:
		return e.show(ctx, s)
	case *parser.Describe:
		return e.describe(ctx, s)
	case *parser.DescribeFunction:
		return e.describeFunction(s)
	case *parser.SetProperty:
		if props != nil {
			props[s.Name] = s.Value
		}
		return nil, nil
	case *parser.UnsetProperty:
		if props != nil {
			delete(props, s.Name)
		}
		return nil, nil
	case *parser.Explain:
		return e.explain(s, props)
	case *parser.QueryStatement:
		return nil, stmtErr(ErrQueryEndpoint, text, "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT")
	case *parser.Print:
		return nil, stmtErr(ErrQueryEndpoint, text, "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT")
	}
	return nil, stmtErr(ErrBadStatement, text, "Unsupported statement: %s", text)
}

func (e *Engine) status(text, msg, queryID string, kind string) *CurrentStatus {
	e.seq++
	return &CurrentStatus{Type: "currentStatus", StatementText: text,
		CommandID: kind, CommandStatus: CommandStatus{Status: "SUCCESS", Message: msg, QueryID: queryID},
		CommandSequenceNumber: e.seq, Warnings: []Warning{}}
}

func (e *Engine) defaults() sourceDefaults {
	return sourceDefaults{partitions: e.opts.DefaultPartitions, replicas: e.opts.DefaultReplicas}
}

func (e *Engine) createSource(ctx context.Context, s *parser.CreateSource) (Entity, error) {
	text := s.Text()
	if old := e.cat.Get(s.Name); old != nil {
		if s.IfNotExists {
			return e.status(text, fmt.Sprintf("Cannot add %s '%s': A %s with the same name already exists", strings.ToLower(s.Kind.String()), s.Name, strings.ToLower(old.Kind.String())), "", "create"), nil
		}
		if !s.OrReplace {
			return nil, stmtErr(ErrBadStatement, text, "Cannot add %s '%s': A %s with the same name already exists", strings.ToLower(s.Kind.String()), s.Name, strings.ToLower(old.Kind.String()))
		}
	}
	src, err := sourceFromCreate(s, e.defaults())
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	info, exists, err := e.opts.Admin.DescribeTopic(ctx, src.Topic)
	if err != nil {
		return nil, stmtErr(ErrServer, text, "describing topic %s: %v", src.Topic, err)
	}
	_, partsGiven := s.Props.Get("PARTITIONS")
	switch {
	case exists:
		src.Partitions, src.Replicas = info.Partitions, info.Replicas
	case partsGiven:
		if err := e.opts.Admin.CreateTopic(ctx, src.Topic, src.Partitions, src.Replicas); err != nil {
			return nil, stmtErr(ErrServer, text, "creating topic %s: %v", src.Topic, err)
		}
	default:
		return nil, stmtErr(ErrBadStatement, text, "Topic '%s' does not exist. If you want to create a new topic for the %s please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: CREATE %s %s (...) WITH (KAFKA_TOPIC='%s', PARTITIONS=2, REPLICAS=1, ...);",
			src.Topic, strings.ToLower(s.Kind.String()), s.Kind, s.Name, src.Topic)
	}
	e.cat.put(src)
	e.cmdLog = append(e.cmdLog, text)
	kind := "Stream"
	if s.Kind == parser.KindTable {
		kind = "Table"
	}
	if src.IsSource && s.Kind == parser.KindTable {
		if err := e.materializeSourceTable(src); err != nil {
			return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
		}
	}
	return e.status(text, kind+" created", "", "create"), nil
}

// sinkProps derives the sink source of CSAS/CTAS/INSERT from the WITH
// clause and the plan.
func (e *Engine) sinkSource(name string, kind parser.SourceKind, props parser.Properties, pl *plan, text string) (*Source, error) {
	first := pl.sources[0]
	d := sourceDefaults{keyFormat: first.KeyFormat, valueFormat: first.ValueFormat, partitions: first.Partitions, replicas: first.Replicas}
	if d.partitions <= 0 {
		d.partitions = e.opts.DefaultPartitions
	}
	if d.replicas <= 0 {
		d.replicas = e.opts.DefaultReplicas
	}
	src := &Source{Name: name, Kind: kind, Statement: text, WrapSingleValue: true}
	if _, ok := props.Get("VALUE_DELIMITER"); !ok && first.ValueFormat == format.Delimited {
		src.Delimiter = first.Delimiter
	}
	if err := applyProps(src, props, d, false); err != nil {
		return nil, err
	}
	if src.Delimiter == 0 {
		src.Delimiter = ','
	}
	if src.Topic == "" {
		src.Topic = name
	}
	if _, ok := props.Get("WRAP_SINGLE_VALUE"); !ok {
		src.WrapSingleValue = true
	}
	_, kfGiven := props.Get("KEY_FORMAT")
	_, fGiven := props.Get("FORMAT")
	for _, i := range pl.keyOrder {
		c := pl.columns[i]
		src.Columns = append(src.Columns, Column{Name: c.Name, Type: c.Type, Key: true})
	}
	for _, i := range pl.valueOrder {
		c := pl.columns[i]
		src.Columns = append(src.Columns, Column{Name: c.Name, Type: c.Type})
	}
	keys := src.KeyColumns()
	if src.KeyFormat == format.Kafka && !kfGiven && !fGiven {
		if len(keys) > 1 || len(keys) == 1 && !format.KafkaSupports(keys[0].Type) {
			src.KeyFormat = format.JSON
		}
	}
	if len(keys) == 0 {
		// A result without key columns has no key, as in ksqlDB.
		if kfGiven {
			return nil, fmt.Errorf("Key format specified for stream without key columns.")
		}
		src.KeyFormat = format.None
	}
	switch pl.windowKind {
	case format.TimeWindowed:
		src.WindowType = "TUMBLING"
		if pl.query.Window != nil && pl.query.Window.Type == parser.WindowHopping {
			src.WindowType = "HOPPING"
		}
		src.WindowSize = pl.windowSize
	case format.SessionWindowed:
		src.WindowType = "SESSION"
	}
	if err := checkFormats(src); err != nil {
		return nil, err
	}
	return src, nil
}

func (e *Engine) createAsSelect(ctx context.Context, s *parser.CreateAsSelect, props map[string]string) (Entity, error) {
	text := s.Text()
	existing := e.cat.Get(s.Name)
	if existing != nil && !s.OrReplace {
		if s.IfNotExists {
			return e.status(text, "already exists", "", "create"), nil
		}
		return nil, stmtErr(ErrBadStatement, text, "Cannot add %s '%s': A %s with the same name already exists", strings.ToLower(s.Kind.String()), s.Name, strings.ToLower(existing.Kind.String()))
	}
	if s.Query.Limit >= 0 {
		return nil, stmtErr(ErrBadStatement, text, "CREATE %s AS SELECT statements don't support LIMIT clause.", s.Kind)
	}
	pl, err := e.planSinkQuery(s.Name, s.Query)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	if s.Kind == parser.KindTable && pl.resultKind == parser.KindStream {
		return nil, stmtErr(ErrBadStatement, text, "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT statement instead.")
	}
	if s.Kind == parser.KindStream && pl.resultKind == parser.KindTable {
		return nil, stmtErr(ErrBadStatement, text, "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead.")
	}
	if s.Kind == parser.KindTable && len(pl.keyOrder) == 0 {
		return nil, stmtErr(ErrBadStatement, text, "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build `%s` must include the key columns in its projection (eg, SELECT KEY...).", s.Name)
	}
	src, err := e.sinkSource(s.Name, s.Kind, s.Props, pl, text)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	if existing != nil {
		for _, q := range e.Queries() {
			if q.Persistent && q.SinkName == s.Name {
				e.unregister(q)
			}
		}
	}
	if err := e.opts.Admin.CreateTopic(ctx, src.Topic, src.Partitions, src.Replicas); err != nil {
		return nil, stmtErr(ErrServer, text, "creating topic %s: %v", src.Topic, err)
	}
	prefix := "CSAS_"
	if s.Kind == parser.KindTable {
		prefix = "CTAS_"
	}
	id := prefix + strings.ToUpper(s.Name) + "_" + strconv.FormatInt(e.seq+1, 10)
	q, err := e.newPersistentQuery(id, text, pl, src, nil, e.offsetReset(props))
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	e.cat.put(src)
	e.cmdLog = append(e.cmdLog, text)
	e.register(q)
	return e.status(text, "Created query with ID "+id, id, "create"), nil
}

func (e *Engine) planner() *planner {
	return &planner{cat: e.cat, reg: e.reg, c: &compiler{reg: e.reg}}
}

// offsetReset resolves auto.offset.reset for a new query as ksqlDB does:
// the statement's properties first, then the server's, else "latest".
func (e *Engine) offsetReset(props map[string]string) string {
	for _, m := range []map[string]string{props, e.props} {
		for _, k := range []string{"auto.offset.reset", "ksql.streams.auto.offset.reset"} {
			if v := strings.ToLower(strings.TrimSpace(m[k])); v == "earliest" || v == "latest" {
				return v
			}
		}
	}
	return "latest"
}

// newPersistentQuery attaches a topic sink to a plan. offsetReset is
// where the query starts reading sources it has no committed offsets for.
func (e *Engine) newPersistentQuery(id, text string, pl *plan, sinkSrc *Source, target *Source, offsetReset string) (*Query, error) {
	ts, err := newTopicSink(sinkSrc, e.opts.Producer, pl, target)
	if err != nil {
		return nil, err
	}
	pl.final.sink = ts
	q := &Query{ID: id, Statement: text, Persistent: true, SinkName: sinkSrc.Name, SinkTopic: sinkSrc.Topic,
		eng: e, plan: pl, sink: ts, inputs: map[string][]*inputNode{}, OffsetReset: offsetReset}
	for _, in := range pl.inputs {
		q.inputs[in.src.Topic] = append(q.inputs[in.src.Topic], in)
		q.SourceTopics = appendUnique(q.SourceTopics, in.src.Topic)
	}
	for _, c := range pl.columns {
		q.ColumnNames = append(q.ColumnNames, c.Name)
		q.ColumnTypes = append(q.ColumnTypes, c.Type.String())
	}
	return q, nil
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (e *Engine) insertInto(ctx context.Context, s *parser.InsertInto, props map[string]string) (Entity, error) {
	text := s.Text()
	target := e.cat.Get(s.Target)
	if target == nil {
		return nil, stmtErr(ErrBadStatement, text, "%s does not exist.", s.Target)
	}
	if target.Kind == parser.KindTable {
		return nil, stmtErr(ErrBadStatement, text, "INSERT INTO can only be used to insert into a stream. %s is a table.", s.Target)
	}
	pl, err := e.planSinkQuery(s.Target, s.Query)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	if pl.resultKind != parser.KindStream {
		return nil, stmtErr(ErrBadStatement, text, "INSERT INTO can only be used to insert from a stream.")
	}
	// The result columns must match the target's.
	tk, tv := target.KeyColumns(), target.ValueColumns()
	if len(pl.keyOrder) != len(tk) || len(pl.valueOrder) != len(tv) {
		return nil, stmtErr(ErrBadStatement, text, "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s", describeColumns(pl.columns), schemaString(target.Columns))
	}
	for i, vi := range pl.valueOrder {
		if !types.CanImplicitlyCast(pl.columns[vi].Type, tv[i].Type) || pl.columns[vi].Name != tv[i].Name {
			return nil, stmtErr(ErrBadStatement, text, "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s", describeColumns(pl.columns), schemaString(target.Columns))
		}
	}
	id := "INSERTQUERY_" + strconv.FormatInt(e.seq+1, 10)
	q, err := e.newPersistentQuery(id, text, pl, target, target, e.offsetReset(props))
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	e.cmdLog = append(e.cmdLog, text)
	e.register(q)
	return e.status(text, "Created query with ID "+id, id, "insert"), nil
}

func (e *Engine) insertValues(ctx context.Context, s *parser.InsertValues) (Entity, error) {
	// Errors show the statement with its values masked, as ksqlDB's do,
	// so that values do not end up in logs.
	text := maskInsertValues(s.Text(), len(s.Values))
	target := e.cat.Get(s.Target)
	if target == nil {
		return nil, stmtErr(ErrBadStatement, text, "%s does not exist.", s.Target)
	}
	cols := s.Columns
	if cols == nil {
		for _, c := range target.Columns {
			cols = append(cols, c.Name)
		}
	}
	if len(cols) != len(s.Values) {
		return nil, stmtErr(ErrBadStatement, text, "Failed to prepare statement: Expected number columns and values to match: %d, %d", len(cols), len(s.Values))
	}
	row := make(map[string]any, len(cols))
	var ts int64 = -1
	c := &compiler{reg: e.reg}
	for i, name := range cols {
		v, _, err := c.constValue(s.Values[i])
		if err != nil {
			return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
		}
		if name == "ROWTIME" {
			ts = types.ToInt64(v)
			continue
		}
		if name == "ROWPARTITION" || name == "ROWOFFSET" {
			return nil, stmtErr(ErrBadStatement, text, "Inserting into column `%s` is not allowed.", name)
		}
		found := false
		for _, col := range target.Columns {
			if col.Name == name {
				found = true
				cv, err := types.Cast(v, col.Type)
				if err != nil {
					return nil, stmtErr(ErrBadStatement, text, "Failed to insert values into '%s'. %v", target.Name, err)
				}
				row[name] = cv
			}
		}
		if !found {
			return nil, stmtErr(ErrBadStatement, text, "Column name %s does not exist.", name)
		}
	}
	kc, vc, err := target.codecs()
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	var keys, vals []any
	for _, col := range target.KeyColumns() {
		keys = append(keys, row[col.Name])
	}
	for _, col := range target.ValueColumns() {
		vals = append(vals, row[col.Name])
	}
	var kb []byte
	if len(keys) > 1 || len(keys) == 1 && keys[0] != nil {
		if kb, err = kc.Encode(nil, keys); err != nil {
			return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
		}
	}
	vb, err := vc.Encode(nil, vals)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	if ts < 0 {
		ts = nowMillis()
	}
	if err := e.opts.Producer.Produce(ctx, Record{Topic: target.Topic, Key: kb, Value: vb, Timestamp: ts}); err != nil {
		return nil, stmtErr(ErrServer, text, "Failed to insert values into '%s': %v", target.Name, err)
	}
	return nil, nil
}

// maskInsertValues replaces the values of an INSERT ... VALUES statement
// by '[value]'.
func maskInsertValues(text string, n int) string {
	i := strings.LastIndex(strings.ToUpper(text), "VALUES")
	if i < 0 {
		return text
	}
	masked := make([]string, n)
	for j := range masked {
		masked[j] = "'[value]'"
	}
	return text[:i] + "VALUES (" + strings.Join(masked, ", ") + ");"
}

func (e *Engine) drop(ctx context.Context, s *parser.DropSource) (Entity, error) {
	text := s.Text()
	src := e.cat.Get(s.Name)
	if src == nil {
		if s.IfExists {
			return e.status(text, "Source "+s.Name+" does not exist.", "", "drop"), nil
		}
		return nil, stmtErr(ErrBadStatement, text, "Source %s does not exist.", s.Name)
	}
	if src.Kind != s.Kind {
		return nil, stmtErr(ErrBadStatement, text, "Incompatible data source type is %s, but statement was DROP %s", src.Kind, s.Kind)
	}
	var writers, readers []string
	for _, q := range e.Queries() {
		if !q.Persistent {
			continue
		}
		if q.SinkName == s.Name {
			if q.ID == "MATERIALIZE_"+s.Name {
				continue
			}
			writers = append(writers, q.ID)
		}
		for _, ps := range q.plan.sources {
			if ps.Name == s.Name && q.SinkName != s.Name {
				readers = append(readers, q.ID)
			}
		}
	}
	if len(writers) > 0 || len(readers) > 0 {
		return nil, stmtErr(ErrBadStatement, text, "Cannot drop %s.\nThe following queries read from this source: [%s].\nThe following queries write into this source: [%s].\nYou need to terminate them before dropping %s.",
			s.Name, strings.Join(readers, ", "), strings.Join(writers, ", "), s.Name)
	}
	if q := e.Query("MATERIALIZE_" + s.Name); q != nil {
		e.unregister(q)
	}
	e.cat.remove(s.Name)
	if s.DeleteTopic {
		if err := e.opts.Admin.DeleteTopic(ctx, src.Topic); err != nil {
			return nil, stmtErr(ErrServer, text, "deleting topic %s: %v", src.Topic, err)
		}
	}
	e.cmdLog = append(e.cmdLog, text)
	return e.status(text, "Source `"+s.Name+"` (topic: "+src.Topic+") was dropped.", "", "drop"), nil
}

func (e *Engine) terminate(s *parser.Terminate) (Entity, error) {
	text := s.Text()
	if s.All {
		for _, q := range e.Queries() {
			if strings.HasPrefix(q.ID, "MATERIALIZE_") {
				continue
			}
			e.unregister(q)
		}
		e.cmdLog = append(e.cmdLog, text)
		return e.status(text, "Terminated all queries.", "", "terminate"), nil
	}
	q := e.Query(s.QueryID)
	if q == nil {
		return nil, stmtErr(ErrBadStatement, text, "Unknown queryId: %s", s.QueryID)
	}
	e.unregister(q)
	if q.Persistent {
		e.cmdLog = append(e.cmdLog, text)
	}
	return e.status(text, "Query terminated.", "", "terminate"), nil
}

// topicSink encodes results and produces them to the sink topic; table
// results are also kept in a store for pull queries.
type topicSink struct {
	topic      string
	keyCodec   format.Codec
	valCodec   format.Codec
	windowKind format.WindowKind
	producer   Producer
	castTo     []*types.Type // value casts for INSERT INTO
	store      *tableStore
}

func newTopicSink(src *Source, p Producer, pl *plan, target *Source) (*topicSink, error) {
	kc, vc, err := src.codecs()
	if err != nil {
		return nil, err
	}
	ts := &topicSink{topic: src.Topic, keyCodec: kc, valCodec: vc, windowKind: pl.windowKind, producer: p}
	if target != nil {
		for _, c := range target.ValueColumns() {
			ts.castTo = append(ts.castTo, c.Type)
		}
	}
	if src.Kind == parser.KindTable {
		ts.store = newTableStore(pl)
	}
	return ts, nil
}

type sink interface {
	emit(q *query, em emission)
}

func (s *topicSink) emit(q *query, em emission) {
	var key []byte
	var err error
	// A key of several columns is written even when they are all null
	// ({"A":null,"B":null}), as ksqlDB does; a single null key is no key.
	if len(em.keys) > 1 || len(em.keys) == 1 && em.keys[0] != nil {
		if key, err = s.keyCodec.Encode(nil, em.keys); err != nil {
			q.logError(q.cur, "Failed to serialize key: "+err.Error())
			return
		}
	}
	if s.windowKind != format.NotWindowed && em.row != nil && em.row.Windowed {
		key = format.AppendWindow(key, s.windowKind, em.row.WindowStart, em.row.WindowEnd)
	}
	var val []byte
	if !em.tombstone {
		vals := em.values
		if s.castTo != nil {
			vals = make([]any, len(em.values))
			for i, v := range em.values {
				if vals[i], err = types.Cast(v, s.castTo[i]); err != nil {
					q.logError(q.cur, "Failed to serialize value: "+err.Error())
					return
				}
			}
		}
		if val, err = s.valCodec.Encode(make([]byte, 0, 64), vals); err != nil {
			q.logError(q.cur, "Failed to serialize value: "+err.Error())
			return
		}
	}
	if s.store != nil {
		s.store.apply(key, em)
	}
	if q.restoring {
		return // written before the restart
	}
	rec := Record{Topic: s.topic, Key: key, Value: val, Timestamp: em.ts}
	if err := s.producer.Produce(context.Background(), rec); err != nil {
		q.logError(q.cur, "Failed to produce to "+s.topic+": "+err.Error())
	}
}
