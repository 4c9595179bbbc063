package testrunner

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// restFloor is how many of ksqlDB's REST query-validation cases that need
// no schema registry must pass through the embedded server.
const restFloor = 194

// restKnownFailures explains the cases the embedded server deliberately
// does not match.
var restKnownFailures = map[string]string{
	"windowed join":                                                                "The push query's header names the windowed join's columns differently from ksqlDB (the planner's naming of joined window bounds).",
	"windowed join - with rowtime":                                                 "As for windowed join: the joined window bounds are named differently in the header.",
	"windowed join - with rowpartition":                                            "As for windowed join: the joined window bounds are named differently in the header.",
	"Should not allow foreign key join on windowed tables":                         "The planner accepts a foreign-key join of windowed tables that ksqlDB refuses.",
	"aggregate without GROUP BY expression":                                        "Aggregates without GROUP BY (a single global group) are not supported by the planner.",
	"multiple aggregates without GROUP BY expression":                              "Aggregates without GROUP BY (a single global group) are not supported by the planner.",
	"windowed GROUP BY - window bounds in WHERE":                                   "The planner accepts window bounds in the WHERE clause of a windowed aggregation, which ksqlDB refuses.",
	"windowed GROUP BY - window bounds in HAVING":                                  "The planner accepts window bounds in HAVING, which ksqlDB refuses.",
	"NULL Arithmetic Behavior - INTEGER addition":                                  "Arithmetic with a NULL literal is typed and evaluated to NULL rather than refused when the query starts.",
	"NULL Arithmetic Behavior - MAP addition":                                      "Refused, but the expression checker words the message differently and types the map's key as STRING.",
	"NULL Arithmetic Behavior - ARRAY addition":                                    "Refused, but the expression checker words the message differently.",
	"NULL Arithmetic Behavior - DECIMAL division":                                  "Arithmetic with a NULL literal is typed and evaluated to NULL rather than refused when the query starts.",
	"NULL Arithmetic Behavior - NULL NULL multiplication":                          "Arithmetic with a NULL literal is typed and evaluated to NULL rather than refused when the query starts.",
	"should fail on mismatch between key and key field values when stream has key": "Refers to ksqlDB's old KEY property (a value column mirroring the key), which the engine does not implement.",
	"should insert map with null keys":                                             "A NULL map key is written as the JSON key \"\" where ksqlDB writes \"null\" (the JSON codec's choice).",
	"should fail on column reference":                                              "INSERT VALUES with a column reference is refused, with the expression checker's message instead of ksqlDB's.",
}

var restFiles = []string{"push-queries.json", "pull-queries-against-materialized-aggregates.json", "insert-values.json"}

// TestRESTConformance runs ksqlDB's REST query-validation cases
// (testdata/rest) against the embedded server over HTTP. With -update it
// rewrites the REST section of pkg/ksql/CONFORMANCE.md.
func TestRESTConformance(t *testing.T) {
	passed, total, registry := 0, 0, 0
	var failures []string
	byFile := map[string][2]int{}
	for _, f := range restFiles {
		cases, err := LoadRESTCases("../testdata/rest/" + f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if c.NeedsSchemaRegistry() {
				registry++
				continue
			}
			total++
			counts := byFile[f]
			counts[1]++
			if only := os.Getenv("REST_CASE"); only != "" && !strings.Contains(c.Name, only) {
				continue
			}
			err := RunREST(context.Background(), c)
			if err == nil {
				passed++
				counts[0]++
			} else {
				t.Logf("%s / %s: %v", f, c.Name, err)
				failures = append(failures, restFailureRow(f, c.Name, err.Error()))
			}
			byFile[f] = counts
		}
	}
	t.Logf("REST conformance: %d/%d passed (%d cases need a schema registry and are not run)", passed, total, registry)
	if *update {
		writeRESTConformance(t, passed, total, registry, byFile, failures)
	}
	if passed < restFloor {
		t.Errorf("REST conformance: %d/%d passed, want at least %d", passed, total, restFloor)
	}
}

func restFailureRow(file, name, problem string) string {
	msg := strings.Join(strings.Fields(problem), " ")
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	if why, ok := restKnownFailures[name]; ok {
		msg = why + " Observed: " + msg
	}
	clean := func(s string) string { return strings.ReplaceAll(s, "|", "/") }
	return fmt.Sprintf("| %s | %s | %s |", file, clean(name), clean(msg))
}

// restSectionHeading starts the REST section of CONFORMANCE.md; the
// functional-test section above it is written by TestQTTCases.
const restSectionHeading = "## REST API conformance"

func writeRESTConformance(t *testing.T, passed, total, registry int, byFile map[string][2]int, failures []string) {
	old, err := os.ReadFile("../CONFORMANCE.md")
	if err != nil {
		t.Fatal(err)
	}
	head := string(old)
	if i := strings.Index(head, "\n"+restSectionHeading); i >= 0 {
		head = head[:i+1]
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(head, "\n") + "\n\n")
	b.WriteString(restSectionHeading + "\n\n")
	b.WriteString("Generated by `go test ./pkg/ksql/testrunner -run TestRESTConformance -update`.\n")
	b.WriteString("The cases are ksqlDB's own REST query-validation tests (see `testdata/rest/`),\n")
	b.WriteString("sent over HTTP to the embedded server as ksqlDB's RestTestExecutor sends them.\n")
	fmt.Fprintf(&b, "%d cases use AVRO, PROTOBUF or JSON_SR through a schema registry, which the\n", registry)
	b.WriteString("embedded engine does not serve; they are not run and not counted.\n\n")
	fmt.Fprintf(&b, "**%d/%d cases pass.**\n\n| file | passed |\n|---|---|\n", passed, total)
	for _, f := range restFiles {
		fmt.Fprintf(&b, "| %s | %d/%d |\n", f, byFile[f][0], byFile[f][1])
	}
	b.WriteString("\n### REST cases that do not pass\n\n| file | case | reason |\n|---|---|---|\n")
	b.WriteString(strings.Join(failures, "\n") + "\n")
	if err := os.WriteFile("../CONFORMANCE.md", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
