package labtest

import (
	"strings"
	"testing"
)

// TestKsqlParseSplitsStatements checks how a learner's script is cut into
// statements and rewritten to the session's names: semicolons inside
// strings and comments do not end a statement, comment-only parts are
// left out, a last statement may lack its semicolon, and a syntax error
// keeps the statements before it.
func TestKsqlParseSplitsStatements(t *testing.T) {
	k := &Ksql{t: t, suffix: "_X1", sources: map[string]bool{}, topics: map[string]bool{}}
	src := "-- orders; all of them\n" +
		"CREATE STREAM orders (id INT KEY, note VARCHAR) WITH (kafka_topic='orders', value_format='JSON');\n" +
		"/* ; */ INSERT INTO orders (id, note) VALUES (1, 'a;b');\n" +
		"SELECT * FROM orders EMIT CHANGES"
	sc := k.Parse("orders.sql", src)
	if sc.Problem != "" {
		t.Fatalf("Parse: %s", sc.Problem)
	}
	want := []struct {
		line int
		sql  string
	}{
		{2, "CREATE STREAM orders_X1 (id INT KEY, note VARCHAR) WITH (kafka_topic='orders_x1', value_format='JSON');"},
		{3, "INSERT INTO orders_X1 (id, note) VALUES (1, 'a;b');"},
		{4, "SELECT * FROM orders_X1 EMIT CHANGES"},
	}
	if len(sc.Statements) != len(want) {
		t.Fatalf("got %d statements, want %d", len(sc.Statements), len(want))
	}
	for i, w := range want {
		st := sc.Statements[i]
		if st.Line != w.line || st.SQL != w.sql {
			t.Errorf("statement %d: line %d, SQL %q; want line %d, %q", i+1, st.Line, st.SQL, w.line, w.sql)
		}
	}

	bad := k.Parse("bad.sql", "SHOW STREAMS;\nSELECT FROM;\nSHOW TABLES;")
	if len(bad.Statements) != 1 || !strings.Contains(bad.Problem, "bad.sql:2:") {
		t.Errorf("a syntax error on line 2: got %d statements before it and problem %q", len(bad.Statements), bad.Problem)
	}
	if empty := k.Parse("empty.sql", "-- nothing yet;\n/* ; */"); !empty.Empty {
		t.Errorf("a comment-only script is not Empty: %+v", empty)
	}
}
