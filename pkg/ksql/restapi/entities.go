package restapi

// Entity is a result of a statement, shaped after the entities of
// ksqlDB's REST API (/ksql answers a JSON array of them). Every entity
// marshals with an "@type" field.
type Entity interface {
	EntityType() string
}

// CommandStatus is the status of a DDL/DML command.
type CommandStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	QueryID string `json:"queryId,omitempty"`
}

// CurrentStatus answers CREATE, DROP, TERMINATE, INSERT INTO.
type CurrentStatus struct {
	Type                  string        `json:"@type"`
	StatementText         string        `json:"statementText"`
	CommandID             string        `json:"commandId"`
	CommandStatus         CommandStatus `json:"commandStatus"`
	CommandSequenceNumber int64         `json:"commandSequenceNumber"`
	Warnings              []Warning     `json:"warnings"`
}

// EntityType implements Entity.
func (*CurrentStatus) EntityType() string { return "currentStatus" }

// Warning is a statement warning.
type Warning struct {
	Message string `json:"message"`
}

// SourceInfo is a stream or table in SHOW STREAMS / SHOW TABLES.
type SourceInfo struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Topic       string `json:"topic"`
	KeyFormat   string `json:"keyFormat"`
	ValueFormat string `json:"valueFormat"`
	IsWindowed  bool   `json:"isWindowed"`
}

// StreamsList answers SHOW STREAMS.
type StreamsList struct {
	Type          string       `json:"@type"`
	StatementText string       `json:"statementText"`
	Streams       []SourceInfo `json:"streams"`
	Warnings      []Warning    `json:"warnings"`
}

// EntityType implements Entity.
func (*StreamsList) EntityType() string { return "streams" }

// TablesList answers SHOW TABLES.
type TablesList struct {
	Type          string       `json:"@type"`
	StatementText string       `json:"statementText"`
	Tables        []SourceInfo `json:"tables"`
	Warnings      []Warning    `json:"warnings"`
}

// EntityType implements Entity.
func (*TablesList) EntityType() string { return "tables" }

// RunningQuery describes a persistent query in SHOW QUERIES.
type RunningQuery struct {
	QueryString     string         `json:"queryString"`
	Sinks           []string       `json:"sinks"`
	SinkKafkaTopics []string       `json:"sinkKafkaTopics"`
	ID              string         `json:"id"`
	StatusCount     map[string]int `json:"statusCount"`
	QueryType       string         `json:"queryType"`
	State           string         `json:"state"`
}

// QueriesList answers SHOW QUERIES.
type QueriesList struct {
	Type          string         `json:"@type"`
	StatementText string         `json:"statementText"`
	Queries       []RunningQuery `json:"queries"`
	Warnings      []Warning      `json:"warnings"`
}

// EntityType implements Entity.
func (*QueriesList) EntityType() string { return "queries" }

// Schema is a column type as ksqlDB describes it. Parameters holds a
// DECIMAL's precision and scale where ksqlDB sends them.
type Schema struct {
	Type         string         `json:"type"`
	Fields       []FieldInfo    `json:"fields"`
	MemberSchema *Schema        `json:"memberSchema"`
	Parameters   map[string]any `json:"parameters,omitempty"`
}

// FieldInfo is a column of a source description.
type FieldInfo struct {
	Name   string `json:"name"`
	Schema Schema `json:"schema"`
	Type   string `json:"type,omitempty"` // "KEY" for key columns
}

// QueryRef names a query reading or writing a source. ksqlDB sends the
// query's State too; the embedded engine leaves it out.
type QueryRef struct {
	QueryString string   `json:"queryString"`
	Sinks       []string `json:"sinks"`
	ID          string   `json:"id"`
	State       string   `json:"state,omitempty"`
}

// SourceDescription is the body of DESCRIBE.
type SourceDescription struct {
	Name                 string      `json:"name"`
	WindowType           *string     `json:"windowType"`
	ReadQueries          []QueryRef  `json:"readQueries"`
	WriteQueries         []QueryRef  `json:"writeQueries"`
	Fields               []FieldInfo `json:"fields"`
	Type                 string      `json:"type"`
	Timestamp            string      `json:"timestamp"`
	Statistics           string      `json:"statistics"`
	ErrorStats           string      `json:"errorStats"`
	Extended             bool        `json:"extended"`
	KeyFormat            string      `json:"keyFormat"`
	ValueFormat          string      `json:"valueFormat"`
	Topic                string      `json:"topic"`
	Partitions           int         `json:"partitions"`
	Replication          int         `json:"replication"`
	Statement            string      `json:"statement"`
	QueryOffsetSummaries []any       `json:"queryOffsetSummaries"`
	SourceConstraints    []string    `json:"sourceConstraints"`
}

// SourceDescriptionEntity answers DESCRIBE name.
type SourceDescriptionEntity struct {
	Type              string            `json:"@type"`
	StatementText     string            `json:"statementText"`
	SourceDescription SourceDescription `json:"sourceDescription"`
	Warnings          []Warning         `json:"warnings"`
}

// EntityType implements Entity.
func (*SourceDescriptionEntity) EntityType() string { return "sourceDescription" }

// SourceDescriptionList answers DESCRIBE STREAMS / TABLES.
type SourceDescriptionList struct {
	Type               string              `json:"@type"`
	StatementText      string              `json:"statementText"`
	SourceDescriptions []SourceDescription `json:"sourceDescriptions"`
	Warnings           []Warning           `json:"warnings"`
}

