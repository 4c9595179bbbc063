package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/functions"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// defaultGrace is ksqlDB's grace period for windows when none is given.
const defaultGrace int64 = 24 * 60 * 60 * 1000

// outputColumn is a column of a query's result.
type outputColumn struct {
	Name string
	Type *types.Type
	Key  bool
}

// plan is a query planned against the catalogue: the operators to run and
// the result schema.
type plan struct {
	query      *parser.Query
	resultKind parser.SourceKind
	inputs     []*inputNode
	// columns of the result in select order, with key flags.
	columns    []outputColumn
	keyOrder   []int // indexes into columns forming the result key
	valueOrder []int
	windowKind format.WindowKind
	windowSize int64
	steps      []string // logical plan, sink first (for EXPLAIN)
	sources    []*Source
	// head is the node each record reaches after the sources (and join),
	// followed by the filter/aggregate/projection nodes.
	final    *finalProjection
	agg      *aggregateNode
	joinNode *joinNode
	hidden   int // key columns computed but not selected
}

type planner struct {
	cat *Catalog
	reg *functions.Registry
	c   *compiler
	// transient plans a push query: `*` over a windowed source includes
	// the window bounds.
	transient bool
	// sink names the result of a persistent query (for messages); a
	// persistent join must select its key.
	sink string
}

// planQuery plans a SELECT. The output node (sink) is attached later.
func (p *planner) planQuery(q *parser.Query) (*plan, error) {
	pl := &plan{query: q}
	sc := &scope{}
	switch from := q.From.(type) {
	case *parser.AliasedSource:
		src := p.cat.Get(from.Name)
		if src == nil {
			return nil, fmt.Errorf("%s does not exist.", from.Name)
		}
		alias := from.Alias
		if alias == "" {
			alias = src.Name
		}
		for _, c := range src.Columns {
			sc.cols = append(sc.cols, scopeColumn{Name: c.Name, Qualifier: alias, Source: src.Name, Type: c.Type, Key: c.Key})
		}
		sc.windowed = src.Windowed()
		sc.starWindow = p.transient && src.Windowed()
		in, err := newInputNode(src, 0, len(src.Columns))
		if err != nil {
			return nil, err
		}
		pl.inputs = []*inputNode{in}
		pl.sources = []*Source{src}
		pl.resultKind = src.Kind
		if src.Windowed() {
			pl.windowKind, pl.windowSize = src.WindowKind(), src.WindowSize
		}
		pl.steps = append(pl.steps, fmt.Sprintf("[ SOURCE ] | Source: %s | Topic: %s | Schema: %s", src.Name, src.Topic, schemaString(src.Columns)))
	case *parser.Join:
		if _, err := p.planJoin(from, sc, pl); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported FROM clause")
	}

	var where *compiled
	if q.Where != nil {
		if b := windowBound(q.Where); b != "" && !sc.windowed {
			return nil, fmt.Errorf("Error in WHERE expression: Unknown column %s.", b)
		}
		var err error
		if where, err = p.c.boolExpr(q.Where, sc); err != nil {
			return nil, inClause(err, "WHERE")
		}
		pl.steps = append(pl.steps, "[ FILTER ] | Condition: "+parser.FormatExpr(q.Where))
	}
	var next downstream
	if len(q.GroupBy) > 0 || q.Window != nil || p.hasAggregates(q) {
		agg, err := p.planAggregate(q, sc, pl)
		if err != nil {
			return nil, err
		}
		pl.agg = agg
		next = agg
	} else {
		if q.Having != nil {
			return nil, fmt.Errorf("HAVING requires a GROUP BY clause.")
		}
		fp, err := p.planProjection(q, sc, pl, q.PartitionBy, false)
		if err != nil {
			return nil, err
		}
		pl.final = fp
		next = fp
		if len(q.PartitionBy) > 0 {
			if pl.resultKind == parser.KindTable {
				return nil, fmt.Errorf("Unsupported operation. PARTITION BY is not supported on tables.")
			}
			parts := make([]string, len(q.PartitionBy))
			for i, e := range q.PartitionBy {
				parts[i] = parser.FormatExpr(e)
			}
			pl.steps = append(pl.steps, "[ REPARTITION ] | Partition by: "+strings.Join(parts, ", "))
		}
	}
	if q.Emit == parser.EmitFinal {
		// Checked after the aggregation, as ksqlDB reports a missing GROUP
		// BY first.
		if pl.agg == nil || q.Window == nil {
			return nil, fmt.Errorf("EMIT FINAL is only supported for windowed aggregations.")
		}
		pl.agg.emitFinal = true
		pl.steps = append(pl.steps, "[ SUPPRESS ] | Emit: FINAL (one result per window, when the window closes)")
	}
	if where != nil {
		next = &filterNode{cond: where, next: next, table: pl.resultKind == parser.KindTable && pl.agg == nil}
	}
	if pl.joinNode != nil {
		pl.joinNode.next = next
	} else {
		for _, in := range pl.inputs {
			in.next = next
		}
	}
	return pl, nil
}

func (p *planner) hasAggregates(q *parser.Query) bool {
	var calls []*parser.FuncCall
	for _, it := range q.Select {
		if it.Expr != nil {
			collectAggs(it.Expr, p.reg, &calls)
		}
	}
	if q.Having != nil {
		collectAggs(q.Having, p.reg, &calls)
	}
	return len(calls) > 0
}

// collectAggs appends the outermost aggregate calls of e.
func collectAggs(e parser.Expr, reg *functions.Registry, out *[]*parser.FuncCall) {
	walk(e, func(x parser.Expr) bool {
		if fc, ok := x.(*parser.FuncCall); ok && reg.IsAggregate(fc.Name) {
			*out = append(*out, fc)
			return false
		}
		return true
	})
}

// windowBound returns WINDOWSTART or WINDOWEND when e refers to one
// (unqualified), else "".
func windowBound(e parser.Expr) string {
	found := ""
	walk(e, func(x parser.Expr) bool {
		if ref, ok := x.(*parser.ColumnRef); ok && ref.Qualifier == "" && (ref.Name == "WINDOWSTART" || ref.Name == "WINDOWEND") && found == "" {
			found = ref.Name
		}
		return found == ""
	})
	return found
}

