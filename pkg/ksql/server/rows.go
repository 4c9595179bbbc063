package server

import (
	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// appendRow appends a row as a JSON array, values as ksqlDB's REST API
// writes them (appendValue).
func appendRow(b []byte, row []any) []byte {
	b = append(b, '[')
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendValue(b, v)
	}
	return append(b, ']')
}

// appendValue appends a value in the REST API's JSON form. It is the
// JSON format's (format.AppendJSON), except that TIMESTAMP, DATE and TIME
// values, at any depth, are strings as ksqlDB's server writes them:
// 2019-03-17T10:00:00.000 (UTC), 2019-03-17 and 10:00:00. In a topic they
// stay numbers.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case types.Timestamp, types.Date, types.TimeOfDay:
		return format.AppendJSON(b, types.Format(x))
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case *types.Map:
		b = append(b, '{')
		for i, k := range x.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			if k == nil {
				// As the JSON format: Jackson writes a null key "null".
				b = append(b, `"null"`...)
			} else {
				b = format.AppendJSON(b, types.Format(k))
			}
			b = append(b, ':')
			b = appendValue(b, x.Values[i])
		}
		return append(b, '}')
	case *types.Struct:
		b = append(b, '{')
		for i, f := range x.Type.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = format.AppendJSON(b, f.Name)
			b = append(b, ':')
			b = appendValue(b, x.Values[i])
		}
		return append(b, '}')
	}
	return format.AppendJSON(b, v)
}
