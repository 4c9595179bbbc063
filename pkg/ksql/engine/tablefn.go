package engine

import (
	"fmt"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// Table functions (EXPLODE, CUBE_EXPLODE) turn one row into several: a
// select item that is a table function call is compiled to the list of
// its values, and the projection emits one row per value. Several table
// functions in one select list are zipped, the shorter lists padded with
// NULL, as in ksqlDB.

// maxCubeColumns bounds CUBE_EXPLODE's input: it emits 2^n rows.
const maxCubeColumns = 16

// tableFunction compiles e when it is a table function call: the compiled
// expression yields the []any of its values, t is the type of one value.
func (c *compiler) tableFunction(e parser.Expr, s *scope) (ce *compiled, t *types.Type, ok bool, err error) {
	fc, isCall := e.(*parser.FuncCall)
	if !isCall {
		return nil, nil, false, nil
	}
	name := strings.ToUpper(fc.Name)
	if name != "EXPLODE" && name != "CUBE_EXPLODE" {
		return nil, nil, false, nil
	}
	if len(fc.Args) != 1 {
		return nil, nil, true, fmt.Errorf("Function '%s' does not accept parameters (%s).", name, lambdaArgTypes(c, fc.Args, s))
	}
	arg, err := c.compile(fc.Args[0], s)
	if err != nil {
		return nil, nil, true, err
	}
	if arg.t.Kind != types.KindArray {
		return nil, nil, true, fmt.Errorf("Function '%s' does not accept parameters (%s).", name, arg.t)
	}
	if name == "EXPLODE" {
		return &compiled{t: arg.t, eval: func(r *Row) (any, error) {
			v, err := arg.eval(r)
			list, _ := v.([]any)
			return list, err
		}}, nullToString(arg.t.Elem), true, nil
	}
	return &compiled{t: arg.t, eval: func(r *Row) (any, error) {
		v, err := arg.eval(r)
		list, _ := v.([]any)
		if err != nil || list == nil {
			return nil, err
		}
		if len(list) > maxCubeColumns {
			return nil, fmt.Errorf("CUBE_EXPLODE takes at most %d elements, got %d", maxCubeColumns, len(list))
		}
		return cube(list), nil
	}}, arg.t, true, nil
}

// cube lists every combination of the elements of list with some of them
// replaced by NULL, starting with all NULL; combinations that equal an
// earlier one (because an element is NULL already) are left out.
func cube(list []any) []any {
	n := len(list)
	var out []any
	seen := map[string]bool{}
	for mask := 0; mask < 1<<n; mask++ {
		combo := make([]any, n)
		var key []byte
		for k := range list {
			if mask&(1<<(n-1-k)) != 0 {
				combo[k] = list[k]
			}
			key = types.AppendKey(key, combo[k])
			key = append(key, 0)
		}
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		out = append(out, combo)
	}
	return out
}

// explode emits one row per value of the projection's table functions.
func (fp *finalProjection) explode(q *query, r *Row, all []any) {
	lists := make([][]any, len(fp.tableFns))
	n := 0
	for i, idx := range fp.tableFns {
		lists[i], _ = all[idx].([]any)
		n = max(n, len(lists[i]))
	}
	for j := 0; j < n; j++ {
		row := append([]any(nil), all...)
		for i, idx := range fp.tableFns {
			row[idx] = nil
			if j < len(lists[i]) {
				row[idx] = lists[i][j]
			}
		}
		fp.emitValues(q, r, row, false)
	}
}
