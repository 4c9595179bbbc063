package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
)

// serveChildEnv holds the arguments (separated by \x1f) of `mlops-lab serve` for
// TestServeChildProcess: the restart tests run serve in a child process
// so that an abrupt stop is a real SIGKILL of broker and engine.
const serveChildEnv = "MLOPS_LAB_SERVE_CHILD_ARGS"

// TestServeChildProcess runs `mlops-lab serve` with the arguments in
// serveChildEnv until SIGINT or SIGTERM, as the binary would; it does
// nothing in a normal test run.
func TestServeChildProcess(t *testing.T) {
	args := os.Getenv(serveChildEnv)
	if args == "" {
		t.Skip("runs only as the child of TestServeRestartsLoseNothing")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := NewCmdServe(cmdutil.NewFactory(iostreams.New(strings.NewReader(""), os.Stdout, os.Stderr)), nil)
	cmd.SetArgs(strings.Split(args, "\x1f"))
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveChild is a running `mlops-lab serve` child process.
type serveChild struct {
	cmd     *exec.Cmd
	ksqlURL string
	stderr  *serveBuffer
	stopped bool // waited for
}

func startServeChild(t *testing.T, args ...string) *serveChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+strings.Join(args, "\x1f"))
	stderr := &serveBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "ksql: "); ok {
				ready <- url
			}
		}
		close(ready)
	}()
	select {
	case url, ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("serve ended before it was ready: %s", stderr)
		}
		c := &serveChild{cmd: cmd, ksqlURL: url, stderr: stderr}
		// A test that fails half-way leaves no server process behind.
		t.Cleanup(func() {
			if !c.stopped {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
		})
		return c
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("serve was not ready within 60s: %s", stderr)
	}
	return nil
}

func (c *serveChild) stop(t *testing.T, kill bool) {
	t.Helper()
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = c.cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		c.stopped = true
		if !kill && err != nil {
			t.Fatalf("serve did not stop cleanly: %v: %s", err, c.stderr)
		}
	case <-time.After(60 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
		c.stopped = true
		t.Fatalf("serve did not stop within 60s of %v: %s", sig, c.stderr)
	}
}

// TestServeRestartsLoseNothing runs `mlops-lab serve --data-dir` with a
// CSAS and a CTAS over a three-partition stream and restarts it again and
// again on the same data folder while records keep being produced. With
// clean stops (SIGTERM) every input reaches both sinks exactly once; with
// abrupt ones (SIGKILL) too, repeats allowed (at-least-once).
func TestServeRestartsLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a server many times")
	}
	for _, tc := range []struct {
		name   string
		killed func(run int) bool
	}{
		{"SIGTERM", func(int) bool { return false }},
		{"SIGKILL and SIGTERM", func(run int) bool { return run%3 != 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) { testServeRestarts(t, tc.killed) })
	}
}

func testServeRestarts(t *testing.T, killed func(run int) bool) {
	const restarts, perRun = 10, 500
	dir := t.TempDir()
	kafkaAddr := "127.0.0.1:" + strconv.Itoa(freeTestPort(t))
	args := []string{"--data-dir", dir, "--kafka-listen", kafkaAddr, "--ksql-listen", "127.0.0.1:" + strconv.Itoa(freeTestPort(t))}
	ctx := context.Background()

	child := startServeChild(t, args...)
	if _, err := ksqlclient.New(child.ksqlURL).Execute(ctx, `SET 'auto.offset.reset'='earliest';
		CREATE STREAM ev (k VARCHAR KEY, seq BIGINT) WITH (kafka_topic='ev', value_format='JSON', partitions=3);
		CREATE STREAM evout AS SELECT k, seq FROM ev;
		CREATE TABLE evcount AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k;`); err != nil {
		child.stop(t, true)
		t.Fatal(err)
	}

	prodCtx, stopProducing := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); produceThroughRestarts(prodCtx, kafkaAddr, "ev") }()

	kills := 0
	for run := 0; run < restarts; run++ {
		if run > 0 {
			child = startServeChild(t, args...)
		}
		client := newSinkClient(t, kafkaAddr)
		before := sinkSize(t, client, "EVOUT")
		deadline := time.Now().Add(60 * time.Second)
		for sinkSize(t, client, "EVOUT") < before+perRun {
			if time.Now().After(deadline) {
				t.Fatalf("run %d: EVOUT did not grow by %d within 60s: %s", run, perRun, child.stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}
		client.Close()
		if killed(run) {
			kills++
		}
		child.stop(t, killed(run))
	}
	stopProducing()
	wg.Wait()

	// A last run catches up; the source topic is the truth.
	child = startServeChild(t, args...)
	defer child.stop(t, false)
	client := newSinkClient(t, kafkaAddr)
	defer client.Close()
	srcEnds := partitionEnds(t, client, "ev")
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(120 * time.Second)
	for caughtUp(t, admin, "ev", srcEnds) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the queries did not catch up within 120s: %s", child.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}

	perKey := map[string][]int64{} // SEQs of the input, per key
	for _, r := range readTopic(t, client, "ev") {
		perKey[r.key] = append(perKey[r.key], r.n)
	}
	records := 0
	for _, seqs := range perKey {
		records += len(seqs)
	}
	for _, sink := range []string{"EVOUT", "EVCOUNT"} {
		seen := map[string]int{}
		outputs := readTopic(t, client, sink)
		for _, r := range outputs {
			seen[r.key+"/"+strconv.FormatInt(r.n, 10)]++
		}
		lost, dup := 0, 0
		for k, seqs := range perKey {
			for i, seq := range seqs {
				n := seq // EVOUT carries the input's SEQ, EVCOUNT the count
				if sink == "EVCOUNT" {
					n = int64(i + 1)
				}
				switch c := seen[k+"/"+strconv.FormatInt(n, 10)]; {
				case c == 0:
					lost++
				case c > 1:
					dup += c - 1
				}
			}
		}
		t.Logf("%s: runs=%d (%d SIGKILL) records=%d outputs=%d lost=%d duplicated=%d", sink, restarts+1, kills, records, len(outputs), lost, dup)
		if lost > 0 {
			t.Errorf("%s: %d of %d records lost", sink, lost, records)
		}
		if kills == 0 && dup > 0 {
			t.Errorf("%s: %d records repeated although every stop was clean", sink, dup)
		}
	}
}

// produceThroughRestarts writes {"SEQ": n} to keys k0..k23 (n counting
// per key) about 2000 records a second until ctx ends, reconnecting while
// the broker restarts. A record whose send failed may still have been
// written; the test reads the source topic for what was.
func produceThroughRestarts(ctx context.Context, addr, topic string) {
	seqs := make([]int64, 24)
	i := 0
	for ctx.Err() == nil {
		cfg := kafkautil.NewConfig("serve-restart-producer")
		cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Retry.Max = 0
		p, err := sarama.NewSyncProducer([]string{addr}, cfg)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond): // the broker is restarting
			}
			continue
		}
		tick := time.NewTicker(10 * time.Millisecond)
		for ctx.Err() == nil {
			<-tick.C
			batch := make([]*sarama.ProducerMessage, 20)
			for j := range batch {
				k := i % len(seqs)
				i++
				seqs[k]++
				batch[j] = &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("k" + strconv.Itoa(k)),
					Value: sarama.StringEncoder(fmt.Sprintf(`{"SEQ":%d}`, seqs[k]))}
			}
			if p.SendMessages(batch) != nil {
				break
			}
		}
		tick.Stop()
		p.Close()
	}
}

