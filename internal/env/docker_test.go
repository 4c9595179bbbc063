package env_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

// The Ryuk image cannot be pulled on the project's machines; the tests close
// what they start themselves. The variable must be set before testcontainers
// reads its configuration (once per process), hence init. An explicit value
// wins.
func init() {
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
}

// syncBuffer collects progress lines written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// dockerClient returns a client of the Docker engine of DOCKER_HOST (or the
// default socket), or skips the test when there is none.
func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Skipf("docker runtime test: no Docker engine reachable: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		t.Skipf("docker runtime test: no Docker engine reachable: %v", err)
	}
	return cli
}

func TestDockerUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var progress syncBuffer
	e, err := env.Start(ctx, env.Docker, env.Spec{Needs: env.Needs{Kafka: true}, Progress: &progress})
	if err == nil {
		e.Close(ctx)
		t.Fatal("Start succeeded with DOCKER_HOST pointing nowhere")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	for _, want := range []string{"Docker is not reachable at unix:///nonexistent.sock", "start Docker", "--runtime embedded"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}

	err = env.BuildServeImage(ctx, os.Args[0], "mlops-lab-unreachable-test:0")
	if err == nil || !strings.Contains(err.Error(), "Docker is not reachable") {
		t.Errorf("BuildServeImage with no Docker: got %v, want Docker is not reachable", err)
	}
}

func TestDockerImageCannotBePulled(t *testing.T) {
	dockerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// .invalid never resolves, with or without a registry at hand.
	const ref = "registry.mlops-lab.invalid/no-such-image:0"
	var progress syncBuffer
	e, err := env.Start(ctx, env.Docker, env.Spec{Needs: env.Needs{Kafka: true}, KafkaImage: ref, Progress: &progress})
	if err == nil {
		e.Close(ctx)
		t.Fatalf("Start succeeded with image %s", ref)
	}
	t.Logf("error: %v", err)
	want := "image " + ref + " is not available locally and could not be pulled"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if !strings.Contains(progress.String(), "pulling "+ref+" ...") {
		t.Errorf("progress %q does not announce the pull", progress.String())
	}
}

// TestDockerServeImage runs the docker runtime for real: it builds this
// project's binary into a FROM scratch image, starts it through env.Start,
// and uses the broker with sarama.
func TestDockerServeImage(t *testing.T) {
	if testing.Short() {
		t.Skip("docker runtime test: builds a binary and an image; skipped in -short mode")
	}
	cli := dockerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	tag := buildServeImage(ctx, t, cli)
	labelled := filters.NewArgs(filters.Arg("label", env.EnvLabel))
	count := func() (containers, networks int) {
		cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: labelled})
		if err != nil {
			t.Fatal(err)
		}
		ns, err := cli.NetworkList(ctx, network.ListOptions{Filters: labelled})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs), len(ns)
	}
	containersBefore, networksBefore := count()

	const topic = "docker-runtime-test-orders"
	var progress syncBuffer
	start := time.Now()
	e, err := env.Start(ctx, env.Docker, env.Spec{
		Needs:      env.Needs{Kafka: true, KSQL: true},
		KafkaImage: tag,
		Topics:     []kafkautil.TopicSpec{{Name: topic, Partitions: 3}},
		Progress:   &progress,
	})
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatalf("starting the docker environment: %v", err)
	}
	closed := false
	defer func() {
		if !closed {
			e.Close(context.Background())
		}
	}()
	t.Logf("docker environment up in %.1fs at %s", time.Since(start).Seconds(), e.Bootstrap())
	if e.Runtime() != env.Docker || e.KsqlURL() == "" {
		t.Errorf("runtime %q, ksql %q; want docker with ksqlDB", e.Runtime(), e.KsqlURL())
	}
	if !strings.Contains(progress.String(), "Kafka ready at "+e.Bootstrap()) {
		t.Errorf("progress lacks %q", "Kafka ready at "+e.Bootstrap())
	}
	if c, n := count(); c != containersBefore+1 || n != networksBefore+1 {
		t.Errorf("labelled containers %d, networks %d; want %d and %d", c, n, containersBefore+1, networksBefore+1)
	}

	useBroker(t, e.Bootstrap(), topic)
	useKsql(t, ctx, e.KsqlURL(), topic)
	gradeLab1(t, ctx, e)

	if err := e.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	closed = true
	if c, n := count(); c != containersBefore || n != networksBefore {
		t.Errorf("after Close: labelled containers %d, networks %d; want %d and %d", c, n, containersBefore, networksBefore)
	}
	probe, cancelProbe := context.WithTimeout(ctx, 2*time.Second)
	defer cancelProbe()
	if err := kafkautil.WaitReachable(probe, e.Bootstrap()); err == nil {
		t.Errorf("Kafka at %s still answers after Close", e.Bootstrap())
	}
}

// gradeLab1 grades lab 1's reference solution against the environment, as
// `mlops-lab grade lab1 --solution --runtime docker` does.
func gradeLab1(t *testing.T, ctx context.Context, e env.Environment) {
	t.Helper()
	ws, err := workspace.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab, err := cat.Find("lab1")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	results, err := grader.GradeLab(ctx, grader.Options{
		Workspace: ws, Catalogue: cat, Solution: true,
		Env: map[string]string{labtest.EnvBootstrap: e.Bootstrap()},
	}, lab)
	if err != nil {
		t.Fatalf("grading lab1 on the docker runtime: %v", err)
	}
	report := grader.NewReport(results)
	if !report.Passed() {
		for _, r := range results {
			if r.Status != grader.StatusPass {
				t.Errorf("lab1 on the docker runtime, %s: %s\n%s", r.Exercise, r.Status, r.Message)
			}
		}
	}
	t.Logf("lab1 solution on the docker runtime: %v/%v points in %v", report.Score, report.MaxScore, time.Since(start).Round(time.Millisecond))
}

