package datagen

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/datagen"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
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

// stopWait bounds the waits for datagen to report progress and to stop:
// generous, as a loaded machine may be slow; the tests check that it
// happens, not how fast.
const stopWait = 60 * time.Second

// runDatagen runs `datagen ARGS...` as the CLI would, with buffers for its
// outputs, in an empty folder (no workspace).
func runDatagen(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(""), &out, &errOut))
	f.WorkDir = t.TempDir()
	cmd := NewCmdDatagen(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func startCmdTestBroker(t *testing.T) string {
	t.Helper()
	b, err := kafkautil.StartBroker(context.Background(), kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

func TestDatagenPrint(t *testing.T) {
	out, errOut, err := runDatagen(t, "orders", "--print", "--seed", "3")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != printCount {
		t.Fatalf("--print wrote %d lines, want %d:\n%s", len(lines), printCount, out)
	}
	for i, line := range lines {
		key, value, ok := strings.Cut(line, "\t")
		var order struct {
			OrderID int `json:"orderid"`
		}
		if !ok || json.Unmarshal([]byte(value), &order) != nil || order.OrderID != i || key != strings.TrimSpace(key) {
			t.Fatalf("line %d: %q", i, line)
		}
	}

	// The same seed gives the same records, apart from their timestamps.
	again, _, err := runDatagen(t, "orders", "--dry-run", "--seed", "3")
	if err != nil {
		t.Fatal(err)
	}
	stamp := regexp.MustCompile(`"ordertime":\d+`)
	if stamp.ReplaceAllString(out, "") != stamp.ReplaceAllString(again, "") {
		t.Errorf("two runs with --seed 3 differ:\n%s\n%s", out, again)
	}

	out, _, err = runDatagen(t, "users", "--print", "--count", "3", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var rec struct {
			Timestamp int64  `json:"timestamp"`
			Key       string `json:"key"`
			Value     struct {
				UserID string `json:"userid"`
			} `json:"value"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Key != rec.Value.UserID || rec.Timestamp == 0 {
			t.Errorf("json line %q (%v)", line, err)
		}
	}
}

func TestDatagenIntoBroker(t *testing.T) {
	bs := startCmdTestBroker(t)
	out, errOut, err := runDatagen(t, "pageviews", "--topic", "clicks", "--count", "50", "--rate", "0", "--partitions", "3", "--seed", "1", "--bootstrap", bs)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "sent 50 records to clicks in ") {
		t.Errorf("stdout: %q", out)
	}
	if !strings.Contains(errOut, "pageviews -> topic clicks at full speed, 50 records (seed 1; Ctrl-C to stop)") {
		t.Errorf("stderr: %q", errOut)
	}
	d, err := kafkautil.DescribeTopic(context.Background(), bs, "clicks")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Partitions) != 3 || d.Records() != 50 {
		t.Errorf("clicks has %d partitions and %d records; want 3 and 50", len(d.Partitions), d.Records())
	}
}

func TestDatagenProgressAndStop(t *testing.T) {
	bs := startCmdTestBroker(t)
	// Stop once a progress line is out: the run must end cleanly then,
	// however long connecting took.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(""), &out, &errOut))
	f.WorkDir = t.TempDir()
	root := NewCmdDatagen(f, nil)
	root.SilenceUsage, root.SilenceErrors = true, true
	root.SetArgs([]string{"orders", "--rate", "200", "--progress-interval", "150ms", "--bootstrap", bs})
	root.SetOut(&out)
	root.SetErr(&errOut)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	progress := regexp.MustCompile(`orders: \d+ records sent \(\d+/s\)`)
	limit := time.After(stopWait)
	for !progress.MatchString(errOut.String()) {
		select {
		case err := <-done:
			t.Fatalf("datagen ended before any progress line: %v\n%s", err, errOut.String())
		case <-limit:
			t.Fatalf("no progress line in stderr within %v:\n%s", stopWait, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stopping with the context is not an error: %v\n%s", err, errOut.String())
		}
	case <-time.After(stopWait):
		t.Fatalf("datagen did not stop within %v of its context's end", stopWait)
	}
}

func TestDatagenUserErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "datagen needs a generator: `mlops-lab datagen orders` (generators: dataset:NAME, orders, pageviews, points, trades, users"},
		{[]string{"ordres"}, `unknown generator "ordres": known generators are dataset:NAME, orders, pageviews, points, trades, users`},
		{[]string{"dataset"}, "datagen dataset needs one data set: `mlops-lab datagen dataset iris` (data sets: breast_cancer, diabetes, digits, heart_sample, iris, wine)"},
		{[]string{"dataset", "irises", "--print"}, `unknown data set "irises": the data sets are breast_cancer, diabetes, digits, heart_sample, iris, wine`},
		{[]string{"dataset:irises", "--print"}, `unknown data set "irises": the data sets are breast_cancer`},
		{[]string{"orders", "--shuffle", "--print"}, "--shuffle only applies to data sets"},
		{[]string{"orders", "--rate", "-5", "--print"}, "--rate must be a number of records per second"},
		{[]string{"orders", "--count", "-1", "--print"}, "--count must be 0"},
		{[]string{"orders", "--partitions", "0"}, "--partitions must be at least 1"},
		{[]string{"orders", "--print", "--format", "csv"}, "--format must be text or json"},
		{[]string{"orders", "--topic", "no spaces"}, `--topic: topic name "no spaces" is not valid`},
	}
	for _, tt := range tests {
		_, _, err := runDatagen(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("datagen %v:\n  error %v\n  want one line containing %q", tt.args, err, tt.want)
		}
	}
}

func TestDatagenDataset(t *testing.T) {
	out, errOut, err := runDatagen(t, "dataset", "heart_sample", "--print", "--count", "20")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 15 {
		t.Fatalf("printed %d lines, want the 15 rows and a stop:\n%s", len(lines), out)
	}
	if lines[0] != "0\t"+`{"id":0,"age":63,"sex":1,"trestbps":233,"target":1}` {
		t.Errorf("first line %q", lines[0])
	}
	if strings.Contains(errOut, "seed") {
		t.Errorf("a replay in file order does not use a seed, but stderr says: %q", errOut)
	}

	// dataset:NAME is the same generator; --shuffle changes only the order.
	shuffled, _, err := runDatagen(t, "dataset:heart_sample", "--shuffle", "--seed", "4", "--print", "--count", "15")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(shuffled, "\n"), "\n")
	if slices.Equal(got, lines) {
		t.Error("--shuffle kept the file order")
	}
	slices.Sort(got)
	want := slices.Clone(lines)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("--shuffle must send every row once:\n%s", shuffled)
	}

	bs := startCmdTestBroker(t)
	out, errOut, err = runDatagen(t, "dataset", "iris", "--rate", "0", "--bootstrap", bs)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "sent 150 records to iris in ") {
		t.Errorf("stdout: %q (want the topic named after the data set)", out)
	}
	if !strings.Contains(errOut, "dataset:iris -> topic iris at full speed (150 rows; Ctrl-C to stop)") {
		t.Errorf("stderr: %q", errOut)
	}
	d, err := kafkautil.DescribeTopic(context.Background(), bs, "iris")
	if err != nil {
		t.Fatal(err)
	}
	if d.Records() != 150 {
		t.Errorf("iris holds %d records, want 150", d.Records())
	}
}

// parseDatagen parses `datagen ARGS...` with a runF that captures the
// options instead of printing or producing.
func parseDatagen(t *testing.T, args ...string) (*DatagenOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.NewFactory(ios)
	f.WorkDir = t.TempDir()
	var got *DatagenOptions
	cmd := NewCmdDatagen(f, func(o *DatagenOptions) error { got = o; return nil })
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.ExecuteContext(context.Background())
	return got, err
}

func TestDatagenFlags(t *testing.T) {
	opts, err := parseDatagen(t, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Generator != "orders" || opts.Topic != "orders" || opts.Rate != 10 || opts.Count != 0 || opts.SeedGiven || opts.Seed >= 1_000_000 ||
		opts.Partitions != 1 || opts.Print || opts.Format != "text" || opts.ProgressInterval != 5*time.Second || opts.Gen == nil || opts.Gen.Name() != "orders" {
		t.Errorf("defaults: %+v", opts)
	}

	// --print shows 10 records as fast as possible unless told otherwise,
	// and needs no topic.
	opts, err = parseDatagen(t, "users", "--dry-run", "--topic", "not a topic")
	if err != nil {
		t.Fatal(err)
	}
	if !opts.Print || opts.Count != printCount || opts.Rate != 0 {
		t.Errorf("--dry-run: print %v, count %d, rate %v; want true, %d, 0", opts.Print, opts.Count, opts.Rate, printCount)
	}
	opts, err = parseDatagen(t, "users", "--print", "-n", "3", "-r", "2", "--seed", "7", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Count != 3 || opts.Rate != 2 || opts.Seed != 7 || !opts.SeedGiven || opts.Format != "json" {
		t.Errorf("--print with flags: %+v", opts)
	}

	opts, err = parseDatagen(t, "dataset", "iris", "--shuffle", "-p", "3")
	if err != nil {
		t.Fatal(err)
	}
	replay, ok := opts.Gen.(*datagen.DatasetReplay)
	if opts.Generator != "dataset:iris:shuffle" || opts.Topic != "iris" || opts.Partitions != 3 || !ok || !replay.Shuffled() {
		t.Errorf("dataset iris --shuffle: generator %q, topic %q, partitions %d, generator %T", opts.Generator, opts.Topic, opts.Partitions, opts.Gen)
	}
	opts, err = parseDatagen(t, "dataset:wine", "--topic", "grapes")
	if err != nil || opts.Generator != "dataset:wine" || opts.Topic != "grapes" {
		t.Errorf("dataset:wine --topic grapes: %+v, %v", opts, err)
	}
}

// TestDatagenFlagErrors: whatever a user types, one line saying what to do,
// and nothing runs.
func TestDatagenFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "datagen needs a generator: `mlops-lab datagen orders` (generators: "},
		{[]string{"orders", "users"}, "datagen needs a generator"},
		{[]string{"dataset", "iris", "wine"}, "datagen dataset needs one data set"},
		{[]string{"ordres"}, `unknown generator "ordres"`},
		{[]string{"dataset", "irises"}, `unknown data set "irises"`},
		{[]string{"orders", "--shuffle"}, "--shuffle only applies to data sets (datagen dataset NAME), not to orders"},
		{[]string{"orders", "--rate", "-5"}, "--rate must be a number of records per second, or 0 for as fast as possible (got -5)"},
		{[]string{"orders", "--rate", "NaN"}, "--rate must be a number of records per second"},
		{[]string{"orders", "--rate", "fast"}, `invalid argument "fast" for "-r, --rate"`},
		{[]string{"orders", "--count", "-1"}, "--count must be 0 (until Ctrl-C) or more (got -1)"},
		{[]string{"orders", "--partitions", "0"}, "--partitions must be at least 1 (got 0)"},
		{[]string{"orders", "--print", "--format", "csv"}, `--format must be text or json (got "csv")`},
		{[]string{"orders", "--seed", "-1"}, `invalid argument "-1" for "--seed"`},
		{[]string{"orders", "--topic", "no spaces"}, `--topic: topic name "no spaces" is not valid`},
		{[]string{"dataset", "iris", "--topic", ".."}, `--topic: topic name ".." is not allowed`},
	}
	for _, tt := range tests {
		opts, err := parseDatagen(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("datagen %v:\n  error %v\n  want one line containing %q", tt.args, err, tt.want)
		}
		if opts != nil {
			t.Errorf("datagen %v: ran despite the error", tt.args)
		}
	}
}
