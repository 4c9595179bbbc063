package ksqlserver

import (
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// TestAppendRowTimeTypes checks the REST form of time values: strings as
// ksqlDB's server writes them, inside arrays, maps and structs too; other
// values as the JSON format writes them.
func TestAppendRowTimeTypes(t *testing.T) {
	st := types.StructOf(types.Field{Name: "AT", Type: types.TimestampType})
	row := []any{
		types.Timestamp(1552816800000), // 2019-03-17T10:00:00.000
		types.Date(10),                 // 1970-01-11
		types.TimeOfDay(1005),          // 00:00:01: millis are left out
		[]any{types.Timestamp(0), nil},
		&types.Map{Keys: []any{"k", nil}, Values: []any{types.Date(0), int32(1)}},
		&types.Struct{Type: st, Values: []any{types.Timestamp(1)}},
		int64(7), "s", nil,
	}
	got := string(appendRow(nil, row))
	want := `["2019-03-17T10:00:00.000","1970-01-11","00:00:01",["1970-01-01T00:00:00.000",null],` +
		`{"k":"1970-01-01","null":1},{"AT":"1970-01-01T00:00:00.001"},7,"s",null]`
	if got != want {
		t.Errorf("appendRow:\n got %s\nwant %s", got, want)
	}
}
