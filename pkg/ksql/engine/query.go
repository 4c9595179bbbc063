package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

func nowMillis() int64 { return time.Now().UnixMilli() }

// storedRow is one row of a materialized table.
type storedRow struct {
	values   []any // in select order
	ts       int64
	windowed bool
	start    int64
	end      int64
}

// tableStore holds the latest row per key of a table (for pull queries).
type tableStore struct {
	mu   sync.RWMutex
	rows map[string]*storedRow
	cols []outputColumn
}

func newTableStore(pl *plan) *tableStore {
	return &tableStore{rows: map[string]*storedRow{}, cols: pl.columns}
}

func (s *tableStore) apply(key []byte, em emission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(key)
	if em.tombstone {
		delete(s.rows, k)
		return
	}
	r := &storedRow{values: em.all, ts: em.ts}
	if em.row != nil && em.row.Windowed {
		r.windowed, r.start, r.end = true, em.row.WindowStart, em.row.WindowEnd
	}
	s.rows[k] = r
}

func (s *tableStore) snapshot() []*storedRow {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.rows))
	for k := range s.rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*storedRow, len(keys))
	for i, k := range keys {
		out[i] = s.rows[k]
	}
	return out
}

// materializeSourceTable starts a hidden query that keeps a CREATE SOURCE
// TABLE materialized so that pull queries can read it.
func (e *Engine) materializeSourceTable(src *Source) error {
	q, err := parser.ParseStatement("SELECT * FROM " + parser.QuoteIdent(src.Name) + " EMIT CHANGES;")
	if err != nil {
		return err
	}
	pl, err := e.planner().planQuery(q.(*parser.QueryStatement).Query)
	if err != nil {
		return err
	}
	store := newTableStore(pl)
	pl.final.sink = &storeSink{store: store, keyCodec: mustKeyCodec(src)}
	qu := &Query{ID: "MATERIALIZE_" + src.Name, Statement: src.Statement, Persistent: true, SinkName: src.Name,
		SinkTopic: src.Topic, eng: e, plan: pl, inputs: map[string][]*inputNode{}, OffsetReset: "earliest"}
	for _, in := range pl.inputs {
		qu.inputs[in.src.Topic] = append(qu.inputs[in.src.Topic], in)
		qu.SourceTopics = appendUnique(qu.SourceTopics, in.src.Topic)
	}
	qu.sink = pl.final.sink
	e.register(qu)
	return nil
}

func mustKeyCodec(src *Source) format.Codec {
	kc, err := src.KeyCodec()
	if err != nil {
		return nil
	}
	return kc
}

type storeSink struct {
	store    *tableStore
	keyCodec format.Codec
}

func (s *storeSink) emit(q *query, em emission) {
	key, _ := s.keyCodec.Encode(nil, em.keys)
	s.store.apply(key, em)
}

// PushQuery is a running transient query (SELECT ... EMIT CHANGES) or the
// result of a pull query. Rows arrive on Rows() in select order; the
// channel is closed when the query ends (LIMIT reached, Close, or at once
// for a pull query).
type PushQuery struct {
	*Query
	rows     chan ResultRow
	done     chan struct{}
	stopOnce sync.Once
	rowsOnce sync.Once
	plain    chan []any
	plainOne sync.Once
	// abandon is closed by Close: the reader of Rows has gone away.
	abandon   chan struct{}
	abandonOn sync.Once
	limit     int
	count     int
	IsPull    bool
	// PullTable is set for a pull query on a table: its answer on /query
	// ends without a final message, as ksqlDB's does.
	PullTable bool
	// KeyColumns marks the result columns that are key columns of the
	// table a pull query reads (window bounds included); ksqlDB's /query
	// header marks them KEY.
	KeyColumns []bool
}

// ResultRow is one row of a query's result. Tombstone is set when a push
// query over a table sees a row deleted: Values then holds the key
// columns and window bounds, and NULL for the other columns.
type ResultRow struct {
	Values    []any
	Tombstone bool
}

// Results returns the result rows, tombstones included. Read either
// Results or Rows, not both.
func (p *PushQuery) Results() <-chan ResultRow { return p.rows }

// Rows returns the result rows without the tombstones. Read either
// Results or Rows, not both.
func (p *PushQuery) Rows() <-chan []any {
	p.plainOne.Do(func() {
		p.plain = make(chan []any, cap(p.rows))
		go func() {
			defer close(p.plain)
			for r := range p.rows {
				if r.Tombstone {
					continue
				}
				select {
				case p.plain <- r.Values:
				case <-p.abandon:
					return
				}
			}
		}()
	})
	return p.plain
}

// Done is closed when the query has ended.
func (p *PushQuery) Done() <-chan struct{} { return p.done }

