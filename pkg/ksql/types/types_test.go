package types

import (
	"math"
	"testing"
)

func TestFormatDouble(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0.0"}, {1, "1.0"}, {-1.5, "-1.5"}, {0.001, "0.001"}, {0.0001, "1.0E-4"},
		{1e7, "1.0E7"}, {1234567.5, "1234567.5"}, {1946195068359375, "1.946195068359375E15"},
		{math.NaN(), "NaN"}, {math.Inf(-1), "-Infinity"},
	}
	for _, tc := range tests {
		if got := FormatDouble(tc.f); got != tc.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestDecimal(t *testing.T) {
	a, _ := ParseDecimal("12.345")
	b, _ := ParseDecimal("-0.5")
	if got := a.Rescale(2).String(); got != "12.35" {
		t.Errorf("rescale = %s", got)
	}
	if got := b.Rescale(0).String(); got != "-1" {
		t.Errorf("HALF_UP of -0.5 = %s, want -1", got)
	}
	if got := a.Add(b).String(); got != "11.845" {
		t.Errorf("add = %s", got)
	}
	q, err := a.Div(b, 6)
	if err != nil || q.String() != "-24.690000" {
		t.Errorf("div = %s, %v", q, err)
	}
	if !a.FitsPrecision(5, 3) || a.FitsPrecision(4, 3) {
		t.Error("precision check")
	}
}

func TestArithmeticTypes(t *testing.T) {
	tests := []struct {
		op   byte
		a, b *Type
		want string
	}{
		{'+', IntegerType, IntegerType, "INTEGER"},
		{'+', IntegerType, BigintType, "BIGINT"},
		{'*', BigintType, DoubleType, "DOUBLE"},
		{'+', DecimalOf(4, 2), IntegerType, "DECIMAL(13, 2)"},
		{'*', DecimalOf(4, 2), DecimalOf(3, 1), "DECIMAL(8, 3)"},
		{'/', DecimalOf(4, 2), DecimalOf(3, 1), "DECIMAL(9, 6)"},
		{'+', StringType, StringType, "STRING"},
	}
	for _, tc := range tests {
		got, err := ArithResultType(tc.op, tc.a, tc.b)
		if err != nil || got.String() != tc.want {
			t.Errorf("%s %c %s = %v, %v; want %s", tc.a, tc.op, tc.b, got, err, tc.want)
		}
	}
	if _, err := ArithResultType('-', StringType, IntegerType); err == nil {
		t.Error("STRING - INTEGER should be an error")
	}
	if v, err := Arith('/', int32(7), int32(2), IntegerType); err != nil || v != int32(3) {
		t.Errorf("integer division = %v, %v", v, err)
	}
	if _, err := Arith('/', int64(7), int64(0), BigintType); err == nil {
		t.Error("division by zero should fail")
	}
}

func TestCast(t *testing.T) {
	tests := []struct {
		v    any
		t    *Type
		want string
	}{
		{3.99, IntegerType, "3"}, {"true", BooleanType, "true"}, {int32(5), StringType, "5"},
		{1.5, DecimalOf(3, 2), "1.50"}, {"2021-01-02T03:04:05", TimestampType, "2021-01-02T03:04:05.000"},
		{[]any{int32(1)}, ArrayOf(StringType), "[1]"},
	}
	for _, tc := range tests {
		got, err := Cast(tc.v, tc.t)
		if err != nil || Format(got) != tc.want {
			t.Errorf("CAST(%v AS %s) = %v, %v; want %s", tc.v, tc.t, got, err, tc.want)
		}
	}
	if _, err := Cast("abc", IntegerType); err == nil {
		t.Error("CAST('abc' AS INT) should fail")
	}
}
