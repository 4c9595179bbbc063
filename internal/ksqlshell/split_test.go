package ksqlshell

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		stmts []Statement
		rest  string
	}{
		{"one statement", "SHOW STREAMS;", []Statement{{"SHOW STREAMS;", 1}}, ""},
		{"two on a line", "SHOW STREAMS; SHOW TABLES;", []Statement{{"SHOW STREAMS;", 1}, {"SHOW TABLES;", 1}}, ""},
		{"unfinished", "SELECT *\nFROM s", nil, "SELECT *\nFROM s"},
		{"multi-line", "CREATE STREAM s (id INT KEY,\n  v VARCHAR)\n  WITH (kafka_topic='s', value_format='JSON');\n",
			[]Statement{{"CREATE STREAM s (id INT KEY,\n  v VARCHAR)\n  WITH (kafka_topic='s', value_format='JSON');", 1}}, "\n"},
		{"semicolon in a string", "INSERT INTO s (v) VALUES ('a;b');", []Statement{{"INSERT INTO s (v) VALUES ('a;b');", 1}}, ""},
		{"doubled quote in a string", "INSERT INTO s (v) VALUES ('it''s; fine'); SHOW TABLES;",
			[]Statement{{"INSERT INTO s (v) VALUES ('it''s; fine');", 1}, {"SHOW TABLES;", 1}}, ""},
		{"open string waits for more", "INSERT INTO s (v) VALUES ('a;\nb", nil, "INSERT INTO s (v) VALUES ('a;\nb"},
		{"semicolon in a quoted name", `SELECT "a;b" FROM s;`, []Statement{{`SELECT "a;b" FROM s;`, 1}}, ""},
		{"semicolon in backticks", "SELECT `a;b` FROM s;", []Statement{{"SELECT `a;b` FROM s;", 1}}, ""},
		{"line comment", "SHOW STREAMS; -- and; then\nSHOW TABLES;", []Statement{{"SHOW STREAMS;", 1}, {"SHOW TABLES;", 2}}, ""},
		{"leading comments are dropped", "-- the streams;\n/* all; of them */\n  SHOW STREAMS;",
			[]Statement{{"SHOW STREAMS;", 3}}, ""},
		{"comment inside a statement stays", "SELECT a, -- the key;\n b FROM s;", []Statement{{"SELECT a, -- the key;\n b FROM s;", 1}}, ""},
		{"block comment", "SELECT /* ; */ a FROM s;", []Statement{{"SELECT /* ; */ a FROM s;", 1}}, ""},
		{"open block comment", "SELECT a /* ;\n", nil, "SELECT a /* ;\n"},
		{"empty statements are skipped", ";; -- nothing;\n;", nil, ""},
		{"comment-only rest", "SHOW TOPICS; -- done", []Statement{{"SHOW TOPICS;", 1}}, " -- done"},
		{"line numbers", "\n\nSHOW STREAMS;\n\nSHOW\nTABLES;", []Statement{{"SHOW STREAMS;", 3}, {"SHOW\nTABLES;", 5}}, ""},
		{"quote in a comment does not open a string", "-- it's\nSHOW STREAMS;", []Statement{{"SHOW STREAMS;", 2}}, ""},
		{"dashes in a string are no comment", "INSERT INTO s (v) VALUES ('--'); SHOW TABLES;",
			[]Statement{{"INSERT INTO s (v) VALUES ('--');", 1}, {"SHOW TABLES;", 1}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stmts, rest := Split(c.src)
			if !reflect.DeepEqual(stmts, c.stmts) || rest != c.rest {
				t.Errorf("Split(%q)\n got %+v, rest %q\nwant %+v, rest %q", c.src, stmts, rest, c.stmts, c.rest)
			}
		})
	}
}

// TestSplitLineByLine feeds a script a line at a time, as a session does,
// and gets the same statements as splitting it whole.
func TestSplitLineByLine(t *testing.T) {
	script := "CREATE STREAM s (id INT KEY, v VARCHAR)\n" +
		"  WITH (kafka_topic='s', -- the topic;\n" +
		"        value_format='JSON');\n" +
		"INSERT INTO s (id, v) VALUES (1, 'a;\n" +
		"b'); /* a\n" +
		"comment; */ SELECT * FROM s\n" +
		"EMIT CHANGES LIMIT 1;\n"
	whole, _ := Split(script)
	var got []string
	pending := ""
	for _, line := range strings.SplitAfter(script, "\n") {
		stmts, rest := Split(pending + line)
		for _, s := range stmts {
			got = append(got, s.Text)
		}
		pending = rest
		if IsBlank(rest) {
			pending = ""
		}
	}
	var want []string
	for _, s := range whole {
		want = append(want, s.Text)
	}
	if len(want) != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("line by line:\n%q\nwhole:\n%q", got, want)
	}
}

