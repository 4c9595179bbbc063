package engine

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/functions"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// downstream is an operator that consumes changes: for streams old is nil;
// for tables old is the previous row for the key (nil if none) and new is
// nil on deletes.
type downstream interface {
	process(q *query, old, new *Row)
}

// inputNode decodes records of one source into rows.
type inputNode struct {
	src        *Source
	offset     int // first column of this source in the row
	width      int // row width
	nKey, nVal int
	keyCodec   format.Codec
	valCodec   format.Codec
	isTable    bool
	state      map[string]*Row
	tsCol      int
	windowKind format.WindowKind
	// pseudo: the source is part of a join, and its row carries its own
	// ROWTIME, ROWPARTITION and ROWOFFSET after its columns.
	pseudo bool
	next   downstream
}

func newInputNode(src *Source, offset, width int) (*inputNode, error) {
	kc, vc, err := src.codecs()
	if err != nil {
		return nil, err
	}
	in := &inputNode{src: src, offset: offset, width: width, keyCodec: kc, valCodec: vc,
		nKey: len(src.KeyColumns()), nVal: len(src.ValueColumns()), isTable: src.Kind == parser.KindTable,
		tsCol: -1, windowKind: src.WindowKind()}
	if in.isTable {
		in.state = map[string]*Row{}
	}
	if src.TimestampColumn != "" {
		for i, c := range src.Columns {
			if c.Name == src.TimestampColumn {
				in.tsCol = offset + i
			}
		}
	}
	return in, nil
}

func (in *inputNode) process(q *query, rec Record) {
	row := &Row{Cols: make([]any, in.width), Timestamp: rec.Timestamp, Partition: rec.Partition, Offset: rec.Offset}
	key := rec.Key
	if in.windowKind != format.NotWindowed && key != nil {
		k, start, end, err := format.SplitWindow(key, in.windowKind, in.src.WindowSize)
		if err != nil {
			q.logError(rec, "Failed to deserialize key from topic: "+rec.Topic+". "+err.Error())
			return
		}
		key = k
		row.Windowed, row.WindowStart, row.WindowEnd = true, start, end
	}
	if in.nKey > 0 && key != nil {
		if err := in.keyCodec.Decode(key, row.Cols[in.offset:in.offset+in.nKey]); err != nil {
			q.logError(rec, "Failed to deserialize key from topic: "+rec.Topic+". "+err.Error())
			return
		}
	}
	if rec.Value == nil {
		row.NullValue = true
	} else if err := in.valCodec.Decode(rec.Value, row.Cols[in.offset+in.nKey:in.offset+in.nKey+in.nVal]); err != nil {
		if format.IsNullValue(err) {
			row.NullValue = true
		} else {
			q.logError(rec, "Failed to deserialize value from topic: "+rec.Topic+". "+err.Error())
			return
		}
	}
	if in.tsCol >= 0 && !row.NullValue {
		ts, err := extractTimestamp(row.Cols[in.tsCol], in.src.TimestampFormat)
		if err != nil {
			q.logError(rec, "Failed to extract timestamp from column "+in.src.TimestampColumn+": "+err.Error())
			return
		}
		row.Timestamp = ts
	}
	if in.pseudo {
		p := in.offset + in.nKey + in.nVal
		row.Cols[p], row.Cols[p+1], row.Cols[p+2] = row.Timestamp, row.Partition, row.Offset
		if in.windowKind != format.NotWindowed && row.Windowed {
			row.Cols[p+3], row.Cols[p+4] = row.WindowStart, row.WindowEnd
		}
	}
	if !in.isTable {
		in.next.process(q, nil, row)
		return
	}
	if key == nil {
		q.logError(rec, "Skipping record with a null key for table "+in.src.Name)
		return
	}
	ks := string(rec.Key)
	old := in.state[ks]
	if row.NullValue {
		delete(in.state, ks)
		if old == nil {
			old = row // key-only
		}
		in.next.process(q, old, nil)
		return
	}
	in.state[ks] = row
	in.next.process(q, old, row)
}

