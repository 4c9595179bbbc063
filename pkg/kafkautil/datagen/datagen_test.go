package datagen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// stepClock returns a clock that starts at start and advances by step on
// every call, so generated timestamps are fully deterministic.
func stepClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := now
		now = now.Add(step)
		return t
	}
}

var epoch = time.UnixMilli(1_700_000_000_000)

type record struct {
	key, value string
	ts         time.Time
}

func take(t *testing.T, name string, opts Options, n int) []record {
	t.Helper()
	gen, err := New(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	if gen.Name() != name {
		t.Errorf("Name() = %q, want %q", gen.Name(), name)
	}
	out := make([]record, n)
	for i := range out {
		k, v, ts := gen.Next()
		out[i] = record{string(k), string(v), ts}
	}
	return out
}

func TestDeterministicWithSeed(t *testing.T) {
	for _, name := range []string{"orders", "pageviews", "users"} {
		t.Run(name, func(t *testing.T) {
			a := take(t, name, Options{Seed: 42, Clock: stepClock(epoch, time.Second)}, 200)
			b := take(t, name, Options{Seed: 42, Clock: stepClock(epoch, time.Second)}, 200)
			c := take(t, name, Options{Seed: 43, Clock: stepClock(epoch, time.Second)}, 200)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("record %d differs between two runs with seed 42:\n%+v\n%+v", i, a[i], b[i])
				}
			}
			same := 0
			for i := range a {
				if a[i].value == c[i].value {
					same++
				}
			}
			if same == len(a) {
				t.Errorf("seeds 42 and 43 gave the same %d records", len(a))
			}
		})
	}
}

func TestOrdersFollowQuickstartSchema(t *testing.T) {
	recs := take(t, "orders", Options{Seed: 7, Clock: stepClock(epoch, time.Millisecond)}, 2000)
	items := map[string]bool{}
	for i, r := range recs {
		var v struct {
			OrderTime  *int64   `json:"ordertime"`
			OrderID    *int64   `json:"orderid"`
			ItemID     string   `json:"itemid"`
			OrderUnits *float64 `json:"orderunits"`
			Address    *struct {
				City    string `json:"city"`
				State   string `json:"state"`
				Zipcode *int64 `json:"zipcode"`
			} `json:"address"`
		}
		dec := json.NewDecoder(strings.NewReader(r.value))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("record %d: %v: %s", i, err, r.value)
		}
		if v.OrderTime == nil || v.OrderID == nil || v.OrderUnits == nil || v.Address == nil || v.Address.Zipcode == nil {
			t.Fatalf("record %d lacks a field: %s", i, r.value)
		}
		if *v.OrderID != int64(i) {
			t.Fatalf("record %d: orderid %d, want %d (counting up from 0)", i, *v.OrderID, i)
		}
		if r.key != strconv.Itoa(i) {
			t.Fatalf("record %d: key %q, want the orderid %d", i, r.key, i)
		}
		if *v.OrderTime != r.ts.UnixMilli() || !r.ts.Equal(epoch.Add(time.Duration(i)*time.Millisecond)) {
			t.Fatalf("record %d: ordertime %d, timestamp %v; want both from the clock", i, *v.OrderTime, r.ts)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(v.ItemID, "Item_"))
		if !strings.HasPrefix(v.ItemID, "Item_") || err != nil || n < 1 || n > 999 {
			t.Fatalf("record %d: itemid %q, want Item_1..Item_999", i, v.ItemID)
		}
		items[v.ItemID] = true
		if *v.OrderUnits < 0.1 || *v.OrderUnits >= 10 {
			t.Fatalf("record %d: orderunits %v outside [0.1, 10)", i, *v.OrderUnits)
		}
		if !strings.HasPrefix(v.Address.City, "City_") || !strings.HasPrefix(v.Address.State, "State_") {
			t.Fatalf("record %d: address %+v", i, v.Address)
		}
		if z := *v.Address.Zipcode; z < 10000 || z > 99999 {
			t.Fatalf("record %d: zipcode %d", i, z)
		}
	}
	if len(items) < 500 {
		t.Errorf("only %d distinct itemids in 2000 orders; want them spread over Item_1..Item_999", len(items))
	}
}

