package engine

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/functions"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// Row is one record flowing through a query: its column values (laid out
// by the scope the query was planned against) and its metadata.
type Row struct {
	Cols      []any
	Timestamp int64
	Partition int32
	Offset    int64
	// Windowed rows carry their window bounds.
	Windowed     bool
	WindowStart  int64
	WindowEnd    int64
	NullValue    bool // the record's value was null (stream tombstone)
	lambdaValues []any
}

// compiled is an expression compiled against a scope: its static type and
// an evaluation closure.
type compiled struct {
	t     *types.Type
	eval  func(r *Row) (any, error)
	isLit bool
	lit   any
}

// scopeColumn is a column visible to expressions.
type scopeColumn struct {
	Name      string
	Qualifier string // source alias (and source name) for joins
	Source    string
	Type      *types.Type
	Key       bool
	// Pseudo marks a join side's ROWTIME, ROWPARTITION or ROWOFFSET:
	// reached only qualified (L.ROWTIME) and never part of `*`.
	Pseudo bool
	// Bound marks a windowed join side's WINDOWSTART or WINDOWEND:
	// reached only qualified, listed by `*` after the side's key.
	Bound bool
}

// scope resolves names for the compiler.
type scope struct {
	cols     []scopeColumn
	windowed bool
	// starWindow: `*` includes WINDOWSTART and WINDOWEND after the key
	// columns (transient queries over a windowed source, as in ksqlDB).
	starWindow bool
	// subst maps a formatted expression to a column index: after an
	// aggregation, GROUP BY expressions and aggregate calls become columns.
	subst map[string]int
	// aggCalls collects aggregate calls when allowAggs is set.
	allowAggs bool
	aggCalls  *[]*parser.FuncCall
	lambda    map[string]int // lambda parameter -> index in lambdaValues
	lambdaT   map[string]*types.Type
}

type compiler struct {
	reg *functions.Registry
}

var pseudoColumns = map[string]*types.Type{
	"ROWTIME":      types.BigintType,
	"ROWPARTITION": types.IntegerType,
	"ROWOFFSET":    types.BigintType,
	"WINDOWSTART":  types.BigintType,
	"WINDOWEND":    types.BigintType,
}

func (s *scope) resolve(ref *parser.ColumnRef) (int, error) {
	found := -1
	for i, c := range s.cols {
		if c.Name != ref.Name || ((c.Pseudo || c.Bound) && ref.Qualifier == "") {
			continue
		}
		if ref.Qualifier != "" && !strings.EqualFold(c.Qualifier, ref.Qualifier) && !strings.EqualFold(c.Source, ref.Qualifier) {
			continue
		}
		if found >= 0 {
			return -1, fmt.Errorf("Column '%s' is ambiguous. Could be %s.%s or %s.%s.", ref.Name, strings.ToUpper(s.cols[found].Qualifier), ref.Name, strings.ToUpper(c.Qualifier), ref.Name)
		}
		found = i
	}
	if found < 0 {
		return -1, &unknownColumnError{name: parser.FormatExpr(ref)}
	}
	return found, nil
}

// unknownColumnError is a column that does not resolve; clause names
// where it was used, as ksqlDB's message does (SELECT column 'X' cannot
// be resolved.).
type unknownColumnError struct{ name, clause string }

func (e *unknownColumnError) Error() string {
	if e.clause == "" {
		return fmt.Sprintf("Column '%s' cannot be resolved.", e.name)
	}
	return fmt.Sprintf("%s column '%s' cannot be resolved.", e.clause, e.name)
}

// inClause names the clause of an unknown column error.
func inClause(err error, clause string) error {
	var u *unknownColumnError
	if errors.As(err, &u) && u.clause == "" {
		c := *u
		c.clause = clause
		return &c
	}
	return err
}

func (s *scope) hasQualifier(q string) bool {
	for _, c := range s.cols {
		if strings.EqualFold(c.Qualifier, q) || strings.EqualFold(c.Source, q) {
			return true
		}
	}
	return false
}