// walk visits e and its children while fn returns true.
func walk(e parser.Expr, fn func(parser.Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch x := e.(type) {
	case *parser.Dereference:
		walk(x.Base, fn)
	case *parser.Subscript:
		walk(x.Base, fn)
		walk(x.Index, fn)
	case *parser.Binary:
		walk(x.L, fn)
		walk(x.R, fn)
	case *parser.Unary:
		walk(x.X, fn)
	case *parser.Comparison:
		walk(x.L, fn)
		walk(x.R, fn)
	case *parser.Logical:
		walk(x.L, fn)
		walk(x.R, fn)
	case *parser.Not:
		walk(x.X, fn)
	case *parser.Between:
		walk(x.X, fn)
		walk(x.Lo, fn)
		walk(x.Hi, fn)
	case *parser.In:
		walk(x.X, fn)
		for _, l := range x.List {
			walk(l, fn)
		}
	case *parser.Like:
		walk(x.X, fn)
		walk(x.Pattern, fn)
	case *parser.IsNull:
		walk(x.X, fn)
	case *parser.IsDistinct:
		walk(x.L, fn)
		walk(x.R, fn)
	case *parser.Case:
		walk(x.Operand, fn)
		for _, w := range x.Whens {
			walk(w.Cond, fn)
			walk(w.Result, fn)
		}
		walk(x.Else, fn)
	case *parser.Cast:
		walk(x.X, fn)
	case *parser.FuncCall:
		for _, a := range x.Args {
			walk(a, fn)
		}
	case *parser.ArrayCtor:
		for _, a := range x.Elems {
			walk(a, fn)
		}
	case *parser.MapCtor:
		for i := range x.Keys {
			walk(x.Keys[i], fn)
			walk(x.Values[i], fn)
		}
	case *parser.StructCtor:
		for _, v := range x.Values {
			walk(v, fn)
		}
	case *parser.Lambda:
		walk(x.Body, fn)
	}
}

func schemaString(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		s := parser.QuoteIdent(c.Name) + " " + c.Type.String()
		if c.Key {
			s += " KEY"
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

// selectItem is a select-list entry after `*` expansion.
type selectItem struct {
	expr  parser.Expr
	alias string
}

// expandSelect expands `*` and names every item the way ksqlDB does:
// aliases, column names, struct field names (made unique with _1, _2 when
// they clash) and KSQL_COL_n for other expressions.
func expandSelect(q *parser.Query, sc *scope, joined bool) ([]selectItem, error) {
	var items []selectItem
	for _, it := range q.Select {
		if it.Star {
			bounds := sc.starWindow
			first := len(items)
			for i, c := range sc.cols {
				if c.Pseudo || c.Bound || it.StarQualifier != "" && !strings.EqualFold(c.Qualifier, it.StarQualifier) && !strings.EqualFold(c.Source, it.StarQualifier) {
					continue
				}
				if bounds && !c.Key {
					items = append(items, windowBoundItems()...)
					bounds = false
				}
				alias := c.Name
				if joined && c.Qualifier != "" {
					// ksqlDB names every column of a join's `*` and
					// `X.*` after its source: X_COL.
					alias = strings.ToUpper(c.Qualifier) + "_" + c.Name
				}
				items = append(items, selectItem{expr: &parser.ColumnRef{Qualifier: c.Qualifier, Name: c.Name}, alias: alias})
				if c.Key && c.Qualifier != "" && (i+1 == len(sc.cols) || !sc.cols[i+1].Key || sc.cols[i+1].Qualifier != c.Qualifier) {
					for _, b := range sc.cols {
						if b.Bound && b.Qualifier == c.Qualifier {
							items = append(items, selectItem{expr: &parser.ColumnRef{Qualifier: b.Qualifier, Name: b.Name}, alias: strings.ToUpper(b.Qualifier) + "_" + b.Name})
						}
					}
				}
				if bounds && i == len(sc.cols)-1 {
					items = append(items, windowBoundItems()...)
					bounds = false
				}
			}
			if len(q.PartitionBy) > 0 && !sc.starWindow {
				keysLast(items[first:], sc)
			}
			continue
		}
		items = append(items, selectItem{expr: it.Expr, alias: it.Alias})
	}
	used := map[string]bool{}
	for _, it := range items {
		if it.alias != "" {
			used[it.alias] = true
		} else if ref, ok := it.expr.(*parser.ColumnRef); ok {
			used[ref.Name] = true
		}
	}
	sourceNames := map[string]bool{}
	for _, c := range sc.cols {
		sourceNames[c.Name] = true
	}
	gen := 0
	for i := range items {
		it := &items[i]
		if it.alias != "" {
			continue
		}
		switch x := it.expr.(type) {
		case *parser.ColumnRef:
			it.alias = x.Name
			if joined && x.Qualifier != "" {
				// In a join, a qualified column whose name more than one
				// source has is named after its source: a.id -> A_ID
				// (a.ROWTIME -> A_ROWTIME: every source has ROWTIME).
				n := 0
				for _, c := range sc.cols {
					if c.Name == x.Name {
						n++
					}
				}
				if _, pseudo := pseudoColumns[x.Name]; n > 1 || pseudo {
					q := x.Qualifier
					if idx, err := sc.resolve(x); err == nil {
						q = sc.cols[idx].Qualifier
					}
					it.alias = strings.ToUpper(q) + "_" + x.Name
				}
			}
		case *parser.Dereference:
			name := x.Field
			cand := name
			for n := 1; used[cand] || sourceNames[cand]; n++ {
				cand = name + "_" + itoa(n)
			}
			it.alias = cand
			used[cand] = true
		default:
			for {
				cand := "KSQL_COL_" + itoa(gen)
				gen++
				if !used[cand] {
					it.alias = cand
					used[cand] = true
					break
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.alias] {
			return nil, fmt.Errorf("Duplicate value columns found in schema: `%s`", it.alias)
		}
		seen[it.alias] = true
	}
	return items, nil
}

// keysLast reorders the columns `*` selected in a query that PARTITION BY
// re-keys as ksqlDB lists them: for each source, its value columns, then
// its key columns (which become values).
func keysLast(items []selectItem, sc *scope) {
	isKey := func(it selectItem) bool {
		ref, ok := it.expr.(*parser.ColumnRef)
		if !ok {
			return false
		}
		idx, err := sc.resolve(ref)
		return err == nil && sc.cols[idx].Key
	}
	qualifier := func(it selectItem) string {
		if ref, ok := it.expr.(*parser.ColumnRef); ok {
			return ref.Qualifier
		}
		return ""
	}
	var order []string
	groups := map[string][2][]selectItem{}
	for _, it := range items {
		q := qualifier(it)
		g, seen := groups[q]
		if !seen {
			order = append(order, q)
		}
		if isKey(it) {
			g[1] = append(g[1], it)
		} else {
			g[0] = append(g[0], it)
		}
		groups[q] = g
	}
	out := items[:0:0]
	for _, q := range order {
		out = append(append(out, groups[q][0]...), groups[q][1]...)
	}
	copy(items, out)
}

// windowBoundItems selects WINDOWSTART and WINDOWEND.
func windowBoundItems() []selectItem {
	return []selectItem{
		{expr: &parser.ColumnRef{Name: "WINDOWSTART"}, alias: "WINDOWSTART"},
		{expr: &parser.ColumnRef{Name: "WINDOWEND"}, alias: "WINDOWEND"},
	}
}

// planProjection plans a stateless projection. keyExprs are PARTITION BY
// expressions (nil to keep the source key).
func (p *planner) planProjection(q *parser.Query, sc *scope, pl *plan, keyExprs []parser.Expr, _ bool) (*finalProjection, error) {
	items, err := expandSelect(q, sc, len(pl.sources) > 1)
	if err != nil {
		return nil, err
	}
	fp := &finalProjection{}
	for i, it := range items {
		ce, t, isTF, err := p.c.tableFunction(it.expr, sc)
		if err != nil {
			return nil, err
		}
		if isTF {
			if pl.resultKind == parser.KindTable {
				return nil, fmt.Errorf("Table source is not supported with table functions")
			}
			fp.tableFns = append(fp.tableFns, i)
		} else {
			if ce, err = p.c.compile(it.expr, sc); err != nil {
				return nil, inClause(err, "SELECT")
			}
			t = ce.t
		}
		if t.Kind == types.KindNull {
			t = types.StringType
		}
		fp.items = append(fp.items, ce)
		pl.columns = append(pl.columns, outputColumn{Name: it.alias, Type: t})
	}
	switch {
	case len(keyExprs) > 0:
		if err := p.checkPartitionKeys(q, items, keyExprs, sc); err != nil {
			return nil, err
		}
		if err := p.assignKeys(fp, pl, items, keyExprs, sc, sc, true); err != nil {
			return nil, err
		}
	case pl.joinNode != nil:
		if err := p.joinKey(fp, pl, items, sc); err != nil {
			return nil, err
		}
	default:
		// Keep the source key: select items that are key column references.
		for i, it := range items {
			ref, ok := it.expr.(*parser.ColumnRef)
			if !ok {
				continue
			}
			idx, err := sc.resolve(ref)
			if err == nil && sc.cols[idx].Key {
				pl.columns[i].Key = true
				pl.keyOrder = append(pl.keyOrder, i)
				fp.keyItems = append(fp.keyItems, i)
			}
		}
	}
	for i := range pl.columns {
		if !pl.columns[i].Key {
			pl.valueOrder = append(pl.valueOrder, i)
			fp.valueItems = append(fp.valueItems, i)
		}
	}
	sel := make([]string, len(items))
	for i, it := range items {
		sel[i] = parser.FormatExpr(it.expr) + " AS " + parser.QuoteIdent(it.alias)
	}
	pl.steps = append(pl.steps, "[ PROJECT ] | Fields: "+strings.Join(sel, ", "))
	return fp, nil
}

// checkPartitionKeys applies ksqlDB's rules to the PARTITION BY
// expressions of a persistent query: each must be selected once (a query
// selecting `*` may leave one out: it is added as a key column).
func (p *planner) checkPartitionKeys(q *parser.Query, items []selectItem, keyExprs []parser.Expr, sc *scope) error {
	if p.sink == "" {
		return nil
	}
	star := false
	for _, it := range q.Select {
		star = star || it.Star
	}
	for _, ke := range keyExprs {
		if _, isNull := ke.(*parser.NullLiteral); isNull {
			continue
		}
		if _, err := p.c.compile(ke, sc); err != nil {
			return inClause(err, "PARTITION BY")
		}
		var aliases []string
		for _, it := range items {
			if parser.FormatExpr(it.expr) == parser.FormatExpr(ke) || sameColumn(it.expr, ke, sc) {
				aliases = append(aliases, it.alias)
			}
		}
		switch {
		case len(aliases) > 1:
			sort.Strings(aliases)
			name := exprName(ke)
			if name == "" {
				name = aliases[0]
			}
			n := len(aliases)
			return fmt.Errorf("The projection contains a key column (`%s`) more than once, aliased as: %s and %s.", name, strings.Join(aliases[:n-1], ", "), aliases[n-1])
		case len(aliases) == 0 && !star:
			e := sourceQualified(ke, sc)
			return fmt.Errorf("The query used to build `%s` must include the partitioning expression %s in its projection (eg, SELECT %s...).", p.sink, e, e)
		}
	}
	return nil
}

// sourceQualified formats e with its columns qualified by their source's
// name, as ksqlDB's messages write them (ABS(INPUT.ID)).
func sourceQualified(e parser.Expr, sc *scope) string {
	return formatQualified(e, sc, func(c scopeColumn) string { return c.Source })
}

// formatQualified formats e with each unqualified column that sc resolves
// qualified by qual of its column (left bare where qual gives ""); e is
// left as it was.
func formatQualified(e parser.Expr, sc *scope, qual func(scopeColumn) string) string {
	var refs []*parser.ColumnRef
	walk(e, func(x parser.Expr) bool {
		if ref, ok := x.(*parser.ColumnRef); ok && ref.Qualifier == "" {
			if idx, err := sc.resolve(ref); err == nil && qual(sc.cols[idx]) != "" {
				ref.Qualifier = qual(sc.cols[idx])
				refs = append(refs, ref)
			}
		}
		return true
	})
	out := parser.FormatExpr(e)
	for _, ref := range refs {
		ref.Qualifier = ""
	}
	return out
}

// assignKeys makes the select items matching keyExprs the result key; key
// expressions that are not selected are computed separately.
func (p *planner) assignKeys(fp *finalProjection, pl *plan, items []selectItem, keyExprs []parser.Expr, keyScope, compileScope *scope, partition bool) error {
	for _, ke := range keyExprs {
		if _, isNull := ke.(*parser.NullLiteral); isNull {
			continue
		}
		want := parser.FormatExpr(ke)
		found := -1
		for i, it := range items {
			if pl.columns[i].Key {
				continue
			}
			if parser.FormatExpr(it.expr) == want || sameColumn(it.expr, ke, keyScope) {
				found = i
				break
			}
		}
		if found < 0 {
			// Not selected: add a hidden key column.
			ce, err := p.c.compile(ke, compileScope)
			if err != nil {
				if partition {
					return inClause(err, "PARTITION BY")
				}
				return inClause(err, "GROUP BY")
			}
			name := exprName(ke)
			if name == "" && partition {
				// ksqlDB's next generated name: KSQL_COL_0, 1, ...
				for n := 0; name == ""; n++ {
					cand := "KSQL_COL_" + itoa(n)
					used := false
					for _, c := range pl.columns {
						used = used || c.Name == cand
					}
					if !used {
						name = cand
					}
				}
			}
			if name == "" {
				name = "KSQL_COL_" + itoa(len(pl.columns))
			}
			fp.items = append(fp.items, ce)
			pl.columns = append(pl.columns, outputColumn{Name: name, Type: ce.t, Key: true})
			found = len(pl.columns) - 1
			pl.hidden++
		}
		if containsMap(pl.columns[found].Type) {
			return mapKeyError(pl.columns[found].Name, pl.columns[found].Type)
		}
		pl.columns[found].Key = true
		pl.keyOrder = append(pl.keyOrder, found)
		fp.keyItems = append(fp.keyItems, found)
	}
	return nil
}

// joinKey makes the result of a join keyed as ksqlDB keys it: by the
// first of the join's columns (left before right) that is selected, by
// ROWKEY when the join has a synthetic key (FULL OUTER, or no column on
// either side of the condition), by the left table's primary key for a
// foreign-key join. A persistent query must select it.
func (p *planner) joinKey(fp *finalProjection, pl *plan, items []selectItem, sc *scope) error {
	j := pl.joinNode
	viable := j.keyExprs
	if len(viable) == 0 {
		viable = j.viable
	}
	all := j.fk // a foreign-key join is keyed by all the left table's key columns
	found := false
	for _, k := range viable {
		var aliases []string
		for i, it := range items {
			if !matchesAny(it.expr, []parser.Expr{k}, sc) {
				continue
			}
			aliases = append(aliases, it.alias)
			if len(aliases) == 1 {
				pl.columns[i].Key = true
				pl.keyOrder = append(pl.keyOrder, i)
				fp.keyItems = append(fp.keyItems, i)
				found = true
				if !j.fk {
					// The key is the join key, also where this column is
					// NULL (the side it comes from is missing).
					t := pl.columns[i].Type
					fp.items[i] = &compiled{t: t, eval: func(r *Row) (any, error) {
						if r.Cols[j.synthetic] == nil {
							return nil, nil
						}
						return types.Cast(r.Cols[j.synthetic], t)
					}}
				}
			}
		}
		if len(aliases) > 1 {
			sort.Strings(aliases)
			n := len(aliases)
			name := k.(*parser.ColumnRef).Name
			if q := qualifierOf(k, sc); q != "" {
				name = strings.ToUpper(q) + "_" + name
			}
			return fmt.Errorf("The projection contains a key column (`%s`) more than once, aliased as: %s and %s.",
				name, strings.Join(aliases[:n-1], ", "), aliases[n-1])
		}
		if found && !all {
			break
		}
	}
	if found || p.sink == "" {
		return nil
	}
	const missing = "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n"
	if j.rowkey {
		name := viable[0].(*parser.ColumnRef).Name
		return fmt.Errorf(missing+"The query used to build `%s` must include the join expression %s in its projection (eg, SELECT %s...).\n"+
			"%s was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased.", p.sink, name, name, name)
	}
	if j.fk {
		ref := viable[0].(*parser.ColumnRef)
		return fmt.Errorf(missing+"The query used to build `%s` must include the join expression %s in its projection.", p.sink, strings.ToUpper(qualifierOf(ref, sc))+"_"+ref.Name)
	}
	names := make([]string, len(viable))
	for i, v := range viable {
		names[i] = qualifiedExpr(v, sc)
	}
	what := "expression " + names[0]
	if n := len(names); n > 1 {
		what = "expressions " + strings.Join(names[:n-1], ", ") + " or " + names[n-1]
	}
	return fmt.Errorf(missing+"The query used to build `%s` must include the join %s in its projection (eg, SELECT %s...).", p.sink, what, names[0])
}

// qualifierOf is the source a column reference resolves to.
func qualifierOf(e parser.Expr, sc *scope) string {
	ref, ok := e.(*parser.ColumnRef)
	if !ok {
		return ""
	}
	if idx, err := sc.resolve(ref); err == nil {
		return sc.cols[idx].Qualifier
	}
	return ref.Qualifier
}

// matchesAny reports whether e is one of exprs (the same text or the
// same column).
func matchesAny(e parser.Expr, exprs []parser.Expr, sc *scope) bool {
	for _, x := range exprs {
		if parser.FormatExpr(e) == parser.FormatExpr(x) || sameColumn(e, x, sc) {
			return true
		}
	}
	return false
}

// sameColumn reports whether two expressions are references to the same
// column (one qualified and one not).
func sameColumn(a, b parser.Expr, sc *scope) bool {
	ra, ok1 := a.(*parser.ColumnRef)
	rb, ok2 := b.(*parser.ColumnRef)
	if !ok1 || !ok2 || sc == nil {
		return false
	}
	ia, err1 := sc.resolve(ra)
	ib, err2 := sc.resolve(rb)
	return err1 == nil && err2 == nil && ia == ib
}

// planAggregate plans GROUP BY / WINDOW / HAVING and the projection.
func (p *planner) planAggregate(q *parser.Query, sc *scope, pl *plan) (*aggregateNode, error) {
	// A push query may aggregate without GROUP BY: every row is in one
	// group, and the result has no key.
	if len(q.GroupBy) == 0 && !p.transient {
		return nil, fmt.Errorf("Use of aggregate functions requires a GROUP BY clause.")
	}
	if q.Having != nil {
		if b := windowBound(q.Having); b != "" {
			return nil, fmt.Errorf("Window bounds column %s can only be used in the SELECT clause of windowed aggregations", b)
		}
	}
	if len(q.PartitionBy) > 0 {
		return nil, fmt.Errorf("PARTITION BY and GROUP BY in the same query are not supported.")
	}
	items, err := expandSelect(q, sc, len(pl.sources) > 1)
	if err != nil {
		return nil, err
	}
	isTable := pl.resultKind == parser.KindTable
	if isTable && q.Window != nil {
		return nil, fmt.Errorf("KSQL does not support windowing on tables.")
	}
	if pl.windowKind != format.NotWindowed {
		return nil, fmt.Errorf("aggregating a windowed source is not supported")
	}
	agg := &aggregateNode{isTable: isTable, window: q.Window}
	postScope := &scope{subst: map[string]int{}, windowed: q.Window != nil}
	for _, g := range q.GroupBy {
		ce, err := p.c.compile(g, sc)
		if err != nil {
			return nil, inClause(err, "GROUP BY")
		}
		agg.groupExprs = append(agg.groupExprs, ce)
		name := exprName(g)
		postScope.cols = append(postScope.cols, scopeColumn{Name: "$GROUP_" + name, Type: ce.t})
		postScope.subst[parser.FormatExpr(g)] = len(postScope.cols) - 1
		if ref, ok := g.(*parser.ColumnRef); ok {
			postScope.subst[parser.FormatExpr(&parser.ColumnRef{Name: ref.Name})] = len(postScope.cols) - 1
			if idx, err := sc.resolve(ref); err == nil {
				postScope.subst[parser.FormatExpr(&parser.ColumnRef{Qualifier: sc.cols[idx].Qualifier, Name: ref.Name})] = len(postScope.cols) - 1
			}
		}
	}
	// Aggregate calls from the select list and HAVING.
	var calls []*parser.FuncCall
	for _, it := range items {
		collectAggs(it.expr, p.reg, &calls)
	}
	if q.Having != nil {
		collectAggs(q.Having, p.reg, &calls)
	}
	for _, call := range calls {
		key := parser.FormatExpr(call)
		if _, dup := postScope.subst[key]; dup {
			continue
		}
		fn := p.reg.Aggregate(call.Name)
		var args []*compiled
		var argTypes []*types.Type
		var consts []any
		for i, a := range call.Args {
			ce, err := p.c.compile(a, sc)
			if err != nil {
				return nil, err
			}
			if i == 0 || !ce.isLit {
				args = append(args, ce)
			}
			argTypes = append(argTypes, ce.t)
			consts = append(consts, ce.lit)
		}
		// COUNT(1) and COUNT(*) count rows.
		if call.Name == "COUNT" && len(call.Args) == 1 && args[0].isLit && args[0].lit != nil {
			args, argTypes, consts = nil, nil, nil
		}
		rt, factory, err := fn.Resolve(argTypes, consts)
		if err != nil {
			return nil, err
		}
		if isTable && !fn.Undoable {
			return nil, fmt.Errorf("The aggregation function(s) (%s) cannot be applied to a table source, only to a stream source.", call.Name)
		}
		agg.aggs = append(agg.aggs, aggSpec{args: args, factory: factory})
		postScope.cols = append(postScope.cols, scopeColumn{Name: "$AGG_" + itoa(len(agg.aggs)-1), Type: rt})
		postScope.subst[key] = len(postScope.cols) - 1
	}
	if q.Having != nil {
		if agg.having, err = p.c.boolExpr(q.Having, postScope); err != nil {
			return nil, inClause(err, "HAVING")
		}
	}
	fp := &finalProjection{}
	for _, it := range items {
		ce, err := p.c.compile(it.expr, postScope)
		if err != nil {
			if strings.Contains(err.Error(), "cannot be resolved") {
				return nil, fmt.Errorf("Non-aggregate SELECT expression(s) not part of GROUP BY: %s", parser.FormatExpr(it.expr))
			}
			return nil, err
		}
		t := ce.t
		if t.Kind == types.KindNull {
			t = types.StringType
		}
		fp.items = append(fp.items, ce)
		pl.columns = append(pl.columns, outputColumn{Name: it.alias, Type: t})
	}
	if err := p.assignKeys(fp, pl, items, q.GroupBy, sc, postScope, false); err != nil {
		return nil, err
	}
	for i := range pl.columns {
		if !pl.columns[i].Key {
			pl.valueOrder = append(pl.valueOrder, i)
			fp.valueItems = append(fp.valueItems, i)
		}
	}
	agg.final = fp
	pl.final = fp
	pl.resultKind = parser.KindTable
	if q.Window != nil {
		w := q.Window
		agg.grace = defaultGrace
		if w.Grace >= 0 {
			agg.grace = w.Grace
		}
		if w.Type == parser.WindowSession {
			pl.windowKind = format.SessionWindowed
			agg.sessions = map[string]*sessionGroup{}
		} else {
			pl.windowKind = format.TimeWindowed
			pl.windowSize = w.Size
		}
	}
	agg.groups = map[string]*aggGroup{}
	groups := make([]string, len(q.GroupBy))
	for i, g := range q.GroupBy {
		groups[i] = parser.FormatExpr(g)
	}
	desc := "[ AGGREGATE ] | Group by: " + strings.Join(groups, ", ")
	if q.Window != nil {
		desc += fmt.Sprintf(" | Window: %s (size %d ms", q.Window.Type, q.Window.Size)
		if q.Window.Type == parser.WindowHopping {
			desc += fmt.Sprintf(", advance %d ms", q.Window.Advance)
		}
		desc += fmt.Sprintf(", grace %d ms)", agg.grace)
	}
	pl.steps = append(pl.steps, desc)
	if q.Having != nil {
		pl.steps = append(pl.steps, "[ HAVING ] | Condition: "+parser.FormatExpr(q.Having))
	}
	sel := make([]string, len(items))
	for i, it := range items {
		sel[i] = parser.FormatExpr(it.expr) + " AS " + parser.QuoteIdent(it.alias)
	}
	pl.steps = append(pl.steps, "[ PROJECT ] | Fields: "+strings.Join(sel, ", "))
	return agg, nil
}

// joinPseudo are the pseudo columns each side of a join carries in the
// joined row, so that `L.ROWTIME` or `R.ROWPARTITION` reach that side's
// record (named L_ROWTIME, R_ROWPARTITION in the result, as in ksqlDB).
var joinPseudo = []string{"ROWTIME", "ROWPARTITION", "ROWOFFSET"}

// joinSource is one source of a (possibly multi-way) join, laid out at
// offset in the joined row.
type joinSource struct {
	ref    *parser.AliasedSource
	src    *Source
	alias  string
	offset int
	width  int // columns plus pseudo columns
}

// flattenJoin lists the sources of a left-deep join tree, leftmost first,
// and the joins in the order they apply.
func flattenJoin(j *parser.Join) ([]*parser.AliasedSource, []*parser.Join, error) {
	switch l := j.Left.(type) {
	case *parser.AliasedSource:
		return []*parser.AliasedSource{l, j.Right}, []*parser.Join{j}, nil
	case *parser.Join:
		srcs, joins, err := flattenJoin(l)
		if err != nil {
			return nil, nil, err
		}
		return append(srcs, j.Right), append(joins, j), nil
	}
	return nil, nil, fmt.Errorf("unsupported FROM clause")
}

// planJoin plans `a JOIN b ON ... [JOIN c ON ...]`: each join takes the
// joined row of the sources before it as its left side.
func (p *planner) planJoin(top *parser.Join, sc *scope, pl *plan) (*joinNode, error) {
	refs, joins, err := flattenJoin(top)
	if err != nil {
		return nil, err
	}
	srcs := make([]*joinSource, len(refs))
	for i, r := range refs {
		s := p.cat.Get(r.Name)
		if s == nil {
			return nil, fmt.Errorf("%s does not exist.", r.Name)
		}
		srcs[i] = &joinSource{ref: r, src: s, alias: sourceAlias(r.Alias, s)}
	}
	seenSource := map[string]bool{}
	for _, s := range srcs {
		if seenSource[s.src.Name] {
			return nil, fmt.Errorf("Can not join '%s' to '%s': self joins are not yet supported.", s.src.Name, s.src.Name)
		}
		seenSource[s.src.Name] = true
	}
	if err := checkJoinWindows(srcs); err != nil {
		return nil, err
	}
	// Names for messages, in the order the statement gives the sources.
	origLeft, origRight := srcs[0].alias, srcs[1].alias
	origLeftParts, origRightParts := srcs[0].src.Partitions, srcs[1].src.Partitions
	origLeftName, origRightName := srcs[0].src.Name, srcs[1].src.Name
	// A RIGHT JOIN of a stream and a table runs as the swapped LEFT
	// JOIN; of two streams or two tables it runs as it is written.
	swapped := joins[0].Type == parser.JoinRight && srcs[0].src.Kind != srcs[1].src.Kind
	if swapped {
		srcs[0], srcs[1] = srcs[1], srcs[0]
	}
	// Column 0 of a joined row holds the join key (the key of whichever
	// side is present), which keys the result. A join no column can key
	// (FULL OUTER, or expressions on both sides) shows it as a column of
	// its own, ROWKEY; otherwise it is hidden, and the selected join
	// column that keys the result takes its value from it. Its type is
	// set once the join key is compiled.
	const synthetic = 0
	viable := viableKeys(joins)
	rowkey := len(viable) == 0
	rowkeyName := syntheticKeyName(srcs)
	sc.cols = append(sc.cols, scopeColumn{Name: rowkeyName, Key: true, Type: types.StringType, Pseudo: !rowkey})
	off := 1
	for _, s := range srcs {
		s.offset = off
		for _, c := range s.src.Columns {
			sc.cols = append(sc.cols, scopeColumn{Name: c.Name, Qualifier: s.alias, Source: s.src.Name, Type: c.Type, Key: c.Key})
		}
		for _, name := range joinPseudo {
			sc.cols = append(sc.cols, scopeColumn{Name: name, Qualifier: s.alias, Source: s.src.Name, Type: pseudoColumns[name], Pseudo: true})
		}
		s.width = len(s.src.Columns) + len(joinPseudo)
		if s.src.Windowed() {
			// A windowed source brings its window bounds, which `*` lists
			// after its key (S1_WINDOWSTART, S1_WINDOWEND).
			for _, name := range []string{"WINDOWSTART", "WINDOWEND"} {
				sc.cols = append(sc.cols, scopeColumn{Name: name, Qualifier: s.alias, Source: s.src.Name, Type: types.BigintType, Bound: true})
			}
			s.width += 2
		}
		off += s.width
	}
	width := off
	inputs := make([]*inputNode, len(srcs))
	for i, s := range srcs {
		in, err := newInputNode(s.src, s.offset, width)
		if err != nil {
			return nil, err
		}
		in.pseudo = true
		inputs[i] = in
	}
	var kafkaValues []string
	for _, s := range srcs {
		if s.src.ValueFormat == format.Kafka {
			kafkaValues = append(kafkaValues, s.src.Name)
		}
	}
	if len(kafkaValues) > 0 {
		return nil, fmt.Errorf("Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.", strings.Join(kafkaValues, ", "))
	}
	pl.inputs = inputs
	for _, s := range srcs {
		pl.sources = append(pl.sources, s.src)
		pl.steps = append(pl.steps, fmt.Sprintf("[ SOURCE ] | Source: %s | Topic: %s", s.src.Name, s.src.Topic))
	}
	var prev *joinNode
	leftTable := srcs[0].src.Kind == parser.KindTable
	leftWindow := srcs[0].src.WindowKind()
	for k, j := range joins {
		rs := srcs[k+1]
		jt := j.Type
		if jt == parser.JoinRight {
			switch {
			case k == 0 && swapped:
				jt = parser.JoinLeft
			case leftTable != (rs.src.Kind == parser.KindTable):
				return nil, fmt.Errorf("Invalid join type: right join of a stream and a table is only supported as the first join. Got %s.", joinTypeText(jt))
			}
		}
		leftWidth := rs.offset
		if err := checkJoinOn(j.On, &scope{cols: sc.cols[:leftWidth+rs.width]}); err != nil {
			return nil, err
		}
		cmp := j.On.(*parser.Comparison)
		leftScope := &scope{cols: sc.cols[:leftWidth]}
		rightScope := &scope{cols: sc.cols[:leftWidth+rs.width]}
		lexpr, rexpr := cmp.L, cmp.R
		lk, err := p.c.compile(lexpr, leftScope)
		if err != nil || !refersOnlyTo(rexpr, rightScope, leftWidth) {
			lexpr, rexpr = cmp.R, cmp.L
			if lk, err = p.c.compile(lexpr, leftScope); err != nil {
				return nil, fmt.Errorf("Invalid join condition: %s", parser.FormatExpr(j.On))
			}
		}
		rk, err := p.c.compile(rexpr, rightScope)
		if err != nil {
			return nil, err
		}
		if containsMap(lk.t) {
			name := rowkeyName
			if ref, ok := lexpr.(*parser.ColumnRef); ok {
				name = strings.ToUpper(qualifierOf(ref, sc)) + "_" + ref.Name
			}
			return nil, mapKeyError(name, lk.t)
		}
		rightTable := rs.src.Kind == parser.KindTable
		if k == 0 {
			sc.cols[synthetic].Type = lk.t
		}
		// The checks and messages of ksqlDB's planner, in its order.
		got := qualifiedExpr(lexpr, sc) + " = " + qualifiedExpr(rexpr, sc)
		named := fmt.Sprintf("%s %s %s", leftName(srcs, k), joinTypeText(j.Type), rs.src.Name)
		if k == 0 {
			named = fmt.Sprintf("%s %s %s", origLeftName, joinTypeText(j.Type), origRightName)
		}
		// A windowed source can only be joined on its key: ksqlDB does
		// not repartition windowed sources.
		if !rightTable && rs.src.Windowed() && !joinsOnKey(rexpr, sc, leftWidth, rs.src) ||
			k == 0 && !leftTable && srcs[0].src.Windowed() && !keyOfLeft(lexpr, sc, leftWidth) {
			return nil, fmt.Errorf("Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.")
		}
		fk := false
		switch {
		case !leftTable && rightTable:
			if jt == parser.JoinOuter {
				return nil, fmt.Errorf("Invalid join type: full-outer join not supported for stream-table join. Got %s.", named)
			}
			if !joinsOnKey(rexpr, sc, leftWidth, rs.src) {
				return nil, fmt.Errorf("Invalid join condition: stream-table joins require to join on the table's primary key. Got %s.", got)
			}
		case leftTable && !rightTable:
			return nil, fmt.Errorf("Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s.", named)
		case leftTable && rightTable:
			if !joinsOnKey(rexpr, sc, leftWidth, rs.src) {
				return nil, fmt.Errorf("Invalid join condition: table-table joins require to join on the primary key of the right input table. Got %s.", got)
			}
			// A left table joined on another column than its primary key
			// joins on a foreign key.
			fk = !keyOfLeft(lexpr, sc, leftWidth)
			if fk && jt == parser.JoinOuter {
				return nil, fmt.Errorf("Invalid join type: full-outer join not supported for foreign-key table-table join. Got %s.", named)
			}
			if fk && k > 0 {
				return nil, fmt.Errorf("Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got %s.", got)
			}
			if !lk.t.Equal(rk.t) {
				return nil, fmt.Errorf("Invalid join condition: types don't match. Got %s{%s} = %s{%s}.", qualifiedExpr(lexpr, sc), lk.t, qualifiedExpr(rexpr, sc), rk.t)
			}
			if fk && rs.src.Windowed() {
				return nil, fmt.Errorf("Foreign-key table-table joins are not supported on windowed tables.")
			}
		}
		if j.Within != nil && rightTable {
			if leftTable {
				return nil, fmt.Errorf("A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Table-Table join again.")
			}
			return nil, fmt.Errorf("A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to execute your join again.")
		}
		// The sources must be co-partitioned.
		if k == 0 && !fk && origLeftParts > 0 && origRightParts > 0 && origLeftParts != origRightParts {
			return nil, fmt.Errorf("Can't join `%s` with `%s` since the number of partitions don't match. `%s` partitions = %d; `%s` partitions = %d. Please repartition either one so that the number of partitions match.",
				origLeft, origRight, origLeft, origLeftParts, origRight, origRightParts)
		}
		jn := &joinNode{typ: jt, leftKey: lk, rightKey: rk, leftExpr: lexpr, rightExpr: rexpr, leftWidth: leftWidth, rightWidth: rs.width, width: width,
			leftTable: leftTable, rightTable: rightTable,
			windowed:  leftWindow != format.NotWindowed && rs.src.WindowKind() != format.NotWindowed,
			leftState: map[string]*Row{}, rightState: map[string][]*Row{}, synthetic: synthetic, fk: fk}
		if fk {
			jn.fkLeft, jn.fkIndex = map[string]*fkRow{}, map[string]map[string]bool{}
			for i, c := range srcs[0].src.Columns {
				if c.Key {
					jn.leftPK = append(jn.leftPK, srcs[0].offset+i)
					jn.keyExprs = append(jn.keyExprs, &parser.ColumnRef{Qualifier: srcs[0].alias, Name: c.Name})
				}
			}
		}
		if rowkey {
			jn.rowkey = true
			jn.keyExprs = []parser.Expr{&parser.ColumnRef{Name: rowkeyName}}
		}
		if j.Within != nil {
			jn.within = j.Within
		}
		if !jn.leftTable && !jn.rightTable && j.Within == nil {
			return nil, fmt.Errorf("Stream-Stream joins must have a WITHIN clause specified. None was provided.")
		}
		if prev == nil {
			inputs[0].next = &joinSide{j: jn, left: true}
		} else {
			prev.next = &joinSide{j: jn, left: true}
		}
		inputs[k+1].next = &joinSide{j: jn, left: false}
		pl.steps = append(pl.steps, fmt.Sprintf("[ JOIN ] | Type: %s | On: %s", jt, parser.FormatExpr(j.On)))
		if jn.windowed && leftWindow != format.NotWindowed {
			pl.windowKind, pl.windowSize = leftWindow, srcs[0].src.WindowSize
		}
		leftTable = leftTable && rightTable
		if leftWindow != rs.src.WindowKind() {
			leftWindow = format.NotWindowed
		}
		if prev != nil {
			jn.inner = prev
		}
		prev = jn
	}
	pl.resultKind = parser.KindStream
	if leftTable {
		pl.resultKind = parser.KindTable
	}
	sc.windowed = pl.windowKind != format.NotWindowed
	prev.viable = viable
	pl.joinNode = prev
	return prev, nil
}

// viableKeys lists the columns that can key the result of a (multi-way)
// join, as ksqlDB finds them: the columns of the last join's condition,
// and, when that condition uses an expression equal to one of the
// previous join's, that join's columns too. A FULL OUTER join has none
// (either side may be missing).
func viableKeys(joins []*parser.Join) []parser.Expr {
	var set []parser.Expr // expressions equal to the join key
	for k, j := range joins {
		cmp, ok := j.On.(*parser.Comparison)
		if !ok || j.Type == parser.JoinOuter {
			set = nil
			continue
		}
		sides := []parser.Expr{cmp.L, cmp.R}
		if k > 0 && (containsExpr(set, cmp.L) || containsExpr(set, cmp.R)) {
			for _, e := range sides {
				if !containsExpr(set, e) {
					set = append(set, e)
				}
			}
		} else {
			set = sides
		}
	}
	var cols []parser.Expr
	for _, e := range set {
		if _, ok := e.(*parser.ColumnRef); ok {
			cols = append(cols, e)
		}
	}
	return cols
}

// containsExpr reports whether e is written as one of list.
func containsExpr(list []parser.Expr, e parser.Expr) bool {
	for _, x := range list {
		if strings.EqualFold(parser.FormatExpr(x), parser.FormatExpr(e)) {
			return true
		}
	}
	return false
}

// checkJoinOn checks a join condition as ksqlDB does, with its messages:
// one equality, whose columns exist, are not ambiguous, and each side of
// which refers to exactly one source.
func checkJoinOn(on parser.Expr, sc *scope) error {
	if lg, ok := on.(*parser.Logical); ok {
		return fmt.Errorf("Invalid join condition: joins on multiple conditions are not yet supported. Got %s.", joinFormat(lg, sc))
	}
	cmp, ok := on.(*parser.Comparison)
	if !ok || cmp.Op != "=" {
		return fmt.Errorf("Unsupported join criteria %s: only equality joins are supported.", parser.FormatExpr(on))
	}
	for _, side := range []parser.Expr{cmp.L, cmp.R} {
		sources := map[string]bool{}
		var err error
		walk(side, func(x parser.Expr) bool {
			ref, isRef := x.(*parser.ColumnRef)
			if !isRef || err != nil {
				return err == nil
			}
			if ref.Qualifier != "" && !sc.hasQualifier(ref.Qualifier) {
				// a.b where a is a struct column, not a source.
				if _, e := sc.resolve(&parser.ColumnRef{Name: ref.Qualifier}); e == nil {
					return true
				}
				err = fmt.Errorf("Failed to prepare statement: '%s' is not a valid stream/table name or alias.", ref.Qualifier)
				return false
			}
			idx, e := sc.resolve(ref)
			switch {
			case e != nil && strings.Contains(e.Error(), "ambiguous"):
				err = e
			case e != nil:
				err = fmt.Errorf("JOIN ON column '%s' cannot be resolved.", parser.FormatExpr(ref))
			default:
				sources[strings.ToUpper(sc.cols[idx].Qualifier)] = true
			}
			return err == nil
		})
		if err != nil {
			return err
		}
		if len(sources) != 1 {
			return fmt.Errorf("Invalid comparison expression '%s' in join '%s'. Each side of the join comparision must contain references from exactly one source.",
				joinFormat(side, sc), joinFormat(on, sc))
		}
	}
	return nil
}

// joinFormat formats a join expression with its columns qualified by
// their sources, as ksqlDB's messages show it.
func joinFormat(e parser.Expr, sc *scope) string {
	return formatQualified(e, sc, func(c scopeColumn) string { return c.Qualifier })
}

// syntheticKeyName is the name of a join's synthetic key: ROWKEY, or
// ROWKEY_n past the highest such name a source has, as ksqlDB names it.
func syntheticKeyName(srcs []*joinSource) string {
	highest := -1
	for _, s := range srcs {
		for _, c := range s.src.Columns {
			switch {
			case c.Name == "ROWKEY":
				highest = max(highest, 0)
			case strings.HasPrefix(c.Name, "ROWKEY_"):
				if n, err := strconv.Atoi(c.Name[len("ROWKEY_"):]); err == nil && n >= 0 {
					highest = max(highest, n)
				}
			}
		}
	}
	if highest < 0 {
		return "ROWKEY"
	}
	return "ROWKEY_" + itoa(highest+1)
}

// checkJoinWindows refuses joins of windowed and unwindowed sources, and
// of session-windowed with time-windowed ones, as ksqlDB does.
func checkJoinWindows(srcs []*joinSource) error {
	first := srcs[0].src
	for _, s := range srcs[1:] {
		l, r := first, s.src
		switch {
		case l.Windowed() != r.Windowed():
			w, n := l, r
			if r.Windowed() {
				w, n = r, l
			}
			return fmt.Errorf("Can not join windowed source to non-windowed source.\n`%s` is %s windowed\n`%s` is not windowed", w.Name, strings.ToUpper(w.WindowType), n.Name)
		case l.Windowed() && (l.WindowKind() == format.SessionWindowed) != (r.WindowKind() == format.SessionWindowed):
			return fmt.Errorf("Incompatible windowed sources.\nLeft source: %s\nRight source: %s\n"+
				"Session windowed sources can only be joined to other session windowed sources, and may still not result in expected behaviour as session bounds must be an exact match for the join to work\n"+
				"Hopping and tumbling windowed sources can only be joined to other hopping and tumbling windowed sources", strings.ToUpper(l.WindowType), strings.ToUpper(r.WindowType))
		}
	}
	return nil
}

// containsMap reports whether t is or holds a MAP: ksqlDB refuses such
// keys, whose serialization is not stable.
func containsMap(t *types.Type) bool {
	if t == nil {
		return false
	}
	switch t.Kind {
	case types.KindMap:
		return true
	case types.KindArray:
		return containsMap(t.Elem)
	case types.KindStruct:
		for _, f := range t.Fields {
			if containsMap(f.Type) {
				return true
			}
		}
	}
	return false
}

func mapKeyError(name string, t *types.Type) error {
	return fmt.Errorf("Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: `%s`. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.", name, t)
}

// joinTypeText writes a join type as ksqlDB's messages do.
func joinTypeText(t parser.JoinType) string {
	switch t {
	case parser.JoinLeft:
		return "LEFT [OUTER] JOIN"
	case parser.JoinRight:
		return "RIGHT [OUTER] JOIN"
	case parser.JoinOuter:
		return "[FULL] OUTER JOIN"
	}
	return "[INNER] JOIN"
}

// keyOfLeft reports whether e is the primary key column (of a source with
// a single key column) among the left side's columns (before leftWidth).
func keyOfLeft(e parser.Expr, sc *scope, leftWidth int) bool {
	ref, ok := e.(*parser.ColumnRef)
	if !ok {
		return false
	}
	idx, err := (&scope{cols: sc.cols[:leftWidth]}).resolve(ref)
	if err != nil || !sc.cols[idx].Key || sc.cols[idx].Qualifier == "" {
		return false
	}
	n := 0
	for _, c := range sc.cols[:leftWidth] {
		if c.Key && c.Qualifier == sc.cols[idx].Qualifier {
			n++
		}
	}
	return n == 1
}

// leftName names the left side of the k-th join for messages.
func leftName(srcs []*joinSource, k int) string {
	if k == 0 {
		return srcs[0].src.Name
	}
	return srcs[k].src.Name
}

// refersOnlyTo reports whether every column e refers to lies in the
// columns from offset on (the right side of a join).
func refersOnlyTo(e parser.Expr, sc *scope, offset int) bool {
	ok := true
	walk(e, func(x parser.Expr) bool {
		if ref, isRef := x.(*parser.ColumnRef); isRef {
			if idx, err := sc.resolve(ref); err != nil || idx < offset {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// sourceAlias is the name a joined source goes by: its alias, else its
// name.
func sourceAlias(alias string, src *Source) string {
	if alias != "" {
		return alias
	}
	return src.Name
}

// joinsOnKey reports whether e is a reference to the single primary key
// column of the right-hand source (whose columns follow the left's
// leftWidth columns in sc).
func joinsOnKey(e parser.Expr, sc *scope, leftWidth int, right *Source) bool {
	ref, ok := e.(*parser.ColumnRef)
	if !ok || len(right.KeyColumns()) != 1 {
		return false
	}
	idx, err := sc.resolve(ref)
	return err == nil && idx >= leftWidth && sc.cols[idx].Key
}

// qualifiedExpr formats a join expression with its column qualified by
// its source, as ksqlDB's messages show it.
func qualifiedExpr(e parser.Expr, sc *scope) string {
	if ref, ok := e.(*parser.ColumnRef); ok {
		if idx, err := sc.resolve(ref); err == nil {
			return parser.FormatExpr(&parser.ColumnRef{Qualifier: strings.ToUpper(sc.cols[idx].Qualifier), Name: ref.Name})
		}
	}
	return parser.FormatExpr(e)
}

// planSinkQuery plans the query that feeds the persistent sink named sink,
// after expanding its struct stars.
func (e *Engine) planSinkQuery(sink string, q *parser.Query) (*plan, error) {
	if err := e.expandStructStars(q); err != nil {
		return nil, err
	}
	return e.sinkPlanner(sink).planQuery(q)
}

// sinkPlanner plans the query of a persistent query writing to sink.
func (e *Engine) sinkPlanner(sink string) *planner {
	p := e.planner()
	p.sink = sink
	return p
}