func extractTimestamp(v any, layout string) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, fmt.Errorf("timestamp column is null")
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case types.Timestamp:
		return int64(x), nil
	case string:
		if layout == "" {
			ts, err := types.ParseTimestamp(x)
			return int64(ts), err
		}
		t, err := time.Parse(functions.JavaLayout(layout), x)
		if err != nil {
			return 0, err
		}
		return t.UnixMilli(), nil
	}
	return 0, fmt.Errorf("unsupported timestamp type %s", types.KindOf(v))
}

// keyOnly marks a row as carrying only its key (a delete).
func keyOnly(r *Row) *Row {
	if r == nil || r.NullValue {
		return r
	}
	c := *r
	c.NullValue = true
	return &c
}

// filterNode applies WHERE.
type filterNode struct {
	cond  *compiled
	next  downstream
	table bool
}

func (f *filterNode) pass(q *query, r *Row) bool {
	// A record with a null value (a stream tombstone) never passes a
	// WHERE clause, as in ksqlDB.
	if r == nil || r.NullValue {
		return false
	}
	ok, err := evalBool(f.cond, r)
	if err != nil {
		q.logError(q.cur, "Error evaluating WHERE: "+err.Error())
	}
	return ok
}

func (f *filterNode) process(q *query, old, new *Row) {
	if old == nil && new != nil && !f.table {
		if f.pass(q, new) {
			f.next.process(q, nil, new)
		}
		return
	}
	oldPass := old != nil && !old.NullValue && f.pass(q, old)
	var oldOut *Row
	if old != nil {
		oldOut = old
		if !oldPass {
			oldOut = keyOnly(old)
		}
	}
	var newOut *Row
	if new != nil && f.pass(q, new) {
		newOut = new
	}
	if newOut == nil && oldOut == nil {
		return
	}
	if newOut == nil {
		if !oldPass && q.plan.agg != nil {
			return
		}
		if oldOut == nil {
			oldOut = keyOnly(new)
		}
	}
	f.next.process(q, oldOut, newOut)
}

// finalProjection computes the select list and hands the result to the
// sink.
type finalProjection struct {
	items      []*compiled
	keyItems   []int
	valueItems []int
	tableFns   []int // items that are table functions (EXPLODE, ...)
	sink       sink
}

func (fp *finalProjection) eval(q *query, r *Row) []any {
	out := make([]any, len(fp.items))
	for i, it := range fp.items {
		v, err := it.eval(r)
		if err != nil {
			q.logError(q.cur, "Error computing expression: "+err.Error())
			v = nil
		}
		out[i] = v
	}
	return out
}

func (fp *finalProjection) process(q *query, old, new *Row) {
	switch {
	case new == nil && old != nil:
		fp.emit(q, old, true)
	case new != nil:
		fp.emit(q, new, new.NullValue)
	}
}

func (fp *finalProjection) emit(q *query, r *Row, tombstone bool) {
	all := fp.eval(q, r)
	if len(fp.tableFns) > 0 && !tombstone {
		fp.explode(q, r, all)
		return
	}
	fp.emitValues(q, r, all, tombstone)
}

// emitValues hands one result row (its select items' values) to the sink.
func (fp *finalProjection) emitValues(q *query, r *Row, all []any, tombstone bool) {
	keys := make([]any, len(fp.keyItems))
	for i, k := range fp.keyItems {
		keys[i] = all[k]
	}
	var vals []any
	if !tombstone {
		vals = make([]any, len(fp.valueItems))
		for i, v := range fp.valueItems {
			vals[i] = all[v]
		}
	}
	ts := r.Timestamp
	if tombstone && q.cur.Timestamp != 0 {
		ts = q.cur.Timestamp
	}
	fp.sink.emit(q, emission{keys: keys, values: vals, all: all, ts: ts, row: r, tombstone: tombstone})
}

// emission is one result record.
type emission struct {
	keys, values []any
	all          []any
	ts           int64
	row          *Row
	tombstone    bool
}

// aggSpec is one aggregate call.
type aggSpec struct {
	args    []*compiled
	factory functions.AggregateFactory
}

type aggGroup struct {
	keyVals []any
	accs    []functions.Accumulator
	emitted bool
	start   int64
	end     int64
	maxTs   int64 // latest record timestamp in the window (EMIT FINAL)
	order   string
}

