package testrunner

import "testing"

// TestJSONAndJavaEqual checks the two comparisons of decoded JSON: the
// runner's by meaning (numbers by value, member names ignoring case) and
// the REST harness's as Jackson reads (1 and 1.0 differ, names exact).
func TestJSONAndJavaEqual(t *testing.T) {
	cases := []struct {
		a, b       string
		json, java bool
	}{
		{`[1, {"A": "x"}]`, `[1, {"A": "x"}]`, true, true},
		{`[1, {"A": "x"}]`, `[1.0, {"A": "x"}]`, true, false},
		{`{"A": [true, null]}`, `{"a": [true, null]}`, true, false},
		{`{"A": 1}`, `{"A": 1, "B": 2}`, false, false},
		{`[1, 2]`, `[2, 1]`, false, false},
		{`[1]`, `{"0": 1}`, false, false},
		{`{"A": {"B": 1}}`, `{"A": {"B": 2}}`, false, false},
	}
	for _, c := range cases {
		a, b := decodeNumbers([]byte(c.a)), decodeNumbers([]byte(c.b))
		if got := jsonEqual(a, b); got != c.json {
			t.Errorf("jsonEqual(%s, %s) = %v, want %v", c.a, c.b, got, c.json)
		}
		if got := javaEqual(a, b); got != c.java {
			t.Errorf("javaEqual(%s, %s) = %v, want %v", c.a, c.b, got, c.java)
		}
	}
}