func lit(t *types.Type, v any) *compiled {
	return &compiled{t: t, isLit: true, lit: v, eval: func(*Row) (any, error) { return v, nil }}
}

// compile compiles an expression.
func (c *compiler) compile(e parser.Expr, s *scope) (*compiled, error) {
	if s.subst != nil {
		if idx, ok := s.subst[parser.FormatExpr(e)]; ok {
			col := s.cols[idx]
			return &compiled{t: col.Type, eval: func(r *Row) (any, error) { return r.Cols[idx], nil }}, nil
		}
	}
	switch x := e.(type) {
	case *parser.IntegerLiteral:
		if x.Value >= -1<<31 && x.Value < 1<<31 {
			return lit(types.IntegerType, int32(x.Value)), nil
		}
		return lit(types.BigintType, x.Value), nil
	case *parser.DecimalLiteral:
		d, err := types.ParseDecimal(x.Text)
		if err != nil {
			return nil, err
		}
		return lit(types.DecimalOf(max(d.Precision(), d.Scale, 1), d.Scale), d), nil
	case *parser.DoubleLiteral:
		return lit(types.DoubleType, x.Value), nil
	case *parser.StringLiteral:
		return lit(types.StringType, x.Value), nil
	case *parser.BooleanLiteral:
		return lit(types.BooleanType, x.Value), nil
	case *parser.NullLiteral:
		return lit(types.NullType, nil), nil
	case *parser.ColumnRef:
		return c.columnRef(x, s)
	case *parser.Dereference:
		base, err := c.compile(x.Base, s)
		if err != nil {
			return nil, err
		}
		if base.t.Kind != types.KindStruct {
			return nil, fmt.Errorf("Expected STRUCT type for dereference of %s, got %s", parser.FormatExpr(x.Base), base.t)
		}
		idx := base.t.FieldIndex(x.Field)
		if idx < 0 {
			return nil, fmt.Errorf("Could not find field '%s' in '%s'.", x.Field, parser.FormatExpr(x.Base))
		}
		ft := base.t.Fields[idx].Type
		return &compiled{t: ft, eval: func(r *Row) (any, error) {
			v, err := base.eval(r)
			if err != nil || v == nil {
				return nil, err
			}
			st, ok := v.(*types.Struct)
			if !ok {
				return nil, nil
			}
			if st.Type == base.t || idx < len(st.Values) && st.Type.Fields[idx].Name == x.Field {
				return st.Values[idx], nil
			}
			return st.Get(x.Field), nil
		}}, nil
	case *parser.Subscript:
		return c.subscript(x, s)
	case *parser.Binary:
		return c.binary(x, s)
	case *parser.Unary:
		inner, err := c.compile(x.X, s)
		if err != nil {
			return nil, err
		}
		if !inner.t.IsNumeric() && inner.t.Kind != types.KindNull {
			return nil, fmt.Errorf("unary minus of %s", inner.t)
		}
		return &compiled{t: inner.t, eval: func(r *Row) (any, error) {
			v, err := inner.eval(r)
			if err != nil {
				return nil, err
			}
			return types.Negate(v)
		}}, nil
	case *parser.Comparison:
		return c.comparison(x.Op, x.L, x.R, s)
	case *parser.Logical:
		l, err := c.boolExpr(x.L, s)
		if err != nil {
			return nil, err
		}
		r, err := c.boolExpr(x.R, s)
		if err != nil {
			return nil, err
		}
		and := x.Op == "AND"
		return &compiled{t: types.BooleanType, eval: func(row *Row) (any, error) {
			lv, err := l.eval(row)
			if err != nil {
				return nil, err
			}
			if lb, ok := lv.(bool); ok && lb != and {
				return lb, nil // short circuit: false AND x, true OR x
			}
			rv, err := r.eval(row)
			if err != nil {
				return nil, err
			}
			if rb, ok := rv.(bool); ok && rb != and {
				return rb, nil
			}
			if lv == nil || rv == nil {
				return nil, nil
			}
			return and, nil
		}}, nil
	case *parser.Not:
		inner, err := c.boolExpr(x.X, s)
		if err != nil {
			return nil, err
		}
		return &compiled{t: types.BooleanType, eval: func(r *Row) (any, error) {
			v, err := inner.eval(r)
			if err != nil || v == nil {
				return nil, err
			}
			return !v.(bool), nil
		}}, nil
	case *parser.Between:
		lo, err := c.comparison(">=", x.X, x.Lo, s)
		if err != nil {
			return nil, err
		}
		hi, err := c.comparison("<=", x.X, x.Hi, s)
		if err != nil {
			return nil, err
		}
		neg := x.Negated
		return &compiled{t: types.BooleanType, eval: func(r *Row) (any, error) {
			a, b, err := evalPair(lo, hi, r)
			if err != nil {
				return nil, err
			}
			if a == nil || b == nil {
				return nil, nil
			}
			res := a.(bool) && b.(bool)
			return res != neg, nil
		}}, nil
	case *parser.In:
		val, err := c.compile(x.X, s)
		if err != nil {
			return nil, err
		}
		list := make([]*compiled, len(x.List))
		for i, le := range x.List {
			if list[i], err = c.compile(le, s); err != nil {
				return nil, err
			}
		}
		neg := x.Negated
		return &compiled{t: types.BooleanType, eval: func(r *Row) (any, error) {
			v, err := val.eval(r)
			if err != nil || v == nil {
				return nil, err
			}
			sawNull := false
			for _, le := range list {
				lv, err := le.eval(r)
				if err != nil {
					return nil, err
				}
				if lv == nil {
					sawNull = true
					continue
				}
				if cmp, err := types.Compare(v, lv); err == nil && cmp == 0 {
					return !neg, nil
				}
			}
			if sawNull {
				return nil, nil
			}
			return neg, nil
		}}, nil
	case *parser.Like:
		return c.like(x, s)
	case *parser.IsNull:
		inner, err := c.compile(x.X, s)
		if err != nil {
			return nil, err
		}
		neg := x.Negated
		return &compiled{t: types.BooleanType, eval: func(r *Row) (any, error) {
			v, err := inner.eval(r)
			if err != nil {
				return nil, err
			}
			return (v == nil) != neg, nil
		}}, nil
	case *parser.IsDistinct:
		l, rr, err := c.compilePair(x.L, x.R, s)
		if err != nil {
			return nil, err
		}
		neg := x.Negated
		return &compiled{t: types.BooleanType, eval: func(r *Row) (any, error) {
			a, b, err := evalPair(l, rr, r)
			if err != nil {
				return nil, err
			}
			var distinct bool
			switch {
			case a == nil && b == nil:
				distinct = false
			case a == nil || b == nil:
				distinct = true
			default:
				cmp, err := types.Compare(a, b)
				if err != nil {
					return nil, err
				}
				distinct = cmp != 0
			}
			return distinct != neg, nil
		}}, nil
	case *parser.Case:
		return c.caseExpr(x, s)
	case *parser.Cast:
		inner, err := c.compile(x.X, s)
		if err != nil {
			return nil, err
		}
		t := x.Type
		out := &compiled{t: t, eval: func(r *Row) (any, error) {
			v, err := inner.eval(r)
			if err != nil {
				return nil, err
			}
			return types.Cast(v, t)
		}}
		if inner.isLit {
			v, err := types.Cast(inner.lit, t)
			if err == nil {
				out.isLit, out.lit = true, v
			}
		}
		return out, nil
	case *parser.FuncCall:
		return c.funcCall(x, s)
	case *parser.ArrayCtor:
		elems := make([]*compiled, len(x.Elems))
		var et *types.Type = types.NullType
		for i, el := range x.Elems {
			ce, err := c.compile(el, s)
			if err != nil {
				return nil, err
			}
			elems[i] = ce
			switch {
			case et.Kind == types.KindNull:
				et = ce.t
			case et.IsNumeric() && ce.t.IsNumeric():
				et = types.WiderNumeric(et, ce.t)
			case ce.t.Kind == types.KindNull || ce.t.Equal(et):
			default:
				return nil, fmt.Errorf("invalid ARRAY constructor: all elements must be of the same type, found %s and %s", et, ce.t)
			}
		}
		if et.Kind == types.KindNull {
			et = types.StringType
		}
		return &compiled{t: types.ArrayOf(et), eval: func(r *Row) (any, error) {
			out := make([]any, len(elems))
			for i, el := range elems {
				v, err := el.eval(r)
				if err != nil {
					return nil, err
				}
				if out[i], err = types.Cast(v, et); err != nil {
					return nil, err
				}
			}
			return out, nil
		}}, nil
	case *parser.MapCtor:
		keys := make([]*compiled, len(x.Keys))
		vals := make([]*compiled, len(x.Values))
		vt, kt := types.NullType, types.NullType
		for i := range x.Keys {
			k, err := c.compile(x.Keys[i], s)
			if err != nil {
				return nil, err
			}
			v, err := c.compile(x.Values[i], s)
			if err != nil {
				return nil, err
			}
			keys[i], vals[i] = k, v
			if vt.Kind == types.KindNull {
				vt = v.t
			} else if vt.IsNumeric() && v.t.IsNumeric() {
				vt = types.WiderNumeric(vt, v.t)
			}
			// The keys keep their type (MAP(1 := 'a') is a
			// MAP<INTEGER, STRING>), as in ksqlDB.
			switch {
			case kt.Kind == types.KindNull:
				kt = k.t
			case kt.IsNumeric() && k.t.IsNumeric():
				kt = types.WiderNumeric(kt, k.t)
			case k.t.Kind != types.KindNull && !kt.Equal(k.t):
				kt = types.StringType
			}
		}
		if vt.Kind == types.KindNull {
			vt = types.StringType
		}
		if kt.Kind == types.KindNull || !kt.IsPrimitive() {
			kt = types.StringType
		}
		return &compiled{t: types.MapOf(kt, vt), eval: func(r *Row) (any, error) {
			m := &types.Map{}
			for i := range keys {
				k, v, err := evalPair(keys[i], vals[i], r)
				if err != nil {
					return nil, err
				}
				v, err = types.Cast(v, vt)
				if err != nil {
					return nil, err
				}
				if k != nil {
					if kt.Kind == types.KindString {
						k = types.Format(k)
					} else if k, err = types.Cast(k, kt); err != nil {
						return nil, err
					}
				}
				m.Put(k, v)
			}
			return m, nil
		}}, nil
	case *parser.StructCtor:
		fields := make([]types.Field, len(x.Names))
		vals := make([]*compiled, len(x.Values))
		for i := range x.Names {
			v, err := c.compile(x.Values[i], s)
			if err != nil {
				return nil, err
			}
			ft := v.t
			if ft.Kind == types.KindNull {
				ft = types.StringType
			}
			fields[i] = types.Field{Name: x.Names[i], Type: ft}
			vals[i] = v
		}
		st := types.StructOf(fields...)
		return &compiled{t: st, eval: func(r *Row) (any, error) {
			out := &types.Struct{Type: st, Values: make([]any, len(vals))}
			for i, v := range vals {
				val, err := v.eval(r)
				if err != nil {
					return nil, err
				}
				out.Values[i] = val
			}
			return out, nil
		}}, nil
	case *parser.Lambda:
		return nil, errors.New("lambda expressions are only supported as function arguments")
	case *parser.IntervalLiteral:
		return lit(types.StringType, x.Unit), nil
	}
	return nil, fmt.Errorf("unsupported expression %T", e)
}

