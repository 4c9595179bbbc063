package parser

import (
	"strconv"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// Pos is a 1-based position in the statement source.
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col) }

// Statement is one parsed ksqlDB statement.
type Statement interface {
	// Text returns the statement's source text, without the trailing ';'.
	Text() string
	stmt()
}

// stmtBase carries the source text of a statement.
type stmtBase struct{ SourceText string }

func (s *stmtBase) Text() string { return s.SourceText }
func (s *stmtBase) stmt()        {}

// SourceKind says whether a source is a STREAM or a TABLE.
type SourceKind int

// The source kinds.
const (
	KindStream SourceKind = iota
	KindTable
)

func (k SourceKind) String() string {
	if k == KindTable {
		return "TABLE"
	}
	return "STREAM"
}

// Property is one WITH (...) property; Value is a string, int64, float64
// or bool literal value.
type Property struct {
	Name  string // upper case
	Value any
}

// Properties is an ordered list of WITH properties.
type Properties []Property

// Get returns the named property (case-insensitive) and whether it is set.
func (p Properties) Get(name string) (any, bool) {
	for _, x := range p {
		if strings.EqualFold(x.Name, name) {
			return x.Value, true
		}
	}
	return nil, false
}

// String returns the named property rendered as a string ("" if unset).
func (p Properties) String(name string) string {
	v, ok := p.Get(name)
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// TableElement is a column definition of CREATE STREAM/TABLE.
type TableElement struct {
	Name       string
	Type       *types.Type
	Key        bool // KEY (streams)
	PrimaryKey bool // PRIMARY KEY (tables)
	Headers    bool // HEADERS / HEADER('key')
	HeaderKey  string
}

// CreateSource is CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name (cols) WITH (...).
type CreateSource struct {
	stmtBase
	Kind        SourceKind
	OrReplace   bool
	Source      bool
	IfNotExists bool
	Name        string
	Elements    []TableElement
	Props       Properties
}

// CreateAsSelect is CREATE [OR REPLACE] STREAM|TABLE name [WITH (...)] AS SELECT ...
type CreateAsSelect struct {
	stmtBase
	Kind        SourceKind
	OrReplace   bool
	IfNotExists bool
	Name        string
	Props       Properties
	Query       *Query
}

// InsertInto is INSERT INTO name SELECT ...
type InsertInto struct {
	stmtBase
	Target string
	Query  *Query
}

// InsertValues is INSERT INTO name [(cols)] VALUES (exprs).
type InsertValues struct {
	stmtBase
	Target  string
	Columns []string
	Values  []Expr
}

// DropSource is DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC].
type DropSource struct {
	stmtBase
	Kind        SourceKind
	Name        string
	IfExists    bool
	DeleteTopic bool
}

// Terminate is TERMINATE queryId | TERMINATE ALL.
type Terminate struct {
	stmtBase
	QueryID string
	All     bool
}

// Show is SHOW|LIST STREAMS|TABLES|TOPICS|QUERIES|FUNCTIONS|PROPERTIES|TYPES|VARIABLES [EXTENDED].
type Show struct {
	stmtBase
	What     string // STREAMS, TABLES, TOPICS, QUERIES, FUNCTIONS, PROPERTIES, TYPES, VARIABLES
	Extended bool
}

// Describe is DESCRIBE [EXTENDED] name, DESCRIBE STREAMS|TABLES [EXTENDED].
type Describe struct {
	stmtBase
	Name     string
	Extended bool
	All      string // STREAMS or TABLES for DESCRIBE STREAMS/TABLES
}

// DescribeFunction is DESCRIBE FUNCTION name.
type DescribeFunction struct {
	stmtBase
	Name string
}

// SetProperty is SET 'name' = 'value'.
type SetProperty struct {
	stmtBase
	Name, Value string
}

// UnsetProperty is UNSET 'name'.
type UnsetProperty struct {
	stmtBase
	Name string
}

// Explain is EXPLAIN queryId | EXPLAIN statement.
type Explain struct {
	stmtBase
	QueryID   string
	Statement Statement
}

// Print is PRINT topic [FROM BEGINNING] [INTERVAL n] [LIMIT n].
type Print struct {
	stmtBase
	Topic         string
	FromBeginning bool
	Interval      int
	Limit         int // -1 when absent
}

// QueryStatement is a bare SELECT (a push or pull query).
type QueryStatement struct {
	stmtBase
	Query *Query
}

// EmitKind is the EMIT clause of a query.
type EmitKind int

// The EMIT kinds.
const (
	EmitNone EmitKind = iota
	EmitChanges
	EmitFinal
)

// Query is a SELECT.
type Query struct {
	Select      []SelectItem
	From        Relation
	Window      *WindowExpr
	Where       Expr
	GroupBy     []Expr
	PartitionBy []Expr
	Having      Expr
	Emit        EmitKind
	Limit       int // -1 when absent
}

// SelectItem is one item of the select list: an expression with optional
// alias, or `*` / `source.*`.
type SelectItem struct {
	Expr          Expr
	Alias         string
	Star          bool
	StarQualifier string
	// StructStar is `Expr->*`: every field of the STRUCT Expr, each a
	// column named after its field.
	StructStar bool
}

// Relation is a FROM item: an AliasedSource or a Join.
type Relation interface{ relation() }

// AliasedSource is `name [[AS] alias]`.
type AliasedSource struct {
	Name  string
	Alias string
	Pos   Pos
}

func (*AliasedSource) relation() {}

// JoinType is INNER, LEFT or FULL OUTER (RIGHT is turned into LEFT by the
// planner).
type JoinType int

// The join types.
const (
	JoinInner JoinType = iota
	JoinLeft
	JoinRight
	JoinOuter
)

func (j JoinType) String() string {
	return [...]string{"INNER", "LEFT", "RIGHT", "FULL"}[j]
}

// Join is `left [type] JOIN right [WITHIN ...] ON cond`.
type Join struct {
	Left   Relation
	Right  *AliasedSource
	Type   JoinType
	Within *Within
	On     Expr
}

func (*Join) relation() {}

// Within is the WITHIN clause of a stream-stream join; times in ms.
type Within struct {
	Before, After int64
	Grace         int64 // -1 when absent
}

// WindowType is TUMBLING, HOPPING or SESSION.
type WindowType int

// The window types.
const (
	WindowTumbling WindowType = iota
	WindowHopping
	WindowSession
)

func (w WindowType) String() string {
	return [...]string{"TUMBLING", "HOPPING", "SESSION"}[w]
}

// WindowExpr is a WINDOW clause; durations in milliseconds, -1 when absent.
type WindowExpr struct {
	Type      WindowType
	Size      int64 // TUMBLING and HOPPING size; SESSION gap
	Advance   int64
	Retention int64
	Grace     int64
}

// Expr is an expression node.
type Expr interface{ exprNode() }

// The expression nodes.
type (
	// IntegerLiteral is an integer literal (INTEGER if it fits 32 bits,
	// else BIGINT).
	IntegerLiteral struct{ Value int64 }
	// DecimalLiteral is a literal with a decimal point (a DECIMAL).
	DecimalLiteral struct{ Text string }
	// DoubleLiteral is a literal with an exponent (a DOUBLE).
	DoubleLiteral struct{ Value float64 }
	// StringLiteral is a single-quoted string.
	StringLiteral struct{ Value string }
	// BooleanLiteral is TRUE or FALSE.
	BooleanLiteral struct{ Value bool }
	// NullLiteral is NULL.
	NullLiteral struct{}
	// ColumnRef is [qualifier.]name.
	ColumnRef struct {
		Qualifier string
		Name      string
		Pos       Pos
	}
	// Dereference is base->field.
	Dereference struct {
		Base  Expr
		Field string
	}
	// Subscript is base[index].
	Subscript struct {
		Base  Expr
		Index Expr
	}
	// Binary is an arithmetic operation: + - * / % or || (concat).
	Binary struct {
		Op   string
		L, R Expr
	}
	// Unary is -x or +x.
	Unary struct {
		Op string
		X  Expr
	}
	// Comparison is = != < <= > >=.
	Comparison struct {
		Op   string // "=", "<>", "<", "<=", ">", ">="
		L, R Expr
	}
	// Logical is AND / OR.
	Logical struct {
		Op   string // "AND" or "OR"
		L, R Expr
	}
	// Not is NOT x.
	Not struct{ X Expr }
	// Between is x [NOT] BETWEEN lo AND hi.
	Between struct {
		X, Lo, Hi Expr
		Negated   bool
	}
	// In is x [NOT] IN (list).
	In struct {
		X       Expr
		List    []Expr
		Negated bool
	}
	// Like is x [NOT] LIKE pattern [ESCAPE e].
	Like struct {
		X, Pattern Expr
		Escape     string
		Negated    bool
	}
	// IsNull is x IS [NOT] NULL.
	IsNull struct {
		X       Expr
		Negated bool
	}
	// IsDistinct is l IS [NOT] DISTINCT FROM r.
	IsDistinct struct {
		L, R    Expr
		Negated bool
	}
	// Case is CASE [operand] WHEN .. THEN .. [ELSE ..] END.
	Case struct {
		Operand Expr // nil for a searched CASE
		Whens   []WhenClause
		Else    Expr
	}
	// Cast is CAST(x AS type).
	Cast struct {
		X    Expr
		Type *types.Type
	}
	// FuncCall is name(args) or name(*).
	FuncCall struct {
		Name     string // upper case
		Args     []Expr
		Star     bool
		Distinct bool
		Pos      Pos
	}
	// ArrayCtor is ARRAY[e1, e2, ...].
	ArrayCtor struct{ Elems []Expr }
	// MapCtor is MAP(k1 := v1, ...).
	MapCtor struct{ Keys, Values []Expr }
	// StructCtor is STRUCT(name := value, ...).
	StructCtor struct {
		Names  []string
		Values []Expr
	}
	// Lambda is (x, y) => body or x => body.
	Lambda struct {
		Params []string
		Body   Expr
	}
	// IntervalLiteral is `n unit` used by timestamp arithmetic functions.
	IntervalLiteral struct {
		Value int64
		Unit  string
	}
)

// WhenClause is one WHEN ... THEN ... of a CASE.
type WhenClause struct {
	Cond, Result Expr
}

func (*IntegerLiteral) exprNode()  {}
func (*DecimalLiteral) exprNode()  {}
func (*DoubleLiteral) exprNode()   {}
func (*StringLiteral) exprNode()   {}
func (*BooleanLiteral) exprNode()  {}
func (*NullLiteral) exprNode()     {}
func (*ColumnRef) exprNode()       {}
func (*Dereference) exprNode()     {}
func (*Subscript) exprNode()       {}
func (*Binary) exprNode()          {}
func (*Unary) exprNode()           {}
func (*Comparison) exprNode()      {}
func (*Logical) exprNode()         {}
func (*Not) exprNode()             {}
func (*Between) exprNode()         {}
func (*In) exprNode()              {}
func (*Like) exprNode()            {}
func (*IsNull) exprNode()          {}
func (*IsDistinct) exprNode()      {}
func (*Case) exprNode()            {}
func (*Cast) exprNode()            {}
func (*FuncCall) exprNode()        {}
func (*ArrayCtor) exprNode()       {}
func (*MapCtor) exprNode()         {}
func (*StructCtor) exprNode()      {}
func (*Lambda) exprNode()          {}
func (*IntervalLiteral) exprNode() {}