type sessionGroup struct {
	keyVals  []any
	sessions []*aggGroup // sorted by start
}

// aggregateNode implements GROUP BY with optional windows and HAVING.
type aggregateNode struct {
	isTable    bool
	groupExprs []*compiled
	aggs       []aggSpec
	having     *compiled
	final      *finalProjection
	window     *parser.WindowExpr
	grace      int64
	groups     map[string]*aggGroup
	sessions   map[string]*sessionGroup
	streamTime int64
	seen       int
	keyBuf     []byte
	// EMIT FINAL: windows are buffered until stream time passes their end
	// plus the grace period (plus the gap for sessions), then emitted once.
	emitFinal    bool
	pending      map[*aggGroup]bool
	suppressTime int64
}

// groupKey evaluates the GROUP BY expressions for r. A row with a NULL
// key is excluded and, when report is set (the row is the record being
// processed, not the previous row of a table), reported on the processing
// log as ksqlDB reports it.
func (a *aggregateNode) groupKey(q *query, r *Row, report bool) ([]any, string, bool) {
	vals := make([]any, len(a.groupExprs))
	buf := a.keyBuf[:0]
	for i, g := range a.groupExprs {
		v, err := g.eval(r)
		if err != nil {
			q.logError(q.cur, "Error computing GROUP BY expression: "+err.Error())
			return nil, "", false
		}
		if v == nil {
			if report {
				q.logError(q.cur, fmt.Sprintf("Group-by column with index %d resolved to null. The source row will be excluded from the table.", i))
			}
			return nil, "", false
		}
		vals[i] = v
		buf = types.AppendKey(buf, v)
		buf = append(buf, 0)
	}
	a.keyBuf = buf
	return vals, string(buf), true
}

func (a *aggregateNode) argsOf(q *query, spec aggSpec, r *Row) []any {
	args := make([]any, len(spec.args))
	for i, c := range spec.args {
		v, err := c.eval(r)
		if err != nil {
			q.logError(q.cur, "Error computing aggregate argument: "+err.Error())
		}
		args[i] = v
	}
	return args
}

func (a *aggregateNode) newGroup(keyVals []any) *aggGroup {
	g := &aggGroup{keyVals: keyVals, accs: make([]functions.Accumulator, len(a.aggs))}
	for i, s := range a.aggs {
		g.accs[i] = s.factory()
	}
	return g
}

func (a *aggregateNode) add(q *query, g *aggGroup, r *Row, undo bool) {
	for i, s := range a.aggs {
		args := a.argsOf(q, s, r)
		if undo {
			g.accs[i].Undo(args)
		} else {
			g.accs[i].Add(args)
		}
	}
}

func (a *aggregateNode) process(q *query, old, new *Row) {
	if a.window != nil {
		if new == nil || new.NullValue {
			return
		}
		if new.Timestamp > a.streamTime {
			a.streamTime = new.Timestamp
		}
		if a.window.Type == parser.WindowSession {
			a.session(q, new)
		} else {
			a.timeWindows(q, new)
		}
		if a.emitFinal {
			a.flushClosed(q)
		}
		return
	}
	var oldGroup, newGroup *aggGroup
	var oldKey, newKey string
	if old != nil && !old.NullValue && a.isTable {
		if kv, k, ok := a.groupKey(q, old, false); ok {
			if g := a.groups[k]; g != nil {
				a.add(q, g, old, true)
				oldGroup, oldKey = g, k
			}
			_ = kv
		}
	}
	if new != nil && !new.NullValue {
		if kv, k, ok := a.groupKey(q, new, true); ok {
			g := a.groups[k]
			if g == nil {
				g = a.newGroup(kv)
				a.groups[k] = g
			}
			a.add(q, g, new, false)
			newGroup, newKey = g, k
		}
	}
	ts := q.cur.Timestamp
	if new != nil {
		ts = new.Timestamp
	}
	if oldGroup != nil && oldKey != newKey {
		a.emit(q, oldGroup, ts, nil)
	}
	if newGroup != nil {
		a.emit(q, newGroup, ts, nil)
	}
}

