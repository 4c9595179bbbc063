package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// The crash test runs the processor in child processes of the test binary
// that die (os.Exit, no deferred closes, no commit on the way out) right
// after a batch's outputs and changelog records are acknowledged and before
// its offsets are committed, the window at-least-once delivery is about.
// Each child commits synchronously every few batches, so the uncommitted
// tail at the crash varies from nothing to several batches.

// Environment of a crash child.
const (
	crashEnvBootstrap = "STREAM_CRASH_BOOTSTRAP"
	crashEnvAt        = "STREAM_CRASH_AT"     // die after writing this batch of the run
	crashEnvCommit    = "STREAM_CRASH_COMMIT" // commit after every this many batches
)

// Child exit statuses.
const (
	crashExitCrashed = 3 // died at the crash point
	crashExitIdle    = 4 // ran out of input before the crash point
)

const (
	crashInput     = "crash-in"
	crashOutput    = "crash-out"
	crashChangelog = "crash-totals"
	crashGroup     = "crash-sum"
	crashBatch     = 20
	crashKeys      = 7
)

func TestMain(m *testing.M) {
	if bootstrap := os.Getenv(crashEnvBootstrap); bootstrap != "" {
		os.Exit(crashChild(bootstrap))
	}
	os.Exit(m.Run())
}

// crashTotal is the running aggregate per key, with the positions that make
// replays count once.
type crashTotal struct {
	Sum     int       `json:"sum"`
	Count   int       `json:"count"`
	Counted Positions `json:"counted,omitempty"`
}

// crashConfig is the processor under test: every input record is copied to
// the output (replays included: at least once), and its number is added to
// its key's total unless the total already covers it.
func crashConfig(bootstrap string) Config {
	return Config{
		Bootstrap: bootstrap, Group: crashGroup, Inputs: []string{crashInput},
		Output: crashOutput, Changelog: crashChangelog, BatchSize: crashBatch,
		TableTransform: func(in Record, table *Table) ([]Record, error) {
			n, err := strconv.Atoi(string(in.Value))
			if err != nil {
				return nil, err
			}
			out := []Record{{Key: in.Key, Value: in.Value}}
			var tot crashTotal
			if old, ok := table.Get(string(in.Key)); ok {
				if err := json.Unmarshal(old, &tot); err != nil {
					return nil, err
				}
			}
			if tot.Counted.Covers(in) {
				return out, nil
			}
			tot.Sum += n
			tot.Count++
			tot.Counted.Advance(in)
			value, err := json.Marshal(tot)
			if err != nil {
				return nil, err
			}
			table.Put(string(in.Key), value)
			return out, nil
		},
	}
}

// crashChild runs the processor until the crash point and returns the exit
// status.
func crashChild(bootstrap string) int {
	at, err1 := strconv.Atoi(os.Getenv(crashEnvAt))
	every, err2 := strconv.Atoi(os.Getenv(crashEnvCommit))
	if err := errors.Join(err1, err2); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	consumerConfigHook = func(cfg *sarama.Config) {
		// A dead member holds its partitions until its session times out;
		// keep that short so the next child gets them soon. The broker
		// answers a connection's requests in order, so a fetch waiting
		// for data delays the heartbeat behind it: fetches wait less
		// than a session lasts. Commits happen only where this test
		// asks for them.
		cfg.Consumer.Group.Session.Timeout = 500 * time.Millisecond
		cfg.Consumer.Group.Heartbeat.Interval = 100 * time.Millisecond
		cfg.Consumer.MaxWaitTime = 50 * time.Millisecond
		cfg.Consumer.Offsets.AutoCommit.Interval = time.Hour
	}
	var batches, lastBatch atomic.Int64
	lastBatch.Store(time.Now().UnixNano())
	afterWriteHook = func(sess sarama.ConsumerGroupSession, batch []*sarama.ConsumerMessage) {
		lastBatch.Store(time.Now().UnixNano())
		if batches.Add(1) == int64(at) {
			os.Exit(crashExitCrashed) // outputs stored, offsets neither marked nor committed
		}
	}
	afterMarkHook = func(sess sarama.ConsumerGroupSession, batch []*sarama.ConsumerMessage) {
		if batches.Load()%int64(every) == 0 {
			sess.Commit()
		}
	}
	go func() {
		// Input ran out before the crash point: die all the same.
		for range time.Tick(100 * time.Millisecond) {
			if time.Since(time.Unix(0, lastBatch.Load())) > 10*time.Second {
				os.Exit(crashExitIdle)
			}
		}
	}()
	err := Run(context.Background(), crashConfig(bootstrap))
	fmt.Fprintln(os.Stderr, "crash child: Run returned:", err)
	return 1
}

