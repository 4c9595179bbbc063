// Package parser is the lexer and recursive-descent parser for the SQL
// dialect of ksqlDB. It turns a script (statements separated by ';', with
// -- and /* */ comments) into AST statements that keep their source text.
// Syntax errors carry a 1-based line and column and say what was expected:
//
//	line 1:15: expected FROM, found 'FORM'
package parser

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// reserved words cannot be used as bare identifiers (quote them with
// backquotes to use them as names).
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "BY": true, "HAVING": true,
	"WINDOW": true, "EMIT": true, "LIMIT": true, "AND": true, "OR": true, "NOT": true,
	"AS": true, "ON": true, "JOIN": true, "LEFT": true, "RIGHT": true, "INNER": true, "FULL": true,
	"OUTER": true, "WITHIN": true, "PARTITION": true, "CASE": true, "WHEN": true, "THEN": true,
	"ELSE": true, "END": true, "IS": true, "NULL": true, "TRUE": true, "FALSE": true,
	"BETWEEN": true, "IN": true, "LIKE": true, "CAST": true, "WITH": true, "CREATE": true,
	"INSERT": true, "INTO": true, "VALUES": true, "DROP": true, "DISTINCT": true, "ESCAPE": true,
	"EXISTS": true,
}

type parser struct {
	src  string
	toks []Token
	i    int
}

// ParseScript parses every statement of a script.
func ParseScript(src string) ([]Statement, error) {
	toks, err := Tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	var out []Statement
	for {
		for p.isOp(";") {
			p.i++
		}
		if p.peek().Kind == TokEOF {
			return out, nil
		}
		st, err := p.statement()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
}

// ParseStatement parses exactly one statement (a trailing ';' is optional).
func ParseStatement(src string) (Statement, error) {
	sts, err := ParseScript(src)
	if err != nil {
		return nil, err
	}
	if len(sts) != 1 {
		return nil, &Error{Pos: Pos{1, 1}, Msg: fmt.Sprintf("expected exactly one statement, found %d", len(sts))}
	}
	return sts[0], nil
}

// ParseExpression parses a single expression.
func ParseExpression(src string) (Expr, error) {
	toks, err := Tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.peek().Kind != TokEOF {
		return nil, p.errExpected("end of expression")
	}
	return e, nil
}

func (p *parser) peek() Token { return p.toks[p.i] }

func (p *parser) peekAt(n int) Token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() Token {
	t := p.toks[p.i]
	if t.Kind != TokEOF {
		p.i++
	}
	return t
}

func (p *parser) isKw(kw string) bool {
	t := p.peek()
	return t.Kind == TokIdent && t.Val == kw
}

func (p *parser) isKwAt(n int, kw string) bool {
	t := p.peekAt(n)
	return t.Kind == TokIdent && t.Val == kw
}

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.Kind == TokOp && t.Text == op
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) errExpected(what string) error {
	t := p.peek()
	return &Error{Pos: t.Pos, Msg: fmt.Sprintf("expected %s, found %s", what, t.describe())}
}

func (p *parser) expectKw(kw string) error {
	if !p.acceptKw(kw) {
		return p.errExpected(kw)
	}
	return nil
}

func (p *parser) expectOp(op string) error {
	if !p.acceptOp(op) {
		return p.errExpected("'" + op + "'")
	}
	return nil
}

// commaSep parses one or more items separated by commas and ended by the
// operator close; the opening bracket has already been consumed. When an
// item is followed by neither ',' nor close, it reports "',' or 'close'".
func (p *parser) commaSep(close string, item func() error) error {
	for {
		if err := item(); err != nil {
			return err
		}
		if p.acceptOp(close) {
			return nil
		}
		if !p.acceptOp(",") {
			return p.errExpected("',' or '" + close + "'")
		}
	}
}

// commaList is commaSep that also accepts an empty list.
func (p *parser) commaList(close string, item func() error) error {
	if p.acceptOp(close) {
		return nil
	}
	return p.commaSep(close, item)
}

// exprList parses a possibly empty list of expressions ended by close.
func (p *parser) exprList(close string) ([]Expr, error) {
	var list []Expr
	err := p.commaList(close, func() error {
		e, err := p.expr()
		list = append(list, e)
		return err
	})
	return list, err
}

// assignments parses the ")"-closed list of "key := value" items of a MAP or
// STRUCT constructor; key reads what stands before each ":=".
func assignments[K any](p *parser, key func() (K, error)) (keys []K, vals []Expr, err error) {
	err = p.commaList(")", func() error {
		k, err := key()
		if err != nil {
			return err
		}
		v, err := p.assignedExpr()
		keys, vals = append(keys, k), append(vals, v)
		return err
	})
	return keys, vals, err
}

// assignedExpr parses `:= expr`, the value part of MAP and STRUCT entries.
func (p *parser) assignedExpr() (Expr, error) {
	if err := p.expectOp(":="); err != nil {
		return nil, err
	}
	return p.expr()
}

// identifiers parses the `a, b)` list of identifiers that follows an
// opening parenthesis.
func (p *parser) identifiers(what string) ([]string, error) {
	var names []string
	err := p.commaSep(")", func() error {
		n, err := p.identifier(what)
		names = append(names, n)
		return err
	})
	return names, err
}

// identifier parses an identifier: unquoted ones are upper-cased, quoted
// ones keep their case.
func (p *parser) identifier(what string) (string, error) {
	t := p.peek()
	switch t.Kind {
	case TokIdent:
		if reserved[t.Val] {
			return "", p.errExpected(what)
		}
		p.i++
		return t.Val, nil
	case TokQuotedIdent:
		p.i++
		return t.Val, nil
	}
	return "", p.errExpected(what)
}

