package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// PullTableScanProperty is the request property that allows pull queries
// whose WHERE clause is not a lookup of every key (a table scan); ksqlDB
// allows them by default.
const PullTableScanProperty = "ksql.query.pull.table.scan.enabled"

// PullRangeScanProperty is the request property that, with table scans
// disabled, still allows one range comparison (<, <=, >, >=) on a STRING
// key; ksqlDB allows it by default.
const PullRangeScanProperty = "ksql.query.pull.range.scan.enabled"

// pullScans are the scans a pull query may do.
type pullScans struct{ table, keyRange bool }

// pullScansOf reads the scan properties of a request (both default on).
func pullScansOf(props map[string]string) pullScans {
	off := func(name string) bool { return strings.EqualFold(strings.TrimSpace(props[name]), "false") }
	return pullScans{table: !off(PullTableScanProperty), keyRange: !off(PullRangeScanProperty)}
}

const errNeedsTableScan = "Query requires table scan to be enabled"

// checkPullWhere checks a pull query's WHERE clause as ksqlDB does before
// running it: window bounds only on windowed tables, no comparison of a
// key with NULL, IN lists whose values convert to the key's type and, when
// table scans are disabled, a lookup of every key column in each
// disjunct.
func checkPullWhere(where parser.Expr, src *Source, scans pullScans) error {
	if where == nil {
		if !scans.table {
			return fmt.Errorf("WHERE clause missing key column for disjunct: true")
		}
		return nil
	}
	if err := checkPullRefs(where, src); err != nil {
		return err
	}
	if scans.table {
		return nil
	}
	keys := src.KeyColumns()
	ds := disjuncts(where)
	if len(ds) > maxDisjuncts {
		return fmt.Errorf("The WHERE clause has more than %d OR-ed parts once its ANDs of ORs are multiplied out; a key lookup takes fewer. Enable %s to scan the table instead.", maxDisjuncts, PullTableScanProperty)
	}
	for _, d := range ds {
		bound := map[string]int{}
		ranged := false
		for _, c := range conjuncts(d) {
			r, err := checkKeyConjunct(c, src, bound)
			if err != nil {
				return err
			}
			ranged = ranged || r
		}
		if ranged {
			// A range scan reads one range of one STRING key.
			if !scans.keyRange || len(ds) > 1 || len(keys) != 1 || keys[0].Type.Kind != types.KindString {
				return errors.New(errNeedsTableScan)
			}
		}
		missing := 0
		for _, k := range keys {
			if bound[k.Name] == 0 {
				missing++
			}
		}
		switch {
		case missing == len(keys):
			return fmt.Errorf("WHERE clause missing key column for disjunct: %s", parser.FormatExpr(d))
		case missing > 0:
			return fmt.Errorf("Multi-column sources must specify every key in the WHERE clause")
		}
	}
	return nil
}

// checkPullRefs checks the comparisons that ksqlDB refuses whatever the
// table scan setting.
func checkPullRefs(e parser.Expr, src *Source) error {
	var err error
	walkExpr(e, func(x parser.Expr) {
		if err != nil {
			return
		}
		switch x := x.(type) {
		case *parser.ColumnRef:
			if isWindowBound(x.Name) && !src.Windowed() && column(src, x.Name) == nil {
				err = fmt.Errorf("WHERE column '%s' cannot be resolved", x.Name)
			}
		case *parser.Comparison:
			if _, ok := x.R.(*parser.NullLiteral); ok {
				if t := refType(x.L, src); t != nil {
					err = fmt.Errorf("Error in WHERE expression: Comparison with NULL not supported: %s %s NULL\nUse 'IS NULL' or 'IS NOT NULL' instead.\nStatement: %s", t, x.Op, parser.FormatExpr(e))
				}
			}
		case *parser.In:
			key := keyRef(x.X, src)
			if key == nil {
				return
			}
			for _, v := range x.List {
				switch lit := v.(type) {
				case *parser.NullLiteral:
					err = fmt.Errorf("Primary key columns can not be NULL: (%s = null)", key.Name)
				case *parser.StringLiteral:
					if key.Type.Kind != types.KindString {
						err = fmt.Errorf("'%s' can not be converted to the type of the key column: %s %s KEY", lit.Value, key.Name, key.Type)
					}
				}
				if err != nil {
					return
				}
			}
		}
	})
	return err
}