func (c *compiler) columnRef(x *parser.ColumnRef, s *scope) (*compiled, error) {
	if x.Qualifier == "" && s.lambda != nil {
		if i, ok := s.lambda[x.Name]; ok {
			t := s.lambdaT[x.Name]
			return &compiled{t: t, eval: func(r *Row) (any, error) { return r.lambdaValues[i], nil }}, nil
		}
	}
	idx, err := s.resolve(x)
	if err != nil {
		// a.b where a is a struct column rather than a source: a->b.
		if x.Qualifier != "" && !s.hasQualifier(x.Qualifier) {
			return c.compile(&parser.Dereference{Base: &parser.ColumnRef{Name: x.Qualifier, Pos: x.Pos}, Field: x.Name}, s)
		}
		if pt, ok := pseudoColumns[x.Name]; ok {
			switch x.Name {
			case "ROWTIME":
				return &compiled{t: pt, eval: func(r *Row) (any, error) { return r.Timestamp, nil }}, nil
			case "ROWPARTITION":
				return &compiled{t: pt, eval: func(r *Row) (any, error) { return r.Partition, nil }}, nil
			case "ROWOFFSET":
				return &compiled{t: pt, eval: func(r *Row) (any, error) { return r.Offset, nil }}, nil
			case "WINDOWSTART":
				return &compiled{t: pt, eval: func(r *Row) (any, error) {
					if !r.Windowed {
						return nil, nil
					}
					return r.WindowStart, nil
				}}, nil
			case "WINDOWEND":
				return &compiled{t: pt, eval: func(r *Row) (any, error) {
					if !r.Windowed {
						return nil, nil
					}
					return r.WindowEnd, nil
				}}, nil
			}
		}
		return nil, err
	}
	t := s.cols[idx].Type
	return &compiled{t: t, eval: func(r *Row) (any, error) { return r.Cols[idx], nil }}, nil
}

