package kafkautil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

func startTestBroker(t *testing.T) string {
	t.Helper()
	b, err := StartBroker(context.Background(), BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

// hangLimit is how long a test waits for what must happen before it
// calls it a hang: generous, as a loaded machine may be slow.
const hangLimit = 60 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	t.Cleanup(cancel)
	return ctx
}

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

func TestValidateTopicConfig(t *testing.T) {
	if err := ValidateTopicConfig("retention.ms"); err != nil {
		t.Fatal(err)
	}
	err := ValidateTopicConfig("cleanup.polcy")
	if err == nil || !strings.Contains(err.Error(), "did you mean cleanup.policy?") {
		t.Fatalf("typo: %v", err)
	}
	if err := ValidateTopicConfig("colour"); err == nil {
		t.Fatal("unknown config accepted")
	}
	if _, err := ParseConfigs([]string{"retention.ms"}); err == nil {
		t.Fatal("a config without = accepted")
	}
	m, err := ParseConfigs([]string{"retention.ms=1000", "cleanup.policy=compact,delete"})
	if err != nil || m["retention.ms"] != "1000" || m["cleanup.policy"] != "compact,delete" {
		t.Fatalf("ParseConfigs = %v, %v", m, err)
	}
}

func TestValidateTopicName(t *testing.T) {
	for _, bad := range []string{"", ".", "has space", "slash/es", strings.Repeat("x", 250)} {
		if err := ValidateTopicName(bad); err == nil {
			t.Errorf("topic name %q accepted", bad)
		}
	}
	if err := ValidateTopicName("orders_v1.json-2"); err != nil {
		t.Error(err)
	}
}

func TestTopicAdmin(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)

	if err := CreateTopic(ctx, bootstrap, "orders", CreateTopicOptions{Partitions: 3, Configs: map[string]string{"retention.ms": "60000"}}); err != nil {
		t.Fatal(err)
	}
	if err := CreateTopic(ctx, bootstrap, "users-table", CreateTopicOptions{Partitions: 1, Compact: true}); err != nil {
		t.Fatal(err)
	}
	var exists *TopicExistsError
	if err := CreateTopic(ctx, bootstrap, "orders", CreateTopicOptions{Partitions: 3}); !errors.As(err, &exists) {
		t.Fatalf("creating orders twice: %v, want a TopicExistsError", err)
	}
	if err := CreateTopic(ctx, bootstrap, "orders", CreateTopicOptions{IfNotExists: true}); err != nil {
		t.Fatalf("IfNotExists: %v", err)
	}
	if err := CreateTopic(ctx, bootstrap, "x", CreateTopicOptions{Configs: map[string]string{"retention.msec": "1"}}); err == nil || !strings.Contains(err.Error(), "did you mean retention.ms") {
		t.Fatalf("bad config: %v", err)
	}
	if err := CreateTopic(ctx, bootstrap, "x", CreateTopicOptions{Compact: true, Configs: map[string]string{"cleanup.policy": "delete"}}); err == nil {
		t.Fatal("compact with cleanup.policy=delete accepted")
	}

	topics, err := ListTopics(ctx, bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range topics {
		if !tp.Internal {
			names = append(names, fmt.Sprintf("%s/%d/%v", tp.Name, tp.Partitions, tp.Compacted))
		}
	}
	if want := []string{"orders/3/false", "users-table/1/true"}; !slices.Equal(names, want) {
		t.Fatalf("ListTopics = %v, want %v", names, want)
	}

	if _, err := Produce(ctx, bootstrap, "orders", strings.NewReader("a:1\nb:2\nc:3\nd:4\n"), ProduceOptions{KeySeparator: ":"}); err != nil {
		t.Fatal(err)
	}
	desc, err := DescribeTopic(ctx, bootstrap, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.Partitions) != 3 || desc.Records() != 4 || desc.Compacted() {
		t.Fatalf("DescribeTopic = %+v", desc)
	}
	for i, p := range desc.Partitions {
		if p.Partition != int32(i) || p.Leader < 0 || p.Earliest != 0 {
			t.Errorf("partition %+v", p)
		}
	}
	var retention *TopicConfig
	for i, c := range desc.Configs {
		if c.Name == "retention.ms" {
			retention = &desc.Configs[i]
		}
	}
	if retention == nil || retention.Value != "60000" || retention.Default {
		t.Errorf("retention.ms config = %+v", retention)
	}
	if d, err := DescribeTopic(ctx, bootstrap, "users-table"); err != nil || !d.Compacted() {
		t.Errorf("users-table compacted = %v, %v", d.Compacted(), err)
	}

	var unknown *UnknownTopicError
	if _, err := DescribeTopic(ctx, bootstrap, "nope"); !errors.As(err, &unknown) {
		t.Fatalf("describe unknown topic: %v", err)
	}
	if err := DeleteTopic(ctx, bootstrap, "nope"); !errors.As(err, &unknown) {
		t.Fatalf("delete unknown topic: %v", err)
	}
	if err := DeleteTopic(ctx, bootstrap, "orders"); err != nil {
		t.Fatal(err)
	}
	topics, _ = ListTopics(ctx, bootstrap)
	for _, tp := range topics {
		if tp.Name == "orders" || tp.Name == "nope" {
			t.Errorf("topic %s still listed (deleted, or never created)", tp.Name)
		}
	}
}

// consumeAll reads the records of topic that opts selects, up to the
// end each partition it reads had when called (or MaxMessages): it stops
// once the last of them is handled, not after a quiet period.
func consumeAll(t *testing.T, bootstrap, topic string, opts ConsumeOptions) []ConsumerRecord {
	t.Helper()
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	d, err := DescribeTopic(ctx, bootstrap, topic)
	if err != nil {
		t.Fatal(err)
	}
	// The partitions with something to read, and the offset of their last
	// record.
	last := map[int32]int64{}
	for _, p := range d.Partitions {
		if len(opts.Partitions) > 0 && !slices.Contains(opts.Partitions, p.Partition) {
			continue
		}
		if p.Latest > p.Earliest && (opts.From != FromOffset || p.Latest > opts.Offset) {
			last[p.Partition] = p.Latest - 1
		}
	}
	var out []ConsumerRecord
	if len(last) == 0 && opts.MaxMessages == 0 {
		return out
	}
	_, err = Consume(ctx, bootstrap, topic, opts, func(r ConsumerRecord) error {
		out = append(out, r)
		if r.Offset >= last[r.Partition] {
			delete(last, r.Partition)
		}
		if len(last) == 0 && opts.MaxMessages == 0 {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil && len(last) > 0 && (opts.MaxMessages == 0 || len(out) < opts.MaxMessages) {
		t.Fatalf("reading %s: the records up to offsets %v did not come within %v; got %d records", topic, last, hangLimit, len(out))
	}
	return out
}

func TestProduceStopsAtBadLineKeepingEarlierOnes(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)
	if err := CreateTopic(ctx, bootstrap, "events", CreateTopicOptions{Partitions: 3}); err != nil {
		t.Fatal(err)
	}
	input := "k1\t{\"n\":1}\r\n\nk2\t{\"n\":2}\nk3\tnot json\nk4\t{\"n\":4}\n"
	res, err := Produce(ctx, bootstrap, "events", strings.NewReader(input), ProduceOptions{KeySeparator: "\t", ValueFormat: ValueFormatJSON})
	var lineErr *LineError
	if !errors.As(err, &lineErr) || lineErr.Line != 4 || !strings.HasPrefix(err.Error(), "line 4: value is not valid JSON: ") {
		t.Fatalf("Produce error = %v; want line 4 (the blank line 2 counts) named as not valid JSON", err)
	}
	if res.Sent != 2 {
		t.Fatalf("sent %d, want the 2 records before the bad line", res.Sent)
	}
	recs := consumeAll(t, bootstrap, "events", ConsumeOptions{})
	if len(recs) != 2 {
		t.Fatalf("read back %d records, want 2", len(recs))
	}
	sum := 0
	for _, r := range recs {
		sum += res.Partitions[r.Partition]
		if string(r.Value) != fmt.Sprintf(`{"n":%s}`, strings.TrimPrefix(string(r.Key), "k")) {
			t.Errorf("record %s = %s (a \\r left over?)", r.Key, r.Value)
		}
	}
	if sum == 0 {
		t.Errorf("per-partition counts %v do not match the records' partitions", res.Partitions)
	}
}

func TestProduceChecksTopicAndPartition(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)
	var unknown *UnknownTopicError
	if _, err := Produce(ctx, bootstrap, "typo", strings.NewReader("x\n"), ProduceOptions{}); !errors.As(err, &unknown) {
		t.Fatalf("producing to a missing topic: %v", err)
	}
	if _, err := DescribeTopic(ctx, bootstrap, "typo"); !errors.As(err, &unknown) {
		t.Fatalf("the missing topic was created by looking at it: %v", err)
	}
	if err := CreateTopic(ctx, bootstrap, "two", CreateTopicOptions{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	p := int32(5)
	if _, err := Produce(ctx, bootstrap, "two", strings.NewReader("x\n"), ProduceOptions{Partition: &p}); err == nil || !strings.Contains(err.Error(), "has no partition 5: its partitions are 0 to 1") {
		t.Fatalf("partition 5 of 2: %v", err)
	}
	p = 1
	res, err := Produce(ctx, bootstrap, "two", strings.NewReader("a:x\nb:y\nc:z\n"), ProduceOptions{Partition: &p, KeySeparator: ":"})
	if err != nil || res.Sent != 3 || res.Partitions[1] != 3 {
		t.Fatalf("Produce to partition 1 = %+v, %v", res, err)
	}
	recs := consumeAll(t, bootstrap, "two", ConsumeOptions{Partitions: []int32{1}})
	if len(recs) != 3 {
		t.Fatalf("partition 1 holds %d records, want 3", len(recs))
	}
	if _, err := Consume(ctx, bootstrap, "two", ConsumeOptions{Partitions: []int32{2}}, nil); err == nil {
		t.Fatal("consuming partition 2 of 2 accepted")
	}
}

func TestProduceKeysPartitionLikeJava(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)
	if err := CreateTopic(ctx, bootstrap, "keyed", CreateTopicOptions{Partitions: 4}); err != nil {
		t.Fatal(err)
	}
	// Partitions computed with the Java client's DefaultPartitioner
	// (Utils.toPositive(Utils.murmur2(key)) % 4).
	want := map[string]int32{}
	var lines []string
	for i := range 20 {
		k := fmt.Sprintf("key-%d", i)
		want[k] = int32(javaMurmur2([]byte(k))&0x7fffffff) % 4
		lines = append(lines, k+"|v")
	}
	if _, err := Produce(ctx, bootstrap, "keyed", strings.NewReader(strings.Join(lines, "\n")), ProduceOptions{KeySeparator: "|"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range consumeAll(t, bootstrap, "keyed", ConsumeOptions{}) {
		if r.Partition != want[string(r.Key)] {
			t.Errorf("key %s in partition %d; the Java client puts it in %d", r.Key, r.Partition, want[string(r.Key)])
		}
	}
}

// javaMurmur2 is the Java client's Utils.murmur2.
func javaMurmur2(data []byte) uint32 {
	const seed, m, r = uint32(0x9747b28c), uint32(0x5bd1e995), 24
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h = h*m ^ k
	}
	tail := data[n&^3:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

func TestConsumeStartAndStop(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)
	if err := CreateTopic(ctx, bootstrap, "log", CreateTopicOptions{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i := range 10 {
		fmt.Fprintf(&in, "k%d=v%d\n", i, i)
	}
	if _, err := Produce(ctx, bootstrap, "log", strings.NewReader(in.String()), ProduceOptions{KeySeparator: "="}); err != nil {
		t.Fatal(err)
	}

	t.Run("max messages from the beginning", func(t *testing.T) {
		recs := consumeAll(t, bootstrap, "log", ConsumeOptions{MaxMessages: 3})
		if len(recs) != 3 || string(recs[0].Value) != "v0" || recs[2].Offset != 2 {
			t.Fatalf("got %+v", recs)
		}
	})
	t.Run("from an offset", func(t *testing.T) {
		recs := consumeAll(t, bootstrap, "log", ConsumeOptions{From: FromOffset, Offset: 7})
		if len(recs) != 3 || recs[0].Offset != 7 || string(recs[0].Key) != "k7" {
			t.Fatalf("got %+v", recs)
		}
	})
	t.Run("offset out of range", func(t *testing.T) {
		_, err := Consume(ctx, bootstrap, "log", ConsumeOptions{From: FromOffset, Offset: 50}, func(ConsumerRecord) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "offset 50 is out of range for partition 0 of log: it holds offsets 0 to 9") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("timeout ends an idle consumer", func(t *testing.T) {
		// No deadline on Consume itself: only the idle timeout can end it.
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		start := time.Now()
		go func() {
			n, err := Consume(context.Background(), bootstrap, "log", ConsumeOptions{From: FromLatest, Timeout: 300 * time.Millisecond}, func(ConsumerRecord) error { return nil })
			done <- result{n, err}
		}()
		select {
		case r := <-done:
			if r.err != nil || r.n != 0 {
				t.Fatalf("Consume from latest = %d, %v", r.n, r.err)
			}
			// The idle time counts from when the consumer is in position.
			if d := time.Since(start); d < 300*time.Millisecond {
				t.Errorf("returned after %v, before the 300ms idle timeout", d)
			}
		case <-time.After(hangLimit):
			t.Fatalf("a 300ms idle timeout did not end the consumer within %v", hangLimit)
		}
	})
	t.Run("latest sees only new records", func(t *testing.T) {
		got := make(chan []ConsumerRecord)
		go func() {
			var recs []ConsumerRecord
			_, _ = Consume(ctx, bootstrap, "log", ConsumeOptions{From: FromLatest, MaxMessages: 1, Timeout: hangLimit}, func(r ConsumerRecord) error {
				recs = append(recs, r)
				return nil
			})
			got <- recs
		}()
		// Keep producing until the consumer, which starts at the end, sees one.
		for i := 0; ; i++ {
			select {
			case recs := <-got:
				if len(recs) != 1 || recs[0].Offset < 10 {
					t.Fatalf("from latest got %+v", recs)
				}
				return
			case <-time.After(200 * time.Millisecond):
				if _, err := Produce(ctx, bootstrap, "log", strings.NewReader(fmt.Sprintf("new%d=v\n", i)), ProduceOptions{KeySeparator: "="}); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	t.Run("context end is not an error", func(t *testing.T) {
		// The context ends once the consumer is surely in position: when
		// its first record arrives (records are produced until one does).
		cctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		go func() {
			n, err := Consume(cctx, bootstrap, "log", ConsumeOptions{From: FromLatest}, func(ConsumerRecord) error {
				cancel()
				return nil
			})
			done <- result{n, err}
		}()
		limit := time.After(hangLimit)
		for i := 0; ; i++ {
			select {
			case r := <-done:
				if r.err != nil || r.n != 1 {
					t.Fatalf("Consume = %d, %v; want 1, nil", r.n, r.err)
				}
				return
			case <-time.After(200 * time.Millisecond):
				if _, err := Produce(ctx, bootstrap, "log", strings.NewReader(fmt.Sprintf("ctx%d=v\n", i)), ProduceOptions{KeySeparator: "="}); err != nil {
					t.Fatal(err)
				}
			case <-limit:
				t.Fatalf("Consume did not end within %v of its context's end", hangLimit)
			}
		}
	})
	t.Run("handler error stops", func(t *testing.T) {
		stop := errors.New("stop")
		n, err := Consume(ctx, bootstrap, "log", ConsumeOptions{}, func(ConsumerRecord) error { return stop })
		if !errors.Is(err, stop) || n != 0 {
			t.Fatalf("Consume = %d, %v", n, err)
		}
	})
	t.Run("unknown topic", func(t *testing.T) {
		var unknown *UnknownTopicError
		if _, err := Consume(ctx, bootstrap, "lgo", ConsumeOptions{}, nil); !errors.As(err, &unknown) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, opts := range []ConsumeOptions{
			{Group: "g", Partitions: []int32{0}},
			{Group: "g", From: FromOffset},
			{MaxMessages: -1},
			{From: FromOffset, Offset: -4},
		} {
			if _, err := Consume(ctx, bootstrap, "log", opts, nil); err == nil {
				t.Errorf("Consume(%+v) accepted", opts)
			}
		}
	})
}

func TestConsumeGroupCommitsHandledRecords(t *testing.T) {
	ctx := testCtx(t)
	bootstrap := startTestBroker(t)
	if err := CreateTopic(ctx, bootstrap, "jobs", CreateTopicOptions{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i := range 6 {
		fmt.Fprintf(&in, "job%d\n", i)
	}
	if _, err := Produce(ctx, bootstrap, "jobs", strings.NewReader(in.String()), ProduceOptions{}); err != nil {
		t.Fatal(err)
	}
	first := consumeAll(t, bootstrap, "jobs", ConsumeOptions{Group: "workers", MaxMessages: 4})
	second := consumeAll(t, bootstrap, "jobs", ConsumeOptions{Group: "workers"})
	var values []string
	for _, r := range append(first, second...) {
		values = append(values, string(r.Value))
	}
	if want := []string{"job0", "job1", "job2", "job3", "job4", "job5"}; !slices.Equal(values, want) {
		t.Fatalf("two group sessions read %v, want %v: the first commits what it handled, the second goes on from there", values, want)
	}
}

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

func TestUnreachableBroker(t *testing.T) {
	// No deadline on the call: it must give up by itself.
	errc := make(chan error, 1)
	go func() {
		_, err := ListTopics(context.Background(), "127.0.0.1:1")
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(hangLimit):
		t.Fatalf("ListTopics against nothing did not give up within %v", hangLimit)
	}
	if err == nil || !strings.Contains(err.Error(), "connecting to Kafka at 127.0.0.1:1") {
		t.Fatalf("ListTopics against nothing: %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
}
