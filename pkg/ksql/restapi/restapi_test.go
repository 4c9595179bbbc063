package restapi

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestWireShapes pins the JSON of the messages whose optional parts ksqlDB
// leaves out: a /query element holds exactly one of header, row, final
// message and error; a generic error has no statementText.
func TestWireShapes(t *testing.T) {
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"header", StreamedRow{Header: &QueryHeader{QueryID: "q1", Schema: "`ID` STRING KEY"}},
			`{"header":{"queryId":"q1","schema":"` + "`ID` STRING KEY" + `"}}`},
		{"row", StreamedRow{Row: &QueryRow{Columns: []json.RawMessage{json.RawMessage(`1`), json.RawMessage(`null`)}}},
			`{"row":{"columns":[1,null]}}`},
		{"tombstone", StreamedRow{Row: &QueryRow{Columns: []json.RawMessage{json.RawMessage(`1`)}, Tombstone: true}},
			`{"row":{"columns":[1],"tombstone":true}}`},
		{"final", StreamedRow{FinalMessage: "Limit Reached"}, `{"finalMessage":"Limit Reached"}`},
		{"generic error", ErrorMessage{Type: "generic_error", ErrorCode: ErrNotFound, Message: "Not found", Entities: []Entity{}},
			`{"@type":"generic_error","error_code":40400,"message":"Not found","entities":[]}`},
		{"ack", InsertAck{Status: "ok", Seq: 3}, `{"status":"ok","seq":3}`},
		{"query ref", QueryRef{QueryString: "q", Sinks: []string{"S"}, ID: "CSAS_S_1"},
			`{"queryString":"q","sinks":["S"],"id":"CSAS_S_1"}`},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.v)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if string(b) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, b, c.want)
		}
	}
}

func TestStatementErrorIsAnError(t *testing.T) {
	var err error = &StatementError{Type: "statement_error", ErrorCode: ErrBadStatement, Message: "line 1:1: boom"}
	var se *StatementError
	if !errors.As(err, &se) || err.Error() != "line 1:1: boom" {
		t.Errorf("StatementError as error: %v", err)
	}
}
