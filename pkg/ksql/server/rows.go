package server

import (
	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
)

// appendRow appends a row as a JSON array, values in ksqlDB's JSON form.
func appendRow(b []byte, row []any) []byte {
	b = append(b, '[')
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		b = format.AppendJSON(b, v)
	}
	return append(b, ']')
}