// sourceName parses a stream/table/query name (reserved words allowed only
// when quoted).
func (p *parser) sourceName() (string, error) { return p.identifier("a source name") }

func (p *parser) statement() (Statement, error) {
	startTok := p.peek()
	st, err := p.statementBody()
	if err != nil {
		return nil, err
	}
	end := p.toks[p.i-1].End
	if !p.acceptOp(";") {
		if p.peek().Kind != TokEOF {
			return nil, p.errExpected("';'")
		}
	} else {
		end = p.toks[p.i-1].End
	}
	text := strings.TrimSpace(p.src[startTok.Off:end])
	setText(st, text)
	return st, nil
}

func setText(st Statement, text string) {
	switch s := st.(type) {
	case *CreateSource:
		s.SourceText = text
	case *CreateAsSelect:
		s.SourceText = text
	case *InsertInto:
		s.SourceText = text
	case *InsertValues:
		s.SourceText = text
	case *DropSource:
		s.SourceText = text
	case *Terminate:
		s.SourceText = text
	case *Show:
		s.SourceText = text
	case *Describe:
		s.SourceText = text
	case *DescribeFunction:
		s.SourceText = text
	case *SetProperty:
		s.SourceText = text
	case *UnsetProperty:
		s.SourceText = text
	case *Explain:
		s.SourceText = text
	case *Print:
		s.SourceText = text
	case *QueryStatement:
		s.SourceText = text
	}
}

func (p *parser) statementBody() (Statement, error) {
	t := p.peek()
	if t.Kind != TokIdent {
		return nil, p.errExpected("a statement")
	}
	switch t.Val {
	case "CREATE":
		return p.create()
	case "INSERT":
		return p.insert()
	case "DROP":
		return p.drop()
	case "TERMINATE":
		p.i++
		if p.acceptKw("ALL") {
			return &Terminate{All: true}, nil
		}
		id, err := p.identifier("a query id")
		if err != nil {
			return nil, err
		}
		return &Terminate{QueryID: id}, nil
	case "SHOW", "LIST":
		p.i++
		w := p.peek()
		if w.Kind != TokIdent {
			return nil, p.errExpected("STREAMS, TABLES, TOPICS, QUERIES, FUNCTIONS or PROPERTIES")
		}
		what := w.Val
		switch what {
		case "STREAMS", "TABLES", "TOPICS", "QUERIES", "FUNCTIONS", "PROPERTIES", "TYPES", "VARIABLES", "CONNECTORS":
		case "ALL":
			p.i++
			if !p.isKw("TOPICS") {
				return nil, p.errExpected("TOPICS")
			}
			what = "TOPICS"
		default:
			return nil, p.errExpected("STREAMS, TABLES, TOPICS, QUERIES, FUNCTIONS or PROPERTIES")
		}
		p.i++
		ext := p.acceptKw("EXTENDED")
		return &Show{What: what, Extended: ext}, nil
	case "DESCRIBE":
		p.i++
		if p.isKw("FUNCTION") && p.peekAt(1).Kind != TokEOF && !p.isOpAt(1, ";") {
			p.i++
			name, err := p.identifier("a function name")
			if err != nil {
				return nil, err
			}
			return &DescribeFunction{Name: name}, nil
		}
		if (p.isKw("STREAMS") || p.isKw("TABLES")) && (p.peekAt(1).Kind == TokEOF || p.isOpAt(1, ";") || p.isKwAt(1, "EXTENDED")) {
			all := p.next().Val
			return &Describe{All: all, Extended: p.acceptKw("EXTENDED")}, nil
		}
		ext := false
		if p.isKw("EXTENDED") && p.peekAt(1).Kind != TokEOF && !p.isOpAt(1, ";") {
			p.i++
			ext = true
		}
		name, err := p.sourceName()
		if err != nil {
			return nil, err
		}
		if p.acceptKw("EXTENDED") {
			ext = true
		}
		return &Describe{Name: name, Extended: ext}, nil
	case "SET":
		p.i++
		name, err := p.stringLit("a property name")
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		val, err := p.stringLit("a property value")
		if err != nil {
			return nil, err
		}
		return &SetProperty{Name: name, Value: val}, nil
	case "UNSET":
		p.i++
		name, err := p.stringLit("a property name")
		if err != nil {
			return nil, err
		}
		return &UnsetProperty{Name: name}, nil
	case "EXPLAIN":
		p.i++
		if nt := p.peek(); (nt.Kind == TokIdent || nt.Kind == TokQuotedIdent) && !p.isStatementStart() {
			id, err := p.identifier("a query id or statement")
			if err != nil {
				return nil, err
			}
			return &Explain{QueryID: id}, nil
		}
		start := p.peek().Off
		inner, err := p.statementBody()
		if err != nil {
			return nil, err
		}
		setText(inner, strings.TrimSpace(p.src[start:p.toks[p.i-1].End]))
		return &Explain{Statement: inner}, nil
	case "PRINT":
		p.i++
		var topic string
		switch tt := p.peek(); tt.Kind {
		case TokString:
			topic = tt.Val
			p.i++
		case TokIdent, TokQuotedIdent:
			topic = tt.Text
			if tt.Kind == TokQuotedIdent {
				topic = tt.Val
			}
			p.i++
		default:
			return nil, p.errExpected("a topic name")
		}
		pr := &Print{Topic: topic, Limit: -1}
		for {
			switch {
			case p.acceptKw("FROM"):
				if err := p.expectKw("BEGINNING"); err != nil {
					return nil, err
				}
				pr.FromBeginning = true
			case p.acceptKw("INTERVAL"), p.acceptKw("SAMPLE"):
				n, err := p.intLit()
				if err != nil {
					return nil, err
				}
				pr.Interval = int(n)
			case p.acceptKw("LIMIT"):
				n, err := p.intLit()
				if err != nil {
					return nil, err
				}
				pr.Limit = int(n)
			default:
				return pr, nil
			}
		}
	case "SELECT":
		q, err := p.query()
		if err != nil {
			return nil, err
		}
		return &QueryStatement{Query: q}, nil
	}
	return nil, p.errExpected("a statement")
}