// timeWindows assigns a record to its tumbling or hopping windows, as
// Kafka Streams does: windows [start, start+size) with start a multiple of
// the advance, dropping windows closed by the grace period.
func (a *aggregateNode) timeWindows(q *query, r *Row) {
	kv, k, ok := a.groupKey(q, r, true)
	if !ok {
		return
	}
	size, adv := a.window.Size, a.window.Advance
	ts := r.Timestamp
	start := max(0, ts-size+adv) / adv * adv
	for ; start <= ts; start += adv {
		end := start + size
		if end <= a.streamTime-a.grace {
			q.logError(q.cur, fmt.Sprintf("Skipping record for expired window. key=%v window=[%d,%d) streamTime=%d", kv, start, end, a.streamTime))
			continue
		}
		wk := k + "@" + itoa(int(start))
		g := a.groups[wk]
		if g == nil {
			g = a.newGroup(kv)
			g.start, g.end = start, end
			a.groups[wk] = g
		}
		a.add(q, g, r, false)
		if a.emitFinal {
			g.order = k
			a.buffer(g, ts)
			continue
		}
		// A window's row carries the latest record time in it.
		g.maxTs = max(g.maxTs, ts)
		a.emit(q, g, g.maxTs, g)
	}
	a.seen++
	if a.seen%1024 == 0 {
		a.purgeWindows()
	}
}

// purgeWindows forgets time windows that can no longer change.
func (a *aggregateNode) purgeWindows() {
	retention := a.grace
	if a.window.Retention > retention {
		retention = a.window.Retention
	}
	for k, g := range a.groups {
		if g.end+retention < a.streamTime {
			delete(a.groups, k)
		}
	}
}

// session merges a record into its key's sessions: sessions closer than
// the gap merge, each merged session is deleted with a tombstone, and a
// record whose merged session ends before stream time - gap - grace is
// dropped.
func (a *aggregateNode) session(q *query, r *Row) {
	kv, k, ok := a.groupKey(q, r, true)
	if !ok {
		return
	}
	gap := a.window.Size
	ts := r.Timestamp
	closeTime := a.streamTime - a.grace - gap
	sg := a.sessions[k]
	if sg == nil {
		sg = &sessionGroup{keyVals: kv}
		a.sessions[k] = sg
	}
	// Expire sessions past retention.
	live := sg.sessions[:0]
	for _, s := range sg.sessions {
		if s.end >= closeTime {
			live = append(live, s)
		}
	}
	sg.sessions = live
	start, end := ts, ts
	var merged []*aggGroup
	for _, s := range sg.sessions {
		if s.end >= ts-gap && s.start <= ts+gap {
			merged = append(merged, s)
			start, end = min(start, s.start), max(end, s.end)
		}
	}
	if end < closeTime {
		q.logError(q.cur, fmt.Sprintf("Skipping record for expired session. key=%v ts=%d streamTime=%d", kv, ts, a.streamTime))
		return
	}
	ng := a.newGroup(kv)
	ng.start, ng.end = start, end
	for _, m := range merged {
		for i := range ng.accs {
			ng.accs[i].Merge(m.accs[i])
		}
	}
	if start != ts || end != ts {
		for _, m := range merged {
			if m.emitted {
				a.final.emitWindowTombstone(q, m)
			}
		}
	} else {
		for _, m := range merged {
			ng.emitted = ng.emitted || m.emitted
		}
	}
	// Replace merged sessions by the new one.
	rest := sg.sessions[:0]
	for _, s := range sg.sessions {
		isMerged := false
		for _, m := range merged {
			if m == s {
				isMerged = true
			}
		}
		if !isMerged {
			rest = append(rest, s)
		}
	}
	sg.sessions = append(rest, ng)
	sort.Slice(sg.sessions, func(i, j int) bool { return sg.sessions[i].start < sg.sessions[j].start })
	a.add(q, ng, r, false)
	if a.emitFinal {
		for _, m := range merged {
			delete(a.pending, m)
		}
		ng.order = k
		a.buffer(ng, end)
		return
	}
	a.emit(q, ng, end, ng)
}

