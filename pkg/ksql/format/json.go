package format

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// jsonReader is a small schema-directed JSON decoder: it reads values
// straight into the engine's value model for a target type, coercing as
// ksqlDB's JSON deserializer does, without building an intermediate tree.
type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) errf(format string, a ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", r.i, fmt.Sprintf(format, a...))
}

func (r *jsonReader) peek() byte {
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

func (r *jsonReader) lit(s string) bool {
	if strings.HasPrefix(string(r.b[r.i:min(len(r.b), r.i+len(s))]), s) {
		r.i += len(s)
		return true
	}
	return false
}

// str reads a JSON string (the opening quote not yet consumed).
func (r *jsonReader) str() (string, error) {
	if r.peek() != '"' {
		return "", r.errf("expected string")
	}
	r.i++
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c == '"' {
			s := string(r.b[start:r.i])
			r.i++
			return s, nil
		}
		if c == '\\' {
			return r.strSlow(start)
		}
		r.i++
	}
	return "", r.errf("unterminated string")
}

func (r *jsonReader) strSlow(start int) (string, error) {
	buf := append([]byte(nil), r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return string(buf), nil
		case c == '\\':
			r.i++
			if r.i >= len(r.b) {
				return "", r.errf("bad escape")
			}
			e := r.b[r.i]
			r.i++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				if r.i+4 > len(r.b) {
					return "", r.errf("bad unicode escape")
				}
				n, err := strconv.ParseUint(string(r.b[r.i:r.i+4]), 16, 32)
				if err != nil {
					return "", r.errf("bad unicode escape")
				}
				r.i += 4
				ru := rune(n)
				if utf16.IsSurrogate(ru) && r.i+6 <= len(r.b) && r.b[r.i] == '\\' && r.b[r.i+1] == 'u' {
					if n2, err := strconv.ParseUint(string(r.b[r.i+2:r.i+6]), 16, 32); err == nil {
						ru = utf16.DecodeRune(ru, rune(n2))
						r.i += 6
					}
				}
				buf = utf8.AppendRune(buf, ru)
			default:
				return "", r.errf("bad escape")
			}
		default:
			buf = append(buf, c)
			r.i++
		}
	}
	return "", r.errf("unterminated string")
}

// number reads a JSON number token and returns its text.
func (r *jsonReader) number() (string, error) {
	start := r.i
	if r.peek() == '-' {
		r.i++
	}
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			r.i++
			continue
		}
		break
	}
	if r.i == start {
		return "", r.errf("unexpected character %q", r.peek())
	}
	return string(r.b[start:r.i]), nil
}

// skip skips one value and returns its raw bytes.
func (r *jsonReader) skip() ([]byte, error) {
	r.ws()
	start := r.i
	switch c := r.peek(); {
	case c == '"':
		if _, err := r.str(); err != nil {
			return nil, err
		}
	case c == '{' || c == '[':
		depth := 0
		for r.i < len(r.b) {
			switch r.b[r.i] {
			case '"':
				if _, err := r.str(); err != nil {
					return nil, err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					r.i++
					return r.b[start:r.i], nil
				}
			}
			r.i++
		}
		return nil, r.errf("unterminated %c", c)
	case r.lit("true"), r.lit("false"), r.lit("null"):
	default:
		if _, err := r.number(); err != nil {
			return nil, err
		}
	}
	return r.b[start:r.i], nil
}