func (p *parser) isOpAt(n int, op string) bool {
	t := p.peekAt(n)
	return t.Kind == TokOp && t.Text == op
}

func (p *parser) isStatementStart() bool {
	switch p.peek().Val {
	case "CREATE", "INSERT", "DROP", "SELECT", "SHOW", "LIST", "DESCRIBE", "TERMINATE", "SET", "UNSET", "PRINT":
		return p.peek().Kind == TokIdent
	}
	return false
}

func (p *parser) stringLit(what string) (string, error) {
	t := p.peek()
	if t.Kind != TokString {
		return "", p.errExpected(what)
	}
	p.i++
	return t.Val, nil
}

func (p *parser) intLit() (int64, error) {
	t := p.peek()
	if t.Kind != TokInteger {
		return 0, p.errExpected("an integer")
	}
	p.i++
	n, err := strconv.ParseInt(t.Text, 10, 64)
	if err != nil {
		return 0, &Error{Pos: t.Pos, Msg: "integer out of range: " + t.Text}
	}
	return n, nil
}

func (p *parser) create() (Statement, error) {
	p.i++ // CREATE
	orReplace := false
	if p.acceptKw("OR") {
		if err := p.expectKw("REPLACE"); err != nil {
			return nil, err
		}
		orReplace = true
	}
	source := p.acceptKw("SOURCE")
	kind, err := p.sourceKind()
	if err != nil {
		return nil, err
	}
	ifNotExists := false
	if p.acceptKw("IF") {
		if err := p.expectKw("NOT"); err != nil {
			return nil, err
		}
		if err := p.expectKw("EXISTS"); err != nil {
			return nil, err
		}
		ifNotExists = true
	}
	name, err := p.sourceName()
	if err != nil {
		return nil, err
	}
	var elems []TableElement
	if p.acceptOp("(") {
		err := p.commaSep(")", func() error {
			el, err := p.tableElement(kind)
			elems = append(elems, el)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	var props Properties
	if p.acceptKw("WITH") {
		props, err = p.properties()
		if err != nil {
			return nil, err
		}
	}
	if p.acceptKw("AS") {
		if elems != nil {
			return nil, p.errExpected("no column list with AS SELECT")
		}
		if source {
			return nil, p.errExpected("no SOURCE with AS SELECT")
		}
		if !p.isKw("SELECT") {
			return nil, p.errExpected("SELECT")
		}
		q, err := p.query()
		if err != nil {
			return nil, err
		}
		return &CreateAsSelect{Kind: kind, OrReplace: orReplace, IfNotExists: ifNotExists, Name: name, Props: props, Query: q}, nil
	}
	if props == nil {
		return nil, p.errExpected("WITH or AS")
	}
	return &CreateSource{Kind: kind, OrReplace: orReplace, Source: source, IfNotExists: ifNotExists, Name: name, Elements: elems, Props: props}, nil
}

func (p *parser) tableElement(kind SourceKind) (TableElement, error) {
	name, err := p.identifier("a column name")
	if err != nil {
		return TableElement{}, err
	}
	t, err := p.typ()
	if err != nil {
		return TableElement{}, err
	}
	el := TableElement{Name: name, Type: t}
	switch {
	case p.acceptKw("PRIMARY"):
		if err := p.expectKw("KEY"); err != nil {
			return el, err
		}
		el.PrimaryKey = true
	case p.acceptKw("KEY"):
		el.Key = true
	case p.acceptKw("HEADERS"):
		el.Headers = true
	case p.acceptKw("HEADER"):
		if err := p.expectOp("("); err != nil {
			return el, err
		}
		k, err := p.stringLit("a header key")
		if err != nil {
			return el, err
		}
		if err := p.expectOp(")"); err != nil {
			return el, err
		}
		el.Headers, el.HeaderKey = true, k
	}
	return el, nil
}

// typ parses a SQL type.
func (p *parser) typ() (*types.Type, error) {
	t := p.peek()
	if t.Kind != TokIdent {
		return nil, p.errExpected("a type")
	}
	kind, ok := types.ParseKindName(t.Val)
	if !ok {
		return nil, p.errExpected("a type")
	}
	p.i++
	switch kind {
	case types.KindDecimal:
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		prec, err := p.intLit()
		if err != nil {
			return nil, err
		}
		scale := int64(0)
		if p.acceptOp(",") {
			if scale, err = p.intLit(); err != nil {
				return nil, err
			}
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		if prec < 1 || prec > 1000 || scale < 0 || scale > prec {
			return nil, &Error{Pos: t.Pos, Msg: fmt.Sprintf("invalid DECIMAL(%d, %d)", prec, scale)}
		}
		return types.DecimalOf(int(prec), int(scale)), nil
	case types.KindArray:
		if err := p.expectOp("<"); err != nil {
			return nil, err
		}
		elem, err := p.typ()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(">"); err != nil {
			return nil, err
		}
		return types.ArrayOf(elem), nil
	case types.KindMap:
		if err := p.expectOp("<"); err != nil {
			return nil, err
		}
		k, err := p.typ()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(","); err != nil {
			return nil, err
		}
		v, err := p.typ()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(">"); err != nil {
			return nil, err
		}
		return types.MapOf(k, v), nil
	case types.KindStruct:
		if err := p.expectOp("<"); err != nil {
			return nil, err
		}
		var fields []types.Field
		err := p.commaList(">", func() error {
			name, err := p.fieldName()
			if err != nil {
				return err
			}
			ft, err := p.typ()
			fields = append(fields, types.Field{Name: name, Type: ft})
			return err
		})
		if err != nil {
			return nil, err
		}
		return types.StructOf(fields...), nil
	case types.KindString:
		// VARCHAR(n) is accepted and ignored.
		if p.isOp("(") && p.peekAt(1).Kind == TokInteger && p.isOpAt(2, ")") {
			p.i += 3
		}
	}
	return types.Primitive(kind), nil
}

// fieldName parses a struct field name, where reserved words are allowed.
func (p *parser) fieldName() (string, error) {
	t := p.peek()
	switch t.Kind {
	case TokIdent:
		p.i++
		return t.Val, nil
	case TokQuotedIdent:
		p.i++
		return t.Val, nil
	}
	return "", p.errExpected("a field name")
}

func (p *parser) properties() (Properties, error) {
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	var props Properties
	err := p.commaSep(")", func() error {
		t := p.peek()
		switch t.Kind {
		case TokIdent, TokQuotedIdent, TokString:
			p.i++
		default:
			return p.errExpected("a property name")
		}
		if err := p.expectOp("="); err != nil {
			return err
		}
		lit, err := p.literalValue()
		props = append(props, Property{Name: strings.ToUpper(t.Val), Value: lit})
		return err
	})
	if err != nil {
		return nil, err
	}
	return props, nil
}

func (p *parser) literalValue() (any, error) {
	neg := p.acceptOp("-")
	t := p.next()
	switch t.Kind {
	case TokString:
		if neg {
			break
		}
		return t.Val, nil
	case TokInteger:
		n, err := strconv.ParseInt(t.Text, 10, 64)
		if err != nil {
			return nil, &Error{Pos: t.Pos, Msg: "integer out of range"}
		}
		if neg {
			n = -n
		}
		return n, nil
	case TokDecimal, TokDouble:
		f, _ := strconv.ParseFloat(t.Text, 64)
		if neg {
			f = -f
		}
		return f, nil
	case TokIdent:
		switch t.Val {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		}
	}
	p.i--
	return nil, p.errExpected("a literal")
}

func (p *parser) insert() (Statement, error) {
	p.i++ // INSERT
	if err := p.expectKw("INTO"); err != nil {
		return nil, err
	}
	target, err := p.sourceName()
	if err != nil {
		return nil, err
	}
	var cols []string
	if p.acceptOp("(") {
		if cols, err = p.identifiers("a column name"); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("VALUES") {
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		vals, err := p.exprList(")")
		if err != nil {
			return nil, err
		}
		return &InsertValues{Target: target, Columns: cols, Values: vals}, nil
	}
	if cols != nil {
		return nil, p.errExpected("VALUES")
	}
	if p.acceptKw("WITH") {
		if _, err := p.properties(); err != nil {
			return nil, err
		}
	}
	if !p.isKw("SELECT") {
		return nil, p.errExpected("SELECT or VALUES")
	}
	q, err := p.query()
	if err != nil {
		return nil, err
	}
	return &InsertInto{Target: target, Query: q}, nil
}

// sourceKind reads the STREAM or TABLE keyword.
func (p *parser) sourceKind() (SourceKind, error) {
	switch {
	case p.acceptKw("STREAM"):
		return KindStream, nil
	case p.acceptKw("TABLE"):
		return KindTable, nil
	}
	return 0, p.errExpected("STREAM or TABLE")
}

func (p *parser) drop() (Statement, error) {
	p.i++ // DROP
	kind, err := p.sourceKind()
	if err != nil {
		return nil, err
	}
	d := &DropSource{Kind: kind}
	if p.acceptKw("IF") {
		if err := p.expectKw("EXISTS"); err != nil {
			return nil, err
		}
		d.IfExists = true
	}
	name, err := p.sourceName()
	if err != nil {
		return nil, err
	}
	d.Name = name
	if p.acceptKw("DELETE") {
		if err := p.expectKw("TOPIC"); err != nil {
			return nil, err
		}
		d.DeleteTopic = true
	}
	return d, nil
}

// query parses SELECT ... FROM ... [clauses].
func (p *parser) query() (*Query, error) {
	if err := p.expectKw("SELECT"); err != nil {
		return nil, err
	}
	q := &Query{Limit: -1}
	for {
		item, err := p.selectItem()
		if err != nil {
			return nil, err
		}
		q.Select = append(q.Select, item)
		if !p.acceptOp(",") {
			break
		}
	}
	if err := p.expectKw("FROM"); err != nil {
		return nil, p.missingComma(err, q.Select[len(q.Select)-1])
	}
	rel, err := p.relation()
	if err != nil {
		return nil, err
	}
	q.From = rel
	if p.acceptKw("WINDOW") {
		if q.Window, err = p.window(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("WHERE") {
		if q.Where, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("GROUP") {
		if q.GroupBy, err = p.byExprs(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("PARTITION") {
		if q.PartitionBy, err = p.byExprs(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("HAVING") {
		if q.Having, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("EMIT") {
		switch {
		case p.acceptKw("CHANGES"):
			q.Emit = EmitChanges
		case p.acceptKw("FINAL"):
			q.Emit = EmitFinal
		default:
			return nil, p.errExpected("CHANGES or FINAL")
		}
	}
	if p.acceptKw("LIMIT") {
		n, err := p.intLit()
		if err != nil {
			return nil, err
		}
		q.Limit = int(min(n, math.MaxInt32))
	}
	return q, nil
}

// byExprs parses the `BY e1, e2` after GROUP or PARTITION.
func (p *parser) byExprs() ([]Expr, error) {
	if err := p.expectKw("BY"); err != nil {
		return nil, err
	}
	return p.groupingExprs()
}

// groupingExprs parses `e1, e2` or `(e1, e2)`.
func (p *parser) groupingExprs() ([]Expr, error) {
	var out []Expr
	// A parenthesised list: (a, b, c). A single parenthesised expression
	// is just an expression.
	if p.isOp("(") {
		save := p.i
		p.i++
		var list []Expr
		ok := true
		for {
			e, err := p.expr()
			if err != nil {
				ok = false
				break
			}
			list = append(list, e)
			if p.acceptOp(")") {
				break
			}
			if !p.acceptOp(",") {
				ok = false
				break
			}
		}
		if ok && len(list) > 1 && !p.isOp(",") && !p.isArithOp() {
			return list, nil
		}
		p.i = save
	}
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		if !p.acceptOp(",") {
			return out, nil
		}
	}
}

func (p *parser) isArithOp() bool {
	t := p.peek()
	if t.Kind != TokOp {
		return false
	}
	switch t.Text {
	case "+", "-", "*", "/", "%", "||", "=", "<", ">", "<=", ">=", "<>", "!=":
		return true
	}
	return false
}

func (p *parser) selectItem() (SelectItem, error) {
	if p.acceptOp("*") {
		return SelectItem{Star: true}, nil
	}
	// qualifier.*
	if (p.peek().Kind == TokIdent || p.peek().Kind == TokQuotedIdent) && p.isOpAt(1, ".") && p.isOpAt(2, "*") {
		q := p.peek().Val
		p.i += 3
		return SelectItem{Star: true, StarQualifier: q}, nil
	}
	e, err := p.expr()
	if err != nil {
		return SelectItem{}, err
	}
	item := SelectItem{Expr: e}
	if p.isOpAt(0, "->") && p.isOpAt(1, "*") {
		p.i += 2
		item.StructStar = true
		return item, nil
	}
	if item.Alias, err = p.alias(); err != nil {
		return item, err
	}
	return item, nil
}

// missingComma adds a likely cause to err, the error of a select list not
// followed by FROM: when what comes next could start another column, a comma
// is probably missing. A column followed by a bare word takes the word as its
// alias, so `state COUNT(*)` stops at '(' after reading STATE AS COUNT: that
// case names both.
func (p *parser) missingComma(err error, last SelectItem) error {
	perr, ok := err.(*Error)
	if !ok {
		return err
	}
	t := p.peek()
	implicitAlias := last.Alias != "" && p.i >= 2 && p.toks[p.i-1].Kind == TokIdent && !(p.toks[p.i-2].Kind == TokIdent && p.toks[p.i-2].Val == "AS")
	switch {
	case t.Kind == TokIdent && editDistance(t.Val, "FROM") <= 2:
		perr.Msg += "; did you mean FROM?"
	case implicitAlias && p.toks[p.i-1].Val != "FROM" && editDistance(p.toks[p.i-1].Val, "FROM") <= 2:
		perr.Msg += fmt.Sprintf("; did you mean FROM? (%s is read as the previous column's alias)", p.toks[p.i-1].Text)
	case t.Kind == TokOp && t.Text == "(" && implicitAlias:
		perr.Msg += fmt.Sprintf("; a comma may be missing before %s (without one, %s is read as the previous column's alias)", p.toks[p.i-1].Text, p.toks[p.i-1].Text)
	case t.Kind == TokIdent && !reserved[t.Val], t.Kind == TokQuotedIdent, t.Kind == TokString,
		t.Kind == TokInteger, t.Kind == TokDecimal, t.Kind == TokDouble:
		perr.Msg += "; a comma may be missing after the previous column"
	}
	return perr
}

// editDistance is the Levenshtein distance of two short words.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// alias reads an optional alias, after AS or standing alone ("" when
// there is none).
func (p *parser) alias() (string, error) {
	if p.acceptKw("AS") {
		return p.identifier("an alias")
	}
	if t := p.peek(); t.Kind == TokQuotedIdent || t.Kind == TokIdent && !reserved[t.Val] {
		a, _ := p.identifier("an alias")
		return a, nil
	}
	return "", nil
}

func (p *parser) aliasedSource() (*AliasedSource, error) {
	pos := p.peek().Pos
	name, err := p.sourceName()
	if err != nil {
		return nil, err
	}
	src := &AliasedSource{Name: name, Pos: pos}
	if src.Alias, err = p.alias(); err != nil {
		return nil, err
	}
	return src, nil
}

// outerJoins maps the keyword opening an outer join to its type.
var outerJoins = map[string]JoinType{"LEFT": JoinLeft, "RIGHT": JoinRight, "FULL": JoinOuter}

func (p *parser) relation() (Relation, error) {
	left, err := p.aliasedSource()
	if err != nil {
		return nil, err
	}
	var rel Relation = left
	for {
		jt := JoinInner
		switch {
		case p.acceptKw("JOIN"):
		case p.isKw("INNER") && p.isKwAt(1, "JOIN"):
			p.i += 2
		case p.isKw("LEFT") || p.isKw("RIGHT") || p.isKw("FULL"):
			jt = outerJoins[p.next().Val]
			p.acceptKw("OUTER")
			if err := p.expectKw("JOIN"); err != nil {
				return nil, err
			}
		default:
			return rel, nil
		}
		right, err := p.aliasedSource()
		if err != nil {
			return nil, err
		}
		j := &Join{Left: rel, Right: right, Type: jt}
		if p.acceptKw("WITHIN") {
			w := &Within{Grace: -1}
			if p.acceptOp("(") {
				a, err := p.duration()
				if err != nil {
					return nil, err
				}
				if err := p.expectOp(","); err != nil {
					return nil, err
				}
				b, err := p.duration()
				if err != nil {
					return nil, err
				}
				if err := p.expectOp(")"); err != nil {
					return nil, err
				}
				w.Before, w.After = a, b
			} else {
				d, err := p.duration()
				if err != nil {
					return nil, err
				}
				w.Before, w.After = d, d
			}
			if p.acceptKw("GRACE") {
				if err := p.expectKw("PERIOD"); err != nil {
					return nil, err
				}
				if w.Grace, err = p.duration(); err != nil {
					return nil, err
				}
			}
			j.Within = w
		}
		if err := p.expectKw("ON"); err != nil {
			return nil, err
		}
		if j.On, err = p.expr(); err != nil {
			return nil, err
		}
		rel = j
	}
}

// duration parses `n unit` into milliseconds.
func (p *parser) duration() (int64, error) {
	n, err := p.intLit()
	if err != nil {
		return 0, err
	}
	t := p.peek()
	if t.Kind != TokIdent {
		return 0, p.errExpected("a time unit")
	}
	ms, ok := unitMillis(t.Val)
	if !ok {
		return 0, p.errExpected("a time unit")
	}
	p.i++
	return n * ms, nil
}

// takesUnit reports whether a function's first argument is a time unit
// (TIMESTAMPADD, TIMESTAMPSUB, DATEADD, DATESUB, TIMEADD, TIMESUB).
func takesUnit(name string) bool {
	switch strings.ToUpper(name) {
	case "TIMESTAMPADD", "TIMESTAMPSUB", "DATEADD", "DATESUB", "TIMEADD", "TIMESUB":
		return true
	}
	return false
}

func unitMillis(u string) (int64, bool) {
	switch strings.TrimSuffix(u, "S") {
	case "MILLISECOND":
		return 1, true
	case "SECOND":
		return 1000, true
	case "MINUTE":
		return 60_000, true
	case "HOUR":
		return 3_600_000, true
	case "DAY":
		return 86_400_000, true
	}
	return 0, false
}

func (p *parser) window() (*WindowExpr, error) {
	w := &WindowExpr{Advance: -1, Retention: -1, Grace: -1}
	switch {
	case p.acceptKw("TUMBLING"):
		w.Type = WindowTumbling
	case p.acceptKw("HOPPING"):
		w.Type = WindowHopping
	case p.acceptKw("SESSION"):
		w.Type = WindowSession
	default:
		return nil, p.errExpected("TUMBLING, HOPPING or SESSION")
	}
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	first := true
	err := p.commaSep(")", func() (err error) {
		switch {
		case p.acceptKw("SIZE"):
			w.Size, err = p.duration()
		case p.acceptKw("ADVANCE"):
			if err = p.expectKw("BY"); err == nil {
				w.Advance, err = p.duration()
			}
		case p.acceptKw("RETENTION"):
			w.Retention, err = p.duration()
		case p.acceptKw("GRACE"):
			if err = p.expectKw("PERIOD"); err == nil {
				w.Grace, err = p.duration()
			}
		case first && w.Type == WindowSession && p.peek().Kind == TokInteger:
			w.Size, err = p.duration()
		default:
			return p.errExpected("SIZE, ADVANCE BY, RETENTION or GRACE PERIOD")
		}
		first = false
		return err
	})
	if err != nil {
		return nil, err
	}
	if w.Size <= 0 {
		return nil, p.errExpected("a window SIZE")
	}
	if w.Type == WindowHopping && w.Advance <= 0 {
		return nil, p.errExpected("ADVANCE BY for a HOPPING window")
	}
	if w.Type == WindowTumbling {
		w.Advance = w.Size
	}
	return w, nil
}

// Expressions, lowest precedence first:
// OR, AND, NOT, predicates (comparison, BETWEEN, IN, LIKE, IS), || and + -,
// * / %, unary - +, postfix ([ ] ->), primary.

func (p *parser) expr() (Expr, error) { return p.orExpr() }

func (p *parser) orExpr() (Expr, error) { return p.logical("OR", p.andExpr) }

func (p *parser) andExpr() (Expr, error) { return p.logical("AND", p.notExpr) }

// logical parses operands from the next tighter level joined by the
// keyword op (AND or OR), grouping to the left.
func (p *parser) logical(op string, operand func() (Expr, error)) (Expr, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.acceptKw(op) {
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &Logical{Op: op, L: l, R: r}
	}
	return l, nil
}

func (p *parser) notExpr() (Expr, error) {
	if p.acceptKw("NOT") {
		x, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	}
	return p.predicate()
}

func (p *parser) predicate() (Expr, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.Kind == TokOp {
			op := t.Text
			switch op {
			case "=", "<>", "!=", "<", "<=", ">", ">=":
				p.i++
				if op == "!=" {
					op = "<>"
				}
				r, err := p.additive()
				if err != nil {
					return nil, err
				}
				l = &Comparison{Op: op, L: l, R: r}
				continue
			}
			return l, nil
		}
		if t.Kind != TokIdent {
			return l, nil
		}
		negated := false
		if t.Val == "NOT" && (p.isKwAt(1, "BETWEEN") || p.isKwAt(1, "IN") || p.isKwAt(1, "LIKE")) {
			negated = true
			p.i++
		}
		switch {
		case p.acceptKw("BETWEEN"):
			lo, err := p.additive()
			if err != nil {
				return nil, err
			}
			if err := p.expectKw("AND"); err != nil {
				return nil, err
			}
			hi, err := p.additive()
			if err != nil {
				return nil, err
			}
			l = &Between{X: l, Lo: lo, Hi: hi, Negated: negated}
		case p.acceptKw("IN"):
			if err := p.expectOp("("); err != nil {
				return nil, err
			}
			list, err := p.exprList(")")
			if err != nil {
				return nil, err
			}
			l = &In{X: l, List: list, Negated: negated}
		case p.acceptKw("LIKE"):
			pat, err := p.additive()
			if err != nil {
				return nil, err
			}
			lk := &Like{X: l, Pattern: pat, Negated: negated}
			if p.acceptKw("ESCAPE") {
				if lk.Escape, err = p.stringLit("an escape character"); err != nil {
					return nil, err
				}
			}
			l = lk
		case p.acceptKw("IS"):
			not := p.acceptKw("NOT")
			switch {
			case p.acceptKw("NULL"):
				l = &IsNull{X: l, Negated: not}
			case p.acceptKw("DISTINCT"):
				if err := p.expectKw("FROM"); err != nil {
					return nil, err
				}
				r, err := p.additive()
				if err != nil {
					return nil, err
				}
				l = &IsDistinct{L: l, R: r, Negated: not}
			default:
				return nil, p.errExpected("NULL or DISTINCT FROM")
			}
		default:
			return l, nil
		}
	}
}

func (p *parser) additive() (Expr, error) {
	return p.leftAssoc(p.multiplicative, "+", "-", "||")
}

func (p *parser) multiplicative() (Expr, error) {
	return p.leftAssoc(p.unary, "*", "/", "%")
}

// leftAssoc parses one precedence level of left-associative binary
// operators: operands come from the next tighter level.
func (p *parser) leftAssoc(operand func() (Expr, error), ops ...string) (Expr, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.Kind != TokOp || !slices.Contains(ops, t.Text) {
			return l, nil
		}
		p.i++
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &Binary{Op: t.Text, L: l, R: r}
	}
}

func (p *parser) unary() (Expr, error) {
	if p.isOp("-") || p.isOp("+") {
		op := p.next().Text
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if op == "+" {
			return x, nil
		}
		// Fold negative numeric literals so that -2147483648 is an INTEGER.
		switch lit := x.(type) {
		case *IntegerLiteral:
			return &IntegerLiteral{Value: -lit.Value}, nil
		case *DecimalLiteral:
			return &DecimalLiteral{Text: "-" + lit.Text}, nil
		case *DoubleLiteral:
			return &DoubleLiteral{Value: -lit.Value}, nil
		}
		return &Unary{Op: "-", X: x}, nil
	}
	return p.postfix()
}

func (p *parser) postfix() (Expr, error) {
	e, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.acceptOp("["):
			idx, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp("]"); err != nil {
				return nil, err
			}
			e = &Subscript{Base: e, Index: idx}
		case p.isOpAt(0, "->") && p.isOpAt(1, "*"):
			// struct->* is a select item, not an expression (selectItem).
			return e, nil
		case p.acceptOp("->"):
			f, err := p.fieldName()
			if err != nil {
				return nil, err
			}
			e = &Dereference{Base: e, Field: f}
		default:
			return e, nil
		}
	}
}

func (p *parser) primary() (Expr, error) {
	t := p.peek()
	switch t.Kind {
	case TokInteger:
		p.i++
		n, err := strconv.ParseInt(t.Text, 10, 64)
		if err != nil {
			// Too large for BIGINT: ksqlDB reads it as a DECIMAL.
			return &DecimalLiteral{Text: t.Text}, nil
		}
		return &IntegerLiteral{Value: n}, nil
	case TokDecimal:
		p.i++
		txt := t.Text
		if strings.HasPrefix(txt, ".") {
			txt = "0" + txt
		}
		return &DecimalLiteral{Text: txt}, nil
	case TokDouble:
		p.i++
		f, err := strconv.ParseFloat(t.Text, 64)
		if err != nil {
			return nil, &Error{Pos: t.Pos, Msg: "invalid number " + t.Text}
		}
		return &DoubleLiteral{Value: f}, nil
	case TokString:
		p.i++
		return &StringLiteral{Value: t.Val}, nil
	case TokOp:
		if t.Text == "(" {
			// Lambda (x, y) => body
			if p.isLambdaParams() {
				return p.lambda()
			}
			p.i++
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return e, nil
		}
		return nil, p.errExpected("an expression")
	case TokQuotedIdent:
		return p.columnRef()
	case TokIdent:
		switch t.Val {
		case "NULL":
			p.i++
			return &NullLiteral{}, nil
		case "TRUE", "FALSE":
			p.i++
			return &BooleanLiteral{Value: t.Val == "TRUE"}, nil
		case "CASE":
			return p.caseExpr()
		case "CAST":
			p.i++
			if err := p.expectOp("("); err != nil {
				return nil, err
			}
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expectKw("AS"); err != nil {
				return nil, err
			}
			ty, err := p.typ()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return &Cast{X: x, Type: ty}, nil
		case "ARRAY":
			if p.isOpAt(1, "[") {
				p.i += 2
				elems, err := p.exprList("]")
				if err != nil {
					return nil, err
				}
				return &ArrayCtor{Elems: elems}, nil
			}
		case "MAP":
			if p.isOpAt(1, "(") {
				p.i += 2
				keys, vals, err := assignments(p, p.expr)
				if err != nil {
					return nil, err
				}
				return &MapCtor{Keys: keys, Values: vals}, nil
			}
		case "STRUCT":
			if p.isOpAt(1, "(") {
				p.i += 2
				names, vals, err := assignments(p, p.fieldName)
				if err != nil {
					return nil, err
				}
				return &StructCtor{Names: names, Values: vals}, nil
			}
		}
		if reserved[t.Val] {
			return nil, p.errExpected("an expression")
		}
		if p.isOpAt(1, "=>") {
			return p.lambda()
		}
		if p.isOpAt(1, "(") {
			return p.funcCall()
		}
		return p.columnRef()
	}
	return nil, p.errExpected("an expression")
}

func (p *parser) isLambdaParams() bool {
	// ( ident [, ident]* ) =>
	j := p.i + 1
	for {
		t := p.toks[j]
		if t.Kind != TokIdent && t.Kind != TokQuotedIdent {
			return false
		}
		j++
		if p.toks[j].Kind == TokOp && p.toks[j].Text == "," {
			j++
			continue
		}
		if p.toks[j].Kind == TokOp && p.toks[j].Text == ")" {
			j++
			return p.toks[j].Kind == TokOp && p.toks[j].Text == "=>"
		}
		return false
	}
}

func (p *parser) lambda() (Expr, error) {
	var params []string
	if p.acceptOp("(") {
		// isLambdaParams has checked the shape, so a separator error
		// cannot happen here.
		var err error
		if params, err = p.identifiers("a lambda parameter"); err != nil {
			return nil, err
		}
	} else {
		n, err := p.identifier("a lambda parameter")
		if err != nil {
			return nil, err
		}
		params = []string{n}
	}
	if err := p.expectOp("=>"); err != nil {
		return nil, err
	}
	body, err := p.expr()
	if err != nil {
		return nil, err
	}
	return &Lambda{Params: params, Body: body}, nil
}

func (p *parser) columnRef() (Expr, error) {
	pos := p.peek().Pos
	name, err := p.identifier("a column name")
	if err != nil {
		return nil, err
	}
	if p.isOp(".") && (p.peekAt(1).Kind == TokIdent || p.peekAt(1).Kind == TokQuotedIdent) {
		p.i++
		col, err := p.fieldName()
		if err != nil {
			return nil, err
		}
		var e Expr = &ColumnRef{Qualifier: name, Name: col, Pos: pos}
		// a.b.c: further dots are struct dereferences.
		for p.isOp(".") && (p.peekAt(1).Kind == TokIdent || p.peekAt(1).Kind == TokQuotedIdent) {
			p.i++
			f, _ := p.fieldName()
			e = &Dereference{Base: e, Field: f}
		}
		return e, nil
	}
	return &ColumnRef{Name: name, Pos: pos}, nil
}

func (p *parser) funcCall() (Expr, error) {
	t := p.next()
	name := t.Val
	p.i++ // (
	fc := &FuncCall{Name: name, Pos: t.Pos}
	if p.acceptOp("*") {
		fc.Star = true
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return fc, nil
	}
	if p.acceptOp(")") {
		return fc, nil
	}
	if p.acceptKw("DISTINCT") {
		fc.Distinct = true
	}
	err := p.commaSep(")", func() error {
		// interval arguments: TIMESTAMPADD(SECONDS, 5, ts), DATEADD(DAYS, 1, d)
		if t := p.peek(); t.Kind == TokIdent && !reserved[t.Val] && (p.isOpAt(1, ",") || p.isOpAt(1, ")")) {
			if _, ok := unitMillis(t.Val); ok && len(fc.Args) == 0 && takesUnit(name) {
				p.i++
				fc.Args = append(fc.Args, &IntervalLiteral{Unit: t.Val})
				return nil
			}
		}
		e, err := p.expr()
		fc.Args = append(fc.Args, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	return fc, nil
}

func (p *parser) caseExpr() (Expr, error) {
	p.i++ // CASE
	c := &Case{}
	if !p.isKw("WHEN") {
		op, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Operand = op
	}
	for p.acceptKw("WHEN") {
		cond, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("THEN"); err != nil {
			return nil, err
		}
		res, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, WhenClause{Cond: cond, Result: res})
	}
	if len(c.Whens) == 0 {
		return nil, p.errExpected("WHEN")
	}
	if p.acceptKw("ELSE") {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Else = e
	}
	if err := p.expectKw("END"); err != nil {
		return nil, err
	}
	return c, nil
}