// buffer holds back a window's update until the window closes (EMIT
// FINAL). ts is the update's timestamp; the buffer's stream time is the
// largest of them, as for Kafka Streams' suppress operator.
func (a *aggregateNode) buffer(g *aggGroup, ts int64) {
	if a.pending == nil {
		a.pending = map[*aggGroup]bool{}
	}
	a.pending[g] = true
	g.maxTs = max(g.maxTs, ts)
	a.suppressTime = max(a.suppressTime, ts)
}

// closeDelay is how long after its end a window stays open.
func (a *aggregateNode) closeDelay() int64 {
	if a.window.Type == parser.WindowSession {
		return a.grace + a.window.Size
	}
	return a.grace
}

// flushClosed emits, in order of window end, the final result of every
// buffered window that the buffer's stream time has closed.
func (a *aggregateNode) flushClosed(q *query) {
	if len(a.pending) == 0 {
		return
	}
	delay := a.closeDelay()
	var closed []*aggGroup
	for g := range a.pending {
		if g.end+delay <= a.suppressTime {
			closed = append(closed, g)
		}
	}
	sort.Slice(closed, func(i, j int) bool {
		x, y := closed[i], closed[j]
		if x.end != y.end {
			return x.end < y.end
		}
		if x.order != y.order {
			return x.order < y.order
		}
		return x.start < y.start
	})
	for _, g := range closed {
		delete(a.pending, g)
		a.emit(q, g, g.maxTs, g)
	}
}

// emit evaluates HAVING and the projection for a group's current value.
func (a *aggregateNode) emit(q *query, g *aggGroup, ts int64, win *aggGroup) {
	row := &Row{Cols: make([]any, 0, len(g.keyVals)+len(g.accs)), Timestamp: ts}
	row.Cols = append(row.Cols, g.keyVals...)
	for _, acc := range g.accs {
		row.Cols = append(row.Cols, acc.Result())
	}
	if win != nil {
		row.Windowed, row.WindowStart, row.WindowEnd = true, win.start, win.end
	}
	pass := true
	if a.having != nil {
		ok, err := evalBool(a.having, row)
		if err != nil {
			q.logError(q.cur, "Error evaluating HAVING: "+err.Error())
		}
		pass = ok
	}
	if !pass {
		if g.emitted {
			a.final.emit(q, row, true)
		}
		g.emitted = false
		return
	}
	g.emitted = true
	a.final.emit(q, row, false)
}

// emitWindowTombstone deletes a merged session from the result.
func (fp *finalProjection) emitWindowTombstone(q *query, g *aggGroup) {
	row := &Row{Cols: make([]any, 0, len(g.keyVals)+len(g.accs)), Timestamp: g.end,
		Windowed: true, WindowStart: g.start, WindowEnd: g.end}
	row.Cols = append(row.Cols, g.keyVals...)
	for _, acc := range g.accs {
		row.Cols = append(row.Cols, acc.Result())
	}
	all := fp.eval(q, row)
	keys := make([]any, len(fp.keyItems))
	for i, k := range fp.keyItems {
		keys[i] = all[k]
	}
	fp.sink.emit(q, emission{keys: keys, all: all, ts: g.end, row: row, tombstone: true})
}

// joinNode joins two sources on an equality of key expressions.
type joinNode struct {
	typ                   parser.JoinType
	leftKey, rightKey     *compiled
	leftExpr, rightExpr   parser.Expr
	leftWidth, rightWidth int
	width                 int // joined row width (all sources)
	leftTable, rightTable bool
	// windowed: both sides are windowed; rows match only within the same
	// window, which the result keeps.
	windowed bool
	inner    *joinNode // the join feeding the left side (multi-way joins)
	// synthetic is the index of the column holding the join key (the key
	// of whichever side is present); rowkey: the result is keyed by it as
	// the column ROWKEY (FULL OUTER joins, joins on expressions).
	synthetic int
	rowkey    bool
	curKey    any
	// keyExprs are the columns the result is keyed by, when not the join
	// expression itself; viable the join's columns that may key it.
	keyExprs []parser.Expr
	viable   []parser.Expr
	// fk: a foreign-key table-table join. The left table's rows are kept
	// by their primary key (columns leftPK), indexed by the foreign key
	// they point at.
	fk         bool
	leftPK     []int
	fkLeft     map[string]*fkRow
	fkIndex    map[string]map[string]bool
	within     *parser.Within
	leftState  map[string]*Row   // table-table: left rows by key
	rightState map[string][]*Row // right table rows / stream buffer
	leftBuf    map[string][]*Row // stream-stream left buffer
	pending    []outerRec        // stream-stream outer records held back
	next       downstream
	streamTime int64
}

