package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
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

// cliFactory is a Factory whose commands read stdin, write to out and
// errOut, act in dir, and end when ctx does (Ctrl+C in a test).
func cliFactory(ctx context.Context, dir, stdin string, out, errOut io.Writer) *cmdutil.Factory {
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(stdin), out, errOut))
	f.WorkDir, f.Context = dir, ctx
	return f
}

// runCLI runs the CLI in dir and returns its exit status and outputs.
func runCLI(t *testing.T, dir string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	code := run(cliFactory(context.Background(), dir, stdin, &out, &errOut), args)
	return code, out.String(), errOut.String()
}

// testBroker is an embedded Kafka broker that lives as long as the test.
func testBroker(t *testing.T) string {
	t.Helper()
	b, err := kafkautil.StartBroker(context.Background(), kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

// newWorkspace writes a course workspace with `init` (no go mod tidy: these
// tests compile nothing in it).
func newWorkspace(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "course")
	repo, err := workspace.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, ".", "", "init", dir, "--skip-tidy", "--replace", repo.Root)
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	return dir
}

func TestBadInputGetsOneLineErrors(t *testing.T) {
	ws := newWorkspace(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"start", "lab42"}, 1, `no lab named "lab42"; the labs are: lab1`},
		{[]string{"start", "../../etc"}, 1, "the labs are"},
		{[]string{"start"}, 1, "name the lab to start"},
		{[]string{"grade", "lab42"}, 2, `no lab named "lab42"`},
		{[]string{"grade"}, 2, "or use --all"},
		{[]string{"grade", "lab1", "--format", "yaml"}, 2, "use text, json or junit"},
		{[]string{"grade", "lab1", "--exercise", "99"}, 2, "has no exercise"},
		{[]string{"start", "lab1", "--runtime", "podman"}, 1, "use embedded, docker or external"},
		{[]string{"start", "lab1", "--kafka-listen", "127.0.0.1:99999"}, 1, "port must be a number from 0 to 65535"},
		{[]string{"hint", "lab1", "nope"}, 1, "has no exercise"},
		{[]string{"solution", "lab1", "nope.go"}, 1, "has no file"},
		{[]string{"grade", "--bogus"}, 1, "unknown flag: --bogus"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(t, ws, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: want exit %d and %q, got exit %d: %q", c.args, c.code, c.want, code, errOut)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 || strings.Contains(errOut, "goroutine ") {
			t.Errorf("%v: want a one-line error, got %q", c.args, errOut)
		}
	}
}

func TestOutsideWorkspace(t *testing.T) {
	code, _, errOut := runCLI(t, t.TempDir(), "", "start", "lab1")
	if code != 1 || !strings.Contains(errOut, "mlops-lab init") {
		t.Errorf("start outside a workspace: want advice to run init, got %d %q", code, errOut)
	}
}

// stopWait bounds the waits for `start` to get ready and to stop:
// generous, as a loaded machine may be slow; the tests check that it
// happens, not how fast.
const stopWait = 60 * time.Second

func TestStartRecordsEnvironmentAndCleansUp(t *testing.T) {
	ws := newWorkspace(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	f := cliFactory(ctx, ws, "", &out, &errOut)
	done := make(chan int, 1)
	go func() {
		done <- run(f, []string{"start", "lab1", "--kafka-listen", "127.0.0.1:0", "--instructions=false"})
	}()

	deadline := time.Now().Add(stopWait)
	for !strings.Contains(out.String(), "kafka: ") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasPrefix(out.String(), "kafka: 127.0.0.1:") {
		cancel()
		t.Fatalf("start: want a first line `kafka: HOST:PORT`, got %q (stderr %q)", out.String(), errOut.String())
	}
	rec, err := env.LiveRecord(workspace.Workspace{Root: ws})
	if err != nil {
		t.Fatalf("env.json while running: %v", err)
	}
	bootstrap := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(out.String(), "\n", 2)[0], "kafka: "))
	if rec.Runtime != "embedded" || rec.Bootstrap != bootstrap || rec.Lab != "lab1" || rec.PID != os.Getpid() {
		t.Errorf("env.json: got %+v, want embedded lab1 at %s, pid %d", rec, bootstrap, os.Getpid())
	}

	// A second start in the same workspace is refused while the first runs.
	code, _, errOut2 := runCLI(t, ws, "", "start", "lab1", "--kafka-listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut2, "already runs in this workspace") {
		t.Errorf("second start: want a refusal, got %d %q", code, errOut2)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("start after Ctrl+C: want exit 0, got %d (%s)", code, errOut.String())
		}
	case <-time.After(stopWait):
		t.Fatalf("start did not stop within %v of Ctrl+C", stopWait)
	}
	if _, err := os.Stat(filepath.Join(ws, ".mlops-lab", "env.json")); !os.IsNotExist(err) {
		t.Errorf("env.json should be removed after start stops")
	}
}

