package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartShowsASummaryNotTheReadme: by default start prints the
// addresses, then the lab's exercises and the command to run next, short
// enough that the addresses stay on screen; --instructions prints the README instead,
// and `mlops-lab instructions` prints it without starting anything.
func TestStartShowsASummaryNotTheReadme(t *testing.T) {
	ws := newWorkspace(t)
	readme, err := os.ReadFile(filepath.Join(ws, "labs", "lab01-producers", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readmeHead := strings.SplitN(string(readme), "\n", 2)[0]

	for _, c := range []struct {
		flags      []string
		wantReadme bool
	}{
		{nil, false},
		{[]string{"--instructions"}, true},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errOut syncBuffer
		done := make(chan int, 1)
		go func() {
			args := append([]string{"start", "lab1", "--kafka-listen", "127.0.0.1:0", "--no-datagen"}, c.flags...)
			done <- run(cliFactory(ctx, ws, "", &out, &errOut), args)
		}()
		// The line start prints last, on stderr, says everything is shown.
		deadline := time.Now().Add(stopWait)
		for !strings.Contains(errOut.String(), "lab1 is running") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(stopWait):
			t.Fatalf("%v: start did not stop within %v of Ctrl+C", c.flags, stopWait)
		}
		text := out.String()
		lines := strings.Split(text, "\n")
		if !strings.HasPrefix(lines[0], "kafka: 127.0.0.1:") {
			t.Fatalf("%v: want a first line `kafka: HOST:PORT`, got %q (stderr %q)", c.flags, text, errOut.String())
		}
		if got := strings.Contains(text, readmeHead); got != c.wantReadme {
			t.Errorf("%v: README shown %v, want %v:\n%s", c.flags, got, c.wantReadme, text)
		}
		if c.wantReadme {
			continue
		}
		for _, want := range []string{"lab1: ", "sync-producer", "next: exercise 1", "mlops-lab grade lab1 --exercise sync-producer", "mlops-lab instructions lab1"} {
			if !strings.Contains(text, want) {
				t.Errorf("summary lacks %q:\n%s", want, text)
			}
		}
		if len(lines) > 20 {
			t.Errorf("a summary of %d lines:\n%s", len(lines), text)
		}
	}

	code, out, errOut := runCLI(t, ws, "", "instructions", "lab1")
	if code != 0 || !strings.Contains(out, readmeHead) || errOut != "" {
		t.Errorf("instructions: exit %d, stderr %q, out %d bytes", code, errOut, len(out))
	}
}
