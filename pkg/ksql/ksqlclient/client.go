// Package ksqlclient is a Go client for ksqlDB's REST API. It works against
// the project's embedded server (pkg/ksql/ksqlserver) and a real ksqlDB
// server alike: Execute runs statements through /ksql, Query runs push and
// pull queries through /query-stream, Insert writes rows through
// /inserts-stream, and Info, Health and CloseQuery do what they say.
//
//	c := ksqlclient.New("http://127.0.0.1:8088")
//	if _, err := c.Execute(ctx, "CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);"); err != nil { ... }
//	rows, err := c.Query(ctx, "SELECT * FROM s EMIT CHANGES LIMIT 3;", nil)
//	defer rows.Close()
//	for rows.Next() { fmt.Println(rows.Row()) }
//	err = rows.Err()
package ksqlclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/restapi"
)

// ConnectTimeout bounds the TCP connection to the server (and the TLS
// handshake): an address where nothing listens, or a firewall that drops
// packets, fails a request within seconds. It bounds nothing after that, so
// push queries still stream for as long as they run.
const ConnectTimeout = 10 * time.Second

// defaultTransport is net/http's default transport with ConnectTimeout.
var defaultTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = ConnectTimeout
	return t
}()

// Client talks to one ksqlDB server.
type Client struct {
	base string
	hc   *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient uses hc for requests (timeouts, TLS, auth transports).
// Its Timeout must be zero for push queries, which stream indefinitely.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// New returns a client for the server at baseURL (http://HOST:PORT). Its
// requests end with their context; connecting gives up after ConnectTimeout.
func New(baseURL string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), hc: &http.Client{Transport: defaultTransport}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is an error answer of the server: ksqlDB's statement_error or
// generic_error (restapi.ErrorMessage on the wire).
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Type is the answer's @type: statement_error or generic_error.
	Type string
	// Code is ksqlDB's error_code: 40001 for a bad statement (parse
	// errors carry "line L:C" in Message), 40002 for a query sent to
	// /ksql, 40400 for something missing, 50000 for a server error.
	Code          int
	Message       string
	StatementText string
	// Entities are the results of the statements that ran before the
	// failing one.
	Entities []Entity
}

// errorWire is restapi.ErrorMessage with the entities kept raw.
type errorWire struct {
	restapi.ErrorMessage
	// Entities shadows ErrorMessage's.
	Entities []Entity `json:"entities"`
}

// UnmarshalJSON reads an error answer (StatusCode is left as it is).
func (e *Error) UnmarshalJSON(b []byte) error {
	var m errorWire
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*e = Error{StatusCode: e.StatusCode, Type: m.Type, Code: m.ErrorCode, Message: m.Message,
		StatementText: m.StatementText, Entities: m.Entities}
	return nil
}

// MarshalJSON writes the error as the server's answer.
func (e Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(errorWire{ErrorMessage: restapi.ErrorMessage{Type: e.Type, ErrorCode: e.Code,
		Message: e.Message, StatementText: e.StatementText}, Entities: e.Entities})
}

// decodeError reads an error answer; ok is false when b is not one.
func decodeError(b []byte, status int) (e *Error, ok bool) {
	e = &Error{StatusCode: status}
	if err := json.Unmarshal(b, e); err != nil || e.Message == "" {
		return nil, false
	}
	return e, true
}

func (e *Error) Error() string {
	if e.StatementText != "" {
		return fmt.Sprintf("ksql error %d: %s (statement: %s)", e.Code, e.Message, e.StatementText)
	}
	return fmt.Sprintf("ksql error %d: %s", e.Code, e.Message)
}

