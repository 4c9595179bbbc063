package kafkautil

// Printers: consumed records as lines of text, as kafka-console-consumer's
// formatter writes them, or as JSON objects.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
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
		b = appendNullable(b, r.Key)
		b = append(b, sep...)
	}
	return appendNullable(b, r.Value)
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