func TestIsBlank(t *testing.T) {
	cases := []struct {
		src  string
		want bool
	}{
		{"", true},
		{"  \n\t", true},
		{"-- a comment", true},
		{"/* done */ -- and this", true},
		{"/* still open", false},
		{"SHOW", false},
		{"''", false},
	}
	for _, c := range cases {
		if got := IsBlank(c.src); got != c.want {
			t.Errorf("IsBlank(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}

func TestFinish(t *testing.T) {
	cases := []struct {
		rest    string
		want    Statement
		ok      bool
		errPart string
	}{
		{"", Statement{}, false, ""},
		{"  -- just a comment\n", Statement{}, false, ""},
		{"SHOW STREAMS", Statement{"SHOW STREAMS;", 1}, true, ""},
		{"\nSHOW TABLES -- no semicolon", Statement{"SHOW TABLES -- no semicolon\n;", 2}, true, ""},
		{"INSERT INTO s VALUES ('a", Statement{}, false, "a ' is missing"},
		{`SELECT "a FROM s`, Statement{}, false, `a " is missing`},
		{"SELECT a /* b", Statement{}, false, "a */ is missing"},
		{"/* an open comment at the end", Statement{}, false, ""},
	}
	for _, c := range cases {
		s, ok, err := Finish(c.rest)
		if c.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), c.errPart) {
				t.Errorf("Finish(%q) error %v, want one saying %q", c.rest, err, c.errPart)
			}
			continue
		}
		if err != nil || ok != c.ok || s != c.want {
			t.Errorf("Finish(%q) = %+v, %v, %v; want %+v, %v", c.rest, s, ok, err, c.want, c.ok)
		}
	}
}

func TestOneLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SHOW\n  STREAMS;", "SHOW STREAMS;"},
		{"SELECT a, -- the key\n  b FROM s;", "SELECT a, b FROM s;"},
		{"SELECT /* x */ a FROM s;", "SELECT a FROM s;"},
		{"INSERT INTO s VALUES ('two  spaces\nand a line');", "INSERT INTO s VALUES ('two  spaces\nand a line');"},
	}
	for _, c := range cases {
		if got := OneLine(c.in); got != c.want {
			t.Errorf("OneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		text string
		want parsed
	}{
		{"SHOW STREAMS;", parsed{kind: kindServer}},
		{"SET 'auto.offset.reset'='earliest';", parsed{kind: kindSet, name: "auto.offset.reset", value: "earliest"}},
		{"set 'auto.offset.reset' = 'latest' ;", parsed{kind: kindSet, name: "auto.offset.reset", value: "latest"}},
		{"SET 'x'='it''s';", parsed{kind: kindSet, name: "x", value: "it's"}},
		{"SET auto.offset.reset = earliest;", parsed{kind: kindServer}},
		{"UNSET 'auto.offset.reset';", parsed{kind: kindUnset, name: "auto.offset.reset"}},
		{"RUN SCRIPT '/tmp/a b.sql';", parsed{kind: kindRunScript, name: "/tmp/a b.sql"}},
		{"run script 'x.sql'", parsed{kind: kindRunScript, name: "x.sql"}},
		{"SELECT * FROM s EMIT CHANGES;", parsed{kind: kindPushQuery}},
		{"select *\nfrom s\nemit changes limit 2;", parsed{kind: kindPushQuery, limit: true}},
		{"SELECT * FROM t WHERE id = 1;", parsed{kind: kindPullQuery}},
		{"SELECT 'EMIT CHANGES' FROM t;", parsed{kind: kindPullQuery}},
		{"/* why */ SELECT * FROM s EMIT CHANGES;", parsed{kind: kindPushQuery}},
		{"CREATE STREAM x AS SELECT * FROM s EMIT CHANGES;", parsed{kind: kindServer}},
		{"help", parsed{kind: kindCommand, name: "HELP"}},
		{"  Exit; ", parsed{kind: kindCommand, name: "EXIT"}},
		{"quit", parsed{kind: kindCommand, name: "QUIT"}},
		{"help me", parsed{kind: kindServer}},
		{"PRINT 'orders' FROM BEGINNING;", parsed{kind: kindPrint, name: "orders"}},
		{"print orders;", parsed{kind: kindPrint, name: "orders"}},
	}
	for _, c := range cases {
		if got := classify(c.text); got != c.want {
			t.Errorf("classify(%q) = %+v, want %+v", c.text, got, c.want)
		}
	}
}

func TestCompleteWord(t *testing.T) {
	cases := []struct {
		line string
		pos  int
		head string
		want []string
	}{
		{"SEL", 3, "", []string{"SELECT"}},
		{"show str", 8, "show ", []string{"stream", "streams", "string", "struct"}},
		{"SHOW STREAMS", 4, "", []string{"SHOW"}},
		{"", 0, "", nil},
	}
	for _, c := range cases {
		head, got, _ := completeWord(c.line, c.pos)
		if head != c.head || !reflect.DeepEqual(got, c.want) {
			t.Errorf("completeWord(%q, %d) = %q, %q; want %q, %q", c.line, c.pos, head, got, c.head, c.want)
		}
	}
}
