package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// ---------------------------------------------------------------------------
// Test fixtures: an embedded broker, topics, records, a processor run.

func startBroker(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

func createTopics(t testing.TB, bootstrap string, specs ...kafkautil.TopicSpec) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafkautil.EnsureTopics(ctx, bootstrap, specs); err != nil {
		t.Fatal(err)
	}
}

// produce writes records to the partitions they name, with their keys,
// values and timestamps.
func produce(t testing.TB, bootstrap string, records ...Record) {
	t.Helper()
	// A retry on a loaded machine must not write an input twice: the tests
	// count exactly.
	cfg := kafkautil.NewIdempotentConfig("stream-test-producer")
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	msgs := make([]*sarama.ProducerMessage, len(records))
	for i, r := range records {
		msgs[i] = &sarama.ProducerMessage{Topic: r.Topic, Partition: r.Partition, Timestamp: r.Timestamp}
		if r.Key != nil {
			msgs[i].Key = sarama.ByteEncoder(r.Key)
		}
		if r.Value != nil {
			msgs[i].Value = sarama.ByteEncoder(r.Value)
		}
	}
	if err := p.SendMessages(msgs); err != nil {
		t.Fatal(err)
	}
}

func readAll(t testing.TB, bootstrap, topic string) []Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []Record
	if err := Scan(ctx, bootstrap, topic, func(r Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// runUntil runs p until done holds (or 60 s pass), stops it and returns
// what Run returned. The limits are generous: a loaded machine may be
// slow, and the tests check what happens, not how fast.
func runUntil(t testing.TB, p *Processor, done func() bool) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- p.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		select {
		case err := <-result:
			return err
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Errorf("the processor did not get there in 60 s; stats %+v", p.Stats())
			break
		}
	}
	cancel()
	select {
	case err := <-result:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30 s of its context ending")
		return nil
	}
}

// dial connects a kafkautil.Client to bootstrap for a test's own checks;
// the caller closes it.
func dial(t testing.TB, bootstrap string) *kafkautil.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kc, err := kafkautil.Dial(ctx, bootstrap, nil)
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// committed returns the offsets group has committed on topic's partitions
// (-1 for a partition without a commit).
func committed(t testing.TB, bootstrap, group, topic string, partitions int32) map[int32]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kc := dial(t, bootstrap)
	defer kc.Close()
	out, err := kc.CommittedOffsets(ctx, group, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != int(partitions) {
		t.Fatalf("%s has %d partitions, want %d", topic, len(out), partitions)
	}
	return out
}

