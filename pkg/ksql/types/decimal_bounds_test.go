package types

import (
	"fmt"
	"testing"
	"time"
)

// TestParseDecimalForHugeExponents checks that number text with a huge
// exponent is rejected (or, when far below the column's scale, rounds to
// zero) at once, without building a number with as many digits as the
// exponent says.
func TestParseDecimalForHugeExponents(t *testing.T) {
	tests := []struct {
		in   string
		p, s int
		want string // "" for an error
	}{
		{"1e999999999", 8, 2, ""},
		{"-1E+999999999", 8, 2, ""},
		{"1e2147483647", 38, 10, ""},
		{"1e99999999999999999999", 8, 2, ""},
		{"0.5e-999999999", 8, 2, "0.00"},
		{"1e-2147483648", 8, 2, "0.00"},
		{"0e999999999", 8, 2, "0.00"},
		{"-0.000e-999999999", 4, 2, "0.00"},
		{"123456.78", 8, 2, "123456.78"},
		{"1234567.8", 8, 2, ""},
		{"12345678e-2", 8, 2, "123456.78"},
		{"1.2345678e5", 8, 2, "123456.78"},
		{"1.23456785e5", 8, 2, "123456.79"},
		{"9999999.995", 8, 2, ""}, // rounds to 10000000.00
		{"0.005", 4, 2, "0.01"},
		{"-0.005", 4, 2, "-0.01"},
		{"0.004999", 4, 2, "0.00"},
		{"5e-3", 4, 2, "0.01"},
		{"5e-4", 4, 2, "0.00"},
		{"12", 2, 0, "12"},
		{"1e2", 2, 0, ""},
		{"1e1", 2, 0, "10"},
		{"1.5", 1, 0, "2"},
		{"0.95", 2, 1, "1.0"},
		{"x", 8, 2, ""},
		{"1e", 8, 2, ""},
	}
	for _, tc := range tests {
		var d Decimal
		var err error
		finishes(t, fmt.Sprintf("ParseDecimalFor(%q)", tc.in), func() { d, err = ParseDecimalFor(tc.in, tc.p, tc.s) })
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("ParseDecimalFor(%q, %d, %d) = %s, want an error", tc.in, tc.p, tc.s, d)
		case tc.want != "" && (err != nil || d.String() != tc.want):
			t.Errorf("ParseDecimalFor(%q, %d, %d) = %s, %v; want %s", tc.in, tc.p, tc.s, d, err, tc.want)
		}
	}
	for _, in := range []string{"1e999999999", "1e-999999999", "1e2147483648"} {
		var err error
		finishes(t, fmt.Sprintf("ParseDecimal(%q)", in), func() { _, err = ParseDecimal(in) })
		if err == nil {
			t.Errorf("ParseDecimal(%q) accepted a number of a billion digits", in)
		}
	}
	if _, err := Cast("1e999999999", DecimalOf(8, 2)); err == nil {
		t.Error("CAST('1e999999999' AS DECIMAL(8, 2)) succeeded")
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