// fkRow is a left row of a foreign-key join and the key it points at.
type fkRow struct {
	row *Row
	fk  string
	has bool // the foreign key is not null
}

type joinSide struct {
	j    *joinNode
	left bool
}

func (s *joinSide) process(q *query, old, new *Row) { s.j.processSide(q, s.left, old, new) }

func keyString(v any) string { return string(types.AppendKey(nil, v)) }

func (j *joinNode) combine(l, r *Row, ts int64) *Row {
	out := &Row{Cols: make([]any, j.width), Timestamp: ts}
	end := j.leftWidth + j.rightWidth
	if r != nil {
		copy(out.Cols[j.leftWidth:end], r.Cols[j.leftWidth:end])
		out.Partition, out.Offset = r.Partition, r.Offset
		out.Windowed, out.WindowStart, out.WindowEnd = r.Windowed, r.WindowStart, r.WindowEnd
	}
	if l != nil {
		copy(out.Cols[:j.leftWidth], l.Cols[:j.leftWidth])
		out.Partition, out.Offset = l.Partition, l.Offset
		if l.Windowed {
			out.Windowed, out.WindowStart, out.WindowEnd = true, l.WindowStart, l.WindowEnd
		}
	}
	// The join key column is set last: the sides' copies may cover it.
	if j.synthetic >= 0 {
		out.Cols[j.synthetic] = j.curKey
	}
	return out
}

func (j *joinNode) processSide(q *query, left bool, old, new *Row) {
	keyExpr := j.rightKey
	if left {
		keyExpr = j.leftKey
	}
	row := new
	if row == nil {
		row = old
	}
	if row == nil {
		return
	}
	kv, err := keyExpr.eval(row)
	if err != nil {
		q.logError(q.cur, "Error computing join key: "+err.Error())
		return
	}
	ks := ""
	if kv != nil {
		ks = keyString(kv)
		if j.windowed && row.Windowed {
			// Windowed sources join window by window.
			ks += "@" + itoa(int(row.WindowStart)) + "-" + itoa(int(row.WindowEnd))
		}
	}
	j.curKey = kv
	switch {
	case j.fk:
		j.processFK(q, left, new, row, kv, ks)
	case !j.leftTable && j.rightTable: // stream-table
		if !left {
			if kv == nil {
				return
			}
			if new == nil {
				delete(j.rightState, ks)
			} else {
				j.rightState[ks] = []*Row{new}
			}
			return
		}
		// A stream record without a join key is dropped, also by a LEFT
		// JOIN, as Kafka Streams' stream-table join drops it.
		if new == nil || new.NullValue || kv == nil {
			return
		}
		var match *Row
		if rs := j.rightState[ks]; len(rs) > 0 {
			match = rs[0]
		}
		if match == nil && j.typ == parser.JoinInner {
			return
		}
		j.next.process(q, nil, j.combine(new, match, new.Timestamp))
	case j.leftTable && j.rightTable: // table-table
		if kv == nil {
			return
		}
		var l, r, oldL, oldR *Row
		if left {
			oldL = j.leftState[ks]
			if new == nil {
				delete(j.leftState, ks)
			} else {
				j.leftState[ks] = new
			}
			l = new
			if rs := j.rightState[ks]; len(rs) > 0 {
				r, oldR = rs[0], rs[0]
			}
		} else {
			oldR = j.setRightRow(ks, new)
			r = new
			l, oldL = j.leftState[ks], j.leftState[ks]
		}
		ts := row.Timestamp
		if new == nil {
			ts = q.cur.Timestamp // a delete takes the time of the tombstone
		}
		outNew := j.tableResult(l, r, ts)
		outOld := j.tableResult(oldL, oldR, ts)
		if outNew == nil && outOld == nil {
			return
		}
		if outNew == nil {
			j.next.process(q, outOld, nil)
			return
		}
		j.next.process(q, outOld, outNew)
	default: // stream-stream
		j.streamStream(q, left, new, kv, ks)
	}
}

