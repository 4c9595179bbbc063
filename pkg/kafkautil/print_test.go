package kafkautil

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/format"
)

func TestRecordPrinter(t *testing.T) {
	rec := ConsumerRecord{
		Topic: "t", Partition: 2, Offset: 17, Timestamp: time.UnixMilli(1700000000000),
		Key: []byte("k"), Value: []byte(`{"a": 1}`),
		Headers: []sarama.RecordHeader{{Key: []byte("h"), Value: []byte("v")}},
	}
	tests := []struct {
		printer RecordPrinter
		rec     ConsumerRecord
		want    string
	}{
		{RecordPrinter{}, rec, `{"a": 1}`},
		{RecordPrinter{PrintKey: true}, rec, "k\t{\"a\": 1}"},
		{RecordPrinter{PrintKey: true, PrintPartition: true, PrintOffset: true, PrintTimestamp: true, PrintHeaders: true, Separator: " | "},
			rec, `CreateTime:1700000000000 | Partition:2 | Offset:17 | h:v | k | {"a": 1}`},
		{RecordPrinter{PrintKey: true, PrintHeaders: true}, ConsumerRecord{}, "NO_HEADERS\tnull\tnull"},
		{RecordPrinter{Format: RecordFormatJSON}, rec, `{"topic":"t","partition":2,"offset":17,"timestamp":1700000000000,"key":"k","value":{"a":1},"headers":{"h":"v"}}`},
		{RecordPrinter{Format: RecordFormatJSON}, ConsumerRecord{Topic: "t", Value: []byte("plain \"text\""), Timestamp: time.UnixMilli(5)},
			`{"topic":"t","partition":0,"offset":0,"timestamp":5,"key":null,"value":"plain \"text\""}`},
		{RecordPrinter{Format: RecordFormatJSON}, ConsumerRecord{Topic: "t", Key: []byte("gone"), Timestamp: time.UnixMilli(5)},
			`{"topic":"t","partition":0,"offset":0,"timestamp":5,"key":"gone","value":null}`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := tt.printer.Print(&out, tt.rec); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(out.String(), "\n"); got != tt.want {
			t.Errorf("%+v printed\n%s\nwant\n%s", tt.printer, got, tt.want)
		}
	}
	if err := (RecordPrinter{Format: "xml"}).Validate(); err == nil {
		t.Error("format xml accepted")
	}
}

func TestRecordPrinterKeys(t *testing.T) {
	window := func(key string, times ...int64) []byte {
		b := []byte(key)
		for _, t := range times {
			b = binary.BigEndian.AppendUint64(b, uint64(t))
		}
		return b
	}
	// The layout the embedded ksqlDB writes.
	if got, want := window("CA", 1700000000000), format.AppendWindow([]byte("CA"), format.TimeWindowed, 1700000000000, 1700000060000); !bytes.Equal(got, want) {
		t.Fatalf("time window key %q, ksqlDB's %q", got, want)
	}
	if got, want := window("CA", 1700000060000, 1700000000000), format.AppendWindow([]byte("CA"), format.SessionWindowed, 1700000000000, 1700000060000); !bytes.Equal(got, want) {
		t.Fatalf("session key %q, ksqlDB's %q", got, want)
	}
	tests := []struct {
		key  []byte
		want string
	}{
		{[]byte("user 42"), "user 42"},
		{[]byte("café"), "café"},
		// ksqlDB's windowed keys: the key, then the window's start (a
		// tumbling or hopping window) or its end and start (a session).
		{window("CA", 1700000000000), "[CA@1700000000000/-]"},
		{window("CA", 1700000060000, 1700000000000), "[CA@1700000000000/1700000060000]"},
		{window("", 1700000000000), `\x00\x00\x01\x8b\xcf\xe5h\x00`},
		// Other bytes are escaped, never written raw.
		{[]byte{0, 0, 0, 42}, `\x00\x00\x00*`},
		{[]byte("a\tb\n\\"), `a\tb\n\\`},
		{[]byte{0xff, 'x', 0x1b, '[', '2', 'J'}, `\xffx\x1b[2J`},
		// A session whose "end" comes before its start is no session.
		{window("CA", 1700000000000, 1700000060000), "CA\\x00\\x00\\x01\\x8b\\xcf\\xe5h\\x00\\x00\\x00\\x01\\x8b\\xcf\\xe6R`"},
		{nil, "null"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := (RecordPrinter{PrintKey: true}).Print(&out, ConsumerRecord{Key: tt.key, Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(out.String(), "\tv\n"); got != tt.want {
			t.Errorf("key %q printed %q, want %q", tt.key, got, tt.want)
		}
		for _, c := range out.String() {
			if c != '\t' && c != '\n' && !unicode.IsPrint(c) {
				t.Errorf("key %q printed %q, with an unprintable %U", tt.key, out.String(), c)
			}
		}
	}
}