func newSinkClient(t *testing.T, addr string) sarama.Client {
	t.Helper()
	c, err := sarama.NewClient([]string{addr}, kafkautil.NewConfig("serve-restart-test"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func partitionEnds(t *testing.T, c sarama.Client, topic string) []int64 {
	t.Helper()
	if err := c.RefreshMetadata(topic); err != nil {
		t.Fatal(err)
	}
	ids, err := c.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	ends := make([]int64, len(ids))
	for _, id := range ids {
		if ends[id], err = c.GetOffset(topic, id, sarama.OffsetNewest); err != nil {
			t.Fatal(err)
		}
	}
	return ends
}

func sinkSize(t *testing.T, c sarama.Client, topic string) int64 {
	var n int64
	for _, end := range partitionEnds(t, c, topic) {
		n += end
	}
	return n
}

// caughtUp counts the persistent queries that committed the ends of topic.
func caughtUp(t *testing.T, admin sarama.ClusterAdmin, topic string, ends []int64) int {
	t.Helper()
	groups, err := admin.ListConsumerGroups()
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]int32, len(ends))
	for i := range parts {
		parts[i] = int32(i)
	}
	n := 0
	for g := range groups {
		if !strings.HasPrefix(g, ksqlkafka.GroupID(ksqlkafka.DefaultServiceID, "")) {
			continue
		}
		resp, err := admin.ListConsumerGroupOffsets(g, map[string][]int32{topic: parts})
		if err != nil {
			t.Fatal(err)
		}
		done := true
		for i, end := range ends {
			if b := resp.GetBlock(topic, int32(i)); b == nil || b.Offset < end {
				done = false
			}
		}
		if done {
			n++
		}
	}
	return n
}

// keyedNumber is one record: its key and its SEQ (or N).
type keyedNumber struct {
	key string
	n   int64
}

// readTopic reads every record of topic, partition by partition.
func readTopic(t *testing.T, c sarama.Client, topic string) []keyedNumber {
	t.Helper()
	consumer, err := sarama.NewConsumerFromClient(c)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	var out []keyedNumber
	for id, end := range partitionEnds(t, c, topic) {
		if end == 0 {
			continue
		}
		pc, err := consumer.ConsumePartition(topic, int32(id), sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		timeout := time.After(60 * time.Second)
		for done := false; !done; {
			select {
			case m := <-pc.Messages():
				var v map[string]int64
				if err := json.Unmarshal(m.Value, &v); err != nil {
					t.Fatalf("%s/%d@%d: %q: %v", topic, id, m.Offset, m.Value, err)
				}
				n, ok := v["SEQ"]
				if !ok {
					n = v["N"]
				}
				out = append(out, keyedNumber{string(m.Key), n})
				done = m.Offset+1 >= end
			case <-timeout:
				t.Fatalf("%s/%d: not read to offset %d within 60s", topic, id, end)
			}
		}
		pc.Close()
	}
	return out
}