// checkKeyConjunct checks one AND-ed condition of a disjunct when table
// scans are disabled, counting the key columns it binds; ranged says it
// is a range comparison on a key.
func checkKeyConjunct(c parser.Expr, src *Source, bound map[string]int) (ranged bool, err error) {
	const combined = "A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate"
	switch x := c.(type) {
	case *parser.Comparison:
		key, other := keyRef(x.L, src), x.R
		if key == nil {
			key, other = keyRef(x.R, src), x.L
		}
		if key == nil {
			if refsKey(x, src) {
				return false, errors.New("A comparison must directly reference a key column.")
			}
			return false, nil
		}
		if hasColumnRef(other) {
			return false, errors.New("A comparison must be between a key column and a resolvable expression.")
		}
		bound[key.Name]++
		if bound[key.Name] > 1 {
			return false, errors.New(combined)
		}
		switch x.Op {
		case "=":
			return false, nil
		case "<>", "!=":
			return false, fmt.Errorf("Bound on key columns '[`%s` %s KEY]' must currently be '='. ", key.Name, key.Type)
		}
		return true, nil
	case *parser.In:
		key := keyRef(x.X, src)
		if key == nil {
			if refsKey(x, src) {
				return false, errors.New("A comparison must directly reference a key column.")
			}
			return false, nil
		}
		for _, v := range x.List {
			if hasColumnRef(v) {
				return false, errors.New("A comparison must be between a key column and a resolvable expression.")
			}
		}
		bound[key.Name]++
		if bound[key.Name] > 1 {
			return false, errors.New(combined)
		}
	default:
		if refsKey(c, src) {
			return false, errors.New("A comparison must directly reference a key column.")
		}
	}
	return false, nil
}

// maxDisjuncts bounds the disjunctive normal form of a WHERE clause, which
// grows exponentially with ANDs of ORs: past it the clause is refused
// rather than expanded.
const maxDisjuncts = 256

// disjuncts splits a condition into its OR-ed parts in disjunctive normal
// form; it stops growing past maxDisjuncts (the caller refuses the clause).
func disjuncts(e parser.Expr) []parser.Expr {
	switch x := e.(type) {
	case *parser.Logical:
		if x.Op == "OR" {
			return append(disjuncts(x.L), disjuncts(x.R)...)
		}
		ls := disjuncts(x.L)
		if len(ls) > maxDisjuncts {
			return ls
		}
		rs := disjuncts(x.R)
		if len(rs) > maxDisjuncts || len(ls)*len(rs) > maxDisjuncts {
			// Too many: only the length matters to the caller.
			return make([]parser.Expr, maxDisjuncts+1)
		}
		var out []parser.Expr
		for _, l := range ls {
			for _, r := range rs {
				out = append(out, &parser.Logical{Op: "AND", L: l, R: r})
			}
		}
		return out
	}
	return []parser.Expr{e}
}

func conjuncts(e parser.Expr) []parser.Expr {
	if x, ok := e.(*parser.Logical); ok && x.Op == "AND" {
		return append(conjuncts(x.L), conjuncts(x.R)...)
	}
	return []parser.Expr{e}
}

// keyRef is the key column e names directly, if it does.
func keyRef(e parser.Expr, src *Source) *Column {
	ref, ok := e.(*parser.ColumnRef)
	if !ok {
		return nil
	}
	c := column(src, ref.Name)
	if c == nil || !c.Key {
		return nil
	}
	return c
}

// refType is the type of a column reference, nil for other expressions.
func refType(e parser.Expr, src *Source) *types.Type {
	ref, ok := e.(*parser.ColumnRef)
	if !ok {
		return nil
	}
	if c := column(src, ref.Name); c != nil {
		return c.Type
	}
	return nil
}

func refsKey(e parser.Expr, src *Source) bool {
	found := false
	walkExpr(e, func(x parser.Expr) {
		if keyRef(x, src) != nil {
			found = true
		}
	})
	return found
}

func hasColumnRef(e parser.Expr) bool {
	found := false
	walkExpr(e, func(x parser.Expr) {
		if _, ok := x.(*parser.ColumnRef); ok {
			found = true
		}
	})
	return found
}

// walkExpr calls f for e and the expressions under it, as walk visits
// them, except that it does not look inside LIKE, IS DISTINCT FROM, CASE,
// MAP constructors and lambdas: the pull-query checks built on it never
// have.
func walkExpr(e parser.Expr, f func(parser.Expr)) {
	walk(e, func(x parser.Expr) bool {
		f(x)
		switch x.(type) {
		case *parser.Like, *parser.IsDistinct, *parser.Case, *parser.MapCtor, *parser.Lambda:
			return false
		}
		return true
	})
}

