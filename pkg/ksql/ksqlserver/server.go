// Package ksqlserver serves ksqlDB's REST API on net/http over the embedded
// engine: GET /info and /healthcheck, POST /ksql (statements), /query (the
// older streaming query endpoint), /query-stream (push and pull queries,
// newline-delimited or as one JSON array), /close-query and
// /inserts-stream. Request and response shapes follow ksqlDB 0.29 (its
// KsqlRequest, StreamedRow, KsqlEntity and KsqlErrorMessage classes), so
// the same clients work against this server and a real ksqlDB.
//
// A push query runs until it reaches its LIMIT, is closed through
// /close-query, or its client goes away (the request's context ends).
//
// Writes are answered once the broker has acknowledged them: an INSERT
// whose record is refused is a statement_error on /ksql and an error ack
// on /inserts-stream. Request bodies are limited (MaxRequestBytes,
// MaxInsertRowBytes per /inserts-stream row) and read through
// http.MaxBytesReader, so an oversized one is refused with 413 before it
// is held in memory. Every error, unknown paths and methods included, is
// answered in ksqlDB's JSON error shape
// ({"@type":"generic_error","error_code":40400,"message":...}).
package ksqlserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/restapi"
)

// Version is the ksqlDB version this server reports.
const Version = "0.29.0"

// Request size limits. A larger request body is refused with 413 and
// ksqlDB's JSON error shape before it is read whole, so an oversized
// request cannot make the server hold it in memory.
const (
	// MaxRequestBytes limits the body of /ksql, /query, /query-stream
	// and /close-query.
	MaxRequestBytes = 8 << 20
	// MaxInsertRowBytes limits each line (the target object, then one
	// row) of /inserts-stream; the stream itself may be any length. It is
	// above the producer's record limit (1 MiB), so a row whose record is
	// too large is read and refused with the producer's reason.
	MaxInsertRowBytes = 2 << 20
)

// Backend runs statements and queries: ksqlkafka.Runtime over Kafka, or
// anything else shaped like it.
type Backend interface {
	Execute(ctx context.Context, sql string, props map[string]string) ([]engine.Entity, error)
	StartQuery(ctx context.Context, sql string, props map[string]string) (*engine.PushQuery, error)
	Engine() *engine.Engine
	ClusterID() string
	ServiceID() string
}

// Server is the ksqlDB REST API over a Backend.
type Server struct {
	b   Backend
	mux *http.ServeMux

	mu      sync.Mutex
	queries map[string]*engine.PushQuery

	httpSrv *http.Server
	ln      net.Listener
	served  chan struct{}
}

// New returns a server for b; use it as an http.Handler or call Start.
func New(b Backend) *Server {
	s := &Server{b: b, mux: http.NewServeMux(), queries: map[string]*engine.PushQuery{}}
	s.mux.HandleFunc("GET /info", s.info)
	s.mux.HandleFunc("GET /healthcheck", s.health)
	s.mux.HandleFunc("POST /ksql", s.ksql)
	s.mux.HandleFunc("POST /query", s.query)
	s.mux.HandleFunc("POST /query-stream", s.queryStream)
	s.mux.HandleFunc("POST /close-query", s.closeQuery)
	s.mux.HandleFunc(insertsPattern, s.insertsStream)
	return s
}

// ServeHTTP implements http.Handler. Requests no endpoint serves are
// answered in ksqlDB's JSON error shape (404, or 405 with Allow), not
// net/http's plain text.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		// /inserts-stream limits each row instead (it is a stream).
		if r.Body != nil && pattern != insertsPattern {
			r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBytes)
		}
		h.ServeHTTP(w, r)
		return
	}
	// Ask the mux what it would answer (404, or 405 with the allowed
	// methods) without letting it write its plain-text body.
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if allow := rec.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	switch rec.status {
	case http.StatusMethodNotAllowed:
		writeJSON(w, rec.status, restapi.ErrorMessage{Type: "generic_error", ErrorCode: restapi.ErrMethodNotAllowed,
			Message: fmt.Sprintf("Method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, rec.header.Get("Allow")), Entities: []restapi.Entity{}})
	default:
		writeJSON(w, http.StatusNotFound, restapi.ErrorMessage{Type: "generic_error", ErrorCode: restapi.ErrNotFound,
			Message: "Not found: " + r.Method + " " + r.URL.Path, Entities: []restapi.Entity{}})
	}
}

// statusRecorder keeps the status and headers a handler writes and drops
// its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// Start listens on addr (HOST:PORT; 127.0.0.1:0 picks a free port) and
// serves in the background until Close.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ksql server: listening on %s: %w", addr, err)
	}
	s.ln = ln
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		_ = s.httpSrv.Serve(ln)
	}()
	return nil
}