func TestPageviewsAndUsersKeys(t *testing.T) {
	for _, r := range take(t, "pageviews", Options{Seed: 1, Clock: stepClock(epoch, time.Second)}, 500) {
		var v struct {
			ViewTime int64  `json:"viewtime"`
			UserID   string `json:"userid"`
			PageID   string `json:"pageid"`
		}
		if err := json.Unmarshal([]byte(r.value), &v); err != nil {
			t.Fatal(err)
		}
		if r.key != strconv.FormatInt(v.ViewTime, 10) || v.ViewTime != r.ts.UnixMilli() {
			t.Fatalf("pageview key %q, viewtime %d, ts %v: want key = viewtime = timestamp", r.key, v.ViewTime, r.ts)
		}
		if !strings.HasPrefix(v.UserID, "User_") || len(v.UserID) != 6 || !strings.HasPrefix(v.PageID, "Page_") {
			t.Fatalf("pageview %s", r.value)
		}
	}
	users := map[string]bool{}
	for _, r := range take(t, "users", Options{Seed: 1, Clock: stepClock(epoch, time.Second)}, 500) {
		var v struct {
			RegisterTime int64  `json:"registertime"`
			UserID       string `json:"userid"`
			RegionID     string `json:"regionid"`
			Gender       string `json:"gender"`
		}
		if err := json.Unmarshal([]byte(r.value), &v); err != nil {
			t.Fatal(err)
		}
		if r.key != v.UserID {
			t.Fatalf("user key %q, userid %q: want key = userid", r.key, v.UserID)
		}
		if v.RegisterTime > r.ts.UnixMilli() || v.RegisterTime < r.ts.Add(-year).UnixMilli() {
			t.Fatalf("registertime %d not within the year before %v", v.RegisterTime, r.ts)
		}
		if !strings.HasPrefix(v.RegionID, "Region_") || (v.Gender != "MALE" && v.Gender != "FEMALE" && v.Gender != "OTHER") {
			t.Fatalf("user %s", r.value)
		}
		users[v.UserID] = true
	}
	if len(users) != 9 {
		t.Errorf("%d distinct users, want User_1..User_9", len(users))
	}
}

func TestLookup(t *testing.T) {
	if _, err := Lookup("orders"); err != nil {
		t.Fatal(err)
	}
	_, err := Lookup("ordrs")
	if err == nil || !strings.Contains(err.Error(), `unknown generator "ordrs"`) || !strings.Contains(err.Error(), "orders, pageviews") {
		t.Fatalf("Lookup(ordrs) = %v; want an error listing the known generators", err)
	}
}

// countdown is a Finite generator: n records, then no more.
type countdown struct {
	arg string
	n   int
}

func (c *countdown) Name() string { return "test-countdown:" + c.arg }
func (c *countdown) More() bool   { return c.n > 0 }
func (c *countdown) Next() ([]byte, []byte, time.Time) {
	c.n--
	return nil, []byte(fmt.Sprintf(`{"left":%d,"arg":%q}`, c.n, c.arg)), epoch
}

