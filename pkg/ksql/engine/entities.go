package engine

import (
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/restapi"
)

// The entities statements answer are ksqlDB's REST shapes, defined in
// package restapi; these names keep the engine's API.
type (
	Entity                  = restapi.Entity
	CommandStatus           = restapi.CommandStatus
	CurrentStatus           = restapi.CurrentStatus
	Warning                 = restapi.Warning
	SourceInfo              = restapi.SourceInfo
	StreamsList             = restapi.StreamsList
	TablesList              = restapi.TablesList
	RunningQuery            = restapi.RunningQuery
	QueriesList             = restapi.QueriesList
	Schema                  = restapi.Schema
	FieldInfo               = restapi.FieldInfo
	QueryRef                = restapi.QueryRef
	SourceDescription       = restapi.SourceDescription
	SourceDescriptionEntity = restapi.SourceDescriptionEntity
	SourceDescriptionList   = restapi.SourceDescriptionList
	KafkaTopicInfo          = restapi.KafkaTopicInfo
	KafkaTopicsList         = restapi.KafkaTopicsList
	Property                = restapi.Property
	PropertiesList          = restapi.PropertiesList
	SimpleFunctionInfo      = restapi.SimpleFunctionInfo
	FunctionNameList        = restapi.FunctionNameList
	ArgumentInfo            = restapi.ArgumentInfo
	FunctionInfo            = restapi.FunctionInfo
	FunctionDescriptionList = restapi.FunctionDescriptionList
	QueryDescription        = restapi.QueryDescription
	QueryDescriptionEntity  = restapi.QueryDescriptionEntity
	StatementError          = restapi.StatementError
)

// Error codes of ksqlDB's REST API.
const (
	ErrBadRequest    = restapi.ErrBadRequest
	ErrBadStatement  = restapi.ErrBadStatement
	ErrQueryEndpoint = restapi.ErrQueryEndpoint
	ErrNotFound      = restapi.ErrNotFound
	ErrServer        = restapi.ErrServer
)

func stmtErr(code int, text string, format string, a ...any) *StatementError {
	return &StatementError{Type: "statement_error", ErrorCode: code, StatementText: text, Message: fmt.Sprintf(format, a...), Entities: []Entity{}}
}
