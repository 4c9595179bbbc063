package ksqlshell

import (
	"math"
	"testing"
)

// TestFormatDouble checks the shell's DOUBLE cells: Java's names for NaN
// and the infinities, a decimal point on whole numbers, plain notation
// below 1e21.
func TestFormatDouble(t *testing.T) {
	cases := map[float64]string{
		math.NaN(): "NaN", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity",
		3: "3.0", -2.5: "-2.5", 1e20: "100000000000000000000.0", 1e21: "1e+21",
	}
	for f, want := range cases {
		if got := formatDouble(f); got != want {
			t.Errorf("formatDouble(%v) = %q, want %q", f, got, want)
		}
	}
}