func (c *compiler) boolExpr(e parser.Expr, s *scope) (*compiled, error) {
	ce, err := c.compile(e, s)
	if err != nil {
		return nil, err
	}
	if ce.t.Kind != types.KindBoolean && ce.t.Kind != types.KindNull {
		return nil, fmt.Errorf("Type error in expression: Should be BOOLEAN: %s (%s)", parser.FormatExpr(e), ce.t)
	}
	return ce, nil
}

func comparable(a, b *types.Type) bool {
	if a.Kind == types.KindNull || b.Kind == types.KindNull {
		return true
	}
	if a.IsNumeric() && b.IsNumeric() {
		return true
	}
	if a.Kind == b.Kind {
		return true
	}
	// TIMESTAMP compares with strings (parsed) and BIGINT window bounds.
	return a.Kind == types.KindTimestamp && (b.Kind == types.KindString || b.Kind == types.KindBigint) ||
		b.Kind == types.KindTimestamp && (a.Kind == types.KindString || a.Kind == types.KindBigint)
}

// comparisonNames are ksqlDB's names of the comparison operators, as its
// error messages write them.
var comparisonNames = map[string]string{"=": "EQUAL", "<>": "NOT_EQUAL", "!=": "NOT_EQUAL", "<": "LESS_THAN",
	"<=": "LESS_THAN_OR_EQUAL", ">": "GREATER_THAN", ">=": "GREATER_THAN_OR_EQUAL"}

