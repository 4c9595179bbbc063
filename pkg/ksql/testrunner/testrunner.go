// Package testrunner runs ksqlDB test cases the way ksqlDB's
// ksql-test-runner does: a file of statements, a file of input records and
// a file of expected output records. The statements run on a fresh engine,
// the inputs are fed in order, and the records written to every sink topic
// are compared with the expected outputs, topic by topic and in order: key,
// value (JSON compared by meaning, DELIMITED as strings, null as a
// tombstone), timestamp and window.
//
// The CLI (`mlops-lab ksql test`) uses it with files; lab graders use it
// from Go:
//
//	res, err := testrunner.Run(ctx, testrunner.Case{
//	    Statements: sql,
//	    Inputs: []testrunner.Record{
//	        testrunner.R("clicks", "u1", map[string]any{"URL": "/a"}).At(1000),
//	    },
//	    Outputs: []testrunner.Record{
//	        testrunner.R("CLICKS_PER_USER", "u1", map[string]any{"N": 1}).At(1000).
//	            In(testrunner.TumblingWindow(1000, 60000)),
//	    },
//	})
//	if err != nil { ... }          // the statements failed or an input could not be encoded
//	if !res.Passed { t.Error(res.Diff()) }
//
// Where the statements run is a Backend. InProcess (the default) runs the
// embedded engine on in-memory topics; a backend for a remote ksqlDB
// server and Kafka cluster can implement the same interface.
package testrunner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Case is one test: statements, the records to feed, and the records the
// sink topics must receive.
type Case struct {
	// Name labels the case in messages (optional).
	Name string
	// Statements is the SQL script (CREATE STREAM/TABLE, CSAS, CTAS,
	// INSERT INTO, ...), statements separated by ';'.
	Statements string
	// StatementsFile names the file the statements came from, for error
	// messages (optional).
	StatementsFile string
	// Inputs are produced to their topics in order.
	Inputs []Record
	// Outputs are the expected records, in order per topic.
	Outputs []Record
}

// Record is an input record or an expected (or actual) output record.
//
// Key and Value are JSON values: nil (JSON null), a string, a number, a
// bool, a map or slice, any value encoding/json marshals, or a
// json.RawMessage holding JSON text. How they become bytes depends on the
// format of the topic's stream or table: a JSON-format value is the JSON
// text; a DELIMITED value is given as a string ("1,alice"); a KAFKA-format
// key or value is the JSON form of its single column ("u1", 42). A nil
// Value is a tombstone. In inputs only, a []byte Key or Value is sent as
// those bytes unchanged (to feed malformed records).
type Record struct {
	Topic string
	Key   any
	Value any
	// Timestamp in milliseconds since the epoch. Inputs without one get 0;
	// expected outputs without one match any timestamp.
	Timestamp *int64
	// Window is the window of a windowed key; nil on expected outputs
	// means the window is not checked.
	Window *Window
}

// Window is the window of a windowed aggregation's output key.
type Window struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Type is "time" (tumbling and hopping windows) or "session", as in
	// ksql-test-runner's files; empty on an expected output means the type
	// is not checked. "tumbling" and "hopping" are accepted as "time".
	Type string `json:"type,omitempty"`
}

// Window types.
const (
	TimeWindowType    = "time"
	SessionWindowType = "session"
)

// R returns a record for topic with a key and a value (see Record).
func R(topic string, key, value any) Record {
	return Record{Topic: topic, Key: key, Value: value}
}

// At returns a copy of r with the timestamp ts (ms since the epoch).
func (r Record) At(ts int64) Record {
	r.Timestamp = &ts
	return r
}

// In returns a copy of r in window w.
func (r Record) In(w *Window) Record {
	if w != nil {
		c := *w
		r.Window = &c
	}
	return r
}

// Windowed returns a copy of r in the time window [start, end).
func (r Record) Windowed(start, end int64) Record {
	return r.In(TimeWindow(start, end))
}

// TimeWindow is a tumbling or hopping window [start, end).
func TimeWindow(start, end int64) *Window {
	return &Window{Start: start, End: end, Type: TimeWindowType}
}

// SessionWindow is a session window from the first to the last record's
// timestamp (both inclusive, as ksqlDB reports them).
func SessionWindow(start, end int64) *Window {
	return &Window{Start: start, End: end, Type: SessionWindowType}
}

// TumblingWindow is the tumbling window of size ms that holds the
// timestamp ts: [ts - ts mod size, that + size).
func TumblingWindow(ts, size int64) *Window {
	if size <= 0 {
		return TimeWindow(ts, ts)
	}
	start := ts - ts%size
	if ts < 0 && ts%size != 0 {
		start -= size
	}
	return TimeWindow(start, start+size)
}

// String renders a record the way diffs show it:
// topic=S key="a" value={"N":1} timestamp=1000 window=[0,60000) time.
func (r Record) String() string {
	var b strings.Builder
	if r.Topic != "" {
		b.WriteString("topic=" + r.Topic + " ")
	}
	b.WriteString("key=" + renderAny(r.Key) + " value=" + renderValue(r.Value))
	if r.Timestamp != nil {
		fmt.Fprintf(&b, " timestamp=%d", *r.Timestamp)
	}
	if r.Window != nil {
		b.WriteString(" window=" + r.Window.String())
	}
	return b.String()
}

