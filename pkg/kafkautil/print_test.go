package kafkautil

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
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