// rewind commits offset 0 on every partition for group, as if a processor
// had died after writing its outputs but before committing any offset.
func rewind(t testing.TB, bootstrap, group, topic string, partitions int32) {
	t.Helper()
	client, err := sarama.NewClient([]string{bootstrap}, kafkautil.NewConfig("stream-test-rewind"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	om, err := sarama.NewOffsetManagerFromClient(group, client)
	if err != nil {
		t.Fatal(err)
	}
	for p := range partitions {
		pom, err := om.ManagePartition(topic, p)
		if err != nil {
			t.Fatal(err)
		}
		pom.ResetOffset(0, "")
		defer pom.Close()
	}
	om.Commit()
	if err := om.Close(); err != nil {
		t.Fatal(err)
	}
	for p, off := range committed(t, bootstrap, group, topic, partitions) {
		if off != 0 {
			t.Fatalf("rewinding %s: partition %d is still at %d", group, p, off)
		}
	}
}

var t0 = time.UnixMilli(1_700_000_000_000)

// numbers makes one record per value, key "k<value%keys>", round robin over
// partitions, timestamps a second apart from t0 + first seconds.
func numbers(topic string, first int, values []string, keys, partitions int) []Record {
	out := make([]Record, len(values))
	for i, v := range values {
		n, _ := strconv.Atoi(v)
		out[i] = Record{
			Topic:     topic,
			Partition: int32((first + i) % partitions),
			Key:       []byte(fmt.Sprintf("k%d", n%keys)),
			Value:     []byte(v),
			Timestamp: t0.Add(time.Duration(first+i) * time.Second),
		}
	}
	return out
}

// evens forwards the records whose value is an even number.
func evens(in Record) ([]Record, error) {
	n, err := strconv.Atoi(string(in.Value))
	if err != nil {
		return nil, fmt.Errorf("not a number: %w", err)
	}
	if n%2 != 0 {
		return nil, nil
	}
	return []Record{{Key: in.Key, Value: in.Value}}, nil
}

// ---------------------------------------------------------------------------
// Config.

func TestNewChecksTheConfig(t *testing.T) {
	ok := Config{Bootstrap: "localhost:9092", Group: "g", Inputs: []string{"in"}, Output: "out", Transform: evens}
	sum := func(Record, *Table) ([]Record, error) { return nil, nil }
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" means no error
	}{
		{"valid", func(*Config) {}, ""},
		{"no bootstrap", func(c *Config) { c.Bootstrap = " " }, "Bootstrap"},
		{"no group", func(c *Config) { c.Group = "" }, "Group"},
		{"no inputs", func(c *Config) { c.Inputs = nil }, "Inputs"},
		{"no transform", func(c *Config) { c.Transform = nil }, "Transform"},
		{"two transforms", func(c *Config) { c.TableTransform = sum }, "not both"},
		{"table without changelog", func(c *Config) { c.Transform, c.TableTransform = nil, sum }, "Changelog"},
		{"output is an input", func(c *Config) { c.Output = "in" }, "read its own output"},
		{"changelog is an input", func(c *Config) { c.Transform, c.TableTransform, c.Changelog = nil, sum, "in" }, "also an input"},
		{"stateful", func(c *Config) { c.Transform, c.TableTransform, c.Changelog = nil, sum, "totals" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.change(&cfg)
			_, err := New(cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New: error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Stateless processing.

func TestFilterSkipsBadRecordsAndCommitsAfterWriting(t *testing.T) {
	bootstrap := startBroker(t)
	createTopics(t, bootstrap, kafkautil.TopicSpec{Name: "in", Partitions: 3}, kafkautil.TopicSpec{Name: "out", Partitions: 3})
	input := numbers("in", 0, []string{"1", "2", "3", "4", "oops", "6", "7", "8", "9", "10"}, 4, 3)
	produce(t, bootstrap, input...)

	var mu sync.Mutex
	var skipped []Skipped
	p, err := New(Config{
		Bootstrap: bootstrap, Group: "filter", Inputs: []string{"in"}, Output: "out", Transform: evens,
		OnSkip: func(s Skipped) { mu.Lock(); defer mu.Unlock(); skipped = append(skipped, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := runUntil(t, p, func() bool { return p.Stats().Processed == int64(len(input)) }); err != nil {
		t.Fatalf("Run: %v", err)
	}

	// Outputs: the even numbers, each with its key and its input's timestamp.
	byValue := map[string]Record{}
	for _, r := range readAll(t, bootstrap, "out") {
		byValue[string(r.Value)] = r
	}
	want := []string{"10", "2", "4", "6", "8"}
	if got := slices.Sorted(maps.Keys(byValue)); !slices.Equal(got, want) {
		t.Errorf("output values %v, want %v", got, want)
	}
	for _, in := range input {
		if out, ok := byValue[string(in.Value)]; ok {
			if string(out.Key) != string(in.Key) || !out.Timestamp.Equal(in.Timestamp) {
				t.Errorf("output %s has key %q, time %v; want the input's %q, %v", out.Value, out.Key, out.Timestamp, in.Key, in.Timestamp)
			}
		}
	}

	// The bad record: skipped, counted, reported with where it was.
	if len(skipped) != 1 || skipped[0].Topic != "in" || skipped[0].Partition != 1 || skipped[0].Offset != 1 || !strings.Contains(skipped[0].Err.Error(), "not a number") {
		t.Errorf("skipped %v, want one: in/1@1, not a number", skipped)
	}
	if s := p.Stats(); s != (Stats{Processed: 10, Skipped: 1, Written: 5}) {
		t.Errorf("stats %+v", s)
	}

	// Everything read is committed (the bad record included), so a restart
	// reads only what is new.
	if got := committed(t, bootstrap, "filter", "in", 3); !maps.Equal(got, map[int32]int64{0: 4, 1: 3, 2: 3}) {
		t.Errorf("committed offsets %v, want p0=4 p1=3 p2=3", got)
	}
	produce(t, bootstrap, numbers("in", 10, []string{"12", "13", "14"}, 4, 3)...)
	if err := runUntil(t, p, func() bool { return p.Stats().Processed == 13 }); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	var values []string
	for _, r := range readAll(t, bootstrap, "out") {
		values = append(values, string(r.Value))
	}
	slices.Sort(values)
	if want := []string{"10", "12", "14", "2", "4", "6", "8"}; !slices.Equal(values, want) {
		t.Errorf("after a restart the output holds %v, want %v (each once)", values, want)
	}
}

func TestRekeyKeepsEachKeyInOnePartition(t *testing.T) {
	bootstrap := startBroker(t)
	createTopics(t, bootstrap, kafkautil.TopicSpec{Name: "in", Partitions: 3}, kafkautil.TopicSpec{Name: "out", Partitions: 3})
	var values []string
	for i := range 30 {
		values = append(values, strconv.Itoa(i))
	}
	input := numbers("in", 0, values, 1, 3)
	produce(t, bootstrap, input...)
	// Rekey by the last digit.
	byDigit := func(in Record) ([]Record, error) {
		return []Record{{Key: in.Value[len(in.Value)-1:], Value: in.Value}}, nil
	}
	p, err := New(Config{Bootstrap: bootstrap, Group: "rekey", Inputs: []string{"in"}, Output: "out", Transform: byDigit})
	if err != nil {
		t.Fatal(err)
	}
	if err := runUntil(t, p, func() bool { return p.Stats().Processed == 30 }); err != nil {
		t.Fatal(err)
	}
	partitionOf := map[string]int32{}
	for _, r := range readAll(t, bootstrap, "out") {
		if p, ok := partitionOf[string(r.Key)]; ok && p != r.Partition {
			t.Errorf("key %s in partitions %d and %d", r.Key, p, r.Partition)
		}
		partitionOf[string(r.Key)] = r.Partition
	}
	if len(partitionOf) != 10 {
		t.Errorf("%d keys, want 10", len(partitionOf))
	}
}

func TestRunStopsOnMistakes(t *testing.T) {
	bootstrap := startBroker(t)
	createTopics(t, bootstrap, kafkautil.TopicSpec{Name: "in", Partitions: 1}, kafkautil.TopicSpec{Name: "out", Partitions: 1})
	produce(t, bootstrap, numbers("in", 0, []string{"1", "2"}, 1, 1)...)
	tests := []struct {
		name      string
		transform TransformFunc
		want      string
	}{
		{"echo into the input", func(in Record) ([]Record, error) { return []Record{in}, nil }, "own inputs"},
		{"panic", func(in Record) ([]Record, error) { panic("a bug in the transform") }, "panicked on in/0@0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(Config{Bootstrap: bootstrap, Group: "mistake-" + tt.name, Inputs: []string{"in"}, Output: "out", Transform: tt.transform})
			if err != nil {
				t.Fatal(err)
			}
			err = runUntil(t, p, func() bool { return false })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run returned %v, want an error mentioning %q", err, tt.want)
			}
			if got := committed(t, bootstrap, "mistake-"+tt.name, "in", 1); got[0] > 0 {
				t.Errorf("committed offset %d after a failed batch, want none", got[0])
			}
		})
	}
}

// ---------------------------------------------------------------------------
// State.

// total is the state of the sum tests.
type total struct {
	Sum     int       `json:"sum"`
	Count   int       `json:"count"`
	Counted Positions `json:"counted,omitempty"`
}

// summer keeps a sum per key; once, it skips records its total already
// covers.
func summer(once bool) TableFunc {
	return func(in Record, table *Table) ([]Record, error) {
		n, err := strconv.Atoi(string(in.Value))
		if err != nil {
			return nil, fmt.Errorf("not a number: %w", err)
		}
		var tot total
		if old, ok := table.Get(string(in.Key)); ok {
			if err := json.Unmarshal(old, &tot); err != nil {
				return nil, err
			}
		}
		if once && tot.Counted.Covers(in) {
			return nil, nil
		}
		tot.Sum += n
		tot.Count++
		tot.Counted.Advance(in)
		value, _ := json.Marshal(tot)
		table.Put(string(in.Key), value)
		return nil, nil
	}
}

func sums(t testing.TB, bootstrap, topic string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	table, err := ReadTable(ctx, bootstrap, topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for k, v := range table {
		var tot total
		if err := json.Unmarshal(v, &tot); err != nil {
			t.Fatalf("%s: %q: %v", k, v, err)
		}
		out[k] = tot.Sum
	}
	return out
}

func TestTableSurvivesRestartsAndCrashes(t *testing.T) {
	bootstrap := startBroker(t)
	// 1..12 over keys k0, k1, k2 (value % 3), with one bad record.
	var values []string
	for i := 1; i <= 12; i++ {
		values = append(values, strconv.Itoa(i))
	}
	values = append(values, "bad")
	want := map[string]int{"k0": 3 + 6 + 9 + 12, "k1": 1 + 4 + 7 + 10, "k2": 2 + 5 + 8 + 11}

	for _, once := range []bool{true, false} {
		name := map[bool]string{true: "with positions", false: "without positions"}[once]
		t.Run(name, func(t *testing.T) {
			suffix := strconv.FormatBool(once)
			input, group, changelog := "in-"+suffix, "sum-"+suffix, "totals-"+suffix
			createTopics(t, bootstrap, kafkautil.TopicSpec{Name: input, Partitions: 3})
			produce(t, bootstrap, numbers(input, 0, values, 3, 3)...)
			p, err := New(Config{Bootstrap: bootstrap, Group: group, Inputs: []string{input}, Changelog: changelog, TableTransform: summer(once)})
			if err != nil {
				t.Fatal(err)
			}
			if err := runUntil(t, p, func() bool { return p.Stats().Processed == 13 }); err != nil {
				t.Fatal(err)
			}
			if got := sums(t, bootstrap, changelog); !maps.Equal(got, want) {
				t.Fatalf("changelog after the first run: %v, want %v (the input topic holds %d records, %d written)", got, want, len(readAll(t, bootstrap, input)), len(values))
			}
			if s := p.Stats(); s.Changes != 12 || s.Skipped != 1 {
				t.Errorf("stats %+v, want 12 changes and 1 skipped", s)
			}
			if got := p.Table().Keys(); !slices.Equal(got, []string{"k0", "k1", "k2"}) {
				t.Errorf("table keys %v", got)
			}

			// The changelog is compacted.
			kc := dial(t, bootstrap)
			d, err := kc.DescribeTopic(context.Background(), changelog)
			kc.Close()
			if err != nil || !d.Compacted() {
				t.Errorf("changelog %s: compacted %v (%v), want compacted", changelog, d.Compacted(), err)
			}

			// A crash after the changelog was written but before any offset
			// was committed: everything comes again.
			rewind(t, bootstrap, group, input, 3)
			produce(t, bootstrap, numbers(input, 13, []string{"13", "14", "15"}, 3, 3)...)
			if err := runUntil(t, p, func() bool { return p.Stats().Processed == 13+16 }); err != nil {
				t.Fatal(err)
			}
			got := sums(t, bootstrap, changelog)
			exact := map[string]int{"k0": want["k0"] + 15, "k1": want["k1"] + 13, "k2": want["k2"] + 14}
			if once && !maps.Equal(got, exact) {
				t.Errorf("after a crash and restart: %v, want %v", got, exact)
			}
			// Without positions the replayed records are counted twice:
			// the reason Positions exist.
			doubled := map[string]int{"k0": 2*want["k0"] + 15, "k1": 2*want["k1"] + 13, "k2": 2*want["k2"] + 14}
			if !once && !maps.Equal(got, doubled) {
				t.Errorf("without positions, after the rewind: %v, want the double count %v", got, doubled)
			}
		})
	}
}

func TestFailedTransformChangesNothing(t *testing.T) {
	bootstrap := startBroker(t)
	createTopics(t, bootstrap, kafkautil.TopicSpec{Name: "in", Partitions: 1})
	produce(t, bootstrap, numbers("in", 0, []string{"1", "2", "3"}, 1, 1)...)
	// Puts, then fails on even numbers: those Puts must be undone.
	transform := func(in Record, table *Table) ([]Record, error) {
		table.Put("last", in.Value)
		table.Delete("first")
		if in.Offset == 0 {
			table.Put("first", in.Value)
		}
		if string(in.Value) == "2" {
			return nil, errors.New("two is right out")
		}
		return nil, nil
	}
	p, _ := New(Config{Bootstrap: bootstrap, Group: "g", Inputs: []string{"in"}, Changelog: "state", TableTransform: transform})
	if err := runUntil(t, p, func() bool { return p.Stats().Processed == 3 }); err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, r := range readAll(t, bootstrap, "state") {
		changes = append(changes, fmt.Sprintf("%s=%s", r.Key, r.Value))
	}
	// Record 1: last=1, first deleted (tombstone), first=1; record 3: last=3,
	// first deleted. Nothing of record 2.
	want := []string{"last=1", "first=", "first=1", "last=3", "first="}
	if !slices.Equal(changes, want) {
		t.Errorf("changelog %v, want %v", changes, want)
	}
	if v, ok := p.Table().Get("last"); !ok || string(v) != "3" {
		t.Errorf("table last = %q, want 3", v)
	}
}

// ---------------------------------------------------------------------------
// Reading tables.

func TestReadTable(t *testing.T) {
	bootstrap := startBroker(t)
	createTopics(t, bootstrap, kafkautil.TopicSpec{Name: "table", Partitions: 2, Compacted: true}, kafkautil.TopicSpec{Name: "empty", Partitions: 3})
	rec := func(p int32, key, value string) Record {
		r := Record{Topic: "table", Partition: p, Key: []byte(key)}
		if value != "-" {
			r.Value = []byte(value)
		}
		return r
	}
	produce(t, bootstrap,
		rec(0, "a", "1"), rec(1, "b", "1"), rec(0, "a", "2"), rec(1, "b", "-"), // b deleted
		rec(0, "c", "-"),                                     // a tombstone for a key never seen
		rec(1, "d", "1"), rec(1, "d", "-"), rec(1, "d", "3"), // deleted, then back
		rec(0, "e", ""), // an empty value is a value, not a tombstone
	)
	ctx := context.Background()
	got, err := ReadTable(ctx, bootstrap, "table")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "2", "d": "3", "e": ""}
	if len(got) != len(want) {
		t.Errorf("table %q, want %q", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || string(g) != v {
			t.Errorf("table[%s] = %q (present %v), want %q", k, g, ok, v)
		}
	}

	if got, err := ReadTable(ctx, bootstrap, "empty"); err != nil || len(got) != 0 {
		t.Errorf("empty topic: %v, %v", got, err)
	}
	if _, err := ReadTable(ctx, bootstrap, "missing"); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("missing topic: %v, want ErrUnknownTopic", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ReadTable(cancelled, bootstrap, "table"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestTableWithoutAProcessor(t *testing.T) {
	table := NewTable()
	buf := []byte("one")
	table.Put("x", buf)
	buf[0] = 'O' // the table keeps its own copy
	table.Put("y", []byte("two"))
	table.Put("z", []byte("three"))
	table.Delete("z")
	table.Put("y", nil) // deletes too
	if v, ok := table.Get("x"); !ok || string(v) != "one" {
		t.Errorf("Get(x) = %q, %v", v, ok)
	}
	if _, ok := table.Get("y"); ok {
		t.Error("y is still there")
	}
	if table.Len() != 1 || !slices.Equal(table.Keys(), []string{"x"}) {
		t.Errorf("keys %v", table.Keys())
	}
	if len(table.takePending()) != 0 {
		t.Error("a free-standing table keeps no changelog")
	}
}

func TestPositions(t *testing.T) {
	var p Positions
	a5 := Record{Topic: "a", Partition: 0, Offset: 5}
	if p.Covers(a5) {
		t.Error("empty positions cover a record")
	}
	p.Advance(a5)
	p.Advance(Record{Topic: "a", Partition: 0, Offset: 3}) // never goes back
	p.Advance(Record{Topic: "a", Partition: 1, Offset: 9})
	for _, tt := range []struct {
		r    Record
		want bool
	}{
		{Record{Topic: "a", Partition: 0, Offset: 4}, true},
		{a5, true},
		{Record{Topic: "a", Partition: 0, Offset: 6}, false},
		{Record{Topic: "a", Partition: 1, Offset: 2}, true},
		{Record{Topic: "a", Partition: 2, Offset: 0}, false},
		{Record{Topic: "b", Partition: 0, Offset: 0}, false},
	} {
		if got := p.Covers(tt.r); got != tt.want {
			t.Errorf("Covers(%s) = %v, want %v", tt.r, got, tt.want)
		}
	}
	data, err := json.Marshal(p)
	if err != nil || string(data) != `{"a/0":5,"a/1":9}` {
		t.Errorf("JSON %s %v", data, err)
	}
}

// TestRunGivesUpOnADeadAddress: a processor pointed at a port nobody
// answers on returns an error naming the address, and one whose context
// ends while it waits returns nil, instead of hanging in sarama.
func TestRunGivesUpOnADeadAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := Config{Bootstrap: ln.Addr().String(), Group: "g", Inputs: []string{"in"}, Output: "out",
		Transform: func(in Record) ([]Record, error) { return nil, nil }}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
			t.Errorf("Run against a silent listener: %v, want an error naming %s", err, ln.Addr())
		}
	case <-time.After(120 * time.Second):
		t.Fatal("Run did not give up on a silent listener")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- p.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run cancelled while connecting: %v, want nil", err)
		}
	case <-time.After(120 * time.Second):
		t.Fatal("Run did not stop when its context ended")
	}
}
