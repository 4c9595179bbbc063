package ksqlserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/restapi"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

const insertsPattern = "POST /inserts-stream"

// insertsStream reads newline-delimited JSON: an object naming the target
// stream, then one object per line, each at most MaxInsertRowBytes; it
// answers one ack per row once the row is written (acknowledged by the
// broker), or an error ack when it was refused. Rows are inserted as
// INSERT INTO ... VALUES statements, so they get exactly the checks and
// encoding of those.
func (s *Server) insertsStream(w http.ResponseWriter, r *http.Request) {
	// Reading rows while answering acks needs a full-duplex HTTP/1.1
	// exchange; HTTP/2 is full duplex anyway.
	_ = http.NewResponseController(w).EnableFullDuplex()
	lines := bufio.NewReaderSize(r.Body, 64<<10)
	line, err := readLine(lines, MaxInsertRowBytes)
	if errors.Is(err, errLineTooLong) {
		writeTooLarge(w, fmt.Sprintf("The first line of /inserts-stream is larger than the limit of %d bytes per line", MaxInsertRowBytes))
		return
	}
	var target restapi.InsertsTarget
	if err != nil && !errors.Is(err, io.EOF) || json.Unmarshal(line, &target) != nil || target.Target == "" {
		badRequest(w, "the first JSON object must name the target stream: {\"target\": \"STREAM\"}")
		return
	}
	name := target.Target
	src := s.b.Engine().Catalog().Get(name)
	if src == nil {
		src = s.b.Engine().Catalog().Get(strings.ToUpper(name))
	}
	if src == nil {
		writeJSON(w, http.StatusBadRequest, restapi.ErrorMessage{Type: "generic_error", ErrorCode: restapi.ErrNotFound, Message: "Cannot insert into an unknown stream: " + name, Entities: []restapi.Entity{}})
		return
	}
	if src.Kind != parser.KindStream {
		badRequest(w, "Cannot insert into a table: "+name)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.ksqlapi.delimited.v1")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	enc := json.NewEncoder(w)
	ctx := r.Context()
	for seq := int64(0); ; seq++ {
		line, err := readLine(lines, MaxInsertRowBytes)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return
		}
		if err != nil && !errors.Is(err, io.EOF) {
			// Too long, or the request broke off: answer and stop reading.
			ack := restapi.InsertAck{Status: "error", Seq: seq, ErrorCode: restapi.ErrBadRequest, Message: "Error reading the inserts stream: " + err.Error()}
			if errors.Is(err, errLineTooLong) {
				ack = restapi.InsertAck{Status: "error", Seq: seq, ErrorCode: restapi.ErrTooLarge, Message: fmt.Sprintf("Row %d is larger than the limit of %d bytes per row", seq, MaxInsertRowBytes)}
			}
			_ = enc.Encode(ack)
			return
		}
		ack := restapi.InsertAck{Status: "ok", Seq: seq}
		row, err := decodeRow(line)
		if err != nil {
			ack = restapi.InsertAck{Status: "error", Seq: seq, ErrorCode: restapi.ErrBadRequest, Message: "Invalid JSON in inserts stream: " + err.Error()}
			_ = enc.Encode(ack)
			return
		}
		stmt, err := insertStatement(src, row)
		if err == nil {
			_, err = s.b.Execute(ctx, stmt, nil)
		}
		if err != nil {
			ack = restapi.InsertAck{Status: "error", Seq: seq, ErrorCode: restapi.ErrBadStatement, Message: err.Error()}
			var se *engine.StatementError
			if errors.As(err, &se) {
				ack.ErrorCode, ack.Message = se.ErrorCode, se.Message
			}
		}
		if err := enc.Encode(ack); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads the next non-blank line (without its newline), holding
// at most limit bytes of it: a longer line is errLineTooLong. At the end
// of the input it returns the last line with io.EOF.
func readLine(r *bufio.Reader, limit int) ([]byte, error) {
	for {
		var line []byte
		for {
			chunk, err := r.ReadSlice('\n')
			if len(line)+len(chunk) > limit+1 { // +1: the newline
				return nil, errLineTooLong
			}
			line = append(line, chunk...)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			trimmed := bytes.TrimSpace(line)
			if len(trimmed) > 0 || err != nil {
				return trimmed, err
			}
			break // a blank line
		}
	}
}

// decodeRow parses one row object, keeping numbers as written.
func decodeRow(line []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var row map[string]any
	if err := dec.Decode(&row); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value on a line")
	}
	return row, nil
}

// insertStatement renders a JSON row as INSERT INTO src (cols) VALUES (...).
func insertStatement(src *engine.Source, row map[string]any) (string, error) {
	names := make([]string, 0, len(row))
	for k := range row {
		names = append(names, k)
	}
	sort.Strings(names)
	var cols, vals []string
	for _, k := range names {
		var col *engine.Column
		for i := range src.Columns {
			if strings.EqualFold(src.Columns[i].Name, k) {
				col = &src.Columns[i]
			}
		}
		if strings.EqualFold(k, "ROWTIME") {
			col = &engine.Column{Name: "ROWTIME", Type: types.BigintType}
		}
		if col == nil {
			return "", fmt.Errorf("Column %s does not exist in %s", k, src.Name)
		}
		lit, err := literal(row[k], col.Type)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", col.Name, err)
		}
		cols = append(cols, parser.QuoteIdent(col.Name))
		vals = append(vals, lit)
	}
	return "INSERT INTO " + parser.QuoteIdent(src.Name) + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ");", nil
}

// literal renders a JSON value as a KSQL literal of type t.
func literal(v any, t *types.Type) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case bool:
		if x {
			return "TRUE", nil
		}
		return "FALSE", nil
	case json.Number:
		return x.String(), nil
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", nil
	case []any:
		var elem *types.Type
		if t != nil {
			elem = t.Elem
		}
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := literal(e, elem)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "ARRAY[" + strings.Join(parts, ", ") + "]", nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		if t != nil && t.Kind == types.KindMap {
			for _, k := range keys {
				s, err := literal(x[k], t.Elem)
				if err != nil {
					return "", err
				}
				parts = append(parts, "'"+strings.ReplaceAll(k, "'", "''")+"' := "+s)
			}
			return "MAP(" + strings.Join(parts, ", ") + ")", nil
		}
		for _, k := range keys {
			var ft *types.Type
			name := k
			if t != nil {
				for _, f := range t.Fields {
					if strings.EqualFold(f.Name, k) {
						ft, name = f.Type, f.Name
					}
				}
			}
			s, err := literal(x[k], ft)
			if err != nil {
				return "", err
			}
			parts = append(parts, parser.QuoteIdent(name)+" := "+s)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")", nil
	}
	return "", fmt.Errorf("unsupported JSON value %v", v)
}
