package text

import "testing"

func TestPluralize(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "record", "0 records"},
		{1, "record", "1 record"},
		{2, "window", "2 windows"},
		{-1, "row", "-1 rows"},
	} {
		if got := Pluralize(tc.n, tc.noun); got != tc.want {
			t.Errorf("Pluralize(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
