package functions

import (
	"math"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

func dec(s string) types.Decimal {
	d, err := types.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func call(t *testing.T, r *Registry, name string, argTypes []*types.Type, args ...any) (any, *types.Type) {
	t.Helper()
	f := r.Scalar(name)
	if f == nil {
		t.Fatalf("no function %s", name)
	}
	consts := make([]any, len(args))
	copy(consts, args)
	rt, impl, err := f.Resolve(argTypes, consts)
	if err != nil {
		t.Fatalf("%s: resolve: %v", name, err)
	}
	v, err := impl(args)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v, rt
}

func TestScalarFunctions(t *testing.T) {
	r := NewRegistry()
	I, L, D, S := types.IntegerType, types.BigintType, types.DoubleType, types.StringType
	tests := []struct {
		name     string
		argTypes []*types.Type
		args     []any
		want     any
		wantType string
	}{
		{"ABS", []*types.Type{I}, []any{int32(-3)}, int32(3), "INTEGER"},
		{"ABS", []*types.Type{D}, []any{-2.5}, 2.5, "DOUBLE"},
		{"CEIL", []*types.Type{D}, []any{1.2}, 2.0, "DOUBLE"},
		{"FLOOR", []*types.Type{D}, []any{-1.2}, -2.0, "DOUBLE"},
		{"ROUND", []*types.Type{D}, []any{1.5}, int64(2), "BIGINT"},
		{"ROUND", []*types.Type{D}, []any{-1.5}, int64(-1), "BIGINT"},
		{"ROUND", []*types.Type{D, I}, []any{12345.678, int32(2)}, 12345.68, "DOUBLE"},
		{"ROUND", []*types.Type{D, I}, []any{12345.678, int32(-2)}, 12300.0, "DOUBLE"},
		{"ROUND", []*types.Type{types.DecimalOf(6, 3)}, []any{dec("1.500")}, dec("2"), "DECIMAL(4, 0)"},
		{"TRUNC", []*types.Type{D}, []any{-1.7}, int64(-1), "BIGINT"},
		{"EXP", []*types.Type{I}, []any{int32(0)}, 1.0, "DOUBLE"},
		{"LN", []*types.Type{D}, []any{0.0}, math.Inf(-1), "DOUBLE"},
		{"LOG", []*types.Type{I, I}, []any{int32(10), int32(100)}, 2.0, "DOUBLE"},
		{"SQRT", []*types.Type{L}, []any{int64(16)}, 4.0, "DOUBLE"},
		{"POWER", []*types.Type{I, I}, []any{int32(2), int32(10)}, 1024.0, "DOUBLE"},
		{"SIGN", []*types.Type{D}, []any{-0.5}, int32(-1), "INTEGER"},
		{"GREATEST", []*types.Type{I, L, I}, []any{int32(3), nil, int32(9)}, int64(9), "BIGINT"},
		{"LEAST", []*types.Type{D, D}, []any{3.0, 1.0}, 1.0, "DOUBLE"},
		{"UCASE", []*types.Type{S}, []any{"abc"}, "ABC", "STRING"},
		{"LCASE", []*types.Type{S}, []any{"ABC"}, "abc", "STRING"},
		{"LEN", []*types.Type{S}, []any{"héllo"}, int32(5), "INTEGER"},
		{"CONCAT", []*types.Type{S, S, S}, []any{"a", nil, "c"}, "ac", "STRING"},
		{"SUBSTRING", []*types.Type{S, I}, []any{"hello", int32(2)}, "ello", "STRING"},
		{"SUBSTRING", []*types.Type{S, I, I}, []any{"hello", int32(0), int32(2)}, "he", "STRING"},
		{"SUBSTRING", []*types.Type{S, I, I}, []any{"hello", int32(-3), int32(2)}, "ll", "STRING"},
		{"TRIM", []*types.Type{S}, []any{"  x  "}, "x", "STRING"},
		{"REPLACE", []*types.Type{S, S, S}, []any{"aXbX", "X", "-"}, "a-b-", "STRING"},
		{"INITCAP", []*types.Type{S}, []any{"the mAN who"}, "The Man Who", "STRING"},
		{"IFNULL", []*types.Type{S, S}, []any{nil, "d"}, "d", "STRING"},
		{"COALESCE", []*types.Type{I, I, I}, []any{nil, nil, int32(3)}, int32(3), "INTEGER"},
		{"EXTRACTJSONFIELD", []*types.Type{S, S}, []any{`{"a":{"b":[1,{"c":"x"}]}}`, "$.a.b[1].c"}, "x", "STRING"},
		{"EXTRACTJSONFIELD", []*types.Type{S, S}, []any{`{"a":{"b":6}}`, "$.a"}, `{"b":6}`, "STRING"},
		{"EXTRACTJSONFIELD", []*types.Type{S, S}, []any{`{"a":1}`, "$.missing"}, nil, "STRING"},
		{"TIMESTAMPTOSTRING", []*types.Type{L, S}, []any{int64(1500000000123), "yyyy-MM-dd'T'HH:mm:ss.SSS"}, "2017-07-14T02:40:00.123", "STRING"},
		{"STRINGTOTIMESTAMP", []*types.Type{S, S}, []any{"2017-07-14 02:40:00", "yyyy-MM-dd HH:mm:ss"}, int64(1500000000000), "BIGINT"},
	}
	for _, tc := range tests {
		got, rt := call(t, r, tc.name, tc.argTypes, tc.args...)
		if rt.String() != tc.wantType {
			t.Errorf("%s%v: type %s, want %s", tc.name, tc.args, rt, tc.wantType)
		}
		if !same(got, tc.want) {
			t.Errorf("%s%v = %#v, want %#v", tc.name, tc.args, got, tc.want)
		}
	}
}

func same(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if da, ok := a.(types.Decimal); ok {
		db, ok := b.(types.Decimal)
		return ok && da.Cmp(db) == 0
	}
	if types.KindOf(a) != types.KindOf(b) {
		return false
	}
	return types.Equal(a, b)
}

func TestNullArguments(t *testing.T) {
	r := NewRegistry()
	for _, name := range []string{"ABS", "UCASE", "LEN", "SQRT", "ROUND"} {
		f := r.Scalar(name)
		var at *types.Type = types.DoubleType
		if name == "UCASE" || name == "LEN" {
			at = types.StringType
		}
		_, impl, err := f.Resolve([]*types.Type{at}, []any{nil})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		v, err := impl([]any{nil})
		if err != nil || v != nil {
			t.Errorf("%s(NULL) = %v, %v; want NULL", name, v, err)
		}
	}
}

func TestAggregates(t *testing.T) {
	r := NewRegistry()
	run := func(name string, argTypes []*types.Type, consts []any, rows [][]any) any {
		f := r.Aggregate(name)
		_, factory, err := f.Resolve(argTypes, consts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		acc := factory()
		for _, row := range rows {
			acc.Add(row)
		}
		return acc.Result()
	}
	I, D := types.IntegerType, types.DoubleType
	if got := run("COUNT", nil, nil, [][]any{{}, {}, {}}); got != int64(3) {
		t.Errorf("COUNT(*) = %v", got)
	}
	if got := run("COUNT", []*types.Type{I}, []any{nil}, [][]any{{int32(1)}, {nil}, {int32(2)}}); got != int64(2) {
		t.Errorf("COUNT(col) = %v, want 2 (NULLs skipped)", got)
	}
	if got := run("SUM", []*types.Type{I}, []any{nil}, [][]any{{int32(1)}, {nil}, {int32(2)}}); got != int32(3) {
		t.Errorf("SUM = %v", got)
	}
	if got := run("AVG", []*types.Type{D}, []any{nil}, [][]any{{1.0}, {2.0}}); got != 1.5 {
		t.Errorf("AVG = %v", got)
	}
	if got := run("MAX", []*types.Type{I}, []any{nil}, [][]any{{int32(1)}, {int32(5)}, {int32(2)}}); got != int32(5) {
		t.Errorf("MAX = %v", got)
	}
	if got := run("MIN", []*types.Type{I}, []any{nil}, [][]any{{int32(4)}, {nil}, {int32(2)}}); got != int32(2) {
		t.Errorf("MIN = %v", got)
	}
	got := run("TOPK", []*types.Type{D, I}, []any{nil, int32(2)}, [][]any{{1.0, int32(2)}, {5.0, int32(2)}, {3.0, int32(2)}, {5.0, int32(2)}})
	if !same(got, []any{5.0, 5.0}) {
		t.Errorf("TOPK = %v", got)
	}
	got = run("TOPKDISTINCT", []*types.Type{D, I}, []any{nil, int32(2)}, [][]any{{1.0, int32(2)}, {5.0, int32(2)}, {3.0, int32(2)}, {5.0, int32(2)}})
	if !same(got, []any{5.0, 3.0}) {
		t.Errorf("TOPKDISTINCT = %v", got)
	}
	got = run("COLLECT_SET", []*types.Type{I}, []any{nil}, [][]any{{int32(1)}, {int32(1)}, {int32(2)}})
	if !same(got, []any{int32(1), int32(2)}) {
		t.Errorf("COLLECT_SET = %v", got)
	}
	if got := run("LATEST_BY_OFFSET", []*types.Type{I}, []any{nil}, [][]any{{int32(1)}, {int32(2)}, {nil}}); got != int32(2) {
		t.Errorf("LATEST_BY_OFFSET = %v", got)
	}
	if got := run("EARLIEST_BY_OFFSET", []*types.Type{I}, []any{nil}, [][]any{{nil}, {int32(1)}, {int32(2)}}); got != int32(1) {
		t.Errorf("EARLIEST_BY_OFFSET = %v", got)
	}
	sd := run("STDDEV_SAMP", []*types.Type{D}, []any{nil}, [][]any{{2.0}, {4.0}, {4.0}, {4.0}, {5.0}, {5.0}, {7.0}, {9.0}}).(float64)
	if math.Abs(sd-2.138089935299395) > 1e-12 {
		t.Errorf("STDDEV_SAMP = %v", sd)
	}
}

func TestJavaLayout(t *testing.T) {
	tests := []struct{ java, goLayout string }{
		{"yyyy-MM-dd HH:mm:ss", "2006-01-02 15:04:05"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSX", "2006-01-02T15:04:05.000Z07"},
		{"dd/MMM/yy hh:mm a", "02/Jan/06 03:04 PM"},
		{"EEE, d MMM yyyy", "Mon, 2 Jan 2006"},
	}
	for _, tc := range tests {
		if got := JavaLayout(tc.java); got != tc.goLayout {
			t.Errorf("JavaLayout(%q) = %q, want %q", tc.java, got, tc.goLayout)
		}
	}
	ts := time.UnixMilli(0).UTC()
	if got := formatJava(ts, "yyyy"); got != "1970" {
		t.Errorf("formatJava = %q", got)
	}
}

func TestDescribe(t *testing.T) {
	r := NewRegistry()
	for _, name := range []string{"ABS", "SUBSTRING", "COUNT", "TOPK", "EXTRACTJSONFIELD", "TIMESTAMPTOSTRING"} {
		info, ok := r.Describe(name)
		if !ok || info.Description == "" || len(info.Signatures) == 0 {
			t.Errorf("%s: missing description or signatures: %+v", name, info)
		}
	}
	if len(r.List()) < 60 {
		t.Errorf("only %d functions registered", len(r.List()))
	}
}