func (c *compiler) comparison(op string, le, re parser.Expr, s *scope) (*compiled, error) {
	l, r, err := c.compilePair(le, re, s)
	if err != nil {
		return nil, err
	}
	if !comparable(l.t, r.t) {
		return nil, fmt.Errorf("Cannot compare %s (%s) to %s (%s) with %s.", parser.FormatExpr(le), l.t, parser.FormatExpr(re), r.t, comparisonNames[op])
	}
	conv := func(v any, other *types.Type) any {
		if other.Kind == types.KindTimestamp {
			switch x := v.(type) {
			case string:
				if ts, err := types.ParseTimestamp(x); err == nil {
					return ts
				}
			case int64:
				return types.Timestamp(x)
			}
		}
		return v
	}
	test := map[string]func(int) bool{
		"=": func(c int) bool { return c == 0 }, "<>": func(c int) bool { return c != 0 },
		"<": func(c int) bool { return c < 0 }, "<=": func(c int) bool { return c <= 0 },
		">": func(c int) bool { return c > 0 }, ">=": func(c int) bool { return c >= 0 },
	}[op]
	lt, rt := l.t, r.t
	return &compiled{t: types.BooleanType, eval: func(row *Row) (any, error) {
		a, b, err := evalStrict(l, r, row)
		if err != nil || a == nil || b == nil {
			return nil, err
		}
		cmp, err := types.Compare(conv(a, rt), conv(b, lt))
		if err != nil {
			return nil, err
		}
		return test(cmp), nil
	}}, nil
}

