package ksqlshell

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
)

// lockedBuffer is a bytes.Buffer safe for the shell writing while the test
// reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// scriptedReader is a terminal stand-in: it answers the lines given (an
// error stands for Ctrl+C or Ctrl+D), records the prompts it was shown and
// keeps a history.
type scriptedReader struct {
	lines   []any // string or error
	prompts []string
	history []string
	// before, when set, runs before line i is answered.
	before func(i int)
	i      int
}

func (r *scriptedReader) ReadLine(prompt string) (string, error) {
	r.prompts = append(r.prompts, prompt)
	if r.i >= len(r.lines) {
		return "", io.EOF
	}
	if r.before != nil {
		r.before(r.i)
	}
	l := r.lines[r.i]
	r.i++
	if err, ok := l.(error); ok {
		return "", err
	}
	return l.(string), nil
}

func (r *scriptedReader) AddHistory(e string) { r.history = append(r.history, e) }
func (r *scriptedReader) History() []string   { return r.history }

var testEnv struct {
	once sync.Once
	url  string
	err  error
}

// serverURL starts one embedded environment for the package's tests.
func serverURL(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an embedded ksqlDB")
	}
	testEnv.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		e, err := env.Start(ctx, env.Embedded, env.Spec{Needs: env.Needs{Kafka: true, KSQL: true}})
		if err != nil {
			testEnv.err = err
			return
		}
		testEnv.url = e.KsqlURL()
		// The environment lives as long as the test binary.
	})
	if testEnv.err != nil {
		t.Fatal(testEnv.err)
	}
	return testEnv.url
}

func newTestShell(t *testing.T) (*Shell, *lockedBuffer, *lockedBuffer) {
	url := serverURL(t)
	var out, errOut lockedBuffer
	return &Shell{Client: ksqlclient.New(url), Out: &out, Err: &errOut, Dir: t.TempDir(), ServerURL: url}, &out, &errOut
}

func unique(prefix string) string {
	return fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano()%1_000_000_000)
}