// Close stops the query. It is safe to call more than once and from any
// goroutine.
func (p *PushQuery) Close() {
	p.abandonOn.Do(func() { close(p.abandon) })
	if p.IsPull {
		return
	}
	p.stopOnce.Do(func() { close(p.done) })
	p.Query.mu.Lock()
	p.closeRows()
	p.Query.mu.Unlock()
}

// closeRows ends the query; the caller holds the query's lock.
func (p *PushQuery) closeRows() {
	p.rowsOnce.Do(func() {
		p.eng.unregister(p.Query)
		close(p.rows)
	})
}

type pushSink struct{ p *PushQuery }

func (s *pushSink) emit(q *query, em emission) {
	if em.tombstone && q.plan.resultKind != parser.KindTable {
		// A stream record with a null value is not a row.
		return
	}
	row := em.all
	if n := len(q.ColumnNames); n < len(row) {
		row = row[:n]
	}
	if em.tombstone {
		// A deleted table row: its key columns and window bounds, the
		// other columns NULL.
		t := make([]any, len(row))
		for i := range t {
			if i < len(q.plan.columns) && (q.plan.columns[i].Key || isWindowBound(q.plan.columns[i].Name)) {
				t[i] = row[i]
			}
		}
		row = t
	}
	// The rows channel is only closed under the query's lock after done
	// is closed, so checking done first makes the send safe.
	select {
	case <-s.p.done:
		return
	default:
	}
	select {
	case <-s.p.done:
		return
	case s.p.rows <- ResultRow{Values: row, Tombstone: em.tombstone}:
	}
	s.p.count++
	if s.p.limit >= 0 && s.p.count >= s.p.limit {
		s.p.stopOnce.Do(func() { close(s.p.done) })
		s.p.closeRows()
	}
}

func isWindowBound(name string) bool { return name == "WINDOWSTART" || name == "WINDOWEND" }

// StartQuery runs a SELECT: a push query (EMIT CHANGES) keeps running and
// yields rows as records arrive through Deliver; a pull query (no EMIT
// clause, on a materialized table) returns the current rows at once.
// props may set auto.offset.reset ("earliest" or "latest").
func (e *Engine) StartQuery(ctx context.Context, sql string, props map[string]string) (*PushQuery, error) {
	st, err := parser.ParseStatement(sql)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, sql, "%s", err.Error())
	}
	qs, ok := st.(*parser.QueryStatement)
	if !ok {
		return nil, stmtErr(ErrBadStatement, sql, "Statement is not a query: %s", st.Text())
	}
	if err := e.expandStructStars(qs.Query); err != nil {
		return nil, stmtErr(ErrBadStatement, st.Text(), "%s", err.Error())
	}
	if qs.Query.Emit == parser.EmitNone {
		return e.pullQuery(ctx, qs, props)
	}
	pn := e.planner()
	pn.transient = true
	pl, err := pn.planQuery(qs.Query)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, sql, "%s", err.Error())
	}
	src := pl.sources[0]
	id := fmt.Sprintf("transient_%s_%d", strings.ToUpper(src.Name), e.tseq.Add(1))
	q := &Query{ID: id, Statement: st.Text(), eng: e, plan: pl, inputs: map[string][]*inputNode{}, OffsetReset: e.offsetReset(props)}
	for _, in := range pl.inputs {
		q.inputs[in.src.Topic] = append(q.inputs[in.src.Topic], in)
		q.SourceTopics = appendUnique(q.SourceTopics, in.src.Topic)
	}
	selected := pl.selectedColumns()
	for _, c := range selected {
		q.ColumnNames = append(q.ColumnNames, c.Name)
		q.ColumnTypes = append(q.ColumnTypes, c.Type.String())
	}
	p := &PushQuery{Query: q, rows: make(chan ResultRow, 256), done: make(chan struct{}), abandon: make(chan struct{}), limit: qs.Query.Limit}
	ps := &pushSink{p: p}
	q.sink = ps
	q.push = ps
	pl.final.sink = ps
	e.register(q)
	if p.limit == 0 {
		// LIMIT 0 has reached its limit before the first row.
		p.stopOnce.Do(func() { close(p.done) })
		q.mu.Lock()
		p.closeRows()
		q.mu.Unlock()
		return p, nil
	}
	go func() {
		select {
		case <-ctx.Done():
			p.Close()
		case <-p.done:
		}
	}()
	return p, nil
}

// selectedColumns returns the user-visible select columns (no hidden keys).
func (pl *plan) selectedColumns() []outputColumn { return pl.columns[:len(pl.columns)-pl.hidden] }