func (c *compiler) binary(x *parser.Binary, s *scope) (*compiled, error) {
	l, r, err := c.compilePair(x.L, x.R, s)
	if err != nil {
		return nil, err
	}
	if x.Op == "||" {
		return &compiled{t: types.StringType, eval: func(row *Row) (any, error) {
			a, b, err := evalPair(l, r, row)
			if err != nil {
				return nil, err
			}
			if a == nil || b == nil {
				return nil, nil
			}
			return types.Format(a) + types.Format(b), nil
		}}, nil
	}
	op := x.Op[0]
	rt, err := types.ArithResultType(op, l.t, r.t)
	if err != nil {
		return nil, fmt.Errorf("Error processing expression: %s. %v", parser.FormatExpr(x), err)
	}
	return &compiled{t: rt, eval: func(row *Row) (any, error) {
		a, b, err := evalStrict(l, r, row)
		if err != nil || a == nil || b == nil {
			return nil, err
		}
		return types.Arith(op, a, b, rt)
	}}, nil
}

func (c *compiler) subscript(x *parser.Subscript, s *scope) (*compiled, error) {
	base, idx, err := c.compilePair(x.Base, x.Index, s)
	if err != nil {
		return nil, err
	}
	switch base.t.Kind {
	case types.KindArray:
		if idx.t.Kind != types.KindInteger && idx.t.Kind != types.KindBigint {
			return nil, fmt.Errorf("array index must be an integer, got %s", idx.t)
		}
		return &compiled{t: base.t.Elem, eval: func(r *Row) (any, error) {
			b, iv, err := evalStrict(base, idx, r)
			if err != nil || b == nil || iv == nil {
				return nil, err
			}
			arr := b.([]any)
			i := int(types.ToInt64(iv))
			switch {
			case i > 0 && i <= len(arr):
				return arr[i-1], nil
			case i < 0 && -i <= len(arr):
				return arr[len(arr)+i], nil
			}
			return nil, nil
		}}, nil
	case types.KindMap:
		kt := base.t.Key
		return &compiled{t: base.t.Elem, eval: func(r *Row) (any, error) {
			b, k, err := evalStrict(base, idx, r)
			if err != nil || b == nil || k == nil {
				return nil, err
			}
			k, err = types.Cast(k, kt)
			if err != nil {
				return nil, err
			}
			return b.(*types.Map).Get(k), nil
		}}, nil
	}
	return nil, fmt.Errorf("cannot subscript %s (%s)", parser.FormatExpr(x.Base), base.t)
}

