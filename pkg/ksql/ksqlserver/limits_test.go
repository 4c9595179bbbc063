package ksqlserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
)

// apiError is ksqlDB's error body (KsqlErrorMessage).
type apiError struct {
	Type      string `json:"@type"`
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// post sends body to path and returns the status and the response body.
func post(t *testing.T, s *stack, method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.srv.URL()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

func decodeError(t *testing.T, what string, b []byte) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil || e.Type == "" || e.ErrorCode == 0 || e.Message == "" {
		t.Fatalf("%s: not ksqlDB's JSON error shape: %q", what, b)
	}
	return e
}

// endOffset is the number of records in partition 0 of topic.
func (s *stack) endOffset(t *testing.T, topic string) int64 {
	t.Helper()
	c, err := sarama.NewClient([]string{s.broker.Addr()}, kafkautil.NewConfig("test-offsets"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	end, err := c.GetOffset(topic, 0, sarama.OffsetNewest)
	if err != nil {
		t.Fatal(err)
	}
	return end
}

// TestOversizedInsertIsRefused: an INSERT whose record the producer
// refuses (larger than its 1,000,000-byte limit) is answered with an
// error, through /ksql and /inserts-stream, and nothing is written.
func TestOversizedInsertIsRefused(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM big (id VARCHAR KEY, v VARCHAR) WITH (kafka_topic='big', value_format='JSON', partitions=1);`)

	// /ksql: a 2 MB value.
	stmt := fmt.Sprintf(`INSERT INTO big (id, v) VALUES ('a', '%s');`, strings.Repeat("x", 2<<20))
	body, _ := json.Marshal(map[string]string{"ksql": stmt})
	status, _, b := post(t, s, http.MethodPost, "/ksql", "application/vnd.ksql.v1+json", bytes.NewReader(body))
	if status/100 == 2 {
		t.Fatalf("/ksql INSERT of a 2 MB value: %d %.200s, want an error", status, b)
	}
	e := decodeError(t, "/ksql INSERT of a 2 MB value", b)
	if e.Type != "statement_error" || !strings.Contains(e.Message, "Failed to insert values into 'BIG'") {
		t.Errorf("/ksql INSERT of a 2 MB value: %d %+v", status, e)
	}

	// /inserts-stream: a row within the row limit whose record is too
	// large, between two rows that fit.
	var rows bytes.Buffer
	rows.WriteString(`{"target":"big"}` + "\n")
	rows.WriteString(`{"ID":"b","V":"small"}` + "\n")
	fmt.Fprintf(&rows, `{"ID":"c","V":"%s"}`+"\n", strings.Repeat("y", 3<<19))
	rows.WriteString(`{"ID":"d","V":"small"}` + "\n")
	status, _, b = post(t, s, http.MethodPost, "/inserts-stream", "application/vnd.ksqlapi.delimited.v1", &rows)
	if status != http.StatusOK {
		t.Fatalf("/inserts-stream: %d %s", status, b)
	}
	var acks []map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var a map[string]any
		if err := dec.Decode(&a); err != nil {
			t.Fatalf("/inserts-stream acks %q: %v", b, err)
		}
		acks = append(acks, a)
	}
	if len(acks) != 3 || acks[0]["status"] != "ok" || acks[1]["status"] != "error" || acks[2]["status"] != "ok" {
		t.Fatalf("/inserts-stream acks %q, want ok, error, ok", b)
	}
	if acks[1]["seq"] != float64(1) || acks[1]["error_code"] == nil || !strings.Contains(fmt.Sprint(acks[1]["message"]), "Failed to insert values") {
		t.Errorf("error ack %v", acks[1])
	}

	// Only the two small rows were written.
	if got := s.consumeAll(t, "big", 2); len(got) != 2 || got[0] != `{"V":"small"}` || got[1] != `{"V":"small"}` {
		t.Errorf("records written: %d (%.100q)", len(got), got)
	}
}

// TestInsertsStreamRowLimit: a row longer than the per-row limit gets an
// error ack; the rows before it are written.
func TestInsertsStreamRowLimit(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM rows1 (id VARCHAR KEY, v VARCHAR) WITH (kafka_topic='rows1', value_format='JSON', partitions=1);`)
	var rows bytes.Buffer
	rows.WriteString(`{"target":"rows1"}` + "\n" + `{"ID":"a","V":"ok"}` + "\n")
	fmt.Fprintf(&rows, `{"ID":"b","V":"%s"}`+"\n", strings.Repeat("z", ksqlserver.MaxInsertRowBytes))
	status, _, b := post(t, s, http.MethodPost, "/inserts-stream", "application/vnd.ksqlapi.delimited.v1", &rows)
	if status != http.StatusOK {
		t.Fatalf("/inserts-stream: %d %s", status, b)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"status":"ok"`) ||
		!strings.Contains(lines[1], `"status":"error"`) || !strings.Contains(lines[1], `"seq":1`) || !strings.Contains(lines[1], `"error_code":41300`) {
		t.Errorf("acks %q", lines)
	}
	if got := s.consumeAll(t, "rows1", 1); len(got) != 1 {
		t.Errorf("records written: %q", got)
	}

	// The first line is limited too, and refused with 413.
	first := `{"target":"` + strings.Repeat("t", ksqlserver.MaxInsertRowBytes) + `"}` + "\n"
	status, _, b = post(t, s, http.MethodPost, "/inserts-stream", "application/vnd.ksqlapi.delimited.v1", strings.NewReader(first))
	if e := decodeError(t, "oversized first line", b); status != http.StatusRequestEntityTooLarge || e.ErrorCode != 41300 {
		t.Errorf("oversized first line: %d %+v", status, e)
	}
}

// TestRequestBodyLimit: a /ksql body over the limit is refused with 413
// in ksqlDB's error shape, without the server reading it whole.
func TestRequestBodyLimit(t *testing.T) {
	s := start(t, "")
	s.exec(t, `CREATE STREAM lim (id VARCHAR KEY, v VARCHAR) WITH (kafka_topic='lim', value_format='JSON', partitions=1);`)
	stmt := fmt.Sprintf(`INSERT INTO lim (id, v) VALUES ('a', '%s');`, strings.Repeat("x", 10<<20))
	body, _ := json.Marshal(map[string]string{"ksql": stmt})

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	status, _, b := post(t, s, http.MethodPost, "/ksql", "application/vnd.ksql.v1+json", bytes.NewReader(body))
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("a %d-byte /ksql body: %d %s; allocated during the request (client and server): %.1f MiB",
		len(body), status, bytes.TrimSpace(b), float64(allocated)/(1<<20))

	e := decodeError(t, "10 MB /ksql body", b)
	if status != http.StatusRequestEntityTooLarge || e.Type != "generic_error" || e.ErrorCode != 41300 {
		t.Errorf("10 MB /ksql body: %d %+v, want 413 with error_code 41300", status, e)
	}
	// Refused at the limit, the body costs a few times the limit.
	if limit := uint64(8 * ksqlserver.MaxRequestBytes); allocated > limit {
		t.Errorf("the request allocated %d bytes, more than %d", allocated, limit)
	}
	if got := s.endOffset(t, "lim"); got != 0 {
		t.Errorf("%d records written", got)
	}
}

// TestUnknownEndpoints: paths and methods no endpoint serves are answered
// in ksqlDB's JSON error shape with the right status.
func TestUnknownEndpoints(t *testing.T) {
	s := start(t, "")
	for _, tc := range []struct {
		method, path string
		status, code int
		allow        string
	}{
		{http.MethodGet, "/nope", 404, 40400, ""},
		{http.MethodPost, "/ksql/nope", 404, 40400, ""},
		{http.MethodGet, "/ksql", 405, 40500, "POST"},
		{http.MethodDelete, "/info", 405, 40500, "GET, HEAD"},
	} {
		status, hdr, b := post(t, s, tc.method, tc.path, "", nil)
		what := tc.method + " " + tc.path
		if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q, body %q", what, ct, b)
			continue
		}
		e := decodeError(t, what, b)
		if status != tc.status || e.Type != "generic_error" || e.ErrorCode != tc.code {
			t.Errorf("%s: %d %+v, want %d with error_code %d", what, status, e, tc.status, tc.code)
		}
		if tc.allow != "" && hdr.Get("Allow") != tc.allow {
			t.Errorf("%s: Allow %q, want %q", what, hdr.Get("Allow"), tc.allow)
		}
	}
}