// isKeyRef reports whether a select expression is a key column of src
// or, for a windowed src, a window bound.
func isKeyRef(x parser.Expr, src *Source) bool {
	ref, ok := x.(*parser.ColumnRef)
	if !ok {
		return false
	}
	if src.Windowed() && isWindowBound(ref.Name) {
		return true
	}
	for _, c := range src.Columns {
		if c.Key && c.Name == ref.Name {
			return true
		}
	}
	return false
}

// pullHint ends the refusals of clauses pull queries do not support, as
// ksqlDB's do.
const pullHint = " See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query."

// TopicReader reads a topic from its start to its current end, handing
// each record to fn until fn returns false (a pull query's LIMIT is
// reached), so that a scan holds its result rows rather than the whole
// topic. A pull query on a stream needs it: the engine's TopicAdmin or
// Producer implements it where the records can be read (MemoryTopics
// does).
type TopicReader interface {
	ReadTopic(ctx context.Context, topic string, fn func(Record) bool) error
}

func (e *Engine) topicReader() TopicReader {
	if r, ok := e.opts.Admin.(TopicReader); ok {
		return r
	}
	if r, ok := e.opts.Producer.(TopicReader); ok {
		return r
	}
	return nil
}

// pullStream answers a pull query on a stream: a scan of the records its
// topic holds now, through the query's WHERE, projection and LIMIT. It
// ends with ksqlDB's "Query Completed".
func (e *Engine) pullStream(ctx context.Context, qs *parser.QueryStatement, src *Source) (*PushQuery, error) {
	text := qs.Text()
	reader := e.topicReader()
	if reader == nil {
		return nil, stmtErr(ErrBadStatement, text, "Pull queries on streams are not supported by this server. Add EMIT CHANGES to run a push query.")
	}
	pn := e.planner()
	pn.transient = true
	pl, err := pn.planQuery(qs.Query)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	q := &Query{ID: "pull_" + strconv.FormatInt(e.tseq.Add(1), 10), Statement: text, eng: e, plan: pl, inputs: map[string][]*inputNode{}}
	for _, in := range pl.inputs {
		q.inputs[in.src.Topic] = append(q.inputs[in.src.Topic], in)
		q.SourceTopics = appendUnique(q.SourceTopics, in.src.Topic)
	}
	for _, c := range pl.selectedColumns() {
		q.ColumnNames = append(q.ColumnNames, c.Name)
		q.ColumnTypes = append(q.ColumnTypes, c.Type.String())
	}
	cs := &collectSink{limit: qs.Query.Limit, width: len(q.ColumnNames)}
	q.sink = cs
	pl.final.sink = cs
	if !cs.full() {
		err = reader.ReadTopic(ctx, src.Topic, func(rec Record) bool {
			q.Process(rec)
			return !cs.full()
		})
		if err != nil {
			return nil, stmtErr(ErrServer, text, "Reading the stream's topic %s: %v", src.Topic, err)
		}
	}
	res := &PushQuery{Query: q, IsPull: true, done: make(chan struct{}), abandon: make(chan struct{}), limit: qs.Query.Limit}
	res.rows = make(chan ResultRow, len(cs.rows))
	for _, r := range cs.rows {
		res.rows <- ResultRow{Values: r}
	}
	close(res.rows)
	close(res.done)
	return res, nil
}

// collectSink keeps the rows of a stream scan, up to a LIMIT (< 0: none).
type collectSink struct {
	rows  [][]any
	limit int
	width int
}

func (c *collectSink) full() bool { return c.limit >= 0 && len(c.rows) >= c.limit }

func (c *collectSink) emit(q *query, em emission) {
	if em.tombstone || c.full() {
		return
	}
	row := em.all
	if c.width < len(row) {
		row = row[:c.width]
	}
	c.rows = append(c.rows, row)
}

// checkPullPseudoColumns refuses ROWPARTITION and ROWOFFSET in a pull
// query, as ksqlDB does: a table's state and a scan do not keep them.
func checkPullPseudoColumns(q *parser.Query) error {
	find := func(e parser.Expr) string {
		var names []string
		// Every sub-expression, CASE and function arguments included.
		walk(e, func(x parser.Expr) bool {
			if ref, ok := x.(*parser.ColumnRef); ok && (ref.Name == "ROWPARTITION" || ref.Name == "ROWOFFSET") {
				names = append(names, "`"+ref.Name+"`")
			}
			return true
		})
		return strings.Join(names, ", ")
	}
	var sel []string
	for _, it := range q.Select {
		if n := find(it.Expr); n != "" {
			sel = append(sel, n)
		}
	}
	if len(sel) > 0 {
		return fmt.Errorf("Pull queries don't support the following columns in SELECT clauses: %s", strings.Join(sel, ", "))
	}
	if n := find(q.Where); n != "" {
		return fmt.Errorf("Pull queries don't support the following columns in WHERE clauses: %s", n)
	}
	return nil
}

