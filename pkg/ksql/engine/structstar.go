package engine

import (
	"fmt"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// expandStructStars rewrites every `s->*` select item of q into one item
// per field of the struct, s->F AS F, as ksqlDB names them. The struct is
// a column of a source in q's FROM, or a field of one (s->a->*).
func (e *Engine) expandStructStars(q *parser.Query) error {
	if q == nil {
		return nil
	}
	has := false
	for _, it := range q.Select {
		has = has || it.StructStar
	}
	if !has {
		return nil
	}
	var out []parser.SelectItem
	for _, it := range q.Select {
		if !it.StructStar {
			out = append(out, it)
			continue
		}
		t, err := e.structStarType(it.Expr, q.From)
		if err != nil {
			return err
		}
		for _, f := range t.Fields {
			out = append(out, parser.SelectItem{Expr: &parser.Dereference{Base: it.Expr, Field: f.Name}, Alias: f.Name})
		}
	}
	q.Select = out
	return nil
}

// structStarType is the STRUCT type of the expression before ->*.
func (e *Engine) structStarType(x parser.Expr, from parser.Relation) (*types.Type, error) {
	t, err := e.refType(x, from)
	if err != nil {
		return nil, err
	}
	if t.Kind != types.KindStruct {
		return nil, fmt.Errorf("%s->* needs a STRUCT, but %s is %s", parser.FormatExpr(x), parser.FormatExpr(x), t)
	}
	return t, nil
}

// refType is the type of a column reference or of a chain of struct
// field dereferences over one.
func (e *Engine) refType(x parser.Expr, from parser.Relation) (*types.Type, error) {
	switch x := x.(type) {
	case *parser.ColumnRef:
		var found *types.Type
		var visit func(r parser.Relation)
		visit = func(r parser.Relation) {
			switch r := r.(type) {
			case *parser.AliasedSource:
				src := e.cat.Get(r.Name)
				if src == nil {
					return
				}
				if x.Qualifier != "" && !strings.EqualFold(x.Qualifier, r.Alias) && !strings.EqualFold(x.Qualifier, src.Name) {
					return
				}
				if c := column(src, x.Name); c != nil && found == nil {
					found = c.Type
				}
			case *parser.Join:
				visit(r.Left)
				visit(r.Right)
			}
		}
		visit(from)
		if found == nil {
			return nil, fmt.Errorf("Column '%s' cannot be resolved.", parser.FormatExpr(x))
		}
		return found, nil
	case *parser.Dereference:
		base, err := e.refType(x.Base, from)
		if err != nil {
			return nil, err
		}
		if base.Kind == types.KindStruct {
			for _, f := range base.Fields {
				if strings.EqualFold(f.Name, x.Field) {
					return f.Type, nil
				}
			}
		}
		return nil, fmt.Errorf("%s has no field %s", parser.FormatExpr(x.Base), x.Field)
	}
	return nil, fmt.Errorf("%s->* needs a STRUCT column or field", parser.FormatExpr(x))
}
