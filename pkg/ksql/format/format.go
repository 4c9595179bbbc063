// Package format holds the serialization formats of the embedded ksqlDB
// engine: JSON, DELIMITED (CSV) and KAFKA (primitive keys and values in
// Kafka's own serializers' byte layout), plus the windowed-key layout
// that Kafka Streams uses (key bytes followed by the window start, or by
// the session end and start).
package format

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/types"
)

// The supported format names.
const (
	JSON      = "JSON"
	Delimited = "DELIMITED"
	Kafka     = "KAFKA"
	None      = "NONE"
)

// Column is a named, typed column of a key or value schema.
type Column struct {
	Name string
	Type *types.Type
}

// Codec decodes bytes into column values and encodes them back. A codec is
// built once per query and reused for every record.
type Codec interface {
	// Decode fills dst (len(dst) == number of columns) from data.
	Decode(data []byte, dst []any) error
	// Encode appends the encoding of vals to buf.
	Encode(buf []byte, vals []any) ([]byte, error)
}

// Options are format settings from the WITH clause.
type Options struct {
	// Delimiter for DELIMITED (default ',').
	Delimiter byte
	// WrapSingleValue: JSON values with one column are objects (default)
	// or, when false, the bare value.
	WrapSingleValue bool
}

// Normalize upper-cases and validates a format name.
func Normalize(name string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	switch n {
	case JSON, Delimited, Kafka, None:
		return n, nil
	case "JSON_SR":
		return JSON, nil
	}
	return "", fmt.Errorf("unsupported format: %s (supported: JSON, DELIMITED, KAFKA)", name)
}

// ParseDelimiter reads a VALUE_DELIMITER property value.
func ParseDelimiter(s string) (byte, error) {
	switch strings.ToUpper(s) {
	case "", ",":
		return ',', nil
	case "TAB", "\t":
		return '\t', nil
	case "SPACE", " ":
		return ' ', nil
	}
	if len(s) != 1 {
		return 0, fmt.Errorf("invalid VALUE_DELIMITER %q: a single character, TAB or SPACE", s)
	}
	return s[0], nil
}

// NewValueCodec returns the codec for the value columns in a format.
func NewValueCodec(format string, cols []Column, opts Options) (Codec, error) {
	switch format {
	case JSON:
		if !opts.WrapSingleValue && len(cols) == 1 {
			return &jsonSingle{t: cols[0].Type}, nil
		}
		return newJSONObject(cols), nil
	case Delimited:
		return newDelimited(cols, opts.Delimiter)
	case Kafka:
		if len(cols) > 1 {
			return nil, errors.New("the KAFKA format supports only a single column")
		}
		return newKafka(cols)
	case None:
		return noneCodec{}, nil
	}
	return nil, fmt.Errorf("unsupported format %s", format)
}

// NewKeyCodec returns the codec for the key columns in a format. JSON keys
// with a single column are written unwrapped; several columns form an
// object.
func NewKeyCodec(format string, cols []Column) (Codec, error) {
	if len(cols) == 0 {
		return noneCodec{}, nil
	}
	switch format {
	case JSON:
		if len(cols) == 1 {
			return &jsonSingle{t: cols[0].Type}, nil
		}
		return newJSONObject(cols), nil
	case Delimited:
		return newDelimited(cols, ',')
	case Kafka:
		if len(cols) > 1 {
			return nil, errors.New("the KAFKA key format supports only a single key column")
		}
		return newKafka(cols)
	case None:
		return noneCodec{}, nil
	}
	return nil, fmt.Errorf("unsupported key format %s", format)
}

// KafkaSupports reports whether the KAFKA format can hold a column type.
func KafkaSupports(t *types.Type) bool {
	switch t.Kind {
	case types.KindInteger, types.KindBigint, types.KindDouble, types.KindString, types.KindBytes:
		return true
	}
	return false
}

type noneCodec struct{}

func (noneCodec) Decode(_ []byte, dst []any) error {
	clear(dst)
	return nil
}
func (noneCodec) Encode(buf []byte, _ []any) ([]byte, error) { return buf, nil }

// jsonSingle is an unwrapped JSON value (keys, WRAP_SINGLE_VALUE=false).
type jsonSingle struct{ t *types.Type }

func (c *jsonSingle) Decode(data []byte, dst []any) error {
	v, err := ParseJSONValue(data, c.t)
	if err != nil {
		return err
	}
	dst[0] = v
	return nil
}

func (c *jsonSingle) Encode(buf []byte, vals []any) ([]byte, error) {
	return appendJSON(buf, vals[0]), nil
}

// jsonObject is a JSON object with one field per column; fields are
// matched by exact name, then case-insensitively.
type jsonObject struct {
	cols  []Column
	names [][]byte // precomputed `"NAME":` prefixes
}

func newJSONObject(cols []Column) *jsonObject {
	c := &jsonObject{cols: cols}
	for i, col := range cols {
		var p []byte
		if i > 0 {
			p = append(p, ',')
		}
		p = appendJSONString(p, col.Name)
		p = append(p, ':')
		c.names = append(c.names, p)
	}
	return c
}