// pullQuery reads the current state of a materialized table, or scans a
// stream (pullStream).
func (e *Engine) pullQuery(ctx context.Context, qs *parser.QueryStatement, props map[string]string) (*PushQuery, error) {
	text := qs.Text()
	from, ok := qs.Query.From.(*parser.AliasedSource)
	if !ok {
		return nil, stmtErr(ErrBadStatement, text, "Pull queries don't support JOIN clauses."+pullHint)
	}
	src := e.cat.Get(from.Name)
	if src == nil {
		return nil, stmtErr(ErrBadStatement, text, "%s does not exist.", from.Name)
	}
	if qs.Query.Window != nil {
		return nil, stmtErr(ErrBadStatement, text, "Pull queries don't support WINDOW clauses."+pullHint)
	}
	if len(qs.Query.GroupBy) > 0 {
		return nil, stmtErr(ErrBadStatement, text, "Pull queries don't support GROUP BY clauses."+pullHint)
	}
	if err := checkPullPseudoColumns(qs.Query); err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	if src.Kind != parser.KindTable {
		return e.pullStream(ctx, qs, src)
	}
	if err := checkPullSelect(qs.Query, src, pullScansOf(props)); err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	var store *tableStore
	for _, q := range e.Queries() {
		if q.Persistent && q.SinkName == src.Name {
			switch s := q.sink.(type) {
			case *topicSink:
				store = s.store
			case *storeSink:
				store = s.store
			}
		}
	}
	if store == nil {
		return nil, stmtErr(ErrBadStatement, text, "The `%s` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_%s AS SELECT * FROM %s'. See https://cnfl.io/queries for more info.", src.Name, src.Name, src.Name)
	}
	// Plan the query against the table's columns (with window bounds).
	sc := &scope{windowed: src.Windowed(), starWindow: src.Windowed()}
	alias := from.Alias
	if alias == "" {
		alias = src.Name
	}
	for _, c := range src.Columns {
		sc.cols = append(sc.cols, scopeColumn{Name: c.Name, Qualifier: alias, Source: src.Name, Type: c.Type, Key: c.Key})
	}
	p := e.planner()
	var where *compiled
	var err error
	if qs.Query.Where != nil {
		cond := qs.Query.Where
		if src.Windowed() {
			if cond, err = windowBoundTimes(cond); err != nil {
				return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
			}
		}
		if where, err = p.c.boolExpr(cond, sc); err != nil {
			return nil, stmtErr(ErrBadStatement, text, "Error in WHERE expression: %s\nStatement: %s", err.Error(), parser.FormatExpr(qs.Query.Where))
		}
	}
	items, err := expandSelect(qs.Query, sc, false)
	if err != nil {
		return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
	}
	var exprs []*compiled
	res := &PushQuery{IsPull: true, PullTable: true, done: make(chan struct{}), abandon: make(chan struct{}), limit: qs.Query.Limit}
	q := &Query{ID: "pull_" + strconv.FormatInt(e.tseq.Add(1), 10), Statement: text, eng: e}
	for _, it := range items {
		ce, err := p.c.compile(it.expr, sc)
		if err != nil {
			return nil, stmtErr(ErrBadStatement, text, "%s", err.Error())
		}
		exprs = append(exprs, ce)
		res.KeyColumns = append(res.KeyColumns, isKeyRef(it.expr, src))
		q.ColumnNames = append(q.ColumnNames, it.alias)
		t := ce.t
		if t.Kind == types.KindNull {
			t = types.StringType
		}
		q.ColumnTypes = append(q.ColumnTypes, t.String())
	}
	res.Query = q
	// The store keeps rows in the sink's select order; map them to the
	// table's column order (key columns first).
	index := map[string]int{}
	for i, c := range store.cols {
		index[c.Name] = i
	}
	var rows [][]any
	for _, sr := range store.snapshot() {
		if res.limit >= 0 && len(rows) >= res.limit {
			break // LIMIT 0 answers no row
		}
		r := &Row{Cols: make([]any, len(src.Columns)), Timestamp: sr.ts, Windowed: sr.windowed, WindowStart: sr.start, WindowEnd: sr.end}
		for i, c := range src.Columns {
			if j, ok := index[c.Name]; ok && j < len(sr.values) {
				r.Cols[i] = sr.values[j]
			}
		}
		if where != nil {
			if ok, _ := evalBool(where, r); !ok {
				continue
			}
		}
		out := make([]any, len(exprs))
		for i, ce := range exprs {
			out[i], _ = ce.eval(r)
		}
		rows = append(rows, out)
	}
	res.rows = make(chan ResultRow, len(rows))
	for _, r := range rows {
		res.rows <- ResultRow{Values: r}
	}
	close(res.rows)
	close(res.done)
	return res, nil
}
