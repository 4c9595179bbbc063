package functions

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// TestRoundExtremePlaces checks that ROUND and TRUNC with a number of
// places at the ends of the INTEGER range answer at once (they used to
// build a power of ten with billions of digits) and correctly: places
// beyond the value's digits leave it as it is, places above its integer
// digits give zero.
func TestRoundExtremePlaces(t *testing.T) {
	r := NewRegistry()
	I, L, D := types.IntegerType, types.BigintType, types.DoubleType
	D82 := types.DecimalOf(8, 2)
	const maxI, minI = int32(math.MaxInt32), int32(math.MinInt32)
	tests := []struct {
		name     string
		argTypes []*types.Type
		args     []any
		want     any
	}{
		{"ROUND", []*types.Type{D, I}, []any{12345.678, maxI}, 12345.678},
		{"ROUND", []*types.Type{D, I}, []any{12345.678, minI}, 0.0},
		{"ROUND", []*types.Type{D, I}, []any{-12345.678, minI}, 0.0},
		{"ROUND", []*types.Type{D, I}, []any{1.7976931348623157e308, minI}, 0.0},
		{"ROUND", []*types.Type{D, I}, []any{4.9e-324, maxI}, 4.9e-324},
		{"ROUND", []*types.Type{D, L}, []any{12345.678, int64(math.MinInt64)}, 0.0},
		{"ROUND", []*types.Type{D, L}, []any{12345.678, int64(math.MaxInt64)}, 12345.678},
		{"TRUNC", []*types.Type{D, I}, []any{12345.678, maxI}, 12345.678},
		{"TRUNC", []*types.Type{D, I}, []any{-12345.678, minI}, 0.0},
		{"ROUND", []*types.Type{D82, I}, []any{dec("123456.78"), maxI}, dec("123456.78")},
		{"ROUND", []*types.Type{D82, I}, []any{dec("123456.78"), minI}, dec("0.00")},
		{"ROUND", []*types.Type{D82, I}, []any{dec("-123456.78"), minI}, dec("0.00")},
		{"ROUND", []*types.Type{D82, I}, []any{dec("523456.78"), int32(-6)}, dec("1000000.00")},
		{"ROUND", []*types.Type{D82, I}, []any{dec("523456.78"), int32(-7)}, dec("0.00")},
		{"TRUNC", []*types.Type{D82, I}, []any{dec("123456.78"), minI}, dec("0.00")},
		{"TRUNC", []*types.Type{D82, I}, []any{dec("-123456.78"), maxI}, dec("-123456.78")},
		{"ROUND", []*types.Type{L, I}, []any{int64(123456), minI}, int64(0)},
		{"TRUNC", []*types.Type{I, I}, []any{int32(-123456), minI}, int32(0)},
		{"ROUND", []*types.Type{I, I}, []any{int32(123456), maxI}, int32(123456)},
	}
	for _, tc := range tests {
		var got any
		finishes(t, fmt.Sprintf("%s%v", tc.name, tc.args), func() { got, _ = call(t, r, tc.name, tc.argTypes, tc.args...) })
		if !same(got, tc.want) {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.args, got, tc.want)
		}
	}
}

// finishes runs fn and fails the test when it has not returned within a
// generous limit: a hang, as opposed to a slow machine.
func finishes(t *testing.T, what string, fn func()) {
	t.Helper()
	const limit = 30 * time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s did not return within %v: it hangs", what, limit)
	}
}