// outerRec is a record of a stream-stream outer join that has not been
// joined yet; with a GRACE PERIOD it waits for its window to close.
type outerRec struct {
	row  *Row
	left bool
	ks   string
	kv   any
}

// streamStream joins a stream record with the other side's records within
// the WITHIN window. Without a GRACE PERIOD an outer join emits a record
// that finds no match at once (ksqlDB's older behaviour); with one, it
// holds the record back and emits it padded with nulls only once its
// window has closed without a match, as Kafka Streams does.
func (j *joinNode) streamStream(q *query, left bool, new *Row, kv any, ks string) {
	if new == nil || new.NullValue {
		return
	}
	outer := j.typ == parser.JoinOuter || left && j.typ == parser.JoinLeft || !left && j.typ == parser.JoinRight
	pad := func(r *Row, isLeft bool) *Row {
		if isLeft {
			return j.combine(r, nil, r.Timestamp)
		}
		return j.combine(nil, r, r.Timestamp)
	}
	if new.Timestamp > j.streamTime {
		j.streamTime = new.Timestamp
	}
	if kv == nil {
		if outer {
			j.next.process(q, nil, pad(new, left))
		}
		return
	}
	if j.leftBuf == nil {
		j.leftBuf = map[string][]*Row{}
	}
	before, after := j.within.Before, j.within.After
	if !left {
		// Seen from the right, the window is mirrored.
		before, after = after, before
	}
	spurious := j.within.Grace >= 0
	if spurious && new.Timestamp == j.streamTime {
		j.emitClosed(q, after)
	}
	others := j.rightState
	if !left {
		others = j.leftBuf
	}
	matched := false
	for _, o := range others[ks] {
		if o.Timestamp < new.Timestamp-before || o.Timestamp > new.Timestamp+after {
			continue
		}
		matched = true
		if spurious {
			j.dropPending(o, !left, ks)
		}
		l, r := new, o
		if !left {
			l, r = o, new
		}
		j.next.process(q, nil, j.combine(l, r, max(new.Timestamp, o.Timestamp)))
	}
	if !matched && outer {
		if !spurious || new.Timestamp+after < j.streamTime {
			j.next.process(q, nil, pad(new, left))
		} else {
			// pending stays ordered by time (arrival order among equal
			// times), so emitClosed needs no sort.
			i := sort.Search(len(j.pending), func(k int) bool { return j.pending[k].row.Timestamp > new.Timestamp })
			j.pending = slices.Insert(j.pending, i, outerRec{row: new, left: left, ks: ks, kv: kv})
		}
	}
	if left {
		j.leftBuf[ks] = append(j.leftBuf[ks], new)
	} else {
		j.rightState[ks] = append(j.rightState[ks], new)
	}
	j.purge(j.within.Before, j.within.After)
}

// emitClosed emits, oldest first, the held-back outer records whose
// window (plus grace) stream time has passed; pending is ordered by time.
func (j *joinNode) emitClosed(q *query, after int64) {
	if len(j.pending) == 0 {
		return
	}
	saved := j.curKey
	defer func() { j.curKey = saved }()
	n := 0
	for _, p := range j.pending {
		if p.row.Timestamp+after+j.within.Grace >= j.streamTime {
			break
		}
		n++
		j.curKey = p.kv
		if p.left {
			j.next.process(q, nil, j.combine(p.row, nil, p.row.Timestamp))
		} else {
			j.next.process(q, nil, j.combine(nil, p.row, p.row.Timestamp))
		}
	}
	j.pending = append(j.pending[:0], j.pending[n:]...)
}

// dropPending forgets a held-back outer record that has found a match.
func (j *joinNode) dropPending(r *Row, left bool, ks string) {
	for i, p := range j.pending {
		if p.row == r && p.left == left && p.ks == ks {
			j.pending = append(j.pending[:i], j.pending[i+1:]...)
			return
		}
	}
}

