package functions

import (
	"math"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// maxHistogramValues bounds HISTOGRAM's map, as ksqlDB does: values past
// the first 1000 distinct ones are not counted.
const maxHistogramValues = 1000

func registerMoreAggregates(r *Registry) {
	const cat = "AGGREGATE"
	r.AddAggregate(&Aggregate{
		Name: "HISTOGRAM", Category: cat, Undoable: true,
		Description: "How often each value of a string column occurs (at most 1000 distinct values).",
		Signatures:  []Signature{sig("MAP<VARCHAR, BIGINT>", "VARCHAR")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
			if len(args) != 1 || !isStr(args[0]) {
				return nil, nil, argErr("HISTOGRAM", args)
			}
			return types.MapOf(types.StringType, types.BigintType), func() Accumulator { return &histogramAcc{} }, nil
		},
	})
	r.AddAggregate(&Aggregate{
		Name: "CORRELATION", Category: cat, Undoable: true,
		Description: "The Pearson correlation coefficient of two numeric columns.",
		Signatures:  []Signature{sig("DOUBLE", "DOUBLE", "DOUBLE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
			if len(args) != 2 || !isNum(args[0]) || !isNum(args[1]) {
				return nil, nil, argErr("CORRELATION", args)
			}
			return types.DoubleType, func() Accumulator { return &corrAcc{} }, nil
		},
	})
}

// histogramAcc counts values, in the order they first occur.
type histogramAcc struct {
	keys   []string
	counts map[string]int64
}

func (a *histogramAcc) add(s string, n int64) {
	if a.counts == nil {
		a.counts = map[string]int64{}
	}
	if _, ok := a.counts[s]; !ok {
		if n < 0 || len(a.keys) >= maxHistogramValues {
			return
		}
		a.keys = append(a.keys, s)
	}
	a.counts[s] += n
	if a.counts[s] <= 0 {
		delete(a.counts, s)
		for i, k := range a.keys {
			if k == s {
				a.keys = append(a.keys[:i], a.keys[i+1:]...)
				break
			}
		}
	}
}

func (a *histogramAcc) Add(args []any) {
	if s, ok := args[0].(string); ok {
		a.add(s, 1)
	}
}

func (a *histogramAcc) Undo(args []any) {
	if s, ok := args[0].(string); ok {
		a.add(s, -1)
	}
}

func (a *histogramAcc) Merge(o Accumulator) {
	b := o.(*histogramAcc)
	for _, k := range b.keys {
		a.add(k, b.counts[k])
	}
}

func (a *histogramAcc) Result() any {
	m := &types.Map{}
	for _, k := range a.keys {
		m.Keys = append(m.Keys, k)
		m.Values = append(m.Values, a.counts[k])
	}
	return m
}

// corrAcc keeps the sums the sample correlation needs; pairs with a NULL
// are left out.
type corrAcc struct {
	n                     float64
	sx, sy, sxx, syy, sxy float64
}

func (a *corrAcc) apply(args []any, sign float64) {
	if args[0] == nil || args[1] == nil {
		return
	}
	x, y := types.ToFloat(args[0]), types.ToFloat(args[1])
	a.n += sign
	a.sx += sign * x
	a.sy += sign * y
	a.sxx += sign * x * x
	a.syy += sign * y * y
	a.sxy += sign * x * y
}

func (a *corrAcc) Add(args []any)  { a.apply(args, 1) }
func (a *corrAcc) Undo(args []any) { a.apply(args, -1) }
func (a *corrAcc) Merge(o Accumulator) {
	b := o.(*corrAcc)
	a.n += b.n
	a.sx += b.sx
	a.sy += b.sy
	a.sxx += b.sxx
	a.syy += b.syy
	a.sxy += b.sxy
}

func (a *corrAcc) Result() any {
	cov := a.sxy - a.sx*a.sy/a.n
	vx := a.sxx - a.sx*a.sx/a.n
	vy := a.syy - a.sy*a.sy/a.n
	if a.n == 0 {
		return math.NaN()
	}
	return cov / math.Sqrt(vx*vy)
}
