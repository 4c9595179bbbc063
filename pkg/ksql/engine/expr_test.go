package engine

import (
	"math"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/functions"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

func testScope() (*scope, *Row) {
	st := types.StructOf(types.Field{Name: "A", Type: types.IntegerType}, types.Field{Name: "B", Type: types.StringType})
	sc := &scope{cols: []scopeColumn{
		{Name: "I", Type: types.IntegerType},
		{Name: "L", Type: types.BigintType},
		{Name: "D", Type: types.DoubleType},
		{Name: "S", Type: types.StringType},
		{Name: "N", Type: types.IntegerType},
		{Name: "DEC", Type: types.DecimalOf(5, 2)},
		{Name: "ARR", Type: types.ArrayOf(types.StringType)},
		{Name: "M", Type: types.MapOf(types.StringType, types.IntegerType)},
		{Name: "ST", Type: st},
	}}
	dec, _ := types.ParseDecimal("12.50")
	row := &Row{Cols: []any{
		int32(7), int64(10), 2.5, "hello", nil, dec,
		[]any{"a", "b", "c"},
		&types.Map{Keys: []any{"k"}, Values: []any{int32(3)}},
		&types.Struct{Type: st, Values: []any{int32(1), "x"}},
	}, Timestamp: 1234}
	return sc, row
}

func TestExpressionEvaluation(t *testing.T) {
	tests := []struct {
		expr     string
		want     any
		wantType string
	}{
		{"I + 1", int32(8), "INTEGER"},
		{"I / 2", int32(3), "INTEGER"},
		{"I % 4", int32(3), "INTEGER"},
		{"L * I", int64(70), "BIGINT"},
		{"D * 2", 5.0, "DOUBLE"},
		{"I / 2.0", mustDec("3.500000"), "DECIMAL(17, 6)"},
		{"DEC + 1", mustDec("13.50"), "DECIMAL(13, 2)"},
		{"-I", int32(-7), "INTEGER"},
		{"S + ' world'", "hello world", "STRING"},
		{"S || '!'", "hello!", "STRING"},
		{"N + 1", nil, "INTEGER"},
		{"I > 5 AND D < 3", true, "BOOLEAN"},
		{"N > 5 OR I = 7", true, "BOOLEAN"},
		{"N > 5 AND I = 7", nil, "BOOLEAN"},
		{"N > 5 AND I = 8", false, "BOOLEAN"},
		{"NOT (I = 7)", false, "BOOLEAN"},
		{"I BETWEEN 1 AND 7", true, "BOOLEAN"},
		{"I NOT BETWEEN 1 AND 7", false, "BOOLEAN"},
		{"I IN (1, 7)", true, "BOOLEAN"},
		{"I NOT IN (1, 2)", true, "BOOLEAN"},
		{"S LIKE 'h%o'", true, "BOOLEAN"},
		{"S LIKE 'h_llo'", true, "BOOLEAN"},
		{"S NOT LIKE '%x%'", true, "BOOLEAN"},
		{"N IS NULL", true, "BOOLEAN"},
		{"S IS NOT NULL", true, "BOOLEAN"},
		{"N IS DISTINCT FROM I", true, "BOOLEAN"},
		{"N IS NOT DISTINCT FROM NULL", true, "BOOLEAN"},
		{"CASE WHEN I > 10 THEN 'big' WHEN I > 5 THEN 'mid' ELSE 'small' END", "mid", "STRING"},
		{"CASE I WHEN 7 THEN 1 ELSE 2 END", int32(1), "INTEGER"},
		{"CASE WHEN N > 1 THEN 1 END", nil, "INTEGER"},
		{"CAST(I AS STRING)", "7", "STRING"},
		{"CAST(D AS INT)", int32(2), "INTEGER"},
		{"CAST('42' AS BIGINT)", int64(42), "BIGINT"},
		{"CAST(D AS DECIMAL(4, 1))", mustDec("2.5"), "DECIMAL(4, 1)"},
		{"CAST(2.0 AS DOUBLE)", 2.0, "DOUBLE"},
		{"ARR[1]", "a", "STRING"},
		{"ARR[-1]", "c", "STRING"},
		{"ARR[9]", nil, "STRING"},
		{"M['k']", int32(3), "INTEGER"},
		{"M['missing']", nil, "INTEGER"},
		{"ST->A", int32(1), "INTEGER"},
		{"ST->b", "x", "STRING"},
		{"ROWTIME", int64(1234), "BIGINT"},
		{"UCASE(S)", "HELLO", "STRING"},
		{"LEN(S)", int32(5), "INTEGER"},
		{"SUBSTRING(S, 2, 3)", "ell", "STRING"},
		{"IFNULL(N, 0)", int32(0), "INTEGER"},
		{"COALESCE(N, L)", int64(10), "BIGINT"},
		{"ARRAY[I, 2]", []any{int32(7), int32(2)}, "ARRAY<INTEGER>"},
		{"4294967296", int64(4294967296), "BIGINT"},
	}
	c := &compiler{reg: functions.NewRegistry()}
	for _, tc := range tests {
		sc, row := testScope()
		e, err := parser.ParseExpression(tc.expr)
		if err != nil {
			t.Errorf("%s: parse: %v", tc.expr, err)
			continue
		}
		ce, err := c.compile(e, sc)
		if err != nil {
			t.Errorf("%s: compile: %v", tc.expr, err)
			continue
		}
		if ce.t.String() != tc.wantType {
			t.Errorf("%s: type %s, want %s", tc.expr, ce.t, tc.wantType)
		}
		got, err := ce.eval(row)
		if err != nil {
			t.Errorf("%s: eval: %v", tc.expr, err)
			continue
		}
		if !valuesEqual(got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.expr, got, tc.want)
		}
	}
}

func TestExpressionErrors(t *testing.T) {
	tests := []string{
		"UNKNOWN_COL + 1",
		"S + 1",
		"ST->NOPE",
		"I->A",
		"NOFUNC(I)",
		"COUNT(I)",
		"I LIKE 'x'",
		"CASE WHEN I > 1 THEN 'a' ELSE 1 END",
		"I = 'a'",
	}
	c := &compiler{reg: functions.NewRegistry()}
	for _, expr := range tests {
		sc, _ := testScope()
		e, err := parser.ParseExpression(expr)
		if err != nil {
			t.Errorf("%s: parse: %v", expr, err)
			continue
		}
		if _, err := c.compile(e, sc); err == nil {
			t.Errorf("%s: expected a compile error", expr)
		}
	}
	// Division by zero is a run-time error (the row gets NULL and a
	// processing-log entry).
	sc, row := testScope()
	e, _ := parser.ParseExpression("I / 0")
	ce, err := c.compile(e, sc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ce.eval(row); err == nil {
		t.Error("I / 0: expected an error")
	}
}

func mustDec(s string) types.Decimal {
	d, err := types.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func valuesEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if da, ok := a.(types.Decimal); ok {
		db, ok := b.(types.Decimal)
		return ok && da.String() == db.String()
	}
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && (fa == fb || math.IsNaN(fa) && math.IsNaN(fb))
	}
	if types.KindOf(a) != types.KindOf(b) {
		return false
	}
	return types.Equal(a, b)
}