func (c *compiler) like(x *parser.Like, s *scope) (*compiled, error) {
	val, pat, err := c.compilePair(x.X, x.Pattern, s)
	if err != nil {
		return nil, err
	}
	if val.t.Kind != types.KindString && val.t.Kind != types.KindNull {
		return nil, fmt.Errorf("LIKE needs a STRING, got %s", val.t)
	}
	esc := x.Escape
	var fixed *regexp.Regexp
	if pat.isLit && pat.lit != nil {
		if fixed, err = likeRegexp(pat.lit.(string), esc); err != nil {
			return nil, err
		}
	}
	neg := x.Negated
	return &compiled{t: types.BooleanType, eval: func(r *Row) (any, error) {
		v, err := val.eval(r)
		if err != nil || v == nil {
			return nil, err
		}
		re := fixed
		if re == nil {
			p, err := pat.eval(r)
			if err != nil || p == nil {
				return nil, err
			}
			if re, err = likeRegexp(p.(string), esc); err != nil {
				return nil, err
			}
		}
		return re.MatchString(v.(string)) != neg, nil
	}}, nil
}

// likeRegexp translates a LIKE pattern (% and _ wildcards) to a regexp.
func likeRegexp(p, esc string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("(?s)^")
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		ch := rs[i]
		if esc != "" && string(ch) == esc && i+1 < len(rs) {
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
			continue
		}
		switch ch {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func (c *compiler) caseExpr(x *parser.Case, s *scope) (*compiled, error) {
	var operand *compiled
	var err error
	if x.Operand != nil {
		if operand, err = c.compile(x.Operand, s); err != nil {
			return nil, err
		}
	}
	conds := make([]*compiled, len(x.Whens))
	results := make([]*compiled, len(x.Whens))
	rt := types.NullType
	widen := func(t *types.Type) error {
		switch {
		case rt.Kind == types.KindNull:
			rt = t
		case t.Kind == types.KindNull:
		case rt.IsNumeric() && t.IsNumeric():
			rt = types.WiderNumeric(rt, t)
		case rt.Kind != t.Kind:
			return fmt.Errorf("Invalid Case expression. Type for all 'THEN' clauses should be the same. THEN expression '%s' has type: %s. Previous THEN expression(s) type: %s.", parser.FormatExpr(x), t, rt)
		}
		return nil
	}
	for i, w := range x.Whens {
		if operand != nil {
			conds[i], err = c.comparison("=", x.Operand, w.Cond, s)
		} else {
			conds[i], err = c.boolExpr(w.Cond, s)
		}
		if err != nil {
			return nil, err
		}
		if results[i], err = c.compile(w.Result, s); err != nil {
			return nil, err
		}
		if err := widen(results[i].t); err != nil {
			return nil, err
		}
	}
	var elseExpr *compiled
	if x.Else != nil {
		if elseExpr, err = c.compile(x.Else, s); err != nil {
			return nil, err
		}
		if err := widen(elseExpr.t); err != nil {
			return nil, err
		}
	}
	return &compiled{t: rt, eval: func(r *Row) (any, error) {
		for i, cond := range conds {
			v, err := cond.eval(r)
			if err != nil {
				return nil, err
			}
			if b, ok := v.(bool); ok && b {
				res, err := results[i].eval(r)
				if err != nil {
					return nil, err
				}
				return types.Cast(res, rt)
			}
		}
		if elseExpr == nil {
			return nil, nil
		}
		res, err := elseExpr.eval(r)
		if err != nil {
			return nil, err
		}
		return types.Cast(res, rt)
	}}, nil
}

func (c *compiler) funcCall(x *parser.FuncCall, s *scope) (*compiled, error) {
	if agg := c.reg.Aggregate(x.Name); agg != nil {
		if s.allowAggs && s.aggCalls != nil {
			*s.aggCalls = append(*s.aggCalls, x)
			return &compiled{t: types.NullType, eval: func(*Row) (any, error) { return nil, nil }}, nil
		}
		return nil, fmt.Errorf("Use of aggregate function %s requires a GROUP BY clause.", x.Name)
	}
	if isLambdaFunction(x.Name) {
		return c.lambdaCall(x, s)
	}
	fn := c.reg.Scalar(x.Name)
	if fn == nil {
		return nil, fmt.Errorf("Can't find any functions with the name '%s'", x.Name)
	}
	args := make([]*compiled, len(x.Args))
	argTypes := make([]*types.Type, len(x.Args))
	consts := make([]any, len(x.Args))
	for i, a := range x.Args {
		ca, err := c.compile(a, s)
		if err != nil {
			return nil, err
		}
		args[i], argTypes[i] = ca, ca.t
		if ca.isLit {
			consts[i] = ca.lit
		}
	}
	rt, impl, err := fn.Resolve(argTypes, consts)
	if err != nil {
		return nil, err
	}
	n := len(args)
	name := strings.ToUpper(x.Name)
	return &compiled{t: rt, eval: func(r *Row) (any, error) {
		vals := make([]any, n)
		for i, a := range args {
			v, err := a.eval(r)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		return invoke(name, impl, vals)
	}}, nil
}

// invoke calls a function implementation, turning a panic into an error
// (as ksqlDB turns an exception thrown by a UDF into a processing error),
// so that no input value can crash the engine.
func invoke(name string, impl functions.Impl, vals []any) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("Failed to invoke function %s: %v", name, p)
		}
	}()
	return impl(vals)
}

