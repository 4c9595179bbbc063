package ksqlshell

import (
	"reflect"
	"testing"
)

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
