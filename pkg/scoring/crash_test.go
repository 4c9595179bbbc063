package scoring_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// The crash test runs the scoring service in child processes (this test
// binary, started again with these variables) and kills them with SIGKILL.
const (
	crashEnvBootstrap = "MLOPS_LAB_SCORING_CRASH_BOOTSTRAP"
	crashEnvArtifact  = "MLOPS_LAB_SCORING_CRASH_ARTIFACT"
)

func TestMain(m *testing.M) {
	if bootstrap := os.Getenv(crashEnvBootstrap); bootstrap != "" {
		os.Exit(crashChild(bootstrap, os.Getenv(crashEnvArtifact)))
	}
	os.Exit(m.Run())
}

// crashChild serves the artifact from crash-in to crash-out until killed,
// or until SIGTERM, which stops it cleanly.
func crashChild(bootstrap, artifactPath string) int {
	data, err := os.ReadFile(artifactPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	a, err := scoring.DecodeArtifact(data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	m, err := a.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	svc, err := scoring.New(scoring.Config{
		Bootstrap: bootstrap, Input: "crash-in", Output: "crash-out", Group: "crash-scoring",
		Fixed: &scoring.Deployed{Model: m, Artifact: a}, BatchSize: 50,
		// A killed member's partitions go to the next child soon.
		SessionTimeout: time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := svc.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		return 1
	}
	return 0
}

// TestCrashesLoseNoScores kills the scoring service with SIGKILL 25 times
// while it works through 6000 records over three partitions, restarting it
// each time, then lets a last run finish and stop cleanly. Offsets are
// committed after the scores are acknowledged, so every kill between a write
// and the next commit leaves scores that are written again: at least once.
// Every input must have a score, and each score must be the model's.
func TestCrashesLoseNoScores(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 26 processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{GroupMinSessionTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	bootstrap := broker.Addr()
	createTopics(t, bootstrap, kafkautil.TopicSpec{Name: "crash-in", Partitions: 3}, kafkautil.TopicSpec{Name: "crash-out", Partitions: 3})
	d := cancer(t)
	a := artifact(t, d, 1, 1)
	model, err := a.Build()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.json")
	data, _ := a.Marshal()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const n = 6000
	cfg := kafkautil.NewIdempotentConfig("crash-producer")
	cfg.Producer.Return.Successes = false
	ap, err := sarama.NewAsyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		ap.Input() <- &sarama.ProducerMessage{Topic: "crash-in", Key: sarama.StringEncoder(fmt.Sprint("r-", i)), Value: sarama.ByteEncoder(featureRecord(d, i%d.Rows()))}
	}
	if err := ap.Close(); err != nil {
		t.Fatal(err)
	}
	client, err := sarama.NewClient([]string{bootstrap}, kafkautil.NewConfig("crash-count"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	written := func() int64 {
		var total int64
		for p := int32(0); p < 3; p++ {
			off, err := client.GetOffset("crash-out", p, sarama.OffsetNewest)
			if err != nil {
				t.Fatal(err)
			}
			total += off
		}
		return total
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnvBootstrap+"="+bootstrap, crashEnvArtifact+"="+path)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return cmd
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const rounds = 25
	kills := 0
	for round := 0; round < rounds && written() < n; round++ {
		before := written()
		child := start()
		// Kill it once it has written some more scores: somewhere between
		// a write and the commit that follows it.
		target := before + 20 + int64(rng.IntN(200))
		deadline := time.Now().Add(90 * time.Second)
		for written() < target && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if err := child.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_, _ = child.Process.Wait()
		kills++
	}
	// A last run scores the rest and stops cleanly on SIGTERM.
	last := start()
	// Scores written again count towards the topic's length: wait until
	// every record has one.
	var byKey map[string][]scoring.Score
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		byKey, _ = readScores(t, bootstrap, "crash-out", n)
		if len(byKey) >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d records scored after the last run", len(byKey), n)
		}
	}
	if err := last.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := last.Wait(); err != nil {
		t.Fatalf("the last run did not stop cleanly: %v", err)
	}
	lost, dup := 0, 0
	for i := 0; i < n; i++ {
		scores := byKey[fmt.Sprint("r-", i)]
		if len(scores) == 0 {
			lost++
			continue
		}
		dup += len(scores) - 1
		want, err := model.Predict(d.X.RawRowView(i % d.Rows()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scores {
			if s.Prediction != want.Value || *s.Probability != *want.Probability {
				raw, _ := json.Marshal(s)
				t.Fatalf("r-%d scored %s, the model says %v/%v", i, raw, want.Value, *want.Probability)
			}
		}
	}
	t.Logf("%d kills, %d records, %d scores written: %d lost, %d scored again", kills, n, written(), lost, dup)
	if lost != 0 {
		t.Fatalf("%d records lost", lost)
	}
}