func (c *jsonObject) resolve(name string) (int, *types.Type) {
	for i := range c.cols {
		if c.cols[i].Name == name {
			return i, c.cols[i].Type
		}
	}
	for i := range c.cols {
		if strings.EqualFold(c.cols[i].Name, name) {
			return i, c.cols[i].Type
		}
	}
	return -1, nil
}

func (c *jsonObject) Decode(data []byte, dst []any) error {
	clear(dst)
	r := &jsonReader{b: data}
	r.ws()
	if r.lit("null") {
		return errNullValue
	}
	if err := r.object(c.resolve, dst); err != nil {
		return err
	}
	r.ws()
	if r.i != len(r.b) {
		return r.errf("trailing data")
	}
	return nil
}

// errNullValue reports a JSON `null` document (treated as a tombstone).
var errNullValue = errors.New("null value")

// IsNullValue reports whether a Decode error means the record's value is
// JSON null (to be treated like an empty value).
func IsNullValue(err error) bool { return errors.Is(err, errNullValue) }

func (c *jsonObject) Encode(buf []byte, vals []any) ([]byte, error) {
	buf = append(buf, '{')
	for i, v := range vals {
		buf = append(buf, c.names[i]...)
		buf = appendJSON(buf, v)
	}
	return append(buf, '}'), nil
}

// kafkaCodec is Kafka's primitive serializers: INT 4 bytes and BIGINT 8
// bytes big-endian, DOUBLE 8 bytes IEEE 754, STRING UTF-8, BYTES raw.
type kafkaCodec struct{ t *types.Type }

func newKafka(cols []Column) (Codec, error) {
	if len(cols) == 0 {
		return noneCodec{}, nil
	}
	if !KafkaSupports(cols[0].Type) {
		return nil, fmt.Errorf("the KAFKA format does not support %s", cols[0].Type)
	}
	return &kafkaCodec{t: cols[0].Type}, nil
}

func (c *kafkaCodec) Decode(data []byte, dst []any) error {
	if data == nil {
		dst[0] = nil
		return nil
	}
	switch c.t.Kind {
	case types.KindInteger:
		if len(data) != 4 {
			return fmt.Errorf("size of data received by IntegerDeserializer is not 4 (was %d)", len(data))
		}
		dst[0] = int32(binary.BigEndian.Uint32(data))
	case types.KindBigint:
		if len(data) != 8 {
			return fmt.Errorf("size of data received by LongDeserializer is not 8 (was %d)", len(data))
		}
		dst[0] = int64(binary.BigEndian.Uint64(data))
	case types.KindDouble:
		if len(data) != 8 {
			return fmt.Errorf("size of data received by DoubleDeserializer is not 8 (was %d)", len(data))
		}
		dst[0] = math.Float64frombits(binary.BigEndian.Uint64(data))
	case types.KindString:
		dst[0] = string(data)
	case types.KindBytes:
		dst[0] = append([]byte(nil), data...)
	}
	return nil
}

func (c *kafkaCodec) Encode(buf []byte, vals []any) ([]byte, error) {
	v := vals[0]
	if v == nil {
		return nil, nil
	}
	switch c.t.Kind {
	case types.KindInteger:
		return binary.BigEndian.AppendUint32(buf, uint32(types.ToInt64(v))), nil
	case types.KindBigint:
		return binary.BigEndian.AppendUint64(buf, uint64(types.ToInt64(v))), nil
	case types.KindDouble:
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(types.ToFloat(v))), nil
	case types.KindString:
		return append(buf, types.Format(v)...), nil
	case types.KindBytes:
		b, _ := v.([]byte)
		return append(buf, b...), nil
	}
	return nil, fmt.Errorf("the KAFKA format does not support %s", c.t)
}

// WindowKind says how a windowed key is laid out.
type WindowKind int

// The window layouts.
const (
	NotWindowed WindowKind = iota
	TimeWindowed
	SessionWindowed
)

// AppendWindow appends the window suffix Kafka Streams uses: the 8-byte
// start for time windows, the 8-byte end then start for sessions.
func AppendWindow(key []byte, kind WindowKind, start, end int64) []byte {
	switch kind {
	case TimeWindowed:
		key = binary.BigEndian.AppendUint64(key, uint64(start))
	case SessionWindowed:
		key = binary.BigEndian.AppendUint64(key, uint64(end))
		key = binary.BigEndian.AppendUint64(key, uint64(start))
	}
	return key
}

// SplitWindow splits a windowed key into the inner key and the window
// bounds; for time windows end is start+size.
func SplitWindow(data []byte, kind WindowKind, size int64) (key []byte, start, end int64, err error) {
	switch kind {
	case TimeWindowed:
		if len(data) < 8 {
			return nil, 0, 0, errors.New("windowed key too short")
		}
		n := len(data) - 8
		start = int64(binary.BigEndian.Uint64(data[n:]))
		return data[:n], start, start + size, nil
	case SessionWindowed:
		if len(data) < 16 {
			return nil, 0, 0, errors.New("session-windowed key too short")
		}
		n := len(data) - 16
		end = int64(binary.BigEndian.Uint64(data[n:]))
		start = int64(binary.BigEndian.Uint64(data[n+8:]))
		return data[:n], start, end, nil
	}
	return data, 0, 0, nil
}