// Addr is the address the server listens on (after Start).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the server's base URL, http://HOST:PORT (after Start).
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close ends the running queries and stops the server.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	for _, q := range s.queries {
		q.Close()
	}
	s.mu.Unlock()
	if s.httpSrv == nil {
		return nil
	}
	err := s.httpSrv.Shutdown(ctx)
	if err != nil {
		err = s.httpSrv.Close()
	}
	<-s.served
	return err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error, text string) {
	var se *restapi.StatementError
	if errors.As(err, &se) {
		status := http.StatusBadRequest
		if se.ErrorCode >= 50000 {
			status = http.StatusInternalServerError
		}
		if se.Entities == nil {
			se.Entities = []restapi.Entity{}
		}
		writeJSON(w, status, se)
		return
	}
	writeJSON(w, http.StatusBadRequest, restapi.ErrorMessage{Type: "statement_error", ErrorCode: restapi.ErrBadStatement, Message: err.Error(), StatementText: text, Entities: []restapi.Entity{}})
}

// decodeBody decodes a request's JSON body, answering a malformed or
// oversized one; it reports whether the handler may go on.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	err := json.NewDecoder(r.Body).Decode(v)
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeTooLarge(w, fmt.Sprintf("The request body of %s is larger than the limit of %d bytes", r.URL.Path, tooLarge.Limit))
		return false
	}
	badRequest(w, "Error parsing request: "+err.Error())
	return false
}

func writeTooLarge(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusRequestEntityTooLarge, restapi.ErrorMessage{Type: "generic_error", ErrorCode: restapi.ErrTooLarge, Message: msg, Entities: []restapi.Entity{}})
}

func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, restapi.ErrorMessage{Type: "generic_error", ErrorCode: restapi.ErrBadRequest, Message: msg, Entities: []restapi.Entity{}})
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, restapi.InfoResponse{Info: restapi.ServerInfo{
		Version:        Version,
		KafkaClusterID: s.b.ClusterID(),
		ServiceID:      s.b.ServiceID(),
		ServerStatus:   "RUNNING",
	}})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ok := json.RawMessage(`{"isHealthy":true}`)
	writeJSON(w, http.StatusOK, restapi.Health{IsHealthy: true, Details: map[string]json.RawMessage{
		"metastore": ok, "kafka": ok, "commandRunner": ok,
	}})
}

// props turns request properties (any JSON values) into strings.
func props(in map[string]any) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

func (s *Server) ksql(w http.ResponseWriter, r *http.Request) {
	var req restapi.KsqlRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.KSQL) == "" {
		badRequest(w, "\"ksql\" field must be populated")
		return
	}
	ents, err := s.b.Execute(r.Context(), req.KSQL, props(req.StreamsProperties))
	if err != nil {
		writeError(w, err, req.KSQL)
		return
	}
	if ents == nil {
		ents = []restapi.Entity{}
	}
	writeJSON(w, http.StatusOK, ents)
}

func (s *Server) register(q *engine.PushQuery) {
	if q.IsPull {
		return
	}
	s.mu.Lock()
	s.queries[strings.ToUpper(q.ID)] = q
	s.mu.Unlock()
}

func (s *Server) unregister(q *engine.PushQuery) {
	s.mu.Lock()
	delete(s.queries, strings.ToUpper(q.ID))
	s.mu.Unlock()
}

func (s *Server) closeQuery(w http.ResponseWriter, r *http.Request) {
	var req restapi.CloseQueryRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.QueryID == "" {
		badRequest(w, "a JSON object with a queryId is required")
		return
	}
	s.mu.Lock()
	q := s.queries[strings.ToUpper(req.QueryID)]
	s.mu.Unlock()
	if q == nil {
		badRequest(w, "No query with id "+req.QueryID)
		return
	}
	q.Close()
	w.WriteHeader(http.StatusOK)
}

