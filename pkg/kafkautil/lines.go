package kafkautil

// Line formats: how a line of text becomes a record, in the manner of
// kafka-console-producer's parse.key, key.separator, parse.headers and
// null.marker properties.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/IBM/sarama"
)

// ProduceOptions say how lines of input become records, in the manner of
// kafka-console-producer's parse.key, key.separator, parse.headers and
// null.marker properties.
type ProduceOptions struct {
	// KeySeparator, when set, splits each line at its first occurrence into
	// KEY and VALUE (parse.key=true). A line without it is an error.
	KeySeparator string
	// Partition, when set, sends every record to that partition; otherwise
	// the client's partitioner picks it from the key (with NewConsoleConfig,
	// Dial's default, the Java client's murmur2 hash; records without a key
	// are spread at random).
	Partition *int32
	// ValueFormat is "string" (the default: any text) or "json": each value
	// must then be valid JSON.
	ValueFormat string
	// NullMarker, when set, is the text that stands for null: a key equal to
	// it is no key, a value equal to it a tombstone (a delete in a
	// compacted topic).
	NullMarker string
	// ParseHeaders reads headers before the key and value: with the default
	// separators, `h1:v1,h2:v2<TAB>key<TAB>value`.
	ParseHeaders bool
	// HeadersDelimiter ends the headers part of a line ("\t" when empty),
	// HeadersSeparator separates headers ("," when empty) and
	// HeadersKeySeparator a header's key from its value (":" when empty).
	HeadersDelimiter    string
	HeadersSeparator    string
	HeadersKeySeparator string
}

// Value formats of ProduceOptions.
const (
	ValueFormatString = "string"
	ValueFormatJSON   = "json"
)

func (o ProduceOptions) validate() error {
	switch o.ValueFormat {
	case "", ValueFormatString, ValueFormatJSON:
	default:
		return fmt.Errorf("unknown value format %q: use %s or %s", o.ValueFormat, ValueFormatString, ValueFormatJSON)
	}
	if o.Partition != nil && *o.Partition < 0 {
		return fmt.Errorf("partition %d does not exist: partitions are numbered from 0", *o.Partition)
	}
	return nil
}

// LineRecord is a record parsed from a line of input.
type LineRecord struct {
	// Key is nil when the record has no key.
	Key []byte
	// Value is nil for a tombstone.
	Value   []byte
	Headers []sarama.RecordHeader
}

// LineError is an error in a given line of input (counted from 1).
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ParseLine turns one line of input into a record. Its errors say what is
// wrong with the line, without the line number (Produce adds it).
func ParseLine(line string, opts ProduceOptions) (LineRecord, error) {
	var rec LineRecord
	rest := line
	if opts.ParseHeaders {
		delim := orDefault(opts.HeadersDelimiter, "\t")
		headers, after, ok := strings.Cut(rest, delim)
		if !ok {
			return rec, fmt.Errorf("no headers delimiter %s found: with headers, a line starts with HEADERS%s", quoteSep(delim), delim)
		}
		rest = after
		if headers != "" {
			sep, keySep := orDefault(opts.HeadersSeparator, ","), orDefault(opts.HeadersKeySeparator, ":")
			for _, h := range strings.Split(headers, sep) {
				k, v, ok := strings.Cut(h, keySep)
				if !ok || k == "" {
					return rec, fmt.Errorf("header %q is not KEY%sVALUE", h, keySep)
				}
				hdr := sarama.RecordHeader{Key: []byte(k), Value: []byte(v)}
				if opts.NullMarker != "" && v == opts.NullMarker {
					hdr.Value = nil
				}
				rec.Headers = append(rec.Headers, hdr)
			}
		}
	}
	value := rest
	if opts.KeySeparator != "" {
		key, v, ok := strings.Cut(rest, opts.KeySeparator)
		if !ok {
			return rec, fmt.Errorf("no key separator %s found: each line must be a key, the separator, then the value (got %s)", quoteSep(opts.KeySeparator), quoteShort(rest))
		}
		value = v
		if opts.NullMarker == "" || key != opts.NullMarker {
			rec.Key = []byte(key)
		}
	}
	if opts.NullMarker != "" && value == opts.NullMarker {
		return rec, nil
	}
	if opts.ValueFormat == ValueFormatJSON {
		if err := checkJSON(value); err != nil {
			return rec, fmt.Errorf("value is not valid JSON: %v", err)
		}
	}
	rec.Value = []byte(value)
	return rec, nil
}

// checkJSON reports why text is not one JSON value.
func checkJSON(text string) error {
	dec := json.NewDecoder(strings.NewReader(text))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fmt.Errorf("%v (at character %d of %s)", syntax, syntax.Offset, quoteShort(text))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("it ends too early: %s", quoteShort(text))
		}
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value in %s (one record per line)", quoteShort(text))
	}
	var trailing json.RawMessage
	if err := dec.Decode(&trailing); !errors.Is(err, io.EOF) {
		return fmt.Errorf("unexpected text after the JSON value in %s", quoteShort(text))
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// quoteSep shows a separator readably: tabs and spaces are invisible.
func quoteSep(sep string) string {
	switch sep {
	case "\t":
		return `"\t" (a tab)`
	case " ":
		return `" " (a space)`
	}
	return strconv.Quote(sep)
}

// abbreviate quotes s, shortened when long.
func quoteShort(s string) string {
	if len(s) > 60 {
		return strconv.Quote(s[:57]) + "..."
	}
	return strconv.Quote(s)
}

// maxInputLine is the longest line Produce reads, a little above Kafka's default
// maximum message size.
const maxInputLine = 4 << 20

type inputLine struct {
	number int
	text   string
	err    error
}

// readLines reads in line by line in a goroutine, so that the end of the
// caller's context is noticed even while a terminal waits for input. The
// returned stop function releases the goroutine once its current read ends.
func readLines(in io.Reader) (<-chan inputLine, func()) {
	out := make(chan inputLine)
	stop := make(chan struct{})
	go func() {
		defer close(out)
		scanner := bufio.NewScanner(in)
		scanner.Buffer(make([]byte, 0, 64<<10), maxInputLine)
		n := 0
		for scanner.Scan() {
			n++
			text := strings.TrimSuffix(scanner.Text(), "\r")
			select {
			case out <- inputLine{number: n, text: text}:
			case <-stop:
				return
			}
		}
		if err := scanner.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = &LineError{Line: n + 1, Err: fmt.Errorf("longer than %d MiB", maxInputLine>>20)}
			} else {
				err = fmt.Errorf("reading input: %w", err)
			}
			select {
			case out <- inputLine{err: err}:
			case <-stop:
			}
		}
	}()
	var once sync.Once
	return out, func() { once.Do(func() { close(stop) }) }
}
