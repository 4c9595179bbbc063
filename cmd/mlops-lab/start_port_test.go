package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

// TestStartSaysWhen9092IsTaken: with Kafka's usual port held by another
// program, start listens elsewhere and says how to reach it.
func TestStartSaysWhen9092IsTaken(t *testing.T) {
	if ln, err := net.Listen("tcp", "127.0.0.1:9092"); err == nil {
		defer ln.Close() // hold it for the test; when it is already taken, so much the better
	}
	ws := newWorkspace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	f := cliFactory(ctx, ws, "", &out, &errOut)
	done := make(chan int, 1)
	go func() { done <- run(f, []string{"start", "lab1"}) }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(errOut.String(), "environment ready") {
		if time.Now().After(deadline) {
			t.Fatalf("start did not get ready:\n%s%s", out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(out.String(), "\n", 2)[0], "kafka: "))
	if addr == "127.0.0.1:9092" {
		t.Fatalf("start listens on the taken port")
	}
	if want := "export " + labcontract.EnvBootstrap + "=" + addr; !strings.Contains(errOut.String(), want) || !strings.Contains(errOut.String(), "127.0.0.1:9092 is taken") {
		t.Errorf("start's messages do not say %q:\n%s", want, errOut.String())
	}
	cancel()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("start did not stop")
	}
}