// stream copies a query's rows to w through write until the rows end,
// the client goes away or the server closes; it flushes whenever no
// further row is waiting.
func stream(ctx context.Context, w http.ResponseWriter, q *engine.PushQuery, write func(row engine.ResultRow) error) (limitReached bool) {
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	flush()
	rows := q.Results()
	for {
		select {
		case row, ok := <-rows:
			if !ok {
				return true
			}
			if err := write(row); err != nil {
				q.Close()
				return false
			}
			if len(rows) == 0 {
				flush()
			}
		case <-ctx.Done():
			q.Close()
			return false
		}
	}
}

func (s *Server) queryStream(w http.ResponseWriter, r *http.Request) {
	var req restapi.QueryStreamRequest
	if !decodeBody(w, r, &req) {
		return
	}
	ctx := r.Context()
	q, ok := s.startQuery(w, r, req.SQL, req.Properties)
	if !ok {
		return
	}
	defer s.unregister(q)
	asJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	hdr, _ := json.Marshal(restapi.QueryStreamHeader{QueryID: q.ID, ColumnNames: nonNil(q.ColumnNames), ColumnTypes: nonNil(q.ColumnTypes)})
	// The delimited form is the header and the rows, one a line; the JSON
	// form is the same lines as the elements of one array.
	contentType, open, sep, end := "application/vnd.ksqlapi.delimited.v1", "", "", ""
	if asJSON {
		contentType, open, sep, end = "application/json", "[", ",", "]\n"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	buf := append(append([]byte(open), hdr...), '\n')
	if _, err := w.Write(buf); err != nil {
		q.Close()
		return
	}
	stream(ctx, w, q, func(row engine.ResultRow) error {
		if row.Tombstone {
			return nil
		}
		buf = appendRow(append(buf[:0], sep...), row.Values)
		buf = append(buf, '\n')
		_, err := w.Write(buf)
		return err
	})
	if end != "" {
		_, _ = w.Write([]byte(end))
	}
}

// startQuery starts the query of a request and registers it; when it cannot
// start, the error is the answer and ok is false. The caller unregisters
// the query when it ends.
func (s *Server) startQuery(w http.ResponseWriter, r *http.Request, sql string, properties map[string]any) (q *engine.PushQuery, ok bool) {
	q, err := s.b.StartQuery(r.Context(), sql, props(properties))
	if err != nil {
		writeError(w, err, sql)
		return nil, false
	}
	s.register(q)
	return q, true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// query serves the older /query endpoint: one streamed JSON array of a
// header, rows and, when the LIMIT was reached, a final message.
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	var req restapi.KsqlRequest
	if !decodeBody(w, r, &req) {
		return
	}
	ctx := r.Context()
	q, ok := s.startQuery(w, r, req.KSQL, req.StreamsProperties)
	if !ok {
		return
	}
	defer s.unregister(q)
	var schema strings.Builder
	for i, name := range q.ColumnNames {
		if i > 0 {
			schema.WriteString(", ")
		}
		schema.WriteString("`" + name + "` " + q.ColumnTypes[i])
		if i < len(q.KeyColumns) && q.KeyColumns[i] {
			schema.WriteString(" KEY")
		}
	}
	hdr, _ := json.Marshal(restapi.StreamedRow{Header: &restapi.QueryHeader{QueryID: q.ID, Schema: schema.String()}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	// Elements are separated by a comma written before each one, so the
	// array may end after the last row.
	buf := append([]byte{'['}, hdr...)
	if _, err := w.Write(buf); err != nil {
		q.Close()
		return
	}
	limit := stream(ctx, w, q, func(row engine.ResultRow) error {
		buf = append(buf[:0], ",\n"+`{"row":{"columns":`...)
		buf = appendRow(buf, row.Values)
		if row.Tombstone {
			buf = append(buf, `,"tombstone":true`...)
		}
		buf = append(buf, "}}"...)
		_, err := w.Write(buf)
		return err
	})
	// ksqlDB ends a pull query on a table without a final message.
	final := ",\n" + `{"finalMessage":"Query Completed"}]` + "\n"
	switch {
	case q.PullTable:
		final = "]\n"
	case limit && !q.IsPull:
		final = ",\n" + `{"finalMessage":"Limit Reached"}]` + "\n"
	}
	_, _ = w.Write([]byte(final))
}
