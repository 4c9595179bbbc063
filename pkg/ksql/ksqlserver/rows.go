package ksqlserver

import "github.com/mlops-lab/mlops-lab/pkg/ksql/format"

// appendRow appends a row as a JSON array, values as ksqlDB's REST API
// writes them (format.AppendRESTJSON).
func appendRow(b []byte, row []any) []byte { return format.AppendRESTJSON(b, row) }