// TestCrashBetweenWriteAndCommit kills the processor between writing a batch
// and committing its offsets, 50 times over 3000 records, restarting it each
// time, then lets a last run finish. It checks at-least-once delivery (every
// input record is in the output; duplicates only of records processed after
// the last commit before a crash) and exact running aggregates: the
// changelog's counts only ever grow by one per change, and the final totals
// equal those of the input.
func TestCrashBetweenWriteAndCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 50 processes")
	}
	const (
		rounds  = 50
		records = 3000
	)
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(3),
		kfake.GroupMinSessionTimeout(100*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	bootstrap := cluster.ListenAddrs()[0]
	createTopics(t, bootstrap,
		kafkautil.TopicSpec{Name: crashInput, Partitions: 3},
		kafkautil.TopicSpec{Name: crashOutput, Partitions: 3},
	)
	values := make([]string, records)
	wantSum, wantCount := map[string]int{}, map[string]int{}
	for i := range values {
		values[i] = strconv.Itoa(i)
		k := fmt.Sprintf("k%d", i%crashKeys)
		wantSum[k] += i
		wantCount[k]++
	}
	produce(t, bootstrap, numbers(crashInput, 0, values, crashKeys, 3)...)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)
	var crashed, idle, maxUncommitted int
	for round := range rounds {
		if done := committedTotal(t, bootstrap); done == records {
			t.Logf("all %d records committed after %d rounds", records, round)
			break
		}
		at := 2 + rng.IntN(5)     // crash after writing batch 2..6 of this run
		every := 1 + rng.IntN(at) // commit every 1..at batches (at: never before the crash)
		maxUncommitted += at * crashBatch
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnvBootstrap+"="+bootstrap, crashEnvAt+"="+strconv.Itoa(at), crashEnvCommit+"="+strconv.Itoa(every))
		out, err := runChild(t, cmd, 60*time.Second)
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit) && exit.ExitCode() == crashExitCrashed:
			crashed++
		case errors.As(err, &exit) && exit.ExitCode() == crashExitIdle:
			idle++
		default:
			t.Fatalf("round %d: the child ended with %v:\n%s", round, err, out)
		}
	}

	// A last run, stopped cleanly once every record is counted.
	p, err := New(crashConfig(bootstrap))
	if err != nil {
		t.Fatal(err)
	}
	if err := runUntilWithin(t, p, 120*time.Second, func() bool { return committedTotal(t, bootstrap) == records }); err != nil {
		t.Fatal(err)
	}

	// Outputs: every input at least once, nothing that was not an input.
	seen := map[int]int{}
	for _, r := range readAll(t, bootstrap, crashOutput) {
		n, err := strconv.Atoi(string(r.Value))
		if err != nil || n < 0 || n >= records {
			t.Fatalf("output %s is no input record", r)
		}
		seen[n]++
	}
	lost, duplicated := 0, 0
	for i := range records {
		switch c := seen[i]; {
		case c == 0:
			lost++
		case c > 1:
			duplicated += c - 1
		}
	}
	t.Logf("rounds %d (crashed %d, ran out of input %d), records %d, outputs %d, lost %d, duplicated %d (at most %d were uncommitted at the crashes)",
		crashed+idle, crashed, idle, records, records-lost+duplicated, lost, duplicated, maxUncommitted)
	if lost > 0 {
		t.Errorf("%d input records are missing from the output", lost)
	}
	if duplicated > maxUncommitted {
		t.Errorf("%d duplicates, more than the %d records that were ever uncommitted at a crash", duplicated, maxUncommitted)
	}
	if crashed == 0 {
		t.Errorf("no child crashed at the crash point: the test tested nothing")
	}

	// The changelog: each change of a key counts one more record, never a
	// replay, and the latest totals are exact.
	last := map[string]crashTotal{}
	changes := 0
	for _, r := range readAll(t, bootstrap, crashChangelog) {
		var tot crashTotal
		if err := json.Unmarshal(r.Value, &tot); err != nil {
			t.Fatalf("changelog %s: %v", r, err)
		}
		k := string(r.Key)
		if prev, ok := last[k]; ok && tot.Count <= prev.Count {
			t.Errorf("changelog of %s: count %d after %d: a replay was counted again", k, tot.Count, prev.Count)
		}
		last[k] = tot
		changes++
	}
	exact := 0
	for k, want := range wantCount {
		if got := last[k]; got.Count != want || got.Sum != wantSum[k] {
			t.Errorf("%s: count %d sum %d, want %d and %d", k, got.Count, got.Sum, want, wantSum[k])
		} else {
			exact++
		}
	}
	t.Logf("changelog: %d changes over %d keys, totals exact for %d of %d", changes, len(last), exact, len(wantCount))
}

// runChild runs cmd and returns its combined output and exit error; a child
// still running after limit is killed and fails the test.
func runChild(t *testing.T, cmd *exec.Cmd, limit time.Duration) (string, error) {
	t.Helper()
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("a crash child ran for %v without reaching its crash point:\n%s", limit, out.String())
		return "", nil
	}
}

// committedTotal is how many input records the group has committed (0
// before the group exists).
func committedTotal(t *testing.T, bootstrap string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kc := dial(t, bootstrap)
	defer kc.Close()
	offsets, err := kc.CommittedOffsets(ctx, crashGroup, crashInput)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, off := range offsets {
		n += int(max(off, 0))
	}
	return n
}

// runUntilWithin is runUntil with its own limit.
func runUntilWithin(t *testing.T, p *Processor, limit time.Duration, done func() bool) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	result := make(chan error, 1)
	go func() { result <- p.Run(ctx) }()
	deadline := time.Now().Add(limit)
	for !done() {
		select {
		case err := <-result:
			return err
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Errorf("the processor did not get there in %v; stats %+v", limit, p.Stats())
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

// lockedBuffer collects a child's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
