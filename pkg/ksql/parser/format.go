package parser

import (
	"strconv"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// QuoteIdent renders a name as SQL, adding backquotes when it is not a
// plain upper-case identifier or is a reserved word.
func QuoteIdent(name string) string {
	plain := name != ""
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c == '_' || (i > 0 && (c >= '0' && c <= '9'))) {
			plain = false
			break
		}
	}
	if plain && !reserved[name] {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// FormatExpr renders an expression as canonical SQL text. Two expressions
// that format the same are the same expression (used to match GROUP BY
// expressions in the select list).
func FormatExpr(e Expr) string {
	var b strings.Builder
	formatExpr(&b, e)
	return b.String()
}

func formatExpr(b *strings.Builder, e Expr) {
	switch x := e.(type) {
	case nil:
		b.WriteString("NULL")
	case *IntegerLiteral:
		b.WriteString(strconv.FormatInt(x.Value, 10))
	case *DecimalLiteral:
		b.WriteString(x.Text)
	case *DoubleLiteral:
		b.WriteString(types.FormatDouble(x.Value))
	case *StringLiteral:
		b.WriteString("'" + strings.ReplaceAll(x.Value, "'", "''") + "'")
	case *BooleanLiteral:
		if x.Value {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case *NullLiteral:
		b.WriteString("null")
	case *ColumnRef:
		if x.Qualifier != "" {
			b.WriteString(QuoteIdent(x.Qualifier) + ".")
		}
		b.WriteString(QuoteIdent(x.Name))
	case *Dereference:
		formatExpr(b, x.Base)
		b.WriteString("->" + QuoteIdent(x.Field))
	case *Subscript:
		formatExpr(b, x.Base)
		b.WriteByte('[')
		formatExpr(b, x.Index)
		b.WriteByte(']')
	case *Binary:
		formatInfix(b, x.L, x.Op, x.R)
	case *Unary:
		b.WriteString("-")
		formatExpr(b, x.X)
	case *Comparison:
		formatInfix(b, x.L, x.Op, x.R)
	case *Logical:
		formatInfix(b, x.L, x.Op, x.R)
	case *Not:
		b.WriteString("(NOT ")
		formatExpr(b, x.X)
		b.WriteByte(')')
	case *Between:
		formatNegatable(b, x.X, x.Negated, " BETWEEN ")
		formatExpr(b, x.Lo)
		b.WriteString(" AND ")
		formatExpr(b, x.Hi)
		b.WriteByte(')')
	case *In:
		formatNegatable(b, x.X, x.Negated, " IN (")
		formatExprs(b, x.List)
		b.WriteString("))")
	case *Like:
		formatNegatable(b, x.X, x.Negated, " LIKE ")
		formatExpr(b, x.Pattern)
		if x.Escape != "" {
			b.WriteString(" ESCAPE '" + x.Escape + "'")
		}
		b.WriteByte(')')
	case *IsNull:
		b.WriteByte('(')
		formatExpr(b, x.X)
		if x.Negated {
			b.WriteString(" IS NOT NULL)")
		} else {
			b.WriteString(" IS NULL)")
		}
	case *IsDistinct:
		b.WriteByte('(')
		formatExpr(b, x.L)
		if x.Negated {
			b.WriteString(" IS NOT DISTINCT FROM ")
		} else {
			b.WriteString(" IS DISTINCT FROM ")
		}
		formatExpr(b, x.R)
		b.WriteByte(')')
	case *Case:
		b.WriteString("(CASE")
		if x.Operand != nil {
			b.WriteByte(' ')
			formatExpr(b, x.Operand)
		}
		for _, w := range x.Whens {
			b.WriteString(" WHEN ")
			formatExpr(b, w.Cond)
			b.WriteString(" THEN ")
			formatExpr(b, w.Result)
		}
		if x.Else != nil {
			b.WriteString(" ELSE ")
			formatExpr(b, x.Else)
		}
		b.WriteString(" END)")
	case *Cast:
		b.WriteString("CAST(")
		formatExpr(b, x.X)
		b.WriteString(" AS " + x.Type.String() + ")")
	case *FuncCall:
		b.WriteString(x.Name + "(")
		if x.Star {
			b.WriteByte('*')
		}
		if x.Distinct {
			b.WriteString("DISTINCT ")
		}
		formatExprs(b, x.Args)
		b.WriteByte(')')
	case *ArrayCtor:
		b.WriteString("ARRAY[")
		formatExprs(b, x.Elems)
		b.WriteByte(']')
	case *MapCtor:
		b.WriteString("MAP(")
		formatList(b, len(x.Keys), func(i int) {
			formatExpr(b, x.Keys[i])
			b.WriteString(":=")
			formatExpr(b, x.Values[i])
		})
		b.WriteByte(')')
	case *StructCtor:
		b.WriteString("STRUCT(")
		formatList(b, len(x.Names), func(i int) {
			b.WriteString(QuoteIdent(x.Names[i]) + ":=")
			formatExpr(b, x.Values[i])
		})
		b.WriteByte(')')
	case *Lambda:
		b.WriteByte('(')
		b.WriteString(strings.Join(x.Params, ", "))
		b.WriteString(") => ")
		formatExpr(b, x.Body)
	case *IntervalLiteral:
		b.WriteString(x.Unit)
	}
}

// formatInfix renders `(l op r)`.
func formatInfix(b *strings.Builder, l Expr, op string, r Expr) {
	b.WriteByte('(')
	formatExpr(b, l)
	b.WriteString(" " + op + " ")
	formatExpr(b, r)
	b.WriteByte(')')
}

// formatNegatable opens `(x [NOT] kw` for the predicates NOT may negate;
// kw carries its own spacing and the caller writes the rest.
func formatNegatable(b *strings.Builder, x Expr, negated bool, kw string) {
	b.WriteByte('(')
	formatExpr(b, x)
	if negated {
		b.WriteString(" NOT")
	}
	b.WriteString(kw)
}

// formatList renders n items separated by ", ".
func formatList(b *strings.Builder, n int, item func(i int)) {
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		item(i)
	}
}

// formatExprs renders a comma-separated list of expressions.
func formatExprs(b *strings.Builder, list []Expr) {
	formatList(b, len(list), func(i int) { formatExpr(b, list[i]) })
}