// compactJSON removes insignificant white space from raw JSON.
func compactJSON(raw []byte) string {
	var b strings.Builder
	inStr := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inStr {
			b.WriteByte(c)
			if c == '\\' && i+1 < len(raw) {
				i++
				b.WriteByte(raw[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inStr = true
		}
		b.WriteByte(c)
	}
	return b.String()
}

// value reads one value coerced to t.
func (r *jsonReader) value(t *types.Type) (any, error) {
	r.ws()
	c := r.peek()
	if c == 'n' {
		if r.lit("null") {
			return nil, nil
		}
		return nil, r.errf("unexpected token")
	}
	switch t.Kind {
	case types.KindString:
		switch {
		case c == '"':
			return r.str()
		case c == '{' || c == '[':
			raw, err := r.skip()
			if err != nil {
				return nil, err
			}
			return compactJSON(raw), nil
		default:
			raw, err := r.skip()
			return string(raw), err
		}
	case types.KindBoolean:
		switch {
		case r.lit("true"):
			return true, nil
		case r.lit("false"):
			return false, nil
		case c == '"':
			s, err := r.str()
			if err != nil {
				return nil, err
			}
			switch strings.ToLower(s) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
			return nil, fmt.Errorf("cannot coerce %q to BOOLEAN", s)
		}
		return nil, r.errf("expected BOOLEAN")
	case types.KindInteger, types.KindBigint, types.KindDouble, types.KindDecimal, types.KindTimestamp, types.KindDate, types.KindTime:
		var text string
		var err error
		quoted := false
		switch {
		case c == '"':
			text, err = r.str()
			quoted = true
		case c == '-' || c >= '0' && c <= '9':
			text, err = r.number()
		case c == 't' || c == 'f' || c == '{' || c == '[':
			return nil, r.errf("cannot coerce to %s", t)
		default:
			text, err = r.number()
		}
		if err != nil {
			return nil, err
		}
		return parseNumber(text, t, quoted)
	case types.KindBytes:
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.DecodeString(s)
	case types.KindArray:
		if c != '[' {
			return nil, r.errf("expected ARRAY")
		}
		r.i++
		out := []any{}
		if err := r.items(']', func() error {
			v, err := r.value(t.Elem)
			out = append(out, v)
			return err
		}); err != nil {
			return nil, err
		}
		return out, nil
	case types.KindMap:
		if c != '{' {
			return nil, r.errf("expected MAP")
		}
		r.i++
		m := &types.Map{}
		if err := r.items('}', func() error {
			k, err := r.member()
			if err != nil {
				return err
			}
			v, err := r.value(t.Elem)
			if err != nil {
				return err
			}
			kv, err := types.Cast(k, t.Key)
			if err != nil {
				return err
			}
			m.Keys = append(m.Keys, kv)
			m.Values = append(m.Values, v)
			return nil
		}); err != nil {
			return nil, err
		}
		return m, nil
	case types.KindStruct:
		if c != '{' {
			return nil, r.errf("expected STRUCT")
		}
		s := &types.Struct{Type: t, Values: make([]any, len(t.Fields))}
		if err := r.object(func(name string) (int, *types.Type) {
			i := t.FieldIndex(name)
			if i < 0 {
				return -1, nil
			}
			return i, t.Fields[i].Type
		}, s.Values); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("unsupported type %s", t)
}

// object reads an object, storing fields that resolve to an index.
func (r *jsonReader) object(resolve func(string) (int, *types.Type), dst []any) error {
	r.ws()
	if r.peek() != '{' {
		return r.errf("expected object")
	}
	r.i++
	return r.items('}', func() error {
		k, err := r.member()
		if err != nil {
			return err
		}
		idx, ft := resolve(k)
		if idx < 0 {
			_, err := r.skip()
			return err
		}
		v, err := r.value(ft)
		if err != nil {
			return fmt.Errorf("field %s: %w", k, err)
		}
		dst[idx] = v
		return nil
	})
}

// items reads the comma-separated items of an array or object, after its
// opening bracket, through the close bracket; item reads one.
func (r *jsonReader) items(close byte, item func() error) error {
	r.ws()
	if r.peek() == close {
		r.i++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		r.ws()
		switch r.peek() {
		case ',':
			r.i++
		case close:
			r.i++
			return nil
		default:
			return r.errf("expected ',' or '%c'", close)
		}
	}
}

// member reads an object member's name and the ':' after it.
func (r *jsonReader) member() (string, error) {
	r.ws()
	k, err := r.str()
	if err != nil {
		return "", err
	}
	r.ws()
	if r.peek() != ':' {
		return "", r.errf("expected ':'")
	}
	r.i++
	return k, nil
}

// parseNumber coerces number text (or a quoted string) to a numeric type.
func parseNumber(text string, t *types.Type, quoted bool) (any, error) {
	switch t.Kind {
	case types.KindInteger, types.KindBigint, types.KindTimestamp, types.KindDate, types.KindTime:
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(text, 64)
			if ferr != nil || quoted && t.Kind == types.KindTimestamp {
				if t.Kind == types.KindTimestamp {
					return types.ParseTimestamp(text)
				}
				return nil, fmt.Errorf("cannot coerce %q to %s", text, t)
			}
			// A fraction is truncated; a number beyond int64 (or NaN, or
			// an infinity) is an error, not a wrapped value.
			if !(f >= -(1<<63) && f < 1<<63) {
				return nil, fmt.Errorf("value %s out of %s range", text, t)
			}
			n = int64(f)
		}
		switch t.Kind {
		case types.KindInteger:
			if n > math.MaxInt32 || n < math.MinInt32 {
				return nil, fmt.Errorf("value %s out of INTEGER range", text)
			}
			return int32(n), nil
		case types.KindTimestamp:
			return types.Timestamp(n), nil
		case types.KindDate:
			return types.Date(n), nil
		case types.KindTime:
			return types.TimeOfDay(n), nil
		}
		return n, nil
	case types.KindDouble:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			switch text {
			case "NaN":
				return math.NaN(), nil
			case "Infinity":
				return math.Inf(1), nil
			case "-Infinity":
				return math.Inf(-1), nil
			}
			return nil, fmt.Errorf("cannot coerce %q to DOUBLE", text)
		}
		return f, nil
	case types.KindDecimal:
		// Bounded whatever the exponent: 1e999999999 is rejected at once.
		d, err := types.ParseDecimalFor(text, t.Precision, t.Scale)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	return nil, errors.New("not a number type")
}

// appendJSON appends v as JSON.
func appendJSON(b []byte, v any) []byte { return appendJSONValue(b, v, false) }

// appendJSONValue appends v as JSON; with temporalText, TIMESTAMP, DATE and
// TIME values, at any depth, are strings (types.Format) instead of numbers.
func appendJSONValue(b []byte, v any, temporalText bool) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return append(b, `"NaN"`...)
		case math.IsInf(x, 1):
			return append(b, `"Infinity"`...)
		case math.IsInf(x, -1):
			return append(b, `"-Infinity"`...)
		}
		s := types.FormatDouble(x)
		return append(b, s...)
	case types.Decimal:
		return append(b, x.String()...)
	case string:
		return appendJSONString(b, x)
	case []byte:
		return appendJSONString(b, base64.StdEncoding.EncodeToString(x))
	case types.Timestamp:
		if temporalText {
			return appendJSONString(b, types.Format(x))
		}
		return strconv.AppendInt(b, int64(x), 10)
	case types.Date:
		if temporalText {
			return appendJSONString(b, types.Format(x))
		}
		return strconv.AppendInt(b, int64(x), 10)
	case types.TimeOfDay:
		if temporalText {
			return appendJSONString(b, types.Format(x))
		}
		return strconv.AppendInt(b, int64(x), 10)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, e, temporalText)
		}
		return append(b, ']')
	case *types.Map:
		b = append(b, '{')
		for i := range x.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			if x.Keys[i] == nil {
				// Jackson writes a null map key as "null".
				b = append(b, `"null"`...)
			} else {
				b = appendJSONString(b, types.Format(x.Keys[i]))
			}
			b = append(b, ':')
			b = appendJSONValue(b, x.Values[i], temporalText)
		}
		return append(b, '}')
	case *types.Struct:
		b = append(b, '{')
		for i, f := range x.Type.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.Name)
			b = append(b, ':')
			b = appendJSONValue(b, x.Values[i], temporalText)
		}
		return append(b, '}')
	}
	return appendJSONString(b, fmt.Sprint(v))
}

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendJSON appends the JSON form of a value as ksqlDB's JSON serializer
// writes it (DOUBLE NaN/Infinity as strings, DECIMAL as a number, BYTES
// as base64, TIMESTAMP as epoch milliseconds).
func AppendJSON(b []byte, v any) []byte { return appendJSON(b, v) }

// AppendRESTJSON appends a value as ksqlDB's REST API writes it: as
// AppendJSON, except that TIMESTAMP, DATE and TIME values, at any depth, are
// strings as ksqlDB's server writes them (2019-03-17T10:00:00.000 in UTC,
// 2019-03-17 and 10:00:00). In a topic they stay numbers.
func AppendRESTJSON(b []byte, v any) []byte { return appendJSONValue(b, v, true) }

// ParseJSONValue parses a JSON document as a value of type t.
func ParseJSONValue(data []byte, t *types.Type) (any, error) {
	r := &jsonReader{b: data}
	v, err := r.value(t)
	if err != nil {
		return nil, err
	}
	r.ws()
	if r.i != len(r.b) {
		return nil, r.errf("trailing data")
	}
	return v, nil
}
