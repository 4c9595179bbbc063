package parser

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestParseStatements(t *testing.T) {
	tests := []struct {
		name  string
		sql   string
		check func(t *testing.T, st Statement)
	}{
		{"create stream", "CREATE STREAM s (id INT KEY, name VARCHAR, amount DECIMAL(10, 2), tags ARRAY<STRING>, attrs MAP<STRING, INT>, addr STRUCT<street STRING, `Zip` INT>) WITH (kafka_topic='s', value_format='JSON', partitions=3);",
			func(t *testing.T, st Statement) {
				cs := st.(*CreateSource)
				if cs.Kind != KindStream || cs.Name != "S" || len(cs.Elements) != 6 || !cs.Elements[0].Key {
					t.Fatalf("bad create: %+v", cs)
				}
				if got := cs.Elements[5].Type.String(); got != "STRUCT<`STREET` STRING, `Zip` INTEGER>" {
					t.Errorf("struct type = %s", got)
				}
				if cs.Props.String("kafka_topic") != "s" || cs.Props.String("PARTITIONS") != "3" {
					t.Errorf("props = %+v", cs.Props)
				}
			}},
		{"create table primary key", "create table t (id string primary key, v bigint) with (kafka_topic='t', format='json')",
			func(t *testing.T, st Statement) {
				cs := st.(*CreateSource)
				if cs.Kind != KindTable || !cs.Elements[0].PrimaryKey {
					t.Fatalf("bad table: %+v", cs)
				}
			}},
		{"ctas windowed", "CREATE OR REPLACE TABLE c WITH (KEY_FORMAT='JSON') AS SELECT id, COUNT(*) AS n FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS, GRACE PERIOD 1 MINUTE) WHERE v > 1 GROUP BY id HAVING COUNT(*) > 2 EMIT CHANGES;",
			func(t *testing.T, st Statement) {
				c := st.(*CreateAsSelect)
				w := c.Query.Window
				if !c.OrReplace || w.Type != WindowHopping || w.Size != 30000 || w.Advance != 10000 || w.Grace != 60000 {
					t.Fatalf("bad window: %+v", w)
				}
				if c.Query.Having == nil || len(c.Query.GroupBy) != 1 || c.Query.Emit != EmitChanges {
					t.Fatalf("bad query: %+v", c.Query)
				}
			}},
		{"session window", "CREATE TABLE x AS SELECT id, max(v) FROM s WINDOW SESSION (5 MINUTES, RETENTION 1 DAY) GROUP BY id;",
			func(t *testing.T, st Statement) {
				w := st.(*CreateAsSelect).Query.Window
				if w.Type != WindowSession || w.Size != 300000 || w.Retention != 86400000 {
					t.Fatalf("bad session window: %+v", w)
				}
			}},
		{"join within", "SELECT * FROM a LEFT JOIN b WITHIN (1 HOUR, 2 HOURS) ON a.id = b.id EMIT CHANGES LIMIT 3;",
			func(t *testing.T, st Statement) {
				q := st.(*QueryStatement).Query
				j := q.From.(*Join)
				if j.Type != JoinLeft || j.Within.Before != 3600000 || j.Within.After != 7200000 || q.Limit != 3 {
					t.Fatalf("bad join: %+v %+v", j, j.Within)
				}
			}},
		{"insert values", "INSERT INTO s (id, name) VALUES (1, 'it''s');",
			func(t *testing.T, st Statement) {
				iv := st.(*InsertValues)
				if len(iv.Columns) != 2 || iv.Values[1].(*StringLiteral).Value != "it's" {
					t.Fatalf("bad insert: %+v", iv)
				}
			}},
		{"drop", "DROP TABLE IF EXISTS t DELETE TOPIC;", func(t *testing.T, st Statement) {
			d := st.(*DropSource)
			if !d.IfExists || !d.DeleteTopic || d.Kind != KindTable {
				t.Fatalf("bad drop: %+v", d)
			}
		}},
		{"terminate", "TERMINATE CSAS_X_1;", func(t *testing.T, st Statement) {
			if st.(*Terminate).QueryID != "CSAS_X_1" {
				t.Fatal("bad terminate")
			}
		}},
		{"terminate all", "TERMINATE ALL;", func(t *testing.T, st Statement) {
			if !st.(*Terminate).All {
				t.Fatal("bad terminate all")
			}
		}},
		{"list topics", "LIST TOPICS EXTENDED;", func(t *testing.T, st Statement) {
			s := st.(*Show)
			if s.What != "TOPICS" || !s.Extended {
				t.Fatalf("bad show: %+v", s)
			}
		}},
		{"describe extended", "DESCRIBE EXTENDED orders;", func(t *testing.T, st Statement) {
			d := st.(*Describe)
			if d.Name != "ORDERS" || !d.Extended {
				t.Fatalf("bad describe: %+v", d)
			}
		}},
		{"describe function", "DESCRIBE FUNCTION substring;", func(t *testing.T, st Statement) {
			if st.(*DescribeFunction).Name != "SUBSTRING" {
				t.Fatal("bad describe function")
			}
		}},
		{"set", "SET 'auto.offset.reset'='earliest';", func(t *testing.T, st Statement) {
			s := st.(*SetProperty)
			if s.Name != "auto.offset.reset" || s.Value != "earliest" {
				t.Fatalf("bad set: %+v", s)
			}
		}},
		{"unset", "UNSET 'auto.offset.reset';", func(t *testing.T, st Statement) {
			if st.(*UnsetProperty).Name != "auto.offset.reset" {
				t.Fatal("bad unset")
			}
		}},
		{"explain query id", "EXPLAIN CTAS_T_3;", func(t *testing.T, st Statement) {
			if st.(*Explain).QueryID != "CTAS_T_3" {
				t.Fatal("bad explain")
			}
		}},
		{"explain statement", "EXPLAIN SELECT * FROM s EMIT CHANGES;", func(t *testing.T, st Statement) {
			if _, ok := st.(*Explain).Statement.(*QueryStatement); !ok {
				t.Fatal("bad explain statement")
			}
		}},
		{"print", "PRINT 'my-topic' FROM BEGINNING LIMIT 2;", func(t *testing.T, st Statement) {
			p := st.(*Print)
			if p.Topic != "my-topic" || !p.FromBeginning || p.Limit != 2 {
				t.Fatalf("bad print: %+v", p)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ParseStatement(tc.sql)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			tc.check(t, st)
		})
	}
}

func TestParseExpressions(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a + b * c", "(A + (B * C))"},
		{"(a + b) * c", "((A + B) * C)"},
		{"-x - -1", "(-X - -1)"},
		{"a = 1 OR b = 2 AND NOT c", "((A = 1) OR ((B = 2) AND (NOT C)))"},
		{"x BETWEEN 1 AND 3", "(X BETWEEN 1 AND 3)"},
		{"x NOT IN (1, 2)", "(X NOT IN (1, 2))"},
		{"s NOT LIKE 'f%'", "(S NOT LIKE 'f%')"},
		{"s IS NOT NULL", "(S IS NOT NULL)"},
		{"a IS DISTINCT FROM b", "(A IS DISTINCT FROM B)"},
		{"CASE WHEN a > 1 THEN 'x' ELSE 'y' END", "(CASE WHEN (A > 1) THEN 'x' ELSE 'y' END)"},
		{"CAST(a AS DECIMAL(4, 2))", "CAST(A AS DECIMAL(4, 2))"},
		{"a->b->`c`", "A->B->`c`"},
		{"arr[1][2]", "ARR[1][2]"},
		{"m['k']->x", "M['k']->X"},
		{"src.col", "SRC.COL"},
		{"COUNT(*)", "COUNT(*)"},
		{"ARRAY[1, 2]", "ARRAY[1, 2]"},
		{"STRUCT(a := 1, b := 'x')", "STRUCT(A:=1, B:='x')"},
		{"1.50", "1.50"},
		{"1E3", "1000.0"},
		{"'it''s'", "'it''s'"},
		{"a || b", "(A || B)"},
		{"TRANSFORM(xs, x => x + 1)", "TRANSFORM(XS, (X) => (X + 1))"},
	}
	for _, tc := range tests {
		e, err := ParseExpression(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := FormatExpr(e); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ sql, want string }{
		{"SELECT * FORM s;", "line 1:10: expected FROM, found 'FORM'; did you mean FROM?"},
		{"CREATE STREAM s (id INT) WITH (kafka_topic='t', value_format='JSON'", "line 1:68: expected ',' or ')', found end of input"},
		{"SELECT a,\n  FROM s;", "line 2:3: expected an expression, found 'FROM'"},
		{"CREATE STREM s;", "line 1:8: expected STREAM or TABLE, found 'STREM'"},
		{"SELECT 'abc FROM s;", "line 1:8: unterminated string literal"},
		{"DROP STREAM;", "line 1:12: expected a source name, found ';'"},
		{"SELECT x FROM s WINDOW TUMBLING (ADVANCE BY 1 SECOND);", "line 1:54: expected a window SIZE, found ';'"},
		{"SELECT CAST(x AS NOTATYPE) FROM s;", "line 1:18: expected a type, found 'NOTATYPE'"},
		{"/* unterminated", "line 1:1: unterminated comment"},
		{"FOO BAR;", "line 1:1: expected a statement, found 'FOO'"},
	}
	for _, tc := range tests {
		_, err := ParseScript(tc.sql)
		if err == nil {
			t.Errorf("%q: no error", tc.sql)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%q:\n got  %s\n want %s", tc.sql, err, tc.want)
		}
	}
}

func TestScriptKeepsStatementText(t *testing.T) {
	src := "-- a comment\nCREATE STREAM a (x INT) WITH (kafka_topic='a', value_format='JSON');\n/* block */ SHOW STREAMS;\n  SELECT * FROM a EMIT CHANGES"
	sts, err := ParseScript(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CREATE STREAM a (x INT) WITH (kafka_topic='a', value_format='JSON');",
		"SHOW STREAMS;",
		"SELECT * FROM a EMIT CHANGES",
	}
	if len(sts) != len(want) {
		t.Fatalf("got %d statements", len(sts))
	}
	for i, st := range sts {
		if st.Text() != want[i] {
			t.Errorf("statement %d text = %q, want %q", i, st.Text(), want[i])
		}
	}
}

func TestDigitIdentifierAlias(t *testing.T) {
	st, err := ParseStatement("SELECT ROUND(v, -1) as 1R, 1E0 x FROM t;")
	if err != nil {
		t.Fatal(err)
	}
	q := st.(*QueryStatement).Query
	if q.Select[0].Alias != "1R" || q.Select[1].Alias != "X" {
		t.Fatalf("aliases: %q %q", q.Select[0].Alias, q.Select[1].Alias)
	}
	if _, ok := q.Select[1].Expr.(*DoubleLiteral); !ok {
		t.Fatalf("1E0 should be a DOUBLE literal, got %T", q.Select[1].Expr)
	}
}

// TestParseConformanceStatements parses every statement of the ksqlDB
// conformance suite.
func TestParseConformanceStatements(t *testing.T) {
	data, err := os.ReadFile("../testdata/qtt-cases.json")
	if err != nil {
		t.Skip("no conformance cases")
	}
	var doc struct {
		Cases []struct {
			Statements []string `json:"statements"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range doc.Cases {
		for _, s := range c.Statements {
			if _, err := ParseStatement(s); err != nil {
				t.Errorf("%s: %v", s, err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no statements")
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"SELECT * FROM s EMIT CHANGES;",
		"CREATE STREAM s (id INT KEY, v STRUCT<a ARRAY<MAP<STRING, DOUBLE>>>) WITH (kafka_topic='s', value_format='JSON');",
		"CREATE TABLE t AS SELECT id, COUNT(*) FROM s WINDOW SESSION (30 SECONDS) GROUP BY id HAVING COUNT(*) > 1;",
		"SELECT CASE WHEN a->b[1] BETWEEN 1 AND 2 THEN 'x' END FROM s WHERE c NOT LIKE 'x%' AND d IN (1, 2.5, 1E3);",
		"INSERT INTO s VALUES (1, 'a''b', NULL, TRUE);",
		"/* c */ -- d\nSHOW QUERIES; DESCRIBE EXTENDED x; TERMINATE ALL;",
		"SELECT `a`.`b` FROM a JOIN b WITHIN 1 HOUR ON a.x = b.y;",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		sts, err := ParseScript(src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		for _, st := range sts {
			_ = st.Text()
		}
	})
}
