package ksqlshell

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current rendering")

// renderFixture renders a captured /ksql answer: its entities, or the
// error line of a statement_error.
func renderFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "entities", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		ke := &ksqlclient.Error{StatusCode: 400}
		if err := json.Unmarshal(b, ke); err != nil {
			t.Fatal(err)
		}
		out.WriteString(FormatError(ke) + "\n")
		return out.String()
	}
	var ents []ksqlclient.Entity
	if err := json.Unmarshal(b, &ents); err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := RenderEntity(&out, e); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

// TestRenderEntities renders every captured answer and compares it with
// its golden file, and checks the lines that matter most by hand, so a
// golden file rewritten by mistake still gets caught.
func TestRenderEntities(t *testing.T) {
	cases := []struct {
		fixture string
		want    []string // lines (or parts of lines) the rendering must hold
	}{
		{"create_stream", []string{" Message", "----------------", " Stream created", "----------------"}},
		{"create_table_as", []string{" Created query with ID CTAS_COUNTS_"}},
		{"show_streams", []string{
			" Stream Name         | Kafka Topic                 | Key Format | Value Format | Windowed",
			" KSQL_PROCESSING_LOG | default_ksql_processing_log | KAFKA      | JSON         | false",
			" READINGS            | readings                    | KAFKA      | JSON         | false",
		}},
		{"show_tables", []string{" Table Name | Kafka Topic | Key Format | Value Format | Windowed", " COUNTS     | COUNTS      | KAFKA      | JSON         | false"}},
		{"show_topics", []string{" Kafka Topic                 | Partitions | Partition Replicas", " readings                    | 1          | 1"}},
		{"show_queries", []string{" Query ID      | Query Type | Status    | Sink Name | Sink Kafka Topic | Query String", "| RUNNING:1 | COUNTS    | COUNTS           | CREATE TABLE counts AS SELECT", "For detailed information on a Query run: EXPLAIN <Query ID>;"}},
		{"show_properties", []string{" Property ", "| Scope | Level  | Effective Value", " ksql.streams.auto.offset.reset      | KSQL  | SERVER | latest"}},
		{"show_functions", []string{" Function Name", "| Category", "DESCRIBE FUNCTION <Function Name>;"}},
		{"describe", []string{
			"Name                 : READINGS",
			" Field | Type",
			" ID    | VARCHAR(STRING)  (key)",
			" TEMP  | DOUBLE",
			" LOC   | STRUCT<LAT DOUBLE, LON DOUBLE>",
			" TAGS  | ARRAY<VARCHAR(STRING)>",
			" ATTRS | MAP<STRING, INTEGER>",
			"For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;",
		}},
		{"describe_extended", []string{
			"Name                 : COUNTS",
			"Type                 : TABLE",
			"Timestamp field      : Not set - using <ROWTIME>",
			"Key format           : KAFKA",
			"Value format         : JSON",
			"Kafka topic          : COUNTS (partitions: 1",
			"Statement            : CREATE TABLE counts AS SELECT",
			" ID    | VARCHAR(STRING)  (primary key)",
			"Queries that write from this TABLE",
			"(RUNNING) : CREATE TABLE counts AS SELECT id, COUNT(*) AS n FROM readings GROUP BY id EMIT CHANGES;",
			"Local runtime statistics",
			"total-messages: 0",
			"failed-messages: 0",
			"(Statistics of the local KSQL server interaction with the Kafka topic COUNTS)",
		}},
		{"describe_streams_extended", []string{"Name                 : READINGS", "Queries that read from this STREAM"}},
		{"describe_function", []string{"Name        : SUBSTRING", "Variations  :", "\tVariation   : SUBSTRING(", "\tReturns     : "}},
		{"explain", []string{"ID                   : CTAS_COUNTS_", "SQL                  : CREATE TABLE counts", "Sources that this query reads from:", "READINGS", "Execution plan", " > [ SINK ]"}},
		{"error_syntax", []string{"line 1:10: expected FROM, found 'FORM'"}},
		{"error_missing", []string{"Could not find STREAM/TABLE 'NOTHERE' in the Metastore"}},
		// Written by hand in the shape of a real ksqlDB's answers, for what
		// the embedded engine does not send: windowed keys, decimals with
		// parameters, header columns, INSERT's empty answer, other types.
		{"handmade_windowed_decimal", []string{
			" ID    | INTEGER          (primary key) (Window type: TUMBLING)",
			" PRICE | DECIMAL(4, 2)",
			" HDR   | BYTES            (header)",
		}},
		{"handmade_empty_answer", nil},
		{"handmade_unknown_type", []string{`"@type": "type_list"`, `"ADDRESS": {`}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.fixture] = true
		t.Run(c.fixture, func(t *testing.T) {
			got := renderFixture(t, c.fixture)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("the rendering lacks %q:\n%s", w, got)
				}
			}
			for i, line := range strings.Split(got, "\n") {
				if strings.TrimRight(line, " ") != line {
					t.Errorf("line %d has trailing spaces: %q", i+1, line)
				}
			}
			golden := filepath.Join("testdata", "golden", c.fixture+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run the test with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("rendering differs from %s (-update rewrites it):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
	// Every fixture has a case.
	files, _ := filepath.Glob(filepath.Join("testdata", "entities", "*.json"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); !seen[name] {
			t.Errorf("fixture %s has no case in TestRenderEntities", name)
		}
	}
}

func TestTableAlignsWideCharacters(t *testing.T) {
	var b bytes.Buffer
	if err := (Table{Header: []string{"Name", "V"}, Rows: [][]string{{"日本", "1"}, {"abcdef", "22"}}}).Write(&b); err != nil {
		t.Fatal(err)
	}
	want := " Name   | V\n" +
		"-------------\n" +
		" 日本   | 1\n" +
		" abcdef | 22\n" +
		"-------------\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{"alice", "alice"},
		{int64(9007199254740993), "9007199254740993"},
		{21.5, "21.5"},
		{3.0, "3.0"},
		{0.00001, "0.00001"},
		{1e22, "1e+22"},
		{true, "true"},
		{[]any{int64(1), "a"}, `[1,"a"]`},
		{map[string]any{"LAT": 1.5, "LON": int64(2)}, `{"LAT":1.5,"LON":2}`},
	}
	for _, c := range cases {
		if got := FormatValue(c.in); got != c.want {
			t.Errorf("FormatValue(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestQueryTable(t *testing.T) {
	cases := []struct {
		name    string
		columns []string
		types   []string
		rows    [][]string
		width   int
		pull    bool
		want    string
	}{
		{
			name: "pull query sized to its rows", columns: []string{"ID", "NAME"}, pull: true,
			rows: [][]string{{"1", "alice"}, {"22", "bo"}},
			want: "+--+-----+\n|ID|NAME |\n+--+-----+\n|1 |alice|\n|22|bo   |\n+--+-----+\n",
		},
		{
			name: "push query shares the width and wraps", columns: []string{"ID", "NAME"}, width: 21,
			rows: [][]string{{"1", "a name longer than nine"}},
			want: "+---------+---------+\n|ID       |NAME     |\n+---------+---------+\n" +
				"|1        |a name lo|\n|         |nger than|\n|         | nine    |\n+---------+---------+\n",
		},
		{
			name: "not a terminal: sized by type, long values whole", columns: []string{"ID", "OK", "NAME"}, types: []string{"INTEGER", "BOOLEAN", "STRING"},
			rows: [][]string{{"1", "true", "a name longer than twenty-four"}},
			want: "+-----------+-----+------------------------+\n|ID         |OK   |NAME                    |\n+-----------+-----+------------------------+\n" +
				"|1          |true |a name longer than twenty-four|\n+-----------+-----+------------------------+\n",
		},
		{
			name: "a header wider than its share keeps its width", columns: []string{"A_LONG_COLUMN_NAME"}, width: 10,
			rows: [][]string{{"x"}},
			want: "+------------------+\n|A_LONG_COLUMN_NAME|\n+------------------+\n|x                 |\n+------------------+\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			var sizing [][]string
			if c.pull {
				sizing = c.rows
			}
			q := newQueryTable(&b, c.columns, c.types, sizing, c.width)
			q.header(c.columns)
			for _, r := range c.rows {
				q.row(r)
			}
			q.border()
			if b.String() != c.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), c.want)
			}
		})
	}
}
