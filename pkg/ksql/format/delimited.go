package format

import (
	"fmt"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// delimited is ksqlDB's DELIMITED format: one CSV record per message,
// fields in column order, an empty field is NULL. Output quoting follows
// Apache Commons CSV's minimal quoting, which ksqlDB uses.
type delimited struct {
	cols  []Column
	delim byte
}

func newDelimited(cols []Column, delim byte) (Codec, error) {
	if delim == 0 {
		delim = ','
	}
	for _, c := range cols {
		if !c.Type.IsPrimitive() {
			return nil, fmt.Errorf("the DELIMITED format does not support type %s (column %s)", c.Type, c.Name)
		}
	}
	return &delimited{cols: cols, delim: delim}, nil
}

// splitCSV splits one CSV record; quoted reports which fields were quoted.
func splitCSV(s string, delim byte) (fields []string, quoted []bool, err error) {
	i := 0
	for {
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, nil, fmt.Errorf("unterminated quoted field")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			fields = append(fields, b.String())
			quoted = append(quoted, true)
			if i < len(s) && s[i] != delim {
				return nil, nil, fmt.Errorf("invalid char between encapsulated token and delimiter")
			}
		} else {
			j := strings.IndexByte(s[i:], delim)
			if j < 0 {
				j = len(s) - i
			}
			fields = append(fields, s[i:i+j])
			quoted = append(quoted, false)
			i += j
		}
		if i >= len(s) {
			return fields, quoted, nil
		}
		i++ // delimiter
		if i == len(s) {
			fields = append(fields, "")
			quoted = append(quoted, false)
			return fields, quoted, nil
		}
	}
}

func (c *delimited) Decode(data []byte, dst []any) error {
	line := strings.TrimRight(string(data), "\r\n")
	fields, quoted, err := splitCSV(line, c.delim)
	if err != nil {
		return err
	}
	if len(fields) != len(c.cols) {
		return fmt.Errorf("Unexpected field count, csvFields:%d schemaFields:%d line: %s", len(fields), len(c.cols), line)
	}
	for i, f := range fields {
		if f == "" && !quoted[i] {
			dst[i] = nil
			continue
		}
		t := c.cols[i].Type
		switch t.Kind {
		case types.KindString:
			dst[i] = f
		case types.KindInteger, types.KindBigint, types.KindDouble, types.KindDecimal, types.KindTimestamp, types.KindDate, types.KindTime:
			v, err := parseNumber(strings.TrimSpace(f), t, false)
			if err != nil {
				return fmt.Errorf("column %s: %w", c.cols[i].Name, err)
			}
			dst[i] = v
		default:
			v, err := types.Cast(f, t)
			if err != nil {
				return fmt.Errorf("column %s: %w", c.cols[i].Name, err)
			}
			dst[i] = v
		}
	}
	return nil
}

func (c *delimited) Encode(buf []byte, vals []any) ([]byte, error) {
	for i, v := range vals {
		if i > 0 {
			buf = append(buf, c.delim)
		}
		if v == nil {
			continue
		}
		var s string
		switch x := v.(type) {
		case types.Timestamp, types.Date, types.TimeOfDay:
			s = fmt.Sprint(types.ToInt64(x))
		default:
			s = types.Format(v)
		}
		buf = c.appendField(buf, s, i == 0)
	}
	return buf, nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// appendField writes one field with Commons CSV's MINIMAL quote policy.
func (c *delimited) appendField(buf []byte, s string, first bool) []byte {
	quote := false
	switch {
	case s == "":
		quote = first
	case first && !isAlnum(s[0]):
		quote = true
	case s[0] <= '#':
		quote = true
	default:
		for i := 0; i < len(s); i++ {
			ch := s[i]
			if ch == '\n' || ch == '\r' || ch == '"' || ch == c.delim {
				quote = true
				break
			}
		}
		if !quote && s[len(s)-1] <= ' ' {
			quote = true
		}
	}
	if !quote {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	buf = append(buf, strings.ReplaceAll(s, `"`, `""`)...)
	return append(buf, '"')
}