func TestStartBusyPort(t *testing.T) {
	ws := newWorkspace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	first := cliFactory(ctx, ws, "", &out, &bytes.Buffer{})
	done := make(chan int, 1)
	go func() {
		done <- run(first, []string{"start", "lab1", "--kafka-listen", "127.0.0.1:0", "--instructions=false"})
	}()
	deadline := time.Now().Add(stopWait)
	for !strings.Contains(out.String(), "kafka: ") {
		if time.Now().After(deadline) {
			t.Fatalf("start printed no kafka line within %v", stopWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(out.String(), "\n", 2)[0], "kafka: "))
	other := newWorkspace(t)
	code, _, errOut := runCLI(t, other, "", "start", "lab1", "--kafka-listen", addr)
	if code != 1 || !strings.Contains(errOut, "address already in use") || !strings.Contains(errOut, addr) {
		t.Errorf("busy port: want an error naming %s, got %d %q", addr, code, errOut)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(stopWait):
		t.Fatalf("start did not stop within %v of Ctrl+C", stopWait)
	}
}

// TestStartSignals runs the real binary: SIGTERM and SIGINT end `start` with
// exit status 0 and remove the environment record.
func TestStartSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := cliBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		ws := newWorkspace(t)
		cmd := exec.Command(bin, "start", "lab1", "--kafka-listen", "127.0.0.1:0", "--instructions=false")
		cmd.Dir = ws
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(stopWait)
		for !strings.Contains(out.String(), "is running") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := os.Stat(filepath.Join(ws, ".mlops-lab", "env.json")); err != nil {
			t.Fatalf("%v: env.json missing while running: %v\n%s", sig, err, out.String())
		}
		sent := time.Now()
		_ = cmd.Process.Signal(sig)
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case err := <-waited:
			if err != nil {
				t.Errorf("%v: want exit 0, got %v\n%s", sig, err, out.String())
			}
			t.Logf("%v: stopped in %v", sig, time.Since(sent).Round(time.Millisecond))
		case <-time.After(stopWait):
			_ = cmd.Process.Kill()
			t.Fatalf("%v: still running %v later", sig, stopWait)
		}
		if _, err := os.Stat(filepath.Join(ws, ".mlops-lab", "env.json")); !os.IsNotExist(err) {
			t.Errorf("%v: env.json should be removed", sig)
		}
	}
}