// Entity is one result of /ksql: its @type and its JSON. Decode it into
// a struct of your own, or use the helpers.
type Entity struct {
	Type          string
	StatementText string
	// QueryID is commandStatus.queryId of a currentStatus (the query a
	// CREATE ... AS SELECT started).
	QueryID string
	// Message is commandStatus.message of a currentStatus.
	Message string
	Raw     json.RawMessage
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *Entity) UnmarshalJSON(b []byte) error {
	// Every entity has @type and statementText; a currentStatus has
	// its commandStatus too.
	var head restapi.CurrentStatus
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	*e = Entity{Type: head.Type, StatementText: head.StatementText, QueryID: head.CommandStatus.QueryID,
		Message: head.CommandStatus.Message, Raw: append(json.RawMessage(nil), b...)}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (e Entity) MarshalJSON() ([]byte, error) {
	if e.Raw == nil {
		return []byte("null"), nil
	}
	return e.Raw, nil
}

// Decode unmarshals the entity's JSON into v.
func (e Entity) Decode(v any) error { return json.Unmarshal(e.Raw, v) }

func (c *Client) post(ctx context.Context, path string, body any, accept string) (*http.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ksql: POST %s: %w", path, err)
	}
	return resp, nil
}

// readError turns a non-2xx answer into an *Error.
func readError(resp *http.Response) error {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e, ok := decodeError(b, resp.StatusCode)
	if !ok {
		return &Error{StatusCode: resp.StatusCode, Type: "http_error", Code: resp.StatusCode * 100,
			Message: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))}
	}
	return e
}

// Execute runs a script of statements through /ksql and returns one
// entity per statement that has a result. props are streamsProperties
// (auto.offset.reset and the like). On failure the error is an *Error.
func (c *Client) Execute(ctx context.Context, sql string, props ...map[string]any) ([]Entity, error) {
	body := restapi.KsqlRequest{KSQL: sql, StreamsProperties: map[string]any{}}
	if len(props) > 0 && props[0] != nil {
		body.StreamsProperties = props[0]
	}
	resp, err := c.post(ctx, "/ksql", body, "application/vnd.ksql.v1+json")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, readError(resp)
	}
	defer resp.Body.Close()
	var out []Entity
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("ksql: reading the /ksql answer: %w", err)
	}
	return out, nil
}

// ServerInfo is what GET /info answers.
type ServerInfo = restapi.ServerInfo

// Info asks GET /info.
func (c *Client) Info(ctx context.Context) (ServerInfo, error) {
	var out restapi.InfoResponse
	err := c.get(ctx, "/info", &out)
	return out.Info, err
}

// Health is what GET /healthcheck answers.
type Health = restapi.Health

// Health asks GET /healthcheck.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.get(ctx, "/healthcheck", &h)
	return h, err
}

func (c *Client) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("ksql: GET %s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		return readError(resp)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("ksql: reading GET %s: %w", path, err)
	}
	return nil
}

// CloseQuery ends a push query by id (POST /close-query).
func (c *Client) CloseQuery(ctx context.Context, queryID string) error {
	resp, err := c.post(ctx, "/close-query", restapi.CloseQueryRequest{QueryID: queryID}, "")
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return readError(resp)
	}
	resp.Body.Close()
	return nil
}

// Rows is a running query's result. Call Next until it returns false,
// then Err; Close ends the query early (a push query runs until its LIMIT,
// CloseQuery, Close or the context ends).
type Rows struct {
	// QueryID is the server's id of the query (CloseQuery takes it).
	QueryID     string
	ColumnNames []string
	ColumnTypes []string

	body io.ReadCloser
	sc   *bufio.Scanner
	row  []any
	err  error
	done bool
}

// Query runs a push query (SELECT ... EMIT CHANGES) or a pull query
// through /query-stream. props are request properties, for example
// {"auto.offset.reset": "earliest"}. The header is read before Query
// returns; a statement error is an *Error.
func (c *Client) Query(ctx context.Context, sql string, props map[string]any) (*Rows, error) {
	if props == nil {
		props = map[string]any{}
	}
	resp, err := c.post(ctx, "/query-stream", restapi.QueryStreamRequest{SQL: sql, Properties: props}, "application/vnd.ksqlapi.delimited.v1")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, readError(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	rows := &Rows{body: resp.Body, sc: sc}
	line, err := rows.line()
	if err != nil {
		resp.Body.Close()
		if err == io.EOF {
			err = errors.New("ksql: /query-stream ended before its header")
		}
		return nil, err
	}
	var hdr restapi.QueryStreamHeader
	if err := json.Unmarshal(line, &hdr); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("ksql: reading the query header %q: %w", line, err)
	}
	rows.QueryID, rows.ColumnNames, rows.ColumnTypes = hdr.QueryID, hdr.ColumnNames, hdr.ColumnTypes
	return rows, nil
}