// String renders a window as [start,end) and its type.
func (w *Window) String() string {
	if w == nil {
		return "none"
	}
	s := fmt.Sprintf("[%d,%d)", w.Start, w.End)
	if w.Type == SessionWindowType {
		s = fmt.Sprintf("[%d,%d]", w.Start, w.End)
	}
	if w.Type != "" {
		s += " " + w.Type
	}
	return s
}

func renderValue(v any) string {
	if v == nil {
		return "null (tombstone)"
	}
	return renderAny(v)
}

// renderAny renders a key or value as compact JSON.
func renderAny(v any) string {
	if b, ok := v.([]byte); ok {
		return fmt.Sprintf("bytes(%q)", b)
	}
	jv, err := toJSON(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(jv.raw)
}

// Backend runs a case's statements, feeds its inputs and reports what the
// sink topics received.
type Backend interface {
	Execute(ctx context.Context, c Case) (*Execution, error)
}

// Execution is what a backend observed.
type Execution struct {
	// Outputs holds, per topic, the records written to it, decoded into
	// JSON values with their timestamps and windows. It has an entry for
	// every sink topic of the statements' persistent queries and for every
	// topic named by an expected output (empty when nothing was written).
	Outputs map[string][]Record
	// ProcessingErrors are the records the queries skipped (bad JSON,
	// wrong types, failing expressions), as ksqlDB's processing log has
	// them.
	ProcessingErrors []ProcessingError
}

// ProcessingError is a record a query could not process.
type ProcessingError struct {
	QueryID string
	Topic   string
	Offset  int64
	Message string
}

func (p ProcessingError) String() string {
	return fmt.Sprintf("%s: record %d of topic %s: %s", p.QueryID, p.Offset, p.Topic, p.Message)
}

// Runner runs cases on a backend.
type Runner struct {
	// Backend runs the statements (default: a fresh InProcess engine).
	Backend Backend
}

// Run runs a case on the embedded engine and compares the outputs.
func Run(ctx context.Context, c Case) (*Result, error) {
	return Runner{}.Run(ctx, c)
}

// Run runs a case and compares the outputs with the expected ones. The
// error is non-nil when the case could not run: a statement failed
// (*StatementError), an input or expected output is invalid, or the
// backend failed. Mismatching outputs are not an error: see
// Result.Passed.
func (r Runner) Run(ctx context.Context, c Case) (*Result, error) {
	if err := checkRecords("outputs", c.Outputs, false); err != nil {
		return nil, err
	}
	if err := checkRecords("inputs", c.Inputs, true); err != nil {
		return nil, err
	}
	b := r.Backend
	if b == nil {
		b = &InProcess{}
	}
	exec, err := b.Execute(ctx, c)
	if err != nil {
		return nil, err
	}
	res := Compare(c.Outputs, exec.Outputs)
	res.ProcessingErrors = exec.ProcessingErrors
	return res, nil
}

// checkRecords validates the records of a case before it runs.
func checkRecords(what string, recs []Record, input bool) error {
	for i, rec := range recs {
		if rec.Topic == "" {
			return fmt.Errorf("%s[%d]: no topic", what, i)
		}
		for _, f := range []struct {
			name string
			v    any
		}{{"key", rec.Key}, {"value", rec.Value}} {
			if _, ok := f.v.([]byte); ok {
				if !input {
					return fmt.Errorf("%s[%d]: %s: raw []byte is only for inputs; give the expected %s as a JSON value", what, i, f.name, f.name)
				}
				continue
			}
			if _, err := toJSON(f.v); err != nil {
				return fmt.Errorf("%s[%d]: %s: %v", what, i, f.name, err)
			}
		}
		if w := rec.Window; w != nil {
			if _, err := normWindowType(w.Type); err != nil {
				return fmt.Errorf("%s[%d]: window: %v", what, i, err)
			}
		}
	}
	return nil
}

// normWindowType maps the window type names to "time", "session" or "".
func normWindowType(t string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "":
		return "", nil
	case "time", "tumbling", "hopping":
		return TimeWindowType, nil
	case "session":
		return SessionWindowType, nil
	}
	return "", fmt.Errorf("unknown window type %q (want \"time\" or \"session\")", t)
}

// jsonValue is a JSON value both as compact text and decoded (numbers as
// json.Number).
type jsonValue struct {
	raw []byte
	v   any
}

// toJSON turns a Go value or JSON text into a jsonValue.
func toJSON(v any) (jsonValue, error) {
	var raw []byte
	switch x := v.(type) {
	case nil:
		return jsonValue{raw: []byte("null")}, nil
	case json.RawMessage:
		raw = x
	case string:
		b, _ := json.Marshal(x)
		return jsonValue{raw: b, v: x}, nil
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return jsonValue{}, fmt.Errorf("not a JSON value: %v", err)
		}
		raw = b
	}
	return parseJSON(raw)
}

// parseJSON decodes and compacts JSON text.
func parseJSON(raw []byte) (jsonValue, error) {
	if !json.Valid(raw) {
		var probe any
		err := json.Unmarshal(raw, &probe)
		if err == nil {
			err = fmt.Errorf("not a single JSON value")
		}
		return jsonValue{}, fmt.Errorf("invalid JSON %s: %v", clip(raw), err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return jsonValue{}, fmt.Errorf("invalid JSON %s: %v", clip(raw), err)
	}
	return jsonValue{raw: compact(raw), v: out}, nil
}

// clip quotes at most 80 bytes of data for a message.
func clip(b []byte) string {
	if len(b) > 80 {
		return fmt.Sprintf("%q...", b[:80])
	}
	return fmt.Sprintf("%q", b)
}

func compact(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}