// windowBoundTimes replaces the strings compared with WINDOWSTART or
// WINDOWEND by the epoch milliseconds they name, as ksqlDB reads
// '2020-02-23T23:45:12.000' (UTC unless the text gives a zone) or a
// prefix of it. It returns the rewritten expression.
func windowBoundTimes(e parser.Expr) (parser.Expr, error) {
	var err error
	var rewrite func(parser.Expr) parser.Expr
	conv := func(bound, other parser.Expr) parser.Expr {
		ref, ok := bound.(*parser.ColumnRef)
		if !ok || !isWindowBound(ref.Name) {
			return other
		}
		lit, ok := other.(*parser.StringLiteral)
		if !ok {
			return other
		}
		ms, perr := parsePartialTimestamp(lit.Value)
		if perr != nil {
			if err == nil {
				err = perr
			}
			return other
		}
		return &parser.IntegerLiteral{Value: ms}
	}
	rewrite = func(e parser.Expr) parser.Expr {
		switch x := e.(type) {
		case *parser.Logical:
			return &parser.Logical{Op: x.Op, L: rewrite(x.L), R: rewrite(x.R)}
		case *parser.Not:
			return &parser.Not{X: rewrite(x.X)}
		case *parser.Comparison:
			return &parser.Comparison{Op: x.Op, L: conv(x.R, x.L), R: conv(x.L, x.R)}
		case *parser.Between:
			return &parser.Between{X: x.X, Lo: conv(x.X, x.Lo), Hi: conv(x.X, x.Hi), Negated: x.Negated}
		}
		return e
	}
	out := rewrite(e)
	return out, err
}

// parsePartialTimestamp reads yyyy[-MM[-dd[THH[:mm[:ss[.SSS]]]]]] with an
// optional zone (Z, +HH:MM, +HHMM, +HH); missing parts are their least
// value.
func parsePartialTimestamp(s string) (int64, error) {
	bad := func() (int64, error) {
		return 0, fmt.Errorf("Failed to parse timestamp '%s': the text must be yyyy-MM-ddTHH:mm:ss.SSS or a prefix of it, with an optional time zone", s)
	}
	text := strings.TrimSpace(s)
	loc := time.UTC
	if i := strings.IndexByte(text, 'T'); i >= 0 {
		t := text[i+1:]
		if strings.HasSuffix(t, "Z") {
			text = text[:len(text)-1]
		} else if j := strings.LastIndexAny(t, "+-"); j >= 0 {
			zone := strings.ReplaceAll(t[j+1:], ":", "")
			if len(zone) != 2 && len(zone) != 4 {
				return bad()
			}
			hh, err1 := strconv.Atoi(zone[:2])
			mm := 0
			var err2 error
			if len(zone) == 4 {
				mm, err2 = strconv.Atoi(zone[2:])
			}
			if err1 != nil || err2 != nil {
				return bad()
			}
			off := hh*3600 + mm*60
			if t[j] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
			text = text[:i+1+j]
		}
	}
	date, clock, _ := strings.Cut(text, "T")
	dp := strings.Split(date, "-")
	if len(dp) > 3 || dp[0] == "" {
		return bad()
	}
	nums := []int{0, 1, 1, 0, 0, 0, 0}
	for i, p := range dp {
		n, err := strconv.Atoi(p)
		if err != nil {
			return bad()
		}
		nums[i] = n
	}
	if clock != "" {
		hms, frac, hasFrac := strings.Cut(clock, ".")
		tp := strings.Split(hms, ":")
		if len(tp) > 3 {
			return bad()
		}
		for i, p := range tp {
			n, err := strconv.Atoi(p)
			if err != nil {
				return bad()
			}
			nums[3+i] = n
		}
		if hasFrac {
			if frac == "" || len(frac) > 9 {
				return bad()
			}
			n, err := strconv.Atoi((frac + "000000000")[:9])
			if err != nil {
				return bad()
			}
			nums[6] = n
		}
	}
	t := time.Date(nums[0], time.Month(nums[1]), nums[2], nums[3], nums[4], nums[5], nums[6], loc)
	return t.UnixMilli(), nil
}

// column is src's column name, nil when it has none.
func column(src *Source, name string) *Column {
	for i := range src.Columns {
		if src.Columns[i].Name == name {
			return &src.Columns[i]
		}
	}
	return nil
}

// checkPullSelect checks a pull query before it runs: the select list
// names no value column twice, and the WHERE clause passes
// checkPullWhere.
func checkPullSelect(q *parser.Query, src *Source, scans pullScans) error {
	seen := map[string]bool{}
	for _, it := range q.Select {
		ref, ok := it.Expr.(*parser.ColumnRef)
		if !ok || it.Alias != "" {
			continue
		}
		c := column(src, ref.Name)
		if c == nil || c.Key {
			continue
		}
		if seen[c.Name] {
			return fmt.Errorf("Duplicate value columns found in schema: `%s` %s", c.Name, c.Type)
		}
		seen[c.Name] = true
	}
	return checkPullWhere(q.Where, src, scans)
}
