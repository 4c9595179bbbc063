package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

type insertsTarget struct {
	Target string `json:"target"`
}

// insertAck is the per-row answer of /inserts-stream.
type insertAck struct {
	Status    string `json:"status"`
	Seq       int64  `json:"seq"`
	ErrorCode int    `json:"error_code,omitempty"`
	Message   string `json:"message,omitempty"`
}

// insertsStream reads newline-delimited JSON: an object naming the target
// stream, then one object per row; it answers one ack per row as soon as
// the row is written. Rows are inserted as INSERT INTO ... VALUES
// statements, so they get exactly the checks and encoding of those.
func (s *Server) insertsStream(w http.ResponseWriter, r *http.Request) {
	// Reading rows while answering acks needs a full-duplex HTTP/1.1
	// exchange; HTTP/2 is full duplex anyway.
	_ = http.NewResponseController(w).EnableFullDuplex()
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var target insertsTarget
	if err := dec.Decode(&target); err != nil || target.Target == "" {
		badRequest(w, "the first JSON object must name the target stream: {\"target\": \"STREAM\"}")
		return
	}
	name := target.Target
	src := s.b.Engine().Catalog().Get(name)
	if src == nil {
		src = s.b.Engine().Catalog().Get(strings.ToUpper(name))
	}
	if src == nil {
		writeJSON(w, http.StatusBadRequest, errorMessage{Type: "generic_error", ErrorCode: engine.ErrNotFound, Message: "Cannot insert into an unknown stream: " + name, Entities: []engine.Entity{}})
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
		var row map[string]any
		err := dec.Decode(&row)
		if errors.Is(err, io.EOF) {
			return
		}
		ack := insertAck{Status: "ok", Seq: seq}
		if err != nil {
			ack = insertAck{Status: "error", Seq: seq, ErrorCode: engine.ErrBadRequest, Message: "Invalid JSON in inserts stream: " + err.Error()}
			_ = enc.Encode(ack)
			return
		}
		stmt, err := insertStatement(src, row)
		if err == nil {
			_, err = s.b.Execute(ctx, stmt, nil)
		}
		if err != nil {
			ack = insertAck{Status: "error", Seq: seq, ErrorCode: engine.ErrBadStatement, Message: err.Error()}
		}
		if err := enc.Encode(ack); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
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