// evalBool evaluates a predicate: NULL and errors are false.
func evalBool(c *compiled, r *Row) (bool, error) {
	v, err := c.eval(r)
	if err != nil {
		return false, err
	}
	b, _ := v.(bool)
	return b, nil
}

// exprName derives the column name ksqlDB gives an unaliased select item:
// the column name, the last struct field of a dereference, else "".
func exprName(e parser.Expr) string {
	switch x := e.(type) {
	case *parser.ColumnRef:
		return x.Name
	case *parser.Dereference:
		return x.Field
	}
	return ""
}

// constValue evaluates a constant expression (INSERT VALUES, properties).
func (c *compiler) constValue(e parser.Expr) (any, *types.Type, error) {
	ce, err := c.compile(e, &scope{})
	if err != nil {
		// A column where a value belongs: ksqlDB reads it as a source name.
		if name := firstColumn(e); name != "" {
			return nil, nil, fmt.Errorf("Failed to prepare statement: '%s' is not a valid stream/table name or alias.", name)
		}
		return nil, nil, err
	}
	v, err := ce.eval(&Row{})
	return v, ce.t, err
}

func itoa(i int) string { return strconv.Itoa(i) }

// evalPair evaluates two operands in order, stopping at the first error.
func evalPair(x, y *compiled, r *Row) (a, b any, err error) {
	if a, err = x.eval(r); err != nil {
		return nil, nil, err
	}
	if b, err = y.eval(r); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// evalStrict evaluates two operands in order for an operator that is NULL
// when either operand is: a NULL first operand leaves the second unevaluated,
// and either result may then be nil.
func evalStrict(x, y *compiled, r *Row) (a, b any, err error) {
	if a, err = x.eval(r); err != nil || a == nil {
		return nil, nil, err
	}
	if b, err = y.eval(r); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// compilePair compiles two operands in order, stopping at the first error.
func (c *compiler) compilePair(x, y parser.Expr, s *scope) (a, b *compiled, err error) {
	if a, err = c.compile(x, s); err != nil {
		return nil, nil, err
	}
	if b, err = c.compile(y, s); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// firstColumn names the first column reference in e that is not a lambda
// parameter ("" when there is none).
func firstColumn(e parser.Expr) string {
	params := map[string]bool{}
	name := ""
	walk(e, func(x parser.Expr) bool {
		switch y := x.(type) {
		case *parser.Lambda:
			for _, p := range y.Params {
				params[p] = true
			}
		case *parser.ColumnRef:
			if name == "" && (y.Qualifier != "" || !params[y.Name] && pseudoColumns[y.Name] == nil) {
				name = y.Name
				if y.Qualifier != "" {
					name = y.Qualifier
				}
			}
		}
		return name == ""
	})
	return name
}