func TestRegisterFamilyAndFinite(t *testing.T) {
	Register("test-countdown:", func(o Options) (Generator, error) {
		n, err := strconv.Atoi(o.Arg)
		if err != nil {
			return nil, fmt.Errorf("count %q: %w", o.Arg, err)
		}
		return &countdown{arg: o.Arg, n: n}, nil
	})
	if !strings.Contains(strings.Join(Names(), " "), "test-countdown:NAME") {
		t.Errorf("Names() = %v, want the family listed as test-countdown:NAME", Names())
	}
	if _, err := Lookup("test-countdown:"); err == nil {
		t.Error("Lookup of a bare family prefix should fail")
	}
	gen, err := New("test-countdown:3", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := Print(context.Background(), &out, FormatJSON, gen, RunOptions{Count: 10})
	if err != nil || n != 3 {
		t.Fatalf("Print = %d, %v; want 3 records, then the generator runs out", n, err)
	}
	want := `{"timestamp":1700000000000,"key":null,"value":{"left":2,"arg":"3"}}`
	if first, _, _ := strings.Cut(out.String(), "\n"); first != want {
		t.Errorf("first line %s, want %s", first, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice should panic")
		}
	}()
	Register("orders", NewOrders)
}

func TestPrintCountAndFormats(t *testing.T) {
	gen, _ := NewOrders(Options{Seed: 1, Clock: stepClock(epoch, time.Second)})
	var out bytes.Buffer
	n, err := Print(context.Background(), &out, FormatText, gen, RunOptions{Count: 5})
	if err != nil || n != 5 {
		t.Fatalf("Print = %d, %v", n, err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "0\t{\"ordertime\":1700000000000,\"orderid\":0,") {
		t.Fatalf("text output:\n%s", out.String())
	}
	if _, err := Print(context.Background(), &out, "yaml", gen, RunOptions{Count: 1}); err == nil {
		t.Error("Print with an unknown format should fail")
	}
	for _, bad := range []RunOptions{{Rate: -1}, {Count: -3}} {
		if _, err := Print(context.Background(), &out, FormatText, gen, bad); err == nil {
			t.Errorf("Print(%+v) should fail", bad)
		}
	}
}

// TestRatePacing checks that a rate holds the generator back: 60 records
// at 200/s cannot be through in less than 59 intervals of 5 ms. (A machine
// can always be slower than a rate, so only the lower bound is checked.)
func TestRatePacing(t *testing.T) {
	gen, _ := NewPageviews(Options{Seed: 1})
	var out bytes.Buffer
	start := time.Now()
	n, err := Print(context.Background(), &out, FormatText, gen, RunOptions{Rate: 200, Count: 60})
	elapsed := time.Since(start)
	if err != nil || n != 60 {
		t.Fatalf("Print = %d, %v; want 60 records", n, err)
	}
	if minimum := 59 * time.Second / 200; elapsed < minimum {
		t.Errorf("60 records at 200/s took %v; pacing allows no less than %v", elapsed, minimum)
	}
}

// TestPrintStopsWhenContextEnds: an endless, paced Print returns (without
// an error) once its context is cancelled.
func TestPrintStopsWhenContextEnds(t *testing.T) {
	gen, _ := NewPageviews(Options{Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	w := &notifyWriter{after: 5, reached: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := Print(ctx, w, FormatText, gen, RunOptions{Rate: 200})
		done <- err
	}()
	select {
	case <-w.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("Print wrote fewer than 5 records in 30 s")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Print after cancel: %v; the end of ctx is how a generator is stopped, not an error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Print did not return within 30 s of its context being cancelled")
	}
}

// notifyWriter closes reached once after lines have been written.
type notifyWriter struct {
	mu      sync.Mutex
	lines   int
	after   int
	reached chan struct{}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines += bytes.Count(p, []byte("\n"))
	if w.lines >= w.after && w.after > 0 {
		close(w.reached)
		w.after = 0
	}
	return len(p), nil
}

// TestProgressLines runs a generator until its first progress line has
// been written (however long a loaded machine takes to get there), then
// checks what the line says.
func TestProgressLines(t *testing.T) {
	gen, _ := NewUsers(Options{Seed: 1})
	progress := &notifyWriter{after: 1, reached: make(chan struct{})}
	var text syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		select {
		case <-progress.reached:
			cancel()
		case <-ctx.Done():
		}
	}()
	n, err := Print(ctx, discard{}, FormatText, gen, RunOptions{Rate: 1000, Progress: io.MultiWriter(progress, &text), ProgressInterval: 100 * time.Millisecond})
	if err != nil || n == 0 {
		t.Fatalf("Print = %d, %v", n, err)
	}
	if !strings.Contains(text.String(), "users: ") || !strings.Contains(text.String(), "records sent (") {
		t.Errorf("progress lines (none within 30 s?):\n%s", text.String())
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startBroker(t testing.TB, topics ...string) string {
	t.Helper()
	b, err := kafkautil.StartBroker(context.Background(), kafkautil.BrokerOptions{DefaultPartitions: 3, Topics: topics})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

// readAll reads every record of topic, from all partitions.
func readAll(t *testing.T, bootstrap, topic string, want int) []*sarama.ConsumerMessage {
	t.Helper()
	consumer, err := sarama.NewConsumer([]string{bootstrap}, kafkautil.NewConfig("datagen-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	parts, err := consumer.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make(chan *sarama.ConsumerMessage, want)
	for _, p := range parts {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		go func() {
			for m := range pc.Messages() {
				msgs <- m
			}
		}()
	}
	var out []*sarama.ConsumerMessage
	deadline := time.After(30 * time.Second)
	for len(out) < want {
		select {
		case m := <-msgs:
			out = append(out, m)
		case <-deadline:
			t.Fatalf("read %d of %d records from %s", len(out), want, topic)
		}
	}
	return out
}

func TestRunEndToEnd(t *testing.T) {
	bootstrap := startBroker(t, "orders")
	gen, _ := NewOrders(Options{Seed: 9, Clock: stepClock(epoch, time.Second)})
	var progress syncBuffer
	sent, err := Run(context.Background(), bootstrap, "orders", gen, RunOptions{Count: 500, Progress: &progress})
	if err != nil || sent != 500 {
		t.Fatalf("Run = %d, %v; want 500 sent", sent, err)
	}
	msgs := readAll(t, bootstrap, "orders", 500)
	seen := map[string]bool{}
	partitions := map[int32]int{}
	for _, m := range msgs {
		var v struct {
			OrderID   int64 `json:"orderid"`
			OrderTime int64 `json:"ordertime"`
		}
		if err := json.Unmarshal(m.Value, &v); err != nil {
			t.Fatal(err)
		}
		if string(m.Key) != strconv.FormatInt(v.OrderID, 10) {
			t.Fatalf("key %q for orderid %d", m.Key, v.OrderID)
		}
		if m.Timestamp.UnixMilli() != v.OrderTime {
			t.Fatalf("record timestamp %d, ordertime %d: want the record timestamp to be the event time", m.Timestamp.UnixMilli(), v.OrderTime)
		}
		// The Java client's partitioner: toPositive(murmur2(key)) % 3.
		if want := javaPartition(m.Key, 3); m.Partition != want {
			t.Fatalf("key %s landed in partition %d; the Java client picks %d", m.Key, m.Partition, want)
		}
		seen[string(m.Key)] = true
		partitions[m.Partition]++
	}
	if len(seen) != 500 || len(partitions) != 3 {
		t.Errorf("%d distinct keys over partitions %v", len(seen), partitions)
	}
}

// javaPartition is Kafka's DefaultPartitioner for keyed records, written out
// from the Java client's Utils.murmur2 so the test does not trust sarama's.
func javaPartition(key []byte, n int32) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	length := len(key)
	h := seed ^ uint32(length)
	for i := 0; i+4 <= length; i += 4 {
		k := uint32(key[i]) | uint32(key[i+1])<<8 | uint32(key[i+2])<<16 | uint32(key[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := length &^ 3
	switch length % 4 {
	case 3:
		h ^= uint32(key[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h&0x7fffffff) % n
}

// TestRunStopsWhenContextEnds cancels an endless, paced Run once it has
// generated 50 records: Run returns without an error, having sent no more
// than it generated, and every record it reports sent can be read back.
func TestRunStopsWhenContextEnds(t *testing.T) {
	bootstrap := startBroker(t, "pageviews")
	inner, _ := NewPageviews(Options{Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gen := &cancelAfter{Generator: inner, n: 50, cancel: cancel}
	done := make(chan struct{})
	var (
		sent int
		err  error
	)
	go func() {
		defer close(done)
		sent, err = Run(ctx, bootstrap, "pageviews", gen, RunOptions{Rate: 500})
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("Run did not return within 2 minutes (it generated %d records; it is cancelled after 50)", gen.count())
	}
	if err != nil {
		t.Fatalf("Run after cancel: %v; the end of ctx is how a generator is stopped, not an error", err)
	}
	if sent < 1 || sent > 50 {
		t.Errorf("sent %d; want between 1 and the 50 generated before the cancel", sent)
	}
	// Everything reported sent was acknowledged, so it can be read back.
	readAll(t, bootstrap, "pageviews", sent)
}

// cancelAfter is a generator that calls cancel once it has generated n
// records.
type cancelAfter struct {
	Generator
	mu     sync.Mutex
	next   int
	n      int
	cancel context.CancelFunc
}

func (g *cancelAfter) Next() (key, value []byte, ts time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.next++
	if g.next == g.n {
		g.cancel()
	}
	return g.Generator.Next()
}

func (g *cancelAfter) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.next
}

func TestRunUnreachableBroker(t *testing.T) {
	gen, _ := NewOrders(Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := NewProducerConfig("datagen-test")
	cfg.Net.DialTimeout = 200 * time.Millisecond
	cfg.Metadata.Retry.Max = 0
	_, err := Run(ctx, "127.0.0.1:1", "orders", gen, RunOptions{Count: 1, Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "connecting to Kafka at 127.0.0.1:1") {
		t.Fatalf("Run against nothing = %v", err)
	}
}

func TestRunValidates(t *testing.T) {
	gen, _ := NewOrders(Options{})
	if _, err := Run(context.Background(), "127.0.0.1:1", "", gen, RunOptions{}); err == nil {
		t.Error("Run without a topic should fail")
	}
	if _, err := Run(context.Background(), "127.0.0.1:1", "t", gen, RunOptions{Rate: -2}); err == nil {
		t.Error("Run with a negative rate should fail")
	}
}

func BenchmarkGenerators(b *testing.B) {
	for _, name := range []string{"orders", "pageviews", "users"} {
		b.Run(name, func(b *testing.B) {
			gen, _ := New(name, Options{Seed: 1})
			b.ReportAllocs()
			for b.Loop() {
				gen.Next()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkRunIntoEmbeddedBroker measures generator throughput end to end:
// orders produced through sarama's async producer into the embedded broker,
// every record acknowledged.
func BenchmarkRunIntoEmbeddedBroker(b *testing.B) {
	bootstrap := startBroker(b, "bench-orders")
	gen, _ := NewOrders(Options{Seed: 1})
	b.ResetTimer()
	sent, err := Run(context.Background(), bootstrap, "bench-orders", gen, RunOptions{Count: b.N})
	if err != nil || sent != b.N {
		b.Fatalf("Run = %d, %v", sent, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
