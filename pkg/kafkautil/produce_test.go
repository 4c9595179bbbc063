package kafkautil

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

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
