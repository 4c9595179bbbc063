package parser

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitScript(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		stmts []ScriptStatement
		rest  string
	}{
		{"one statement", "SHOW STREAMS;", []ScriptStatement{{Text: "SHOW STREAMS;", Line: 1}}, ""},
		{"two on a line", "SHOW STREAMS; SHOW TABLES;", []ScriptStatement{{Text: "SHOW STREAMS;", Line: 1}, {Text: "SHOW TABLES;", Line: 1}}, ""},
		{"unfinished", "SELECT *\nFROM s", nil, "SELECT *\nFROM s"},
		{"multi-line", "CREATE STREAM s (id INT KEY,\n  v VARCHAR)\n  WITH (kafka_topic='s', value_format='JSON');\n",
			[]ScriptStatement{{Text: "CREATE STREAM s (id INT KEY,\n  v VARCHAR)\n  WITH (kafka_topic='s', value_format='JSON');", Line: 1}}, "\n"},
		{"semicolon in a string", "INSERT INTO s (v) VALUES ('a;b');", []ScriptStatement{{Text: "INSERT INTO s (v) VALUES ('a;b');", Line: 1}}, ""},
		{"doubled quote in a string", "INSERT INTO s (v) VALUES ('it''s; fine'); SHOW TABLES;",
			[]ScriptStatement{{Text: "INSERT INTO s (v) VALUES ('it''s; fine');", Line: 1}, {Text: "SHOW TABLES;", Line: 1}}, ""},
		{"open string waits for more", "INSERT INTO s (v) VALUES ('a;\nb", nil, "INSERT INTO s (v) VALUES ('a;\nb"},
		{"semicolon in a quoted name", `SELECT "a;b" FROM s;`, []ScriptStatement{{Text: `SELECT "a;b" FROM s;`, Line: 1}}, ""},
		{"semicolon in backticks", "SELECT `a;b` FROM s;", []ScriptStatement{{Text: "SELECT `a;b` FROM s;", Line: 1}}, ""},
		{"line comment", "SHOW STREAMS; -- and; then\nSHOW TABLES;", []ScriptStatement{{Text: "SHOW STREAMS;", Line: 1}, {Text: "SHOW TABLES;", Line: 2}}, ""},
		{"leading comments are dropped", "-- the streams;\n/* all; of them */\n  SHOW STREAMS;",
			[]ScriptStatement{{Text: "SHOW STREAMS;", Line: 3}}, ""},
		{"comment inside a statement stays", "SELECT a, -- the key;\n b FROM s;", []ScriptStatement{{Text: "SELECT a, -- the key;\n b FROM s;", Line: 1}}, ""},
		{"block comment", "SELECT /* ; */ a FROM s;", []ScriptStatement{{Text: "SELECT /* ; */ a FROM s;", Line: 1}}, ""},
		{"open block comment", "SELECT a /* ;\n", nil, "SELECT a /* ;\n"},
		{"empty statements are skipped", ";; -- nothing;\n;", nil, ""},
		{"comment-only rest", "SHOW TOPICS; -- done", []ScriptStatement{{Text: "SHOW TOPICS;", Line: 1}}, " -- done"},
		{"line numbers", "\n\nSHOW STREAMS;\n\nSHOW\nTABLES;", []ScriptStatement{{Text: "SHOW STREAMS;", Line: 3}, {Text: "SHOW\nTABLES;", Line: 5}}, ""},
		{"quote in a comment does not open a string", "-- it's\nSHOW STREAMS;", []ScriptStatement{{Text: "SHOW STREAMS;", Line: 2}}, ""},
		{"dashes in a string are no comment", "INSERT INTO s (v) VALUES ('--'); SHOW TABLES;",
			[]ScriptStatement{{Text: "INSERT INTO s (v) VALUES ('--');", Line: 1}, {Text: "SHOW TABLES;", Line: 1}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stmts, rest := SplitScript(c.src)
			for i, st := range stmts {
				// Offset locates Text in the source.
				if st.Offset < 0 || st.Offset+len(st.Text) > len(c.src) || c.src[st.Offset:st.Offset+len(st.Text)] != st.Text {
					t.Errorf("SplitScript(%q): statement %d has offset %d, which does not locate %q", c.src, i, st.Offset, st.Text)
				}
				stmts[i].Offset = 0
			}
			if !reflect.DeepEqual(stmts, c.stmts) || rest != c.rest {
				t.Errorf("SplitScript(%q)\n got %+v, rest %q\nwant %+v, rest %q", c.src, stmts, rest, c.stmts, c.rest)
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
	whole, _ := SplitScript(script)
	var got []string
	pending := ""
	for _, line := range strings.SplitAfter(script, "\n") {
		stmts, rest := SplitScript(pending + line)
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

func TestFinishScript(t *testing.T) {
	cases := []struct {
		rest    string
		want    ScriptStatement
		ok      bool
		errPart string
	}{
		{"", ScriptStatement{}, false, ""},
		{"  -- just a comment\n", ScriptStatement{}, false, ""},
		{"SHOW STREAMS", ScriptStatement{Text: "SHOW STREAMS;", Line: 1}, true, ""},
		{"\nSHOW TABLES -- no semicolon", ScriptStatement{Text: "SHOW TABLES -- no semicolon\n;", Line: 2}, true, ""},
		{"INSERT INTO s VALUES ('a", ScriptStatement{}, false, "a ' is missing"},
		{`SELECT "a FROM s`, ScriptStatement{}, false, `a " is missing`},
		{"SELECT a /* b", ScriptStatement{}, false, "a */ is missing"},
		{"/* an open comment at the end", ScriptStatement{}, false, ""},
	}
	for _, c := range cases {
		s, ok, err := FinishScript(c.rest)
		if c.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), c.errPart) {
				t.Errorf("FinishScript(%q) error %v, want one saying %q", c.rest, err, c.errPart)
			}
			continue
		}
		s.Offset = 0
		if err != nil || ok != c.ok || s != c.want {
			t.Errorf("FinishScript(%q) = %+v, %v, %v; want %+v, %v", c.rest, s, ok, err, c.want, c.ok)
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
