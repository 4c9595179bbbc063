package format

import (
	"math"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

func TestJSONDecodeCoercion(t *testing.T) {
	st := types.StructOf(types.Field{Name: "TOWN", Type: types.StringType})
	cols := []Column{
		{Name: "ID", Type: types.IntegerType},
		{Name: "NAME", Type: types.StringType},
		{Name: "RAW", Type: types.StringType},
		{Name: "AMOUNT", Type: types.DecimalOf(4, 2)},
		{Name: "ADDR", Type: st},
		{Name: "TAGS", Type: types.ArrayOf(types.BigintType)},
		{Name: "M", Type: types.MapOf(types.StringType, types.StringType)},
		{Name: "mixedCase", Type: types.DoubleType},
	}
	c, err := NewValueCodec(JSON, cols, Options{WrapSingleValue: true})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]any, len(cols))
	in := `{"id":"12","name":7,"raw":{"a": [1, "x y"]},"amount":1.5,"addr":{"Town":"Oxford"},"tags":[1,2.9],"m":{"k":true},"mixedCase":1,"ignored":[{}]}`
	if err := c.Decode([]byte(in), dst); err != nil {
		t.Fatal(err)
	}
	want := []string{"12", "7", `{"a":[1,"x y"]}`, "1.50", "Struct{TOWN=Oxford}", "[1, 2]", "{k=true}", "1.0"}
	for i, w := range want {
		if got := types.Format(dst[i]); got != w {
			t.Errorf("column %s = %q, want %q", cols[i].Name, got, w)
		}
	}
	for _, bad := range []string{`{"id":`, `{"id":"x"}`, `[1]`, `{"amount":123.45}`} {
		if err := c.Decode([]byte(bad), dst); err == nil {
			t.Errorf("%s: expected an error", bad)
		}
	}
}

func TestJSONEncode(t *testing.T) {
	cols := []Column{{Name: "A", Type: types.DoubleType}, {Name: "B", Type: types.DoubleType}, {Name: "C", Type: types.StringType}, {Name: "D", Type: types.DecimalOf(5, 2)}}
	c, _ := NewValueCodec(JSON, cols, Options{WrapSingleValue: true})
	d, _ := types.ParseDecimal("1.50")
	b, err := c.Encode(nil, []any{math.NaN(), 1.0, "q\"\n", d})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"A":"NaN","B":1.0,"C":"q\"\n","D":1.50}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDelimited(t *testing.T) {
	cols := []Column{{Name: "A", Type: types.StringType}, {Name: "B", Type: types.BigintType}, {Name: "C", Type: types.DoubleType}}
	c, err := NewValueCodec(Delimited, cols, Options{Delimiter: ','})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]any, 3)
	if err := c.Decode([]byte(`"a,""b""",,1.5`), dst); err != nil {
		t.Fatal(err)
	}
	if dst[0] != `a,"b"` || dst[1] != nil || dst[2] != 1.5 {
		t.Errorf("decoded %#v", dst)
	}
	if err := c.Decode([]byte("1,2"), dst); err == nil {
		t.Error("expected a field count error")
	}
	tests := []struct {
		vals []any
		want string
	}{
		{[]any{"x", int64(1), 0.0}, "x,1,0.0"},
		{[]any{nil, nil, nil}, ",,"},
		{[]any{"-1", int64(-2), -1.5}, `"-1",-2,-1.5`},
		{[]any{`say "hi"`, int64(0), 1e10}, `"say ""hi""",0,1.0E10`},
		{[]any{"", int64(0), 0.5}, `"",0,0.5`},
	}
	for _, tc := range tests {
		b, err := c.Encode(nil, tc.vals)
		if err != nil || string(b) != tc.want {
			t.Errorf("encode %v = %q, %v; want %q", tc.vals, b, err, tc.want)
		}
	}
}

func TestKafkaAndWindowedKeys(t *testing.T) {
	for _, tc := range []struct {
		t *types.Type
		v any
		n int
	}{
		{types.IntegerType, int32(-5), 4}, {types.BigintType, int64(1) << 40, 8}, {types.DoubleType, 1.25, 8}, {types.StringType, "héllo", 6},
	} {
		c, err := NewKeyCodec(Kafka, []Column{{Name: "K", Type: tc.t}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Encode(nil, []any{tc.v})
		if err != nil || len(b) != tc.n {
			t.Fatalf("%s: %v %v", tc.t, b, err)
		}
		wb := AppendWindow(b, SessionWindowed, 10, 20)
		inner, start, end, err := SplitWindow(wb, SessionWindowed, 0)
		if err != nil || start != 10 || end != 20 || string(inner) != string(b) {
			t.Errorf("session window round trip: %v %d %d %v", inner, start, end, err)
		}
		dst := make([]any, 1)
		if err := c.Decode(inner, dst); err != nil || !types.Equal(dst[0], tc.v) {
			t.Errorf("%s: decoded %v, %v", tc.t, dst[0], err)
		}
	}
	if _, err := NewKeyCodec(Kafka, []Column{{Name: "A", Type: types.IntegerType}, {Name: "B", Type: types.IntegerType}}); err == nil {
		t.Error("KAFKA keys with two columns should be rejected")
	}
}

// A NULL map key is written "null", as ksqlDB (Jackson) writes it.
func TestJSONEncodeNullMapKey(t *testing.T) {
	m := &types.Map{Keys: []any{nil, "a"}, Values: []any{int32(1), int32(2)}}
	if got := string(AppendJSON(nil, m)); got != `{"null":1,"a":2}` {
		t.Errorf("got %s", got)
	}
}
