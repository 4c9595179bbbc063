package engine

import (
	"fmt"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// Lambda functions: TRANSFORM, FILTER and REDUCE take lambdas
// (`x => ...`, `(k, v) => ...`) over the elements of an array or the
// entries of a map. Their argument types depend on the collection's, so
// they are compiled here rather than resolved in the function registry
// (which only describes them).

// lambdaFn is a compiled lambda: call evaluates the body with the
// parameters bound to vals.
type lambdaFn struct {
	t    *types.Type
	call func(r *Row, vals ...any) (any, error)
}

// isLambdaFunction reports whether name is one of the lambda functions.
func isLambdaFunction(name string) bool {
	switch strings.ToUpper(name) {
	case "TRANSFORM", "FILTER", "REDUCE":
		return true
	}
	return false
}

// compileLambda compiles l with its parameters typed paramTypes. The
// parameters are appended after those of enclosing lambdas.
func (c *compiler) compileLambda(fn string, l parser.Expr, paramTypes []*types.Type, s *scope) (*lambdaFn, error) {
	lam, ok := l.(*parser.Lambda)
	if !ok {
		return nil, fmt.Errorf("Function '%s' expects a lambda function as argument, got %s.", fn, parser.FormatExpr(l))
	}
	if len(lam.Params) != len(paramTypes) {
		return nil, fmt.Errorf("Was expecting %d arguments to lambda function, got %d.", len(paramTypes), len(lam.Params))
	}
	base := len(s.lambda)
	ns := *s
	ns.lambda = make(map[string]int, base+len(paramTypes))
	ns.lambdaT = make(map[string]*types.Type, base+len(paramTypes))
	for k, v := range s.lambda {
		ns.lambda[k] = v
		ns.lambdaT[k] = s.lambdaT[k]
	}
	for i, p := range lam.Params {
		if _, dup := s.lambda[p]; dup {
			return nil, fmt.Errorf("Reusing lambda arguments in nested lambda is not allowed")
		}
		for _, col := range s.cols {
			if col.Name == p && !col.Pseudo {
				return nil, fmt.Errorf("Lambda function argument can't be a column name: %s", p)
			}
		}
		ns.lambda[p] = base + i
		ns.lambdaT[p] = paramTypes[i]
	}
	body, err := c.compile(lam.Body, &ns)
	if err != nil {
		return nil, err
	}
	n := base + len(paramTypes)
	return &lambdaFn{t: body.t, call: func(r *Row, vals ...any) (any, error) {
		// The body sees a copy of the row, so evaluating a lambda never
		// changes the row others read.
		lr := *r
		lr.lambdaValues = make([]any, n)
		copy(lr.lambdaValues, r.lambdaValues)
		copy(lr.lambdaValues[base:], vals)
		return body.eval(&lr)
	}}, nil
}

// lambdaCall compiles TRANSFORM, FILTER or REDUCE.
func (c *compiler) lambdaCall(x *parser.FuncCall, s *scope) (*compiled, error) {
	name := strings.ToUpper(x.Name)
	want := 2
	if name == "REDUCE" {
		want = 3
	}
	if len(x.Args) < 1 {
		return nil, fmt.Errorf("Function '%s' does not accept parameters ().", name)
	}
	coll, err := c.compile(x.Args[0], s)
	if err != nil {
		return nil, err
	}
	isMap := coll.t.Kind == types.KindMap
	if name == "TRANSFORM" && isMap {
		want = 3
	}
	if coll.t.Kind != types.KindArray && !isMap || len(x.Args) != want {
		return nil, fmt.Errorf("Function '%s' does not accept parameters (%s).", name, lambdaArgTypes(c, x.Args, s))
	}
	var elem []*types.Type
	if isMap {
		elem = []*types.Type{coll.t.Key, coll.t.Elem}
	} else {
		elem = []*types.Type{coll.t.Elem}
	}
	switch name {
	case "TRANSFORM":
		if !isMap {
			f, err := c.compileLambda(name, x.Args[1], elem, s)
			if err != nil {
				return nil, err
			}
			return &compiled{t: types.ArrayOf(nullToString(f.t)), eval: func(r *Row) (any, error) {
				v, err := coll.eval(r)
				arr, _ := v.([]any)
				if err != nil || arr == nil {
					return nil, err
				}
				out := make([]any, len(arr))
				for i, e := range arr {
					if out[i], err = f.call(r, e); err != nil {
						return nil, err
					}
				}
				return out, nil
			}}, nil
		}
		kf, err := c.compileLambda(name, x.Args[1], elem, s)
		if err != nil {
			return nil, err
		}
		vf, err := c.compileLambda(name, x.Args[2], elem, s)
		if err != nil {
			return nil, err
		}
		return &compiled{t: types.MapOf(nullToString(kf.t), nullToString(vf.t)), eval: func(r *Row) (any, error) {
			v, err := coll.eval(r)
			m, _ := v.(*types.Map)
			if err != nil || m == nil {
				return nil, err
			}
			out := &types.Map{}
			for i := range m.Keys {
				k, err := kf.call(r, m.Keys[i], m.Values[i])
				if err != nil {
					return nil, err
				}
				val, err := vf.call(r, m.Keys[i], m.Values[i])
				if err != nil {
					return nil, err
				}
				out.Put(k, val)
			}
			return out, nil
		}}, nil
	case "FILTER":
		f, err := c.compileLambda(name, x.Args[1], elem, s)
		if err != nil {
			return nil, err
		}
		if f.t.Kind != types.KindBoolean && f.t.Kind != types.KindNull {
			return nil, fmt.Errorf("Type error in expression: Should be BOOLEAN: %s (%s)", parser.FormatExpr(x.Args[1]), f.t)
		}
		return &compiled{t: coll.t, eval: func(r *Row) (any, error) {
			v, err := coll.eval(r)
			if err != nil || v == nil {
				return nil, err
			}
			if m, ok := v.(*types.Map); ok {
				out := &types.Map{}
				for i := range m.Keys {
					keep, err := f.call(r, m.Keys[i], m.Values[i])
					if err != nil {
						return nil, err
					}
					if keep == true {
						out.Put(m.Keys[i], m.Values[i])
					}
				}
				return out, nil
			}
			arr, _ := v.([]any)
			out := make([]any, 0, len(arr))
			for _, e := range arr {
				keep, err := f.call(r, e)
				if err != nil {
					return nil, err
				}
				if keep == true {
					out = append(out, e)
				}
			}
			return out, nil
		}}, nil
	}
	// REDUCE(collection, initial state, (s, x) => ... | (s, k, v) => ...)
	init, err := c.compile(x.Args[1], s)
	if err != nil {
		return nil, err
	}
	st := init.t
	f, err := c.compileLambda(name, x.Args[2], append([]*types.Type{st}, elem...), s)
	if err != nil {
		return nil, err
	}
	if !f.t.Equal(st) && f.t.Kind != types.KindNull {
		// The state takes the type the lambda returns (0 summed with
		// BIGINT elements is a BIGINT), provided the initial value casts
		// to it.
		if !types.CanImplicitlyCast(st, f.t) && st.Kind != types.KindNull {
			return nil, fmt.Errorf("Function 'REDUCE' does not accept parameters (%s): the lambda returns %s, the initial state is %s.", lambdaArgTypes(c, x.Args, s), f.t, st)
		}
		st = f.t
		if f, err = c.compileLambda(name, x.Args[2], append([]*types.Type{st}, elem...), s); err != nil {
			return nil, err
		}
	}
	st = nullToString(st)
	return &compiled{t: st, eval: func(r *Row) (any, error) {
		iv, err := init.eval(r)
		if err != nil || iv == nil {
			return nil, err
		}
		state, err := types.Cast(iv, st)
		if err != nil {
			return nil, err
		}
		v, err := coll.eval(r)
		if err != nil || v == nil {
			return state, err
		}
		step := func(vals ...any) error {
			next, err := f.call(r, append([]any{state}, vals...)...)
			if err != nil {
				return err
			}
			state, err = types.Cast(next, st)
			return err
		}
		if m, ok := v.(*types.Map); ok {
			for i := range m.Keys {
				if err := step(m.Keys[i], m.Values[i]); err != nil {
					return nil, err
				}
			}
			return state, nil
		}
		arr, _ := v.([]any)
		for _, e := range arr {
			if err := step(e); err != nil {
				return nil, err
			}
		}
		return state, nil
	}}, nil
}

// nullToString types an expression that is only ever NULL as STRING, as
// the select list does.
func nullToString(t *types.Type) *types.Type {
	if t == nil || t.Kind == types.KindNull {
		return types.StringType
	}
	return t
}

// lambdaArgTypes lists argument types for messages; lambdas show as
// LAMBDA.
func lambdaArgTypes(c *compiler, args []parser.Expr, s *scope) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if _, ok := a.(*parser.Lambda); ok {
			parts[i] = "LAMBDA"
			continue
		}
		if ce, err := c.compile(a, s); err == nil {
			parts[i] = ce.t.String()
		} else {
			parts[i] = "?"
		}
	}
	return strings.Join(parts, ", ")
}
