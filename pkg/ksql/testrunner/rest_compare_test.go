package testrunner

import (
	"encoding/json"
	"strings"
	"testing"
)

func raws(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

// TestRESTCompare checks the REST runner's comparisons against ksqlDB
// harness rules: exact header schema and element count, rows as a
// multiset unless ordered, Java number equality, subset matching of admin
// answers with |STARTS_WITH, and errors by status, type and message.
func TestRESTCompare(t *testing.T) {
	hdr := `{"header":{"schema":"` + "`ID` STRING KEY" + `"}}`
	want := raws(hdr, `{"row":{"columns":["a",1]}}`, `{"row":{"columns":["b",2.0]}}`)
	cases := []struct {
		name    string
		got     []json.RawMessage
		ordered bool
		errPart string
	}{
		{"same", raws(hdr, `{"row":{"columns":["a",1]}}`, `{"row":{"columns":["b",2.0]}}`), true, ""},
		{"other order", raws(hdr, `{"row":{"columns":["b",2.0]}}`, `{"row":{"columns":["a",1]}}`), false, ""},
		{"order checked", raws(hdr, `{"row":{"columns":["b",2.0]}}`, `{"row":{"columns":["a",1]}}`), true, "row 0"},
		{"1.0 is not 1", raws(hdr, `{"row":{"columns":["a",1.0]}}`, `{"row":{"columns":["b",2.0]}}`), false, "not found"},
		{"2.00 is 2.0", raws(hdr, `{"row":{"columns":["a",1]}}`, `{"row":{"columns":["b",2.00]}}`), false, ""},
		{"extra final message", raws(hdr, `{"row":{"columns":["a",1]}}`, `{"row":{"columns":["b",2.0]}}`, `{"finalMessage":"Query Completed"}`), false, "expected 3 elements"},
		{"header", raws(`{"header":{"schema":"`+"`ID` STRING"+`"}}`, `{"row":{"columns":["a",1]}}`, `{"row":{"columns":["b",2.0]}}`), false, "header schema"},
	}
	for _, c := range cases {
		err := compareQuery(want, c.got, c.ordered)
		if c.errPart == "" && err != nil || c.errPart != "" && (err == nil || !strings.Contains(err.Error(), c.errPart)) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.errPart)
		}
	}
	if err := compareSubset("admin", json.RawMessage(`{"@type":"currentStatus","commandStatus":{"message|STARTS_WITH":"Created"}}`),
		json.RawMessage(`{"@type":"currentStatus","statementText":"x","commandStatus":{"status":"SUCCESS","message":"Created query"}}`)); err != nil {
		t.Errorf("subset with STARTS_WITH: %v", err)
	}
	if err := compareSubset("admin", json.RawMessage(`{"@type":"streams"}`), json.RawMessage(`{"@type":"tables"}`)); err == nil {
		t.Error("a different @type matched")
	}
	stmtErr := &restAnswerError{status: 400, body: json.RawMessage(`{"@type":"statement_error","message":"line 1: boom here"}`)}
	if err := compareError(&RESTError{Type: "io.confluent.ksql.rest.entity.KsqlStatementErrorMessage", Message: "boom", Status: 400}, stmtErr); err != nil {
		t.Errorf("matching error: %v", err)
	}
	if err := compareError(&RESTError{Message: "boom", Status: 500}, stmtErr); err == nil {
		t.Error("an error of another status matched")
	}
	generic := &restAnswerError{status: 400, body: json.RawMessage(`{"@type":"generic_error","message":"boom"}`)}
	if err := compareError(&RESTError{Type: "io.confluent.ksql.rest.entity.KsqlStatementErrorMessage", Message: "boom"}, generic); err == nil {
		t.Error("a generic_error matched KsqlStatementErrorMessage")
	}
}