// EntityType implements Entity.
func (*SourceDescriptionList) EntityType() string { return "source_descriptions" }

// KafkaTopicInfo is a topic in SHOW TOPICS.
type KafkaTopicInfo struct {
	Name        string `json:"name"`
	ReplicaInfo []int  `json:"replicaInfo"`
}

// KafkaTopicsList answers SHOW TOPICS.
type KafkaTopicsList struct {
	Type          string           `json:"@type"`
	StatementText string           `json:"statementText"`
	Topics        []KafkaTopicInfo `json:"topics"`
	Warnings      []Warning        `json:"warnings"`
}

// EntityType implements Entity.
func (*KafkaTopicsList) EntityType() string { return "kafka_topics" }

// Property is one entry of SHOW PROPERTIES.
type Property struct {
	Name  string `json:"name"`
	Scope string `json:"scope"`
	Value string `json:"value"`
}

// PropertiesList answers SHOW PROPERTIES.
type PropertiesList struct {
	Type                  string     `json:"@type"`
	StatementText         string     `json:"statementText"`
	Properties            []Property `json:"properties"`
	OverwrittenProperties []string   `json:"overwrittenProperties"`
	DefaultProperties     []string   `json:"defaultProperties"`
	Warnings              []Warning  `json:"warnings"`
}

// EntityType implements Entity.
func (*PropertiesList) EntityType() string { return "properties" }

// SimpleFunctionInfo is a function in SHOW FUNCTIONS.
type SimpleFunctionInfo struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Category string `json:"category"`
}

// FunctionNameList answers SHOW FUNCTIONS.
type FunctionNameList struct {
	Type          string               `json:"@type"`
	StatementText string               `json:"statementText"`
	Functions     []SimpleFunctionInfo `json:"functions"`
	Warnings      []Warning            `json:"warnings"`
}

// EntityType implements Entity.
func (*FunctionNameList) EntityType() string { return "function_names" }

// ArgumentInfo is one argument of a function variant.
type ArgumentInfo struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
	IsVariadic  bool   `json:"isVariadic"`
}

// FunctionInfo is one variant of a function.
type FunctionInfo struct {
	Arguments   []ArgumentInfo `json:"arguments"`
	ReturnType  string         `json:"returnType"`
	Description string         `json:"description"`
}

// FunctionDescriptionList answers DESCRIBE FUNCTION.
type FunctionDescriptionList struct {
	Type          string         `json:"@type"`
	StatementText string         `json:"statementText"`
	Name          string         `json:"name"`
	Description   string         `json:"description"`
	Author        string         `json:"author"`
	Version       string         `json:"version"`
	Path          string         `json:"path"`
	Functions     []FunctionInfo `json:"functions"`
	FunctionType  string         `json:"type"`
	Warnings      []Warning      `json:"warnings"`
}

// EntityType implements Entity.
func (*FunctionDescriptionList) EntityType() string { return "describe_function" }

// QueryDescription is the body of EXPLAIN.
type QueryDescription struct {
	ID                   string         `json:"id"`
	StatementText        string         `json:"statementText"`
	WindowType           *string        `json:"windowType"`
	Fields               []FieldInfo    `json:"fields"`
	Sources              []string       `json:"sources"`
	Sinks                []string       `json:"sinks"`
	Topology             string         `json:"topology"`
	ExecutionPlan        string         `json:"executionPlan"`
	OverriddenProperties map[string]any `json:"overriddenProperties"`
	QueryType            string         `json:"queryType"`
	State                string         `json:"state"`
	// KsqlHostQueryStatus is the query's state per host (ksqlDB only).
	KsqlHostQueryStatus map[string]string `json:"ksqlHostQueryStatus,omitempty"`
}

// QueryDescriptionEntity answers EXPLAIN.
type QueryDescriptionEntity struct {
	Type             string           `json:"@type"`
	StatementText    string           `json:"statementText"`
	QueryDescription QueryDescription `json:"queryDescription"`
	Warnings         []Warning        `json:"warnings"`
}

// EntityType implements Entity.
func (*QueryDescriptionEntity) EntityType() string { return "queryDescription" }

// Error codes of ksqlDB's REST API: the HTTP status times 100, plus a
// digit for the kind of bad request.
const (
	ErrBadRequest       = 40000
	ErrBadStatement     = 40001
	ErrQueryEndpoint    = 40002
	ErrNotFound         = 40400
	ErrMethodNotAllowed = 40500
	ErrTooLarge         = 41300
	ErrServer           = 50000
)

// StatementError is a failed statement, shaped after ksqlDB's
// statement_error entity (KsqlStatementErrorMessage). Entities are the
// results of the statements of the request that ran before it.
type StatementError struct {
	Type          string   `json:"@type"`
	ErrorCode     int      `json:"error_code"`
	Message       string   `json:"message"`
	StatementText string   `json:"statementText"`
	Entities      []Entity `json:"entities"`
}

func (e *StatementError) Error() string { return e.Message }

// ErrorMessage is any error answer (ksqlDB's KsqlErrorMessage, @type
// generic_error, or a statement_error); StatementText is left out when
// empty.
type ErrorMessage struct {
	Type          string   `json:"@type"`
	ErrorCode     int      `json:"error_code"`
	Message       string   `json:"message"`
	StatementText string   `json:"statementText,omitempty"`
	Entities      []Entity `json:"entities"`
}