// line returns the next non-empty line.
func (r *Rows) line() ([]byte, error) {
	for r.sc.Scan() {
		if b := bytes.TrimSpace(r.sc.Bytes()); len(b) > 0 {
			return b, nil
		}
	}
	if err := r.sc.Err(); err != nil {
		return nil, err
	}
	return nil, io.EOF
}

// Next advances to the next row, waiting for it; false at the end of the
// query or on an error (see Err).
func (r *Rows) Next() bool {
	if r.done {
		return false
	}
	line, err := r.line()
	if err != nil {
		r.done = true
		if err != io.EOF && !errors.Is(err, context.Canceled) {
			r.err = fmt.Errorf("ksql: reading query rows: %w", err)
		}
		return false
	}
	if line[0] == '{' {
		// An error message in the middle of the stream.
		if e, ok := decodeError(line, 0); ok {
			r.err, r.done = e, true
			return false
		}
	}
	row, err := decodeRow(line)
	if err != nil {
		r.err, r.done = fmt.Errorf("ksql: reading query row %q: %w", line, err), true
		return false
	}
	r.row = row
	return true
}

// Row is the current row: JSON values with numbers as int64 when they are
// integers and float64 otherwise; TIMESTAMP, DATE and TIME as the strings
// ksqlDB writes (2019-03-17T10:00:00.000, 2019-03-17, 10:00:00); arrays as
// []any, maps and structs as map[string]any.
func (r *Rows) Row() []any { return r.row }

// Err is the error that ended the rows, if any.
func (r *Rows) Err() error { return r.err }

// Close ends the query (closing the connection ends it on the server).
func (r *Rows) Close() error {
	r.done = true
	return r.body.Close()
}

// All iterates over the remaining rows; a final error, if any, is yielded
// with a nil row.
func (r *Rows) All() iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		for r.Next() {
			if !yield(r.row, nil) {
				return
			}
		}
		if r.err != nil {
			yield(nil, r.err)
		}
	}
}

func decodeRow(b []byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var row []any
	if err := dec.Decode(&row); err != nil {
		return nil, err
	}
	for i, v := range row {
		row[i] = convertNumbers(v)
	}
	return row, nil
}

func convertNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i, e := range x {
			x[i] = convertNumbers(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = convertNumbers(e)
		}
	}
	return v
}

// InsertAck is the server's answer to one inserted row.
type InsertAck = restapi.InsertAck

// Insert writes rows into a stream through /inserts-stream and returns
// once every row is acknowledged; the first refused row is an *Error.
func (c *Client) Insert(ctx context.Context, stream string, rows []map[string]any) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	if err := enc.Encode(restapi.InsertsTarget{Target: stream}); err != nil {
		return err
	}
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("ksql: encoding row: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/inserts-stream", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/vnd.ksqlapi.delimited.v1")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("ksql: POST /inserts-stream: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return readError(resp)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	acked := 0
	for acked < len(rows) {
		var ack InsertAck
		if err := dec.Decode(&ack); err != nil {
			return fmt.Errorf("ksql: /inserts-stream: %d of %d rows acknowledged: %w", acked, len(rows), err)
		}
		if ack.Status != "ok" {
			return &Error{StatusCode: resp.StatusCode, Type: "insert_error", Code: ack.ErrorCode, Message: fmt.Sprintf("row %d: %s", ack.Seq, ack.Message)}
		}
		acked++
	}
	return nil
}
