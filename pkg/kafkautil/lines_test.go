package kafkautil

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/IBM/sarama"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		opts    ProduceOptions
		want    LineRecord
		wantErr string
	}{
		{name: "value only", line: "hello world", want: LineRecord{Value: []byte("hello world")}},
		{name: "key and value", line: "k1:v:1", opts: ProduceOptions{KeySeparator: ":"}, want: LineRecord{Key: []byte("k1"), Value: []byte("v:1")}},
		{name: "empty key", line: "\tv", opts: ProduceOptions{KeySeparator: "\t"}, want: LineRecord{Key: []byte{}, Value: []byte("v")}},
		{name: "missing separator", line: "novalue", opts: ProduceOptions{KeySeparator: "\t"}, wantErr: `no key separator "\t" (a tab) found`},
		{name: "json", line: `k={"a": [1, 2]}`, opts: ProduceOptions{KeySeparator: "=", ValueFormat: ValueFormatJSON}, want: LineRecord{Key: []byte("k"), Value: []byte(`{"a": [1, 2]}`)}},
		{name: "not json", line: `{"a": 1`, opts: ProduceOptions{ValueFormat: ValueFormatJSON}, wantErr: "value is not valid JSON: it ends too early"},
		{name: "bad json", line: `{a: 1}`, opts: ProduceOptions{ValueFormat: ValueFormatJSON}, wantErr: "value is not valid JSON: invalid character 'a'"},
		{name: "two json values", line: `{} {}`, opts: ProduceOptions{ValueFormat: ValueFormatJSON}, wantErr: "more than one JSON value"},
		{name: "tombstone", line: "k1:NULL", opts: ProduceOptions{KeySeparator: ":", NullMarker: "NULL", ValueFormat: ValueFormatJSON}, want: LineRecord{Key: []byte("k1")}},
		{name: "null key", line: "NULL:v", opts: ProduceOptions{KeySeparator: ":", NullMarker: "NULL"}, want: LineRecord{Value: []byte("v")}},
		{
			name: "headers", line: "source:test,v:2\tk\tvalue",
			opts: ProduceOptions{KeySeparator: "\t", ParseHeaders: true},
			want: LineRecord{Key: []byte("k"), Value: []byte("value"), Headers: []sarama.RecordHeader{
				{Key: []byte("source"), Value: []byte("test")}, {Key: []byte("v"), Value: []byte("2")},
			}},
		},
		{name: "no headers", line: "\tvalue", opts: ProduceOptions{ParseHeaders: true}, want: LineRecord{Value: []byte("value")}},
		{name: "bad header", line: "oops\tvalue", opts: ProduceOptions{ParseHeaders: true}, wantErr: `header "oops" is not KEY:VALUE`},
		{name: "headers without delimiter", line: "value", opts: ProduceOptions{ParseHeaders: true}, wantErr: "no headers delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLine(tt.line, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseLine(%q) error = %v, want it to contain %q", tt.line, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Key, tt.want.Key) || (got.Key == nil) != (tt.want.Key == nil) ||
				!bytes.Equal(got.Value, tt.want.Value) || (got.Value == nil) != (tt.want.Value == nil) ||
				fmt.Sprint(got.Headers) != fmt.Sprint(tt.want.Headers) {
				t.Fatalf("ParseLine(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}
