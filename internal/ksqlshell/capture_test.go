package ksqlshell

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/env"
)

var capture = flag.Bool("capture", false, "capture the /ksql answers in testdata/entities from a fresh embedded server")

// captures are the statements whose /ksql answers the render tests use,
// in the order they run (later ones need the earlier ones).
var captures = []struct{ name, sql string }{
	{"create_stream", `CREATE STREAM readings (id VARCHAR KEY, temp DOUBLE, n BIGINT, loc STRUCT<lat DOUBLE, lon DOUBLE>, tags ARRAY<VARCHAR>, attrs MAP<VARCHAR, INT>) WITH (kafka_topic='readings', value_format='JSON', partitions=1);`},
	{"create_table_as", `CREATE TABLE counts AS SELECT id, COUNT(*) AS n FROM readings GROUP BY id EMIT CHANGES;`},
	{"show_streams", `SHOW STREAMS;`},
	{"show_tables", `SHOW TABLES;`},
	{"show_topics", `SHOW TOPICS;`},
	{"show_queries", `SHOW QUERIES;`},
	{"show_properties", `SHOW PROPERTIES;`},
	{"show_functions", `SHOW FUNCTIONS;`},
	{"describe", `DESCRIBE readings;`},
	{"describe_extended", `DESCRIBE counts EXTENDED;`},
	{"describe_streams_extended", `DESCRIBE STREAMS EXTENDED;`},
	{"describe_function", `DESCRIBE FUNCTION SUBSTRING;`},
	{"explain", `EXPLAIN {query};`}, // the query CREATE TABLE AS started
	{"error_syntax", `SELECT * FORM readings;`},
	{"error_missing", `DESCRIBE nothere;`},
}

// TestCaptureEntities writes the fixtures: go test ./internal/ksqlshell
// -run TestCaptureEntities -capture. It keeps the answers as the server
// sends them (SHOW FUNCTIONS cut to a few functions).
func TestCaptureEntities(t *testing.T) {
	if !*capture {
		t.Skip("run with -capture to rewrite testdata/entities")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := env.Start(ctx, env.Embedded, env.Spec{Needs: env.Needs{Kafka: true, KSQL: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	dir := filepath.Join("testdata", "entities")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	queryID := ""
	for _, c := range captures {
		sql := strings.ReplaceAll(c.sql, "{query}", queryID)
		body, _ := json.Marshal(map[string]any{"ksql": sql, "streamsProperties": map[string]any{}})
		resp, err := http.Post(e.KsqlURL()+"/ksql", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if c.name == "create_table_as" {
			var ents []struct {
				CommandStatus struct {
					QueryID string `json:"queryId"`
				} `json:"commandStatus"`
			}
			if err := json.Unmarshal(b, &ents); err != nil || len(ents) != 1 {
				t.Fatalf("%s: %v: %s", c.name, err, b)
			}
			queryID = ents[0].CommandStatus.QueryID
		}
		if c.name == "show_functions" {
			b = trimFunctions(t, b)
		}
		if strings.HasPrefix(c.name, "explain") && resp.StatusCode != 200 {
			t.Fatalf("%s: %s", sql, b)
		}
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err != nil {
			t.Fatalf("%s: %v: %s", c.name, err, b)
		}
		out.WriteString("\n")
		if err := os.WriteFile(filepath.Join(dir, c.name+".json"), out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: HTTP %d", c.name, resp.StatusCode)
	}
}

// trimFunctions keeps the first functions of a SHOW FUNCTIONS answer.
func trimFunctions(t *testing.T, b []byte) []byte {
	var ents []map[string]any
	if err := json.Unmarshal(b, &ents); err != nil {
		t.Fatal(err)
	}
	fs, _ := ents[0]["functions"].([]any)
	if len(fs) > 6 {
		ents[0]["functions"] = fs[:6]
	}
	out, _ := json.Marshal(ents)
	return out
}
