// Package restapi holds the JSON shapes of ksqlDB's REST API (version
// 0.29) in one place: the requests of /ksql, /query, /query-stream,
// /close-query and /inserts-stream, the entities /ksql answers, the
// messages /query and /query-stream stream, and the error answers. The
// embedded server writes them, the Go client and the shell read them, so
// the three cannot drift apart. Fields only a real ksqlDB server sends are
// marked omitempty, so that the embedded server's answers stay as they
// are.
package restapi

import "encoding/json"

// KsqlRequest is the body of /ksql and of the older /query endpoint.
type KsqlRequest struct {
	KSQL              string         `json:"ksql"`
	StreamsProperties map[string]any `json:"streamsProperties"`
}

// QueryStreamRequest is the body of /query-stream.
type QueryStreamRequest struct {
	SQL        string         `json:"sql"`
	Properties map[string]any `json:"properties"`
}

// CloseQueryRequest is the body of /close-query.
type CloseQueryRequest struct {
	QueryID string `json:"queryId"`
}

// InsertsTarget is the first line of an /inserts-stream request; each
// further line is one row, a JSON object of column values.
type InsertsTarget struct {
	Target string `json:"target"`
}

// InsertAck is the answer to one row of /inserts-stream: Status "ok", or
// "error" with ErrorCode and Message.
type InsertAck struct {
	Status    string `json:"status"`
	Seq       int64  `json:"seq"`
	ErrorCode int    `json:"error_code,omitempty"`
	Message   string `json:"message,omitempty"`
}

// QueryStreamHeader is the first message of /query-stream.
type QueryStreamHeader struct {
	QueryID     string   `json:"queryId,omitempty"`
	ColumnNames []string `json:"columnNames"`
	ColumnTypes []string `json:"columnTypes"`
}

// QueryHeader is the header of the older /query endpoint's answer: the
// columns as one string, "`ID` STRING KEY, `COUNT` BIGINT" (pull queries
// on tables mark key columns KEY).
type QueryHeader struct {
	QueryID string `json:"queryId,omitempty"`
	Schema  string `json:"schema"`
}

// QueryRow is a row of the /query endpoint's answer. Tombstone marks a
// deleted row of a push query over a table.
type QueryRow struct {
	Columns   []json.RawMessage `json:"columns"`
	Tombstone bool              `json:"tombstone,omitempty"`
}

// StreamedRow is one element of the /query endpoint's answer (a JSON
// array): a header, a row, a final message ("Limit Reached", "Query
// Completed") or an error.
type StreamedRow struct {
	Header       *QueryHeader  `json:"header,omitempty"`
	Row          *QueryRow     `json:"row,omitempty"`
	FinalMessage string        `json:"finalMessage,omitempty"`
	ErrorMessage *ErrorMessage `json:"errorMessage,omitempty"`
}

// ServerInfo is what GET /info describes.
type ServerInfo struct {
	Version        string `json:"version"`
	KafkaClusterID string `json:"kafkaClusterId"`
	ServiceID      string `json:"ksqlServiceId"`
	ServerStatus   string `json:"serverStatus"`
}

// InfoResponse is the answer of GET /info.
type InfoResponse struct {
	Info ServerInfo `json:"KsqlServerInfo"`
}

// Health is the answer of GET /healthcheck: overall and per subsystem
// (metastore, kafka, commandRunner), each detail {"isHealthy": bool}.
type Health struct {
	IsHealthy bool                       `json:"isHealthy"`
	Details   map[string]json.RawMessage `json:"details"`
}