// useKsql runs a persistent query in the container's ksqlDB over the topic
// the spec created and reads its result back through a pull query.
func useKsql(t *testing.T, ctx context.Context, url, topic string) {
	t.Helper()
	c := ksqlclient.New(url)
	if _, err := c.Info(ctx); err != nil {
		t.Fatalf("ksqlDB /info at %s: %v", url, err)
	}
	script := fmt.Sprintf(`CREATE STREAM docker_probe (k VARCHAR KEY, n INT) WITH (KAFKA_TOPIC='%s-ksql', VALUE_FORMAT='JSON', PARTITIONS=1);
INSERT INTO docker_probe (k, n) VALUES ('a', 1);
INSERT INTO docker_probe (k, n) VALUES ('a', 2);
CREATE TABLE docker_probe_totals AS SELECT k, SUM(n) AS total FROM docker_probe GROUP BY k EMIT CHANGES;`, topic)
	if _, err := c.Execute(ctx, script, map[string]any{"auto.offset.reset": "earliest"}); err != nil {
		t.Fatalf("ksqlDB in the container: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows, err := c.Query(ctx, "SELECT total FROM docker_probe_totals WHERE k = 'a';", nil)
		var got []any
		if err == nil {
			for rows.Next() {
				got = rows.Row()
			}
			rows.Close()
			if len(got) == 1 && fmt.Sprint(got[0]) == "3" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pull query on the container's ksqlDB: want total 3 for key a, got %v (last error %v)", got, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// useBroker checks the advertised address, the topic the spec created, and
// a produce/consume round trip.
func useBroker(t *testing.T, bootstrap, topic string) {
	t.Helper()
	cfg := kafkautil.NewConfig("docker-runtime-test")
	c, err := sarama.NewClient([]string{bootstrap}, cfg)
	if err != nil {
		t.Fatalf("connecting to %s: %v", bootstrap, err)
	}
	defer c.Close()
	if brokers := c.Brokers(); len(brokers) != 1 || brokers[0].Addr() != bootstrap {
		var addrs []string
		for _, b := range brokers {
			addrs = append(addrs, b.Addr())
		}
		t.Errorf("metadata brokers %v; want the advertised [%s]", addrs, bootstrap)
	}
	partitions, err := c.Partitions(topic)
	if err != nil || len(partitions) != 3 {
		t.Fatalf("topic %s: partitions %v, %v; want 3", topic, partitions, err)
	}

	producer, err := sarama.NewSyncProducerFromClient(c)
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	sent := map[string]bool{}
	for i := range n {
		key := fmt.Sprintf("order-%d", i)
		value := fmt.Sprintf(`{"id":%d}`, i)
		if _, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.StringEncoder(value)}); err != nil {
			t.Fatalf("producing: %v", err)
		}
		sent[key+"="+value] = true
	}
	producer.Close()

	consumer, err := sarama.NewConsumer([]string{bootstrap}, kafkautil.NewConfig("docker-runtime-test-consumer"))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	got := make(chan string, n)
	for _, p := range partitions {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("consuming partition %d: %v", p, err)
		}
		defer pc.Close()
		go func() {
			for m := range pc.Messages() {
				got <- string(m.Key) + "=" + string(m.Value)
			}
		}()
	}
	deadline := time.After(20 * time.Second)
	for range n {
		select {
		case m := <-got:
			if !sent[m] {
				t.Errorf("consumed %q, which was not sent (or twice)", m)
			}
			delete(sent, m)
		case <-deadline:
			t.Fatalf("consumed %d of %d messages", n-len(sent), n)
		}
	}
}

// buildServeImage builds the project's static binary and an image of it,
// tagged by the binary's content, and removes the image when the test ends.
func buildServeImage(ctx context.Context, t *testing.T, cli *client.Client) string {
	t.Helper()
	start := time.Now()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		t.Fatalf("finding the module root: go env GOMOD: %q, %v", gomod, err)
	}
	ver, err := cli.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "mlops-lab")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/mlops-lab")
	build.Dir = filepath.Dir(gomod)
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+ver.Os, "GOARCH="+ver.Arch)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mlops-lab: %v\n%s", err, out)
	}
	if ver.Os == runtime.GOOS && ver.Arch == runtime.GOARCH {
		out, err := exec.CommandContext(ctx, bin, "serve", "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--kafka-advertise") {
			t.Skipf("docker runtime test: the mlops-lab binary has no serve command (register newServeCmd in cmd/mlops-lab/root.go): %v: %s", err, out)
		}
	}
	t.Logf("built %s in %.1fs", bin, time.Since(start).Seconds())

	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	tag := "mlops-lab-serve-test:" + hex.EncodeToString(sum[:6])
	start = time.Now()
	if err := env.BuildServeImage(ctx, bin, tag); err != nil {
		t.Fatal(err)
	}
	t.Logf("built image %s in %.1fs", tag, time.Since(start).Seconds())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := cli.ImageRemove(ctx, tag, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
			t.Logf("removing image %s: %v", tag, err)
		}
	})
	return tag
}
