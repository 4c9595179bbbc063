package ksqlkafka_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
)

// The restart test runs the engine in a child process (this test binary,
// re-executed) so that an abrupt stop is a real SIGKILL. The child opens
// the runtime on the broker named by this variable, prints "ready", and
// closes the runtime cleanly on SIGTERM.
const restartChildEnv = "KSQL_RESTART_TEST_BOOTSTRAP"

// TestRestartChildProcess is the child's body; it does nothing in a
// normal test run.
func TestRestartChildProcess(t *testing.T) {
	bootstrap := os.Getenv(restartChildEnv)
	if bootstrap == "" {
		t.Skip("runs only as the child of TestRestartUnderLoad")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: bootstrap,
		Logf: func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	<-ctx.Done()
	rt.Close()
	os.Exit(0)
}

// restartRun is one life of the engine: how it ended and where the sink
// topics' partitions ended when it did.
type restartRun struct {
	killed bool
	ends   map[string][]int64 // sink topic -> end offset per partition
}

// TestRestartUnderLoad restarts the engine many times, alternating clean
// stops (SIGTERM) and abrupt ones (SIGKILL), while records keep arriving
// on a three-partition stream read by a CSAS and a CTAS. Every input must
// reach both sinks (no loss); a record may be repeated only after an
// abrupt stop (at-least-once), never after a clean one.
func TestRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts the engine many times")
	}
	const (
		restarts   = 12
		keys       = 24
		partitions = 3
		perRun     = 600 // sink records each run must add before it is stopped
	)
	ctx := context.Background()
	br, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()

	// Declare the queries in-process; the children replay them.
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: br.Addr(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.Execute(ctx, fmt.Sprintf(`CREATE STREAM rsrc (k VARCHAR KEY, seq BIGINT) WITH (kafka_topic='rsrc', value_format='JSON', partitions=%d);
		CREATE STREAM rout AS SELECT k, seq FROM rsrc;
		CREATE TABLE rcount AS SELECT k, COUNT(*) AS n FROM rsrc GROUP BY k;`, partitions),
		map[string]string{"auto.offset.reset": "earliest"})
	rt.Close()
	if err != nil {
		t.Fatal(err)
	}

	client, err := sarama.NewClient([]string{br.Addr()}, kafkautil.NewConfig("restart-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sinks := []string{"ROUT", "RCOUNT"}
	sinkTotal := func() int64 {
		var n int64
		for _, topic := range sinks {
			for _, end := range endOffsets(t, client, topic) {
				n += end
			}
		}
		return n
	}

	// Produce continuously, also while the engine is down or restoring.
	prodCtx, stopProducing := context.WithCancel(ctx)
	var produced [keys]int64 // records acknowledged per key
	prodDone := make(chan error, 1)
	go func() { prodDone <- produceSeqs(prodCtx, br.Addr(), "rsrc", produced[:]) }()

	var runs []restartRun
	for i := 0; i < restarts; i++ {
		killed := i%2 == 1
		child := startChild(t, br.Addr())
		before := sinkTotal()
		waitFor(t, 60*time.Second, fmt.Sprintf("run %d: %d new sink records", i, perRun), func() bool {
			return sinkTotal() >= before+perRun
		})
		child.stop(t, killed)
		// Produce requests a killed process sent just before it died
		// may still be written: the run ends once the sinks are still.
		run := restartRun{killed: killed, ends: map[string][]int64{}}
		var last int64 = -1
		var changed time.Time
		waitFor(t, 30*time.Second, fmt.Sprintf("run %d: the sinks to stop growing", i), func() bool {
			if n := sinkTotal(); n != last {
				last, changed = n, time.Now()
			}
			return time.Since(changed) >= 250*time.Millisecond
		})
		for _, topic := range sinks {
			run.ends[topic] = endOffsets(t, client, topic)
		}
		runs = append(runs, run)
	}
	stopProducing()
	if err := <-prodDone; err != nil {
		t.Fatal(err)
	}

	// A last run processes everything; then both sinks are read whole.
	var want int64
	for _, n := range produced {
		want += n
	}
	final := startChild(t, br.Addr())
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	srcEnds := endOffsets(t, client, "rsrc")
	waitFor(t, 120*time.Second, "both queries to commit the end of the input", func() bool {
		return queriesCaughtUp(t, admin, "rsrc", srcEnds) == len(sinks)
	})
	final.stop(t, false)

	for _, topic := range sinks {
		recs := readAll(t, br.Addr(), client, topic)
		// A repeat is at-least-once delivery when an abrupt stop lies
		// between the run that wrote the first copy and the run that
		// wrote the repeat; otherwise a clean stop repeated it.
		runOf := func(r sinkRecord) int {
			for j, rr := range runs {
				if r.offset < rr.ends[topic][r.partition] {
					return j
				}
			}
			return len(runs)
		}
		first := map[[2]int64]int{}
		var dupClean, dupKilled int64
		for _, r := range recs {
			id := [2]int64{r.key, r.n}
			a, ok := first[id]
			if !ok {
				first[id] = runOf(r)
				continue
			}
			killed := false
			for j := a; j < runOf(r); j++ {
				killed = killed || runs[j].killed
			}
			if killed {
				dupKilled++
			} else {
				dupClean++
				if dupClean <= 5 {
					t.Errorf("%s: key k%d output %d repeated at %d/%d (run %d) after clean stops (first written by run %d)", topic, r.key, r.n, r.partition, r.offset, runOf(r), a)
				}
			}
		}
		var lost int64
		for k := range keys {
			for n := int64(1); n <= produced[k]; n++ {
				if _, ok := first[[2]int64{int64(k), n}]; !ok {
					lost++
					if lost <= 5 {
						t.Errorf("%s: key k%d record %d lost", topic, k, n)
					}
				}
			}
		}
		kills := 0
		for _, rr := range runs {
			if rr.killed {
				kills++
			}
		}
		t.Logf("%s: runs=%d (%d ended by SIGKILL) records=%d outputs=%d lost=%d duplicated after SIGTERM=%d duplicated after SIGKILL=%d",
			topic, len(runs)+1, kills, want, len(recs), lost, dupClean, dupKilled)
		if lost > 0 {
			t.Errorf("%s: %d of %d records lost", topic, lost, want)
		}
		if dupClean > 0 {
			t.Errorf("%s: %d records repeated after a clean stop", topic, dupClean)
		}
	}
}

type childProc struct {
	cmd     *exec.Cmd
	stderr  *bytes.Buffer
	stopped bool // waited for
}

// startChild starts the engine in a child process and waits until it is
// open.
func startChild(t *testing.T, bootstrap string) *childProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRestartChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), restartChildEnv+"="+bootstrap)
	stderr := &bytes.Buffer{}
	cmd.Stderr = &syncWriter{w: stderr}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
				break
			}
		}
		ready <- false
		for sc.Scan() {
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("the engine process ended before it was ready: %s", stderr)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the engine process was not ready within 60s: %s", stderr)
	}
	c := &childProc{cmd: cmd, stderr: stderr}
	// A test that fails half-way leaves no engine process behind.
	t.Cleanup(func() {
		if !c.stopped {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return c
}

// stop ends the child with SIGKILL or SIGTERM and waits for it.
func (c *childProc) stop(t *testing.T, kill bool) {
	t.Helper()
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		c.stopped = true
		if !kill && err != nil {
			t.Fatalf("the engine process did not stop cleanly: %v: %s", err, c.stderr)
		}
	case <-time.After(60 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
		c.stopped = true
		t.Fatalf("the engine process did not stop within 60s: %s", c.stderr)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// produceSeqs writes {"SEQ": n} to key k<i> with n = 1, 2, ... per key,
// round robin over the keys, about 2000 records a second, until ctx ends;
// produced[i] counts the records of key i the broker acknowledged.
func produceSeqs(ctx context.Context, bootstrap, topic string, produced []int64) error {
	cfg := kafkautil.NewConfig("restart-producer")
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	p, err := sarama.NewSyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		batch := make([]*sarama.ProducerMessage, 0, 20)
		for range 20 {
			k := 0
			for i := range produced {
				if produced[i] < produced[k] {
					k = i
				}
			}
			produced[k]++
			batch = append(batch, &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("k%d", k)),
				Value: sarama.StringEncoder(fmt.Sprintf(`{"SEQ":%d}`, produced[k]))})
		}
		if err := p.SendMessages(batch); err != nil {
			return fmt.Errorf("producing the input: %w", err)
		}
	}
}

func endOffsets(t *testing.T, client sarama.Client, topic string) []int64 {
	t.Helper()
	if err := client.RefreshMetadata(topic); err != nil {
		t.Fatal(err)
	}
	ids, err := client.Partitions(topic)
	if err != nil {
		t.Fatal(err)
	}
	ends := make([]int64, len(ids))
	for _, id := range ids {
		end, err := client.GetOffset(topic, id, sarama.OffsetNewest)
		if err != nil {
			t.Fatal(err)
		}
		ends[id] = end
	}
	return ends
}

// sinkRecord is one output: key k<key> and its SEQ (ROUT) or N (RCOUNT).
type sinkRecord struct {
	key, n    int64
	partition int32
	offset    int64
}

// readAll reads every record of a sink topic.
func readAll(t *testing.T, bootstrap string, client sarama.Client, topic string) []sinkRecord {
	t.Helper()
	ends := endOffsets(t, client, topic)
	c, err := sarama.NewConsumer([]string{bootstrap}, kafkautil.NewConfig("restart-reader"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []sinkRecord
	for id, end := range ends {
		if end == 0 {
			continue
		}
		pc, err := c.ConsumePartition(topic, int32(id), sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		timeout := time.After(60 * time.Second)
	read:
		for {
			select {
			case m := <-pc.Messages():
				var v map[string]int64
				var k int64
				if _, err := fmt.Sscanf(string(m.Key), "k%d", &k); err != nil || json.Unmarshal(m.Value, &v) != nil {
					t.Fatalf("%s/%d@%d: unexpected record %q=%q", topic, id, m.Offset, m.Key, m.Value)
				}
				n, ok := v["SEQ"]
				if !ok {
					n = v["N"]
				}
				out = append(out, sinkRecord{key: k, n: n, partition: int32(id), offset: m.Offset})
				if m.Offset+1 >= end {
					break read
				}
			case <-timeout:
				t.Fatalf("%s/%d: not read to offset %d within 60s", topic, id, end)
			}
		}
		pc.Close()
	}
	return out
}

// queriesCaughtUp counts the persistent queries whose committed offsets
// of topic have reached ends (they commit only after flushing the output).
func queriesCaughtUp(t *testing.T, admin sarama.ClusterAdmin, topic string, ends []int64) int {
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

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
