package format

import (
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// TestBigintOutOfRange checks that JSON and DELIMITED refuse a BIGINT or
// INT beyond its range (or NaN) instead of wrapping it, and still take an
// in-range number written with a fraction or an exponent.
func TestBigintOutOfRange(t *testing.T) {
	for _, ty := range []*types.Type{types.BigintType, types.IntegerType} {
		cols := []Column{{Name: "N", Type: ty}}
		js, err := NewValueCodec(JSON, cols, Options{WrapSingleValue: true})
		if err != nil {
			t.Fatal(err)
		}
		csv, err := NewValueCodec(Delimited, cols, Options{Delimiter: ','})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []string{"99999999999999999999", "-99999999999999999999", "1e300", "-1.5e300", "9223372036854775808", "9.3e18", "NaN", "Infinity", "-Infinity", "1e400"} {
			dst := make([]any, 1)
			if err := csv.Decode([]byte(in), dst); err == nil {
				t.Errorf("DELIMITED %s: %q decoded to %v, want an error", ty, in, dst[0])
			}
			for _, v := range []string{`{"N": ` + in + `}`, `{"N": "` + in + `"}`} {
				if err := js.Decode([]byte(v), dst); err == nil {
					t.Errorf("JSON %s: %s decoded to %v, want an error", ty, v, dst[0])
				}
			}
		}
		for in, want := range map[string]int64{"1e3": 1000, "12.9": 12, "-12.9": -12, "2147483647": 2147483647} {
			dst := make([]any, 1)
			if err := csv.Decode([]byte(in), dst); err != nil || types.ToInt64(dst[0]) != want {
				t.Errorf("DELIMITED %s: %q = %v, %v; want %d", ty, in, dst[0], err, want)
			}
		}
	}
	dst := make([]any, 1)
	c, _ := NewValueCodec(Delimited, []Column{{Name: "N", Type: types.BigintType}}, Options{Delimiter: ','})
	for in, want := range map[string]int64{"9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63, "-9.223372036854775808e18": -1 << 63} {
		if err := c.Decode([]byte(in), dst); err != nil || dst[0] != want {
			t.Errorf("DELIMITED BIGINT %q = %v, %v; want %d", in, dst[0], err, want)
		}
	}
}