func TestGradeUsesCorruptOrStaleEnvFile(t *testing.T) {
	ws := newWorkspace(t)
	state := filepath.Join(ws, ".mlops-lab")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	// A record of a process that is gone: list says nothing is running.
	stale, _ := json.Marshal(env.Record{Runtime: "embedded", Bootstrap: "127.0.0.1:1", Lab: "lab1", PID: 1 << 22})
	if err := os.WriteFile(filepath.Join(state, "env.json"), stale, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, ws, "", "list")
	if code != 0 || strings.Contains(out, "running") || errOut != "" {
		t.Errorf("list with a stale env.json: got %d %q %q", code, out, errOut)
	}
	if err := os.WriteFile(filepath.Join(state, "env.json"), []byte("{garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, ws, "", "list")
	if code != 0 || !strings.Contains(errOut, "env.json is not valid JSON") {
		t.Errorf("list with a corrupt env.json: want a warning naming it, got %d %q", code, errOut)
	}
}

func TestResetAsksFirst(t *testing.T) {
	ws := newWorkspace(t)
	cat := filepath.Join(ws, "labs")
	entries, _ := os.ReadDir(cat)
	if len(entries) == 0 {
		t.Fatal("init wrote no labs")
	}
	labDir := filepath.Join(cat, entries[0].Name())
	readme := filepath.Join(labDir, "README.md")
	original, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(readme, []byte("my notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, ws, "n\n", "reset", "lab1")
	if got, _ := os.ReadFile(readme); code != 0 || string(got) != "my notes" || !strings.Contains(out, "Nothing changed") {
		t.Errorf("reset answered n: files must stay, got exit %d %q", code, out)
	}
	code, _, _ = runCLI(t, ws, "", "reset", "lab1") // no answer at all
	if got, _ := os.ReadFile(readme); code != 0 || string(got) != "my notes" {
		t.Errorf("reset with no answer must change nothing")
	}
	code, _, _ = runCLI(t, ws, "y\n", "reset", "lab1")
	if got, _ := os.ReadFile(readme); code != 0 || !bytes.Equal(got, original) {
		t.Errorf("reset answered y: want the starter README back")
	}
	if err := os.WriteFile(readme, []byte("again"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, _ = runCLI(t, ws, "", "reset", "lab1", "--yes")
	if got, _ := os.ReadFile(readme); code != 0 || !bytes.Equal(got, original) {
		t.Errorf("reset --yes: want the starter README back")
	}
}

func TestHintRevealsStepByStep(t *testing.T) {
	ws := newWorkspace(t)
	_, first, _ := runCLI(t, ws, "", "hint", "lab1", "1")
	_, second, _ := runCLI(t, ws, "", "hint", "lab1", "1")
	if !strings.Contains(first, "hint 1 of") || strings.Contains(first, "hint 2 of") {
		t.Errorf("first call: want only hint 1, got %q", first)
	}
	if !strings.Contains(second, "hint 2 of") {
		t.Errorf("second call: want hint 2 too, got %q", second)
	}
	_, all, _ := runCLI(t, ws, "", "hint", "lab1", "1", "--all")
	if strings.Count(all, "hint ") < 2 {
		t.Errorf("--all: want every hint, got %q", all)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	code, out, _ := runCLI(t, ".", "", "version")
	if code != 0 || !strings.HasPrefix(out, "mlops-lab ") {
		t.Errorf("version: got %d %q", code, out)
	}
	code, out, _ = runCLI(t, ".", "", "completion", "bash")
	if code != 0 || !strings.Contains(out, "mlops-lab") {
		t.Errorf("completion bash: got %d, %d bytes", code, len(out))
	}
	code, out, _ = runCLI(t, ".", "", "__complete", "start", "")
	if code != 0 || !strings.Contains(out, "lab1") {
		t.Errorf("lab name completion: got %d %q", code, out)
	}
}

// silentListener accepts TCP connections on loopback and never answers: a
// port where something listens that is not Kafka (or a hung broker).
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// httpListener is a web server: it answers Kafka's binary requests with HTTP.
func httpListener(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// deadPort is a loopback address where nothing listens: a socket bound
// to it and never listening, kept until the test ends, so connections
// are refused and no other process can bind the port meanwhile (a port
// closed after picking it could be taken and answer).
func deadPort(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	// Prove the premise: the port refuses.
	if c, err := net.DialTimeout("tcp", addr, 30*time.Second); err == nil {
		c.Close()
		t.Fatalf("%s accepted a connection; want a refusal", addr)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connecting to %s: %v; want a refusal", addr, err)
	}
	return addr
}

// runCLIWithin runs the CLI in-process and fails the test when it has not
// ended within limit (a hang, as opposed to a slow answer).
func runCLIWithin(t *testing.T, limit time.Duration, dir string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	f := cliFactory(ctx, dir, "", &out, &errOut)
	done := make(chan int, 1)
	go func() { done <- run(f, args) }()
	select {
	case code := <-done:
		return code, out.String(), errOut.String()
	case <-time.After(limit):
		cancel()
		t.Fatalf("%v: still running after %v\nstderr: %s", args, limit, errOut.String())
		return 0, "", ""
	}
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestDeadAddressesFail checks that every command given an address where no
// Kafka (or ksqlDB) answers ends with one line naming the address and what to
// check, instead of waiting forever. Each case gives up after about
// env.ConnectTimeout; the outer limit only catches hangs.
func TestDeadAddressesFail(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for connection timeouts")
	}
	ws := newWorkspace(t)
	silent, web, dead := silentListener(t), httpListener(t), deadPort(t)
	broker := testBroker(t)
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"start refused", []string{"start", "lab1", "--bootstrap", "127.0.0.1:1"}, 1, []string{"no Kafka broker answered at 127.0.0.1:1", "check --bootstrap"}},
		{"start silent", []string{"start", "lab1", "--bootstrap", silent}, 1, []string{"no Kafka broker answered at " + silent, "check --bootstrap"}},
		{"start ksql-url alone", []string{"start", "lab4", "--ksql-url", "http://127.0.0.1:2"}, 1, []string{"--ksql-url http://127.0.0.1:2 needs --bootstrap"}},
		{"start ksql refused", []string{"start", "lab4", "--bootstrap", broker, "--ksql-url", "http://" + dead}, 1, []string{"no ksqlDB server answered at http://" + dead, "check --ksql-url"}},
		{"start ksql silent", []string{"start", "lab4", "--bootstrap", broker, "--ksql-url", "http://" + silent}, 1, []string{"no ksqlDB server answered at http://" + silent, "check --ksql-url"}},
		{"grade refused", []string{"grade", "lab1", "--bootstrap", "127.0.0.1:1"}, 2, []string{"no Kafka broker answered at 127.0.0.1:1", "check --bootstrap"}},
		{"topic list refused", []string{"topic", "list", "--bootstrap", "127.0.0.1:1"}, 1, []string{"no Kafka broker answered at 127.0.0.1:1"}},
		{"topic list silent", []string{"topic", "list", "--bootstrap", silent}, 1, []string{"no Kafka broker answered at " + silent}},
		{"topic list http", []string{"topic", "list", "--bootstrap", web}, 1, []string{"no Kafka broker answered at " + web}},
		{"topic consume silent", []string{"topic", "consume", "t", "--bootstrap", silent}, 1, []string{"no Kafka broker answered at " + silent}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			started := time.Now()
			code, _, errOut := runCLIWithin(t, 60*time.Second, ws, c.args...)
			last := lastLine(errOut)
			t.Logf("%v: exit %d after %v: %s", c.args, code, time.Since(started).Round(100*time.Millisecond), last)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			if !strings.HasPrefix(last, "error: ") || strings.Contains(errOut, "goroutine ") {
				t.Errorf("want a last line `error: ...`, got stderr %q", errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(last, w) {
					t.Errorf("error line %q lacks %q", last, w)
				}
			}
		})
	}
}

// TestStaleRecordWithReusedPID starts a lab in a workspace whose env.json
// names pid 1 (always alive, never ours) and a dead port, as a record left by
// a crash before a reboot would: start removes it with a note and goes on.
func TestStaleRecordWithReusedPID(t *testing.T) {
	ws := newWorkspace(t)
	dead := deadPort(t)
	stale := env.Record{Runtime: env.Embedded, Bootstrap: dead, Lab: "lab1", PID: 1, Started: time.Now().Add(-time.Hour)}
	if err := env.WriteRecord(workspace.Workspace{Root: ws}, stale); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	f := cliFactory(ctx, ws, "", &out, &errOut)
	done := make(chan int, 1)
	go func() {
		done <- run(f, []string{"start", "lab1", "--kafka-listen", "127.0.0.1:0", "--instructions=false", "--no-datagen"})
	}()
	deadline := time.After(60 * time.Second)
	for !strings.Contains(out.String(), "kafka: ") {
		select {
		case code := <-done:
			t.Fatalf("start ended with exit %d: %s", code, errOut.String())
		case <-deadline:
			t.Fatalf("start did not come up: %s", errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	want := fmt.Sprintf("found a stale environment record (pid 1, kafka %s not answering); removed it", dead)
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
	}
	rec, err := env.LiveRecord(workspace.Workspace{Root: ws})
	if err != nil || rec.PID != os.Getpid() {
		t.Errorf("env.json: want this process's record, got %+v, %v", rec, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("start after Ctrl+C: exit %d: %s", code, errOut.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("start did not stop")
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// cliBinary builds the CLI once for the tests that run it as a process (signals).
func cliBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mlops-lab-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "mlops-lab")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// TestSignalsStopHangingCommands sends SIGTERM and SIGINT to the real binary
// while it waits on an address that accepts connections and never answers:
// it ends (well before its own connection timeout would have) with a line
// saying it stopped.
func TestSignalsStopHangingCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := cliBinary(t)
	ws := newWorkspace(t)
	silent := silentListener(t)
	for _, c := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGTERM, []string{"topic", "list", "--bootstrap", silent}},
		{syscall.SIGINT, []string{"topic", "list", "--bootstrap", silent}},
		{syscall.SIGTERM, []string{"start", "lab1", "--bootstrap", silent}},
		{syscall.SIGTERM, []string{"grade", "lab1", "--bootstrap", silent}},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Dir = ws
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		// Signal once it is waiting on the address.
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(out.String(), "connecting to Kafka at "+silent) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		sent := time.Now()
		_ = cmd.Process.Signal(c.sig)
		select {
		case err := <-waited:
			t.Logf("%v %v: ended in %v: %v: %s", c.sig, c.args[:2], time.Since(sent).Round(time.Millisecond), err, lastLine(out.String()))
			if !strings.Contains(out.String(), "stopped while connecting to Kafka at "+silent) {
				t.Errorf("%v %v: want a line saying it stopped, got %q", c.sig, c.args[:2], out.String())
			}
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
			t.Errorf("%v %v: still running 60 seconds after the signal\n%s", c.sig, c.args[:2], out.String())
		}
	}
}
