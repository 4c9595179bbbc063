package kafkautil

// Printers: consumed records as lines of text, as kafka-console-consumer's
// formatter writes them, or as JSON objects.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Record output formats.
const (
	RecordFormatText = "text"
	RecordFormatJSON = "json"
)

// RecordPrinter writes consumed records, one per line, as
// kafka-console-consumer's formatter does (text) or as JSON objects.
type RecordPrinter struct {
	// Format is RecordFormatText (the default) or RecordFormatJSON.
	Format string
	// The text format prints the value alone, preceded by what these ask
	// for, in this order: CreateTime:MS, Partition:N, Offset:N, headers
	// (k:v,k:v or NO_HEADERS), key. The JSON format always has them all.
	PrintTimestamp bool
	PrintPartition bool
	PrintOffset    bool
	PrintHeaders   bool
	PrintKey       bool
	// Separator goes between the text format's fields; "\t" when empty.
	Separator string
}

// Validate checks the format name.
func (p RecordPrinter) Validate() error {
	switch p.Format {
	case "", RecordFormatText, RecordFormatJSON:
		return nil
	}
	return fmt.Errorf("unknown format %q: use %s or %s", p.Format, RecordFormatText, RecordFormatJSON)
}

// Print writes one record.
func (p RecordPrinter) Print(w io.Writer, r ConsumerRecord) error {
	var b []byte
	if p.Format == RecordFormatJSON {
		var err error
		if b, err = RecordJSON(r); err != nil {
			return err
		}
	} else {
		b = p.appendText(nil, r)
	}
	b = append(b, '\n')
	_, err := w.Write(b)
	return err
}

func (p RecordPrinter) appendText(b []byte, r ConsumerRecord) []byte {
	sep := orDefault(p.Separator, "\t")
	if p.PrintTimestamp {
		b = append(b, "CreateTime:"...)
		b = strconv.AppendInt(b, r.Timestamp.UnixMilli(), 10)
		b = append(b, sep...)
	}
	if p.PrintPartition {
		b = append(b, "Partition:"...)
		b = strconv.AppendInt(b, int64(r.Partition), 10)
		b = append(b, sep...)
	}
	if p.PrintOffset {
		b = append(b, "Offset:"...)
		b = strconv.AppendInt(b, r.Offset, 10)
		b = append(b, sep...)
	}
	if p.PrintHeaders {
		if len(r.Headers) == 0 {
			b = append(b, "NO_HEADERS"...)
		}
		for i, h := range r.Headers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, h.Key...)
			b = append(b, ':')
			b = appendNullable(b, h.Value)
		}
		b = append(b, sep...)
	}
	if p.PrintKey {
		b = appendKey(b, r.Key)
		b = append(b, sep...)
	}
	return appendNullable(b, r.Value)
}

// appendKey appends a record's key as the text format prints it, so
// that a key of bytes cannot garble a terminal: text as it is; the windowed
// key of a ksqlDB (Kafka Streams) windowed table, whose key is followed by
// the window's start in 8 bytes (for a session window, its end then its
// start), as ksqlDB's PRINT shows it, [KEY@START/END] in milliseconds, with
// END "-" for a tumbling or hopping window, whose key does not hold it; any
// other bytes as Go escapes them (\x00); and null for no key.
func appendKey(b, key []byte) []byte {
	if key == nil {
		return append(b, "null"...)
	}
	if printable(key) {
		return append(b, key...)
	}
	if inner, start, ok := timeWindowKey(key); ok {
		return fmt.Appendf(b, "[%s@%d/-]", inner, start)
	}
	if inner, start, end, ok := sessionWindowKey(key); ok {
		return fmt.Appendf(b, "[%s@%d/%d]", inner, start, end)
	}
	return appendEscaped(b, key)
}

// printable reports whether key is UTF-8 text of printable characters
// (spaces included, tabs and line breaks not).
func printable(key []byte) bool {
	if !utf8.Valid(key) {
		return false
	}
	for _, r := range string(key) {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// maxWindowTime bounds the window times a key can plausibly hold (the end
// of year 9999, in milliseconds): 8 bytes of text read as a time are far
// beyond it, as their first byte is not 0.
const maxWindowTime = 253402300799999

func windowTime(b []byte) (int64, bool) {
	v := int64(binary.BigEndian.Uint64(b))
	return v, v >= 0 && v <= maxWindowTime
}

// timeWindowKey splits a tumbling or hopping window's key: text, then the
// window's start.
func timeWindowKey(key []byte) (inner []byte, start int64, ok bool) {
	n := len(key) - 8
	if n < 1 || !printable(key[:n]) {
		return nil, 0, false
	}
	start, ok = windowTime(key[n:])
	return key[:n], start, ok
}

// sessionWindowKey splits a session window's key: text, then the window's
// end and start.
func sessionWindowKey(key []byte) (inner []byte, start, end int64, ok bool) {
	n := len(key) - 16
	if n < 1 || !printable(key[:n]) {
		return nil, 0, 0, false
	}
	end, okEnd := windowTime(key[n : n+8])
	start, okStart := windowTime(key[n+8:])
	return key[:n], start, end, okEnd && okStart && start <= end
}

// appendEscaped appends key with its printable characters as they are and
// everything else (and backslashes) as Go escapes them.
func appendEscaped(b, key []byte) []byte {
	for len(key) > 0 {
		r, size := utf8.DecodeRune(key)
		switch {
		case r == utf8.RuneError && size <= 1:
			b = fmt.Appendf(b, `\x%02x`, key[0])
		case r == '\\':
			b = append(b, `\\`...)
		case unicode.IsPrint(r):
			b = append(b, key[:size]...)
		default:
			q := strconv.QuoteRune(r)
			b = append(b, q[1:len(q)-1]...)
		}
		key = key[size:]
	}
	return b
}

func appendNullable(b, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return append(b, v...)
}

// recordJSON is the JSON shape of a consumed record.
type recordJSON struct {
	Topic     string            `json:"topic"`
	Partition int32             `json:"partition"`
	Offset    int64             `json:"offset"`
	Timestamp int64             `json:"timestamp"`
	Key       *string           `json:"key"`
	Value     json.RawMessage   `json:"value"`
	Headers   map[string]string `json:"headers,omitempty"`
}

// RecordJSON renders a record as one JSON object: topic, partition, offset,
// timestamp (milliseconds), key (a string or null), value (the JSON value
// itself when the value is valid JSON, else a string; null for a tombstone)
// and headers when there are any.
func RecordJSON(r ConsumerRecord) ([]byte, error) {
	out := recordJSON{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli()}
	if r.Key != nil {
		k := string(r.Key)
		out.Key = &k
	}
	switch {
	case r.Value == nil:
		out.Value = json.RawMessage("null")
	case json.Valid(r.Value):
		var buf bytes.Buffer
		if err := json.Compact(&buf, r.Value); err != nil {
			return nil, err
		}
		out.Value = buf.Bytes()
	default:
		s, err := json.Marshal(string(r.Value))
		if err != nil {
			return nil, err
		}
		out.Value = s
	}
	if len(r.Headers) > 0 {
		out.Headers = make(map[string]string, len(r.Headers))
		for _, h := range r.Headers {
			out.Headers[string(h.Key)] = string(h.Value)
		}
	}
	return json.Marshal(out)
}