// processFK handles a change of either table of a foreign-key join: a
// left row is joined with the right row its foreign key points at; a
// right row's change updates every left row pointing at it.
func (j *joinNode) processFK(q *query, left bool, new, row *Row, kv any, ks string) {
	if new != nil && new.NullValue {
		new = nil
	}
	ts := row.Timestamp
	if new == nil {
		ts = q.cur.Timestamp // a delete takes the time of the tombstone
	}
	emit := func(outOld, outNew *Row) {
		switch {
		case outNew == nil && outOld == nil:
		case outNew == nil:
			j.next.process(q, outOld, nil)
		default:
			j.next.process(q, outOld, outNew)
		}
	}
	if left {
		pk := j.pkString(row)
		var outOld *Row
		if prev := j.fkLeft[pk]; prev != nil {
			outOld = j.tableResult(prev.row, j.rightOne(prev), ts)
			if prev.has {
				delete(j.fkIndex[prev.fk], pk)
				if len(j.fkIndex[prev.fk]) == 0 {
					delete(j.fkIndex, prev.fk)
				}
			}
		}
		if new == nil {
			delete(j.fkLeft, pk)
			emit(outOld, nil)
			return
		}
		cur := &fkRow{row: new, fk: ks, has: kv != nil}
		j.fkLeft[pk] = cur
		if cur.has {
			if j.fkIndex[ks] == nil {
				j.fkIndex[ks] = map[string]bool{}
			}
			j.fkIndex[ks][pk] = true
		}
		emit(outOld, j.tableResult(new, j.rightOne(cur), new.Timestamp))
		return
	}
	if kv == nil {
		return
	}
	oldR := j.setRightRow(ks, new)
	pks := make([]string, 0, len(j.fkIndex[ks]))
	for pk := range j.fkIndex[ks] {
		pks = append(pks, pk)
	}
	sort.Strings(pks)
	for _, pk := range pks {
		l := j.fkLeft[pk].row
		emit(j.tableResult(l, oldR, ts), j.tableResult(l, new, ts))
	}
}

// rightOne is the right row a foreign-key join's left row points at.
func (j *joinNode) rightOne(l *fkRow) *Row {
	if !l.has {
		return nil
	}
	if rs := j.rightState[l.fk]; len(rs) > 0 {
		return rs[0]
	}
	return nil
}

// pkString is the primary key of a foreign-key join's left row.
func (j *joinNode) pkString(r *Row) string {
	var b []byte
	for _, i := range j.leftPK {
		b = types.AppendKey(b, r.Cols[i])
		b = append(b, 0)
	}
	return string(b)
}

func (j *joinNode) tableResult(l, r *Row, ts int64) *Row {
	if l != nil && l.NullValue {
		l = nil
	}
	if r != nil && r.NullValue {
		r = nil
	}
	switch {
	case l == nil && r == nil:
		return nil
	case j.typ == parser.JoinInner && (l == nil || r == nil):
		return nil
	case j.typ == parser.JoinLeft && l == nil, j.typ == parser.JoinRight && r == nil:
		return nil
	}
	return j.combine(l, r, ts)
}

// setRightRow makes new the right table's row for key ks (nil deletes
// it) and returns the row it replaces.
func (j *joinNode) setRightRow(ks string, new *Row) (old *Row) {
	if rs := j.rightState[ks]; len(rs) > 0 {
		old = rs[0]
	}
	if new == nil {
		delete(j.rightState, ks)
	} else {
		j.rightState[ks] = []*Row{new}
	}
	return old
}

func (j *joinNode) purge(before, after int64) {
	grace := defaultGrace
	if j.within.Grace >= 0 {
		grace = j.within.Grace
	}
	limit := j.streamTime - before - after - grace
	dropBefore(j.leftBuf, limit)
	dropBefore(j.rightState, limit)
}

// dropBefore drops from buf the rows stamped before limit, and the keys
// left without rows.
func dropBefore(buf map[string][]*Row, limit int64) {
	for k, rows := range buf {
		kept := rows[:0]
		for _, r := range rows {
			if r.Timestamp >= limit {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(buf, k)
		} else {
			buf[k] = kept
		}
	}
}

// describeColumns renders a result schema as schemaString renders a
// source's.
func describeColumns(cols []outputColumn) string {
	cs := make([]Column, len(cols))
	for i, c := range cols {
		cs[i] = Column(c)
	}
	return schemaString(cs)
}
