package testrunner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// FileError is a problem in an input or output file: bad JSON (with the
// line and column of the problem) or a bad record (with its index).
type FileError struct {
	File string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	// Record is the index of the bad record in the file's array, or -1.
	Record int
	// Array is "inputs" or "outputs".
	Array string
	Err   error
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Record >= 0 {
		fmt.Fprintf(&b, "%s[%d]: ", e.Array, e.Record)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// LoadFiles reads a case from ksql-test-runner's three files. inputPath may
// be empty when the statements produce their own input (INSERT VALUES).
func LoadFiles(statementsPath, inputPath, outputPath string) (Case, error) {
	c := Case{Name: statementsPath, StatementsFile: statementsPath}
	sql, err := os.ReadFile(statementsPath)
	if err != nil {
		return c, fmt.Errorf("reading statements: %w", err)
	}
	c.Statements = string(sql)
	if inputPath != "" {
		data, err := os.ReadFile(inputPath)
		if err != nil {
			return c, fmt.Errorf("reading inputs: %w", err)
		}
		if c.Inputs, err = ParseInputs(inputPath, data); err != nil {
			return c, err
		}
	}
	data, err := os.ReadFile(outputPath)
	if err != nil {
		return c, fmt.Errorf("reading expected outputs: %w", err)
	}
	if c.Outputs, err = ParseOutputs(outputPath, data); err != nil {
		return c, err
	}
	return c, nil
}

// ParseInputs parses an input file: {"inputs": [{"topic", "key", "value",
// "timestamp"}, ...]}. name is the file name for errors.
func ParseInputs(name string, data []byte) ([]Record, error) {
	return parseRecordFile(name, data, "inputs")
}

// ParseOutputs parses an expected output file: {"outputs": [{"topic",
// "key", "value", "timestamp", "window": {"start", "end", "type"}}, ...]}.
func ParseOutputs(name string, data []byte) ([]Record, error) {
	return parseRecordFile(name, data, "outputs")
}

// fileRecord is a record as the files spell it.
type fileRecord struct {
	Topic     string          `json:"topic"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Timestamp json.RawMessage `json:"timestamp"`
	Window    json.RawMessage `json:"window"`
}

// recordFields are the members a record may have; "comment" is ignored.
var recordFields = map[string]bool{"topic": true, "key": true, "value": true, "timestamp": true, "window": true, "comment": true}

func parseRecordFile(name string, data []byte, array string) ([]Record, error) {
	ferr := func(off int, rec int, err error) *FileError {
		fe := &FileError{File: name, Record: rec, Array: array, Err: err}
		if off >= 0 {
			fe.Line, fe.Column = lineCol(data, off)
		}
		return fe
	}
	if !json.Valid(data) {
		var probe any
		err := json.Unmarshal(data, &probe)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the offending byte; at the end of the input
			// there is none.
			off := int(se.Offset) - 1
			if int(se.Offset) >= len(data) && strings.Contains(se.Error(), "end of JSON input") {
				off = len(data)
			}
			if off < 0 {
				off = 0
			}
			return nil, ferr(off, -1, fmt.Errorf("invalid JSON: %v", se))
		}
		if err == nil {
			err = errors.New("more than one JSON value")
		}
		return nil, ferr(-1, -1, fmt.Errorf("invalid JSON: %v", err))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, _ := dec.Token()
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, ferr(skipSpace(data, 0), -1, fmt.Errorf(`expected an object {"%s": [...]}`, array))
	}
	var recs []Record
	found := false
	for dec.More() {
		keyOff := skipSpace(data, int(dec.InputOffset()))
		tok, _ := dec.Token()
		field, _ := tok.(string)
		if field == "comment" || field == "comments" {
			var skip json.RawMessage
			_ = dec.Decode(&skip)
			continue
		}
		if field != array {
			return nil, ferr(keyOff, -1, fmt.Errorf(`unexpected field %q: the file holds {"%s": [...]}`, field, array))
		}
		found = true
		valOff := skipSpace(data, int(dec.InputOffset()))
		tok, _ = dec.Token()
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, ferr(valOff, -1, fmt.Errorf("%q must be an array of records", array))
		}
		for i := 0; dec.More(); i++ {
			off := skipSpace(data, int(dec.InputOffset()))
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, ferr(off, i, err)
			}
			rec, err := parseRecord(raw)
			if err != nil {
				return nil, ferr(off, i, err)
			}
			recs = append(recs, rec)
		}
		_, _ = dec.Token() // ']'
	}
	if !found {
		return nil, ferr(-1, -1, fmt.Errorf(`no %q array: the file holds {"%s": [...]}`, array, array))
	}
	return recs, nil
}

// parseRecord checks and converts one record of a file.
func parseRecord(raw json.RawMessage) (Record, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return Record{}, errors.New(`a record must be an object {"topic": ..., "key": ..., "value": ...}`)
	}
	for k := range members {
		if !recordFields[k] {
			return Record{}, fmt.Errorf("unknown field %q (a record has topic, key, value, timestamp, window and comment)", k)
		}
	}
	var fr fileRecord
	if err := json.Unmarshal(raw, &fr); err != nil {
		return Record{}, fmt.Errorf("topic: %v", err)
	}
	if fr.Topic == "" {
		return Record{}, errors.New(`no "topic"`)
	}
	rec := Record{Topic: fr.Topic}
	if !isJSONNull(fr.Key) {
		rec.Key = fr.Key
	}
	if !isJSONNull(fr.Value) {
		rec.Value = fr.Value
	}
	if !isJSONNull(fr.Timestamp) {
		var ts int64
		if err := json.Unmarshal(fr.Timestamp, &ts); err != nil {
			return Record{}, fmt.Errorf("timestamp: want milliseconds since the epoch as an integer, got %s", fr.Timestamp)
		}
		rec.Timestamp = &ts
	}
	if !isJSONNull(fr.Window) {
		var w struct {
			Start *int64 `json:"start"`
			End   *int64 `json:"end"`
			Type  string `json:"type"`
		}
		dec := json.NewDecoder(bytes.NewReader(fr.Window))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			return Record{}, fmt.Errorf(`window: want {"start": ms, "end": ms, "type": "time" or "session"}: %v`, err)
		}
		if w.Start == nil || w.End == nil {
			return Record{}, errors.New(`window: "start" and "end" are required`)
		}
		t, err := normWindowType(w.Type)
		if err != nil {
			return Record{}, fmt.Errorf("window: %v", err)
		}
		rec.Window = &Window{Start: *w.Start, End: *w.End, Type: t}
	}
	return rec, nil
}

func isJSONNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// skipSpace returns the offset of the first byte at or after off that is
// not JSON white space or a separator.
func skipSpace(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// FormatOutputs writes records as an expected-output file
// ({"outputs": [...]}), one record per line: a way to record what a
// reference solution produces.
func FormatOutputs(w io.Writer, recs []Record) error {
	var b bytes.Buffer
	b.WriteString("{\n  \"outputs\": [\n")
	for i, r := range recs {
		b.WriteString("    {\"topic\": ")
		t, _ := json.Marshal(r.Topic)
		b.Write(t)
		k, err := toJSON(r.Key)
		if err != nil {
			return fmt.Errorf("output %d: key: %v", i, err)
		}
		b.WriteString(", \"key\": ")
		b.Write(k.raw)
		v, err := toJSON(r.Value)
		if err != nil {
			return fmt.Errorf("output %d: value: %v", i, err)
		}
		b.WriteString(", \"value\": ")
		b.Write(v.raw)
		if r.Timestamp != nil {
			fmt.Fprintf(&b, ", \"timestamp\": %d", *r.Timestamp)
		}
		if r.Window != nil {
			wb, _ := json.Marshal(r.Window)
			b.WriteString(", \"window\": ")
			b.Write(wb)
		}
		b.WriteString("}")
		if i < len(recs)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("  ]\n}\n")
	_, err := w.Write(b.Bytes())
	return err
}