// TestSessionPromptsAndHistory types a session line by line: the
// continuation prompt while a statement is open, Ctrl+C dropping what was
// typed, commands without semicolons, and one history entry per statement.
func TestSessionPromptsAndHistory(t *testing.T) {
	sh, out, errOut := newTestShell(t)
	s := unique("typed")
	r := &scriptedReader{lines: []any{
		"CREATE STREAM " + s + " (id INT KEY,",
		"  v VARCHAR) -- the value",
		"  WITH (kafka_topic='" + s + "', value_format='JSON', partitions=1);",
		"SHOW",
		ErrInterrupted, // Ctrl+C: SHOW is dropped
		"  ",
		"server",
		"SELECT * FORM " + s + ";",
		"history",
		"SHOW STREAMS; exit",
	}}
	failed, err := sh.Run(context.Background(), r, true)
	if err != nil || failed != 1 {
		t.Errorf("Run: %d failed, %v", failed, err)
	}
	// No prompt after exit.
	wantPrompts := []string{Prompt, ContinuationPrompt, ContinuationPrompt, Prompt, ContinuationPrompt, Prompt, Prompt, Prompt, Prompt, Prompt}
	if !reflect.DeepEqual(r.prompts, wantPrompts) {
		t.Errorf("prompts\n got %q\nwant %q", r.prompts, wantPrompts)
	}
	wantHistory := []string{
		"CREATE STREAM " + s + " (id INT KEY, v VARCHAR) WITH (kafka_topic='" + s + "', value_format='JSON', partitions=1);",
		"server",
		"SELECT * FORM " + s + ";",
		"history",
		"SHOW STREAMS;",
		"exit",
	}
	if !reflect.DeepEqual(r.history, wantHistory) {
		t.Errorf("history\n got %q\nwant %q", r.history, wantHistory)
	}
	for _, want := range []string{"Stream created", sh.ServerURL + "\n", "    1  CREATE STREAM " + s, "    3  SELECT * FORM", " " + strings.ToUpper(s) + " "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if errOut.String() != "line 1:10: expected FROM, found 'FORM'; did you mean FROM?\n" {
		t.Errorf("stderr %q", errOut)
	}
}

// TestCtrlCEndsTheQueryNotTheSession interrupts a push query that has no
// LIMIT: the query ends, the shell goes on with the next statement.
func TestCtrlCEndsTheQueryNotTheSession(t *testing.T) {
	sh, out, errOut := newTestShell(t)
	interrupt := make(chan struct{}, 1)
	sh.Interrupt = interrupt
	s := unique("endless")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sh.RunScript(ctx, "setup", fmt.Sprintf(`CREATE STREAM %s (id INT KEY, v VARCHAR) WITH (kafka_topic='%s', value_format='JSON', partitions=1);
INSERT INTO %s (id, v) VALUES (1, 'one');
SET 'auto.offset.reset'='earliest';`, s, s, s)); err != nil {
		t.Fatal(err)
	}
	r := &scriptedReader{lines: []any{"SELECT v FROM " + s + " EMIT CHANGES;", "SHOW STREAMS;"}}
	go func() {
		// Press Ctrl+C once the first row is on the screen.
		for !strings.Contains(out.String(), "|one ") {
			if ctx.Err() != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		interrupt <- struct{}{}
	}()
	failed, err := sh.Run(ctx, r, true)
	if err != nil || failed != 0 {
		t.Fatalf("Run: %d failed, %v; stderr %s", failed, err, errOut)
	}
	o := out.String()
	if !strings.Contains(o, "|one ") || !strings.Contains(o, "+\nQuery terminated\n") || strings.Contains(o, "Limit Reached") {
		t.Errorf("push query output:\n%s", o)
	}
	if !strings.Contains(o, "Stream Name") {
		t.Errorf("the session did not go on after Ctrl+C:\n%s", o)
	}
}

// TestPullQuery prints a table sized to the rows and their count.
func TestPullQuery(t *testing.T) {
	sh, out, errOut := newTestShell(t)
	s := unique("visits")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := sh.RunScript(ctx, "setup", fmt.Sprintf(`CREATE STREAM %[1]s (id INT KEY, page VARCHAR) WITH (kafka_topic='%[1]s', value_format='JSON', partitions=1);
CREATE TABLE %[1]s_count AS SELECT id, COUNT(*) AS n FROM %[1]s GROUP BY id EMIT CHANGES;
INSERT INTO %[1]s (id, page) VALUES (1, 'a');
INSERT INTO %[1]s (id, page) VALUES (1, 'b');
INSERT INTO %[1]s (id, page) VALUES (2, 'c');`, s))
	if err != nil {
		t.Fatal(err)
	}
	// The table catches up in the background: ask until both keys are in
	// (for as long as the test's context lasts: a loaded machine is slow).
	deadline, _ := ctx.Deadline()
	for {
		before := len(out.String())
		if err := sh.Exec(ctx, fmt.Sprintf("SELECT id, n FROM %s_count;", s)); err != nil {
			t.Fatal(err)
		}
		got := out.String()[before:]
		if strings.Contains(got, "2 rows\n") {
			want := "+--+-+\n|ID|N|\n+--+-+\n|1 |2|\n|2 |1|\n+--+-+\n2 rows\n"
			if got != want && got != strings.Replace(want, "|1 |2|\n|2 |1|", "|2 |1|\n|1 |2|", 1) {
				t.Errorf("pull query output\n%s\nwant\n%s", got, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the table never had both keys; last answer:\n%s\nstderr: %s", got, errOut)
		}
		time.Sleep(100 * time.Millisecond)
	}
	before := len(out.String())
	if err := sh.Exec(ctx, fmt.Sprintf("SELECT * FROM %s_count WHERE id = 3;", s)); err != nil {
		t.Fatal(err)
	}
	if got := out.String()[before:]; !strings.HasSuffix(got, "0 rows\n") {
		t.Errorf("empty pull query:\n%s", got)
	}
}

// TestRunScriptFile runs RUN SCRIPT with a path relative to Dir, and
// reports a script that runs itself.
func TestRunScriptFile(t *testing.T) {
	sh, out, _ := newTestShell(t)
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(sh.Dir, "show.sql"), []byte("SHOW STREAMS;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sh.Exec(ctx, "RUN SCRIPT 'show.sql';"); err != nil || !strings.Contains(out.String(), "Stream Name") {
		t.Errorf("RUN SCRIPT: %v\n%s", err, out)
	}
	if err := sh.Exec(ctx, "RUN SCRIPT 'nothere.sql';"); err == nil || err.Error() != "RUN SCRIPT: nothere.sql: no such file" {
		t.Errorf("missing script: %v", err)
	}
	if err := os.WriteFile(filepath.Join(sh.Dir, "self.sql"), []byte("RUN SCRIPT 'self.sql';\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sh.Exec(ctx, "RUN SCRIPT 'self.sql';"); err == nil || !strings.Contains(FormatError(err), "nested more than 16 deep") {
		t.Errorf("a script running itself: %v", err)
	}
}

func TestHistoryFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "ksql_history")
	h, err := LoadHistory(path, 3)
	if err != nil || len(h.Entries()) != 0 {
		t.Fatalf("a missing file: %v %q", err, h.Entries())
	}
	for _, e := range []string{"SHOW STREAMS;", "SHOW STREAMS;", "SHOW\nTABLES;", "a;", "b;"} {
		if err := h.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	if string(b) != "SHOW STREAMS;\nSHOW TABLES;\na;\nb;\n" {
		t.Errorf("file %q", b)
	}
	h, err = LoadHistory(path, 3)
	if err != nil || !reflect.DeepEqual(h.Entries(), []string{"SHOW TABLES;", "a;", "b;"}) {
		t.Errorf("reloaded: %v %q", err, h.Entries())
	}
	if b, _ := os.ReadFile(path); string(b) != "SHOW TABLES;\na;\nb;\n" {
		t.Errorf("trimmed file %q", b)
	}
}
