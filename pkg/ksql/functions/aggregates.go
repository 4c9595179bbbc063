package functions

import (
	"math"
	"sort"
	"sync/atomic"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

func registerAggregates(r *Registry) {
	const cat = "AGGREGATE"
	r.AddAggregate(&Aggregate{
		Name: "COUNT", Category: cat, Undoable: true,
		Description: "COUNT(*) counts rows; COUNT(col) counts rows where col is not NULL.",
		Signatures:  []Signature{sig("BIGINT"), sig("BIGINT", "ANY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
			if len(args) > 1 {
				return nil, nil, argErr("COUNT", args)
			}
			return types.BigintType, func() Accumulator { return &countAcc{} }, nil
		},
	})
	r.AddAggregate(&Aggregate{
		Name: "SUM", Category: cat, Undoable: true, Description: "The sum of a column's values (NULLs ignored).",
		Signatures: []Signature{sig("INTEGER", "INTEGER"), sig("BIGINT", "BIGINT"), sig("DOUBLE", "DOUBLE"), sig("DECIMAL", "DECIMAL")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
			if len(args) != 1 || !isNum(args[0]) {
				return nil, nil, argErr("SUM", args)
			}
			t := args[0]
			if t.Kind == types.KindNull {
				t = types.IntegerType
			}
			if t.Kind == types.KindDecimal {
				t = types.DecimalOf(min(38, t.Precision+10), t.Scale)
			}
			return t, func() Accumulator { return &sumAcc{t: t, sum: zeroOf(t)} }, nil
		},
	})
	r.AddAggregate(&Aggregate{
		Name: "SUM_LIST", Category: cat, Undoable: true, Description: "The sum of all elements of array values.",
		Signatures: []Signature{sig("DOUBLE", "ARRAY<DOUBLE>"), sig("INTEGER", "ARRAY<INTEGER>"), sig("BIGINT", "ARRAY<BIGINT>")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
			if len(args) != 1 || args[0].Kind != types.KindArray || !args[0].Elem.IsNumeric() {
				return nil, nil, argErr("SUM_LIST", args)
			}
			t := args[0].Elem
			return t, func() Accumulator { return &sumAcc{t: t, sum: zeroOf(t), list: true} }, nil
		},
	})
	r.AddAggregate(&Aggregate{
		Name: "AVG", Category: cat, Undoable: true, Description: "The average of a column's values (NULLs ignored).",
		Signatures: []Signature{sig("DOUBLE", "INTEGER"), sig("DOUBLE", "BIGINT"), sig("DOUBLE", "DOUBLE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
			if len(args) != 1 || !isNum(args[0]) {
				return nil, nil, argErr("AVG", args)
			}
			return types.DoubleType, func() Accumulator { return &avgAcc{} }, nil
		},
	})
	r.AddAggregate(&Aggregate{
		Name: "STDDEV_SAMP", Category: cat, Undoable: true, Description: "The sample standard deviation of a column's values.",
		Signatures: []Signature{sig("DOUBLE", "INTEGER"), sig("DOUBLE", "BIGINT"), sig("DOUBLE", "DOUBLE")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
			if len(args) != 1 || !isNum(args[0]) {
				return nil, nil, argErr("STDDEV_SAMP", args)
			}
			return types.DoubleType, func() Accumulator { return &avgAcc{stddev: true} }, nil
		},
	})
	minMax := func(name string, want int) {
		r.AddAggregate(&Aggregate{
			Name: name, Category: cat, Description: "The " + map[int]string{1: "maximum", -1: "minimum"}[want] + " of a column's values (NULLs ignored).",
			Signatures: []Signature{sig("INTEGER", "INTEGER"), sig("BIGINT", "BIGINT"), sig("DOUBLE", "DOUBLE"), sig("DECIMAL", "DECIMAL"), sig("VARCHAR", "VARCHAR")},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
				if len(args) != 1 || !args[0].IsPrimitive() {
					return nil, nil, argErr(name, args)
				}
				return args[0], func() Accumulator { return &minMaxAcc{want: want} }, nil
			},
		})
	}
	minMax("MAX", 1)
	minMax("MIN", -1)
	topk := func(name string, distinct bool) {
		r.AddAggregate(&Aggregate{
			Name: name, Category: cat, Description: "The k largest values of a column, in descending order" + map[bool]string{true: ", without duplicates.", false: "."}[distinct],
			Signatures: []Signature{sig("ARRAY", "ANY", "INTEGER")},
			Resolve: func(args []*types.Type, consts []any) (*types.Type, AggregateFactory, error) {
				if len(args) != 2 || !args[0].IsPrimitive() || consts[1] == nil {
					return nil, nil, argErr(name, args)
				}
				k := int(types.ToInt64(consts[1]))
				return types.ArrayOf(args[0]), func() Accumulator { return &topkAcc{k: k, distinct: distinct} }, nil
			},
		})
	}
	topk("TOPK", false)
	topk("TOPKDISTINCT", true)
	collect := func(name string, set bool) {
		r.AddAggregate(&Aggregate{
			Name: name, Category: cat, Undoable: true,
			Description: "Collects a column's values into an array" + map[bool]string{true: " of distinct values.", false: "."}[set],
			Signatures:  []Signature{sig("ARRAY", "ANY")},
			Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
				if len(args) != 1 {
					return nil, nil, argErr(name, args)
				}
				return types.ArrayOf(args[0]), func() Accumulator { return &collectAcc{set: set} }, nil
			},
		})
	}
	collect("COLLECT_LIST", false)
	collect("COLLECT_SET", true)
	byOffset := func(name string, latest bool) {
		r.AddAggregate(&Aggregate{
			Name: name, Category: cat,
			Description: "The " + map[bool]string{true: "latest", false: "earliest"}[latest] + " value of a column by offset (NULLs ignored unless the second argument is false).",
			Signatures:  []Signature{sig("ANY", "ANY"), sig("ANY", "ANY", "BOOLEAN")},
			Resolve: func(args []*types.Type, consts []any) (*types.Type, AggregateFactory, error) {
				if len(args) < 1 || len(args) > 2 {
					return nil, nil, argErr(name, args)
				}
				ignoreNulls := true
				if len(args) == 2 {
					if b, ok := consts[1].(bool); ok {
						ignoreNulls = b
					}
				}
				return args[0], func() Accumulator { return &byOffsetAcc{latest: latest, ignoreNulls: ignoreNulls, seq: -1} }, nil
			},
		})
	}
	byOffset("LATEST_BY_OFFSET", true)
	byOffset("EARLIEST_BY_OFFSET", false)
	r.AddAggregate(&Aggregate{
		Name: "COUNT_DISTINCT", Category: cat, Description: "The number of distinct non-NULL values of a column.",
		Signatures: []Signature{sig("BIGINT", "ANY")},
		Resolve: func(args []*types.Type, _ []any) (*types.Type, AggregateFactory, error) {
			if len(args) != 1 {
				return nil, nil, argErr("COUNT_DISTINCT", args)
			}
			return types.BigintType, func() Accumulator { return &countDistinctAcc{seen: map[string]int{}} }, nil
		},
	})
}

func zeroOf(t *types.Type) any {
	switch t.Kind {
	case types.KindInteger:
		return int32(0)
	case types.KindBigint:
		return int64(0)
	case types.KindDouble:
		return float64(0)
	case types.KindDecimal:
		return types.DecimalFromInt(0).Rescale(t.Scale)
	}
	return nil
}

type countAcc struct{ n int64 }

func (a *countAcc) Add(args []any) {
	if len(args) == 0 || args[0] != nil {
		a.n++
	}
}
func (a *countAcc) Undo(args []any) {
	if len(args) == 0 || args[0] != nil {
		a.n--
	}
}
func (a *countAcc) Merge(o Accumulator) { a.n += o.(*countAcc).n }
func (a *countAcc) Result() any         { return a.n }

type sumAcc struct {
	t    *types.Type
	sum  any
	list bool
}

func (a *sumAcc) apply(v any, op byte) {
	if v == nil {
		return
	}
	if a.list {
		arr, _ := v.([]any)
		for _, e := range arr {
			a.apply1(e, op)
		}
		return
	}
	a.apply1(v, op)
}

func (a *sumAcc) apply1(v any, op byte) {
	if v == nil {
		return
	}
	if s, err := types.Arith(op, a.sum, v, a.t); err == nil {
		a.sum = s
	}
}
func (a *sumAcc) Add(args []any)      { a.apply(args[0], '+') }
func (a *sumAcc) Undo(args []any)     { a.apply(args[0], '-') }
func (a *sumAcc) Merge(o Accumulator) { a.apply1(o.(*sumAcc).sum, '+') }
func (a *sumAcc) Result() any         { return a.sum }

// avgAcc keeps count, mean and M2 (Welford) for AVG and STDDEV_SAMP.
type avgAcc struct {
	n      int64
	sum    float64
	sumSq  float64
	stddev bool
}

func (a *avgAcc) Add(args []any) {
	if args[0] == nil {
		return
	}
	f := types.ToFloat(args[0])
	a.n++
	a.sum += f
	a.sumSq += f * f
}
func (a *avgAcc) Undo(args []any) {
	if args[0] == nil {
		return
	}
	f := types.ToFloat(args[0])
	a.n--
	a.sum -= f
	a.sumSq -= f * f
}
func (a *avgAcc) Merge(o Accumulator) {
	b := o.(*avgAcc)
	a.n += b.n
	a.sum += b.sum
	a.sumSq += b.sumSq
}
func (a *avgAcc) Result() any {
	if a.stddev {
		if a.n < 2 {
			return 0.0
		}
		mean := a.sum / float64(a.n)
		v := (a.sumSq - float64(a.n)*mean*mean) / float64(a.n-1)
		return math.Sqrt(math.Max(v, 0))
	}
	if a.n == 0 {
		return 0.0
	}
	return a.sum / float64(a.n)
}

type minMaxAcc struct {
	want int
	v    any
}

func (a *minMaxAcc) Add(args []any) {
	v := args[0]
	if v == nil {
		return
	}
	if a.v == nil {
		a.v = v
		return
	}
	if c, err := types.Compare(v, a.v); err == nil && c*a.want > 0 {
		a.v = v
	}
}
func (a *minMaxAcc) Undo([]any)          {}
func (a *minMaxAcc) Merge(o Accumulator) { a.Add([]any{o.(*minMaxAcc).v}) }
func (a *minMaxAcc) Result() any         { return a.v }

type topkAcc struct {
	k        int
	distinct bool
	vals     []any // sorted descending, at most k
}

func (a *topkAcc) insert(v any) {
	if v == nil {
		return
	}
	if a.distinct {
		for _, x := range a.vals {
			if types.Equal(x, v) {
				return
			}
		}
	}
	i := sort.Search(len(a.vals), func(i int) bool {
		c, _ := types.Compare(a.vals[i], v)
		return c < 0
	})
	a.vals = append(a.vals, nil)
	copy(a.vals[i+1:], a.vals[i:])
	a.vals[i] = v
	if len(a.vals) > a.k {
		a.vals = a.vals[:a.k]
	}
}
func (a *topkAcc) Add(args []any) { a.insert(args[0]) }
func (a *topkAcc) Undo([]any)     {}
func (a *topkAcc) Merge(o Accumulator) {
	for _, v := range o.(*topkAcc).vals {
		a.insert(v)
	}
}
func (a *topkAcc) Result() any {
	out := make([]any, len(a.vals))
	copy(out, a.vals)
	return out
}

type collectAcc struct {
	set  bool
	vals []any
}

func (a *collectAcc) Add(args []any) {
	v := args[0]
	if a.set {
		for _, x := range a.vals {
			if types.Equal(x, v) {
				return
			}
		}
	}
	a.vals = append(a.vals, v)
}
func (a *collectAcc) Undo(args []any) {
	for i, x := range a.vals {
		if types.Equal(x, args[0]) {
			a.vals = append(a.vals[:i], a.vals[i+1:]...)
			return
		}
	}
}
func (a *collectAcc) Merge(o Accumulator) {
	for _, v := range o.(*collectAcc).vals {
		a.Add([]any{v})
	}
}
func (a *collectAcc) Result() any {
	out := make([]any, len(a.vals))
	copy(out, a.vals)
	return out
}

// seqCounter orders values for LATEST/EARLIEST_BY_OFFSET across merges.
var seqCounter atomic.Int64

type byOffsetAcc struct {
	latest      bool
	ignoreNulls bool
	v           any
	seq         int64
}

func (a *byOffsetAcc) Add(args []any) {
	v := args[0]
	if v == nil && a.ignoreNulls {
		return
	}
	s := seqCounter.Add(1)
	if a.latest || a.seq < 0 {
		a.v, a.seq = v, s
	}
}
func (a *byOffsetAcc) Undo([]any) {}
func (a *byOffsetAcc) Merge(o Accumulator) {
	b := o.(*byOffsetAcc)
	if b.seq < 0 {
		return
	}
	if a.seq < 0 || a.latest && b.seq > a.seq || !a.latest && b.seq < a.seq {
		a.v, a.seq = b.v, b.seq
	}
}
func (a *byOffsetAcc) Result() any { return a.v }

type countDistinctAcc struct{ seen map[string]int }

func (a *countDistinctAcc) Add(args []any) {
	if args[0] != nil {
		a.seen[string(types.AppendKey(nil, args[0]))]++
	}
}
func (a *countDistinctAcc) Undo(args []any) {
	if args[0] == nil {
		return
	}
	k := string(types.AppendKey(nil, args[0]))
	if a.seen[k]--; a.seen[k] <= 0 {
		delete(a.seen, k)
	}
}
func (a *countDistinctAcc) Merge(o Accumulator) {
	for k, n := range o.(*countDistinctAcc).seen {
		a.seen[k] += n
	}
}
func (a *countDistinctAcc) Result() any { return int64(len(a.seen)) }
