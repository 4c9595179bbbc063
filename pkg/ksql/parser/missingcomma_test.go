package parser

import (
	"strings"
	"testing"
)

func TestMissingCommaHint(t *testing.T) {
	cases := []struct {
		sql, want string
	}{
		{"SELECT state COUNT(*) FROM orders GROUP BY state;",
			"line 1:19: expected FROM, found '('; a comma may be missing before COUNT (without one, COUNT is read as the previous column's alias)"},
		{"SELECT a b c FROM s;", "line 1:12: expected FROM, found 'c'; a comma may be missing after the previous column"},
		{"SELECT a AS b c FROM s;", "a comma may be missing after the previous column"},
		{"SELECT a, b 3 FROM s;", "a comma may be missing after the previous column"},
	}
	for _, c := range cases {
		_, err := ParseScript(c.sql)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\n got: %v\nwant: %s", c.sql, err, c.want)
		}
	}
	// A misspelt FROM reads as an alias.
	if _, err := ParseScript("SELECT a, b FORM s;"); err == nil || !strings.Contains(err.Error(), "did you mean FROM? (FORM is read as the previous column's alias)") {
		t.Errorf("SELECT a, b FORM s: %v", err)
	}
	// No hint where a comma would not help.
	for _, sql := range []string{"SELECT a AS b (x) FROM s;", "SELECT a FORM s;", "SELECT a;"} {
		_, err := ParseScript(sql)
		if err == nil {
			t.Errorf("%s parsed", sql)
		} else if strings.Contains(err.Error(), "comma") {
			t.Errorf("%s: a comma would not help, yet: %v", sql, err)
		}
	}
}
