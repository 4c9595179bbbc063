package ksql

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// sharedKsql is one embedded environment for the shell's tests (each test
// uses its own stream and topic names).
var sharedKsql struct {
	once sync.Once
	env  env.Environment
	err  error
}

func ksqlURLForTest(t *testing.T) string {
	t.Helper()
	sharedKsql.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sharedKsql.env, sharedKsql.err = env.Start(ctx, env.Embedded, env.Spec{Needs: env.Needs{Kafka: true, KSQL: true}})
	})
	if sharedKsql.err != nil {
		t.Fatal(sharedKsql.err)
	}
	return sharedKsql.env.KsqlURL()
}

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

// execute runs cmd with args as root.Execute does and returns the exit
// status: an error is printed as "error: ..." on errOut.
func execute(cmd *cobra.Command, args []string, out, errOut io.Writer) int {
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	var ee *cmdutil.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.Err != nil {
			fmt.Fprintln(errOut, "error:", ee.Err)
		}
		return ee.Code
	default:
		fmt.Fprintln(errOut, "error:", err)
		return 1
	}
}

// testFactory is a Factory acting in dir, reading stdin and writing to out
// and errOut.
func testFactory(dir, stdin string, out, errOut io.Writer) *cmdutil.Factory {
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(stdin), out, errOut))
	f.WorkDir = dir
	return f
}

// runKsqlCLI runs `ksql ARGS` with stdin in dir, with root.Execute's
// mapping of errors to exit statuses, under a parent standing in for the
// root command (which mounts NewCmdKsql the same way).
func runKsqlCLI(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	root := &cobra.Command{Use: "mlops-lab"}
	root.AddCommand(NewCmdKsql(testFactory(dir, stdin, &out, &errOut), nil))
	code := execute(root, append([]string{"ksql"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// uniqueName is a stream name no other test uses.
func uniqueName(t *testing.T, prefix string) string {
	return fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano()%1_000_000_000)
}

// TestKsqlPipedSession pipes a session into the shell, as
// `mlops-lab ksql < session.sql` does: statements over several lines,
// client-side SET, a push query with LIMIT, SHOW, DESCRIBE and a bad
// statement, whose error is one line and does not end the session.
func TestKsqlPipedSession(t *testing.T) {
	url := ksqlURLForTest(t)
	s := uniqueName(t, "pageviews")
	session := strings.NewReplacer("{s}", s).Replace(`CREATE STREAM {s} (id INT KEY, page VARCHAR)
  WITH (kafka_topic='{s}', value_format='JSON', partitions=1);
INSERT INTO {s} (id, page) VALUES (1, 'home');
INSERT INTO {s} (id, page) VALUES (2, 'about;faq'); -- a semicolon in a string
SET 'auto.offset.reset'='earliest';
SELECT id, page
  FROM {s}
  EMIT CHANGES LIMIT 2;
SHOW STREAMS;
DESCRIBE {s};
SELECT * FORM {s};
help
SHOW TOPICS;
exit
SHOW TABLES;
`)
	code, out, errOut := runKsqlCLI(t, t.TempDir(), session, "--ksql-url", url)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one statement failed)", code)
	}
	S := strings.ToUpper(s)
	for _, want := range []string{
		" Stream created",
		"Successfully changed local property 'auto.offset.reset' to 'earliest'.",
		"|ID ",
		"|PAGE ",
		"|1 ",
		"|home ",
		"|about;faq ",
		"Limit Reached\nQuery terminated\n",
		" " + S + " ",
		"Name                 : " + S,
		" ID    | INTEGER          (key)",
		" PAGE  | VARCHAR(STRING)",
		"SET 'name'='value';", // help
		" " + s + " ",         // SHOW TOPICS
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "Table Name") {
		t.Error("SHOW TABLES after exit ran")
	}
	if strings.Contains(out, "ksql>") {
		t.Error("prompts were shown for piped input")
	}
	if want := "line 1:10: expected FROM, found 'FORM'; did you mean FROM?\n"; errOut != want {
		t.Errorf("stderr %q, want just %q", errOut, want)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

// TestKsqlExecute runs statements given with -e.
func TestKsqlExecute(t *testing.T) {
	url := ksqlURLForTest(t)
	s := uniqueName(t, "clicks")
	create := fmt.Sprintf("CREATE STREAM %s (id INT KEY, n BIGINT) WITH (kafka_topic='%s', value_format='JSON', partitions=1);", s, s)
	code, out, errOut := runKsqlCLI(t, t.TempDir(), "", "--ksql-url", url, "-e", create+" DESCRIBE "+s)
	if code != 0 || !strings.Contains(out, "Stream created") || !strings.Contains(out, " N     | BIGINT") || errOut != "" {
		t.Errorf("exit %d\nout: %s\nerr: %s", code, out, errOut)
	}

	// The first failing statement stops the rest, and is named.
	code, out, errOut = runKsqlCLI(t, t.TempDir(), "", "--ksql-url", url, "-e", "SHOW STREAMS;\nDESCRIBE nothere_at_all;\nSHOW TABLES;")
	if code != 1 || !strings.Contains(out, "Stream Name") || strings.Contains(out, "Table Name") {
		t.Errorf("exit %d\nout: %s", code, out)
	}
	if want := "error: -e:2: statement 2 failed: Could not find STREAM/TABLE 'NOTHERE_AT_ALL' in the Metastore\n  DESCRIBE nothere_at_all;\n"; errOut != want {
		t.Errorf("stderr %q\nwant   %q", errOut, want)
	}
}

// TestKsqlFile runs a script with -f: properties SET in it apply to its
// queries, RUN SCRIPT runs another file, and a failing statement ends it
// with its file, line and number.
func TestKsqlFile(t *testing.T) {
	url := ksqlURLForTest(t)
	dir := t.TempDir()
	s := uniqueName(t, "orders")
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(content, "{s}", s)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("create.sql", `-- the stream of orders
CREATE STREAM {s} (id INT KEY, amount DOUBLE)
  WITH (kafka_topic='{s}', value_format='JSON', partitions=1);
`)
	write("script.sql", `RUN SCRIPT 'create.sql';
INSERT INTO {s} (id, amount) VALUES (7, 9.5);
SET 'auto.offset.reset'='earliest';
SELECT amount FROM {s} EMIT CHANGES LIMIT 1;
UNSET 'auto.offset.reset';
`)
	code, out, errOut := runKsqlCLI(t, dir, "", "--ksql-url", url, "-f", "script.sql")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d\nout: %s\nerr: %s", code, out, errOut)
	}
	if !regexp.MustCompile(`\|AMOUNT +\|\n\+-+\+\n\|9\.5 +\|\n\+-+\+\nLimit Reached\nQuery terminated\n`).MatchString(out) {
		t.Errorf("the push query's table is not right:\n%s", out)
	}
	if !strings.Contains(out, "Successfully unset local property 'auto.offset.reset' (value was 'earliest').") {
		t.Errorf("no UNSET message:\n%s", out)
	}

	write("bad.sql", "SHOW STREAMS;\n\n-- next the mistake\nSELECT amount\n  FRM {s} EMIT CHANGES;\nSHOW TABLES;\n")
	code, out, errOut = runKsqlCLI(t, dir, "", "--ksql-url", url, "-f", "bad.sql")
	if code != 1 || strings.Contains(out, "Table Name") {
		t.Errorf("exit %d\nout: %s", code, out)
	}
	if !strings.HasPrefix(errOut, "error: bad.sql:4: statement 2 failed: line 2:7: expected FROM, found '"+s+"'") || !strings.Contains(errOut, "\n  SELECT amount\n    FRM ") {
		t.Errorf("stderr: %s", errOut)
	}

	if code, _, errOut := runKsqlCLI(t, dir, "", "--ksql-url", url, "-f", "missing.sql"); code != 1 || errOut != "error: missing.sql: no such file\n" {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
}

// TestKsqlStartsEmbedded: outside a workspace and without --ksql-url the
// shell starts its own ksqlDB and says so.
func TestKsqlStartsEmbedded(t *testing.T) {
	code, out, errOut := runKsqlCLI(t, t.TempDir(), "", "-e", "SHOW STREAMS;")
	if code != 0 || !strings.Contains(out, "KSQL_PROCESSING_LOG") {
		t.Errorf("exit %d\nout: %s\nerr: %s", code, out, errOut)
	}
	if !regexp.MustCompile("^no `mlops-lab start` with ksqlDB runs here; started an embedded ksqlDB at http://127.0.0.1:[0-9]+, which stops when this command ends\n$").MatchString(errOut) {
		t.Errorf("stderr: %q", errOut)
	}
}

func TestKsqlBadInvocations(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-e", "SHOW STREAMS;", "-f", "x.sql"}, "error: use -e or -f, not both\n"},
		{[]string{"extra"}, "error: ksql takes no arguments"},
		{[]string{"--ksql-url", "http://127.0.0.1:1", "-e", "SHOW STREAMS;"}, "error: no ksqlDB answers at http://127.0.0.1:1: "},
	}
	for _, c := range cases {
		code, _, errOut := runKsqlCLI(t, t.TempDir(), "", c.args...)
		if code != 1 || !strings.HasPrefix(errOut, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", c.args, code, errOut, c.want)
		}
	}
}

// fakeWorkspace is the least workspace.Find accepts: go.mod and labs/.
func fakeWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module course\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "labs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestKsqlUsesTheRunningStart: in a workspace where `mlops-lab start` runs
// an environment with ksqlDB, the shell talks to it and starts nothing.
func TestKsqlUsesTheRunningStart(t *testing.T) {
	url := ksqlURLForTest(t)
	dir := fakeWorkspace(t)
	ws, err := workspace.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := uniqueName(t, "started")
	if code, _, errOut := runKsqlCLI(t, dir, "", "--ksql-url", url, "-e",
		fmt.Sprintf("CREATE STREAM %s (id INT KEY, v INT) WITH (kafka_topic='%s', value_format='JSON', partitions=1);", s, s)); code != 0 {
		t.Fatal(errOut)
	}
	rec := env.Record{Runtime: env.Embedded, Bootstrap: sharedKsql.env.Bootstrap(), KsqlURL: url, Lab: "lab4", PID: os.Getpid(), Started: time.Now()}
	if err := env.WriteRecord(ws, rec); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runKsqlCLI(t, filepath.Join(dir, "labs"), "", "-e", "SHOW STREAMS;")
	if code != 0 || errOut != "" || !strings.Contains(out, " "+strings.ToUpper(s)+" ") {
		t.Errorf("exit %d\nout: %s\nerr: %s", code, out, errOut)
	}
}

func TestKsqlHistoryPath(t *testing.T) {
	dir := fakeWorkspace(t)
	historyIn := func(dir string) string {
		return historyPath(&KsqlOptions{Workspace: testFactory(dir, "", io.Discard, io.Discard).Workspace})
	}
	if got, want := historyIn(filepath.Join(dir, "labs")), filepath.Join(dir, ".mlops-lab", "ksql_history"); got != want {
		t.Errorf("in a workspace: %s, want %s", got, want)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	if got, want := historyIn(t.TempDir()), filepath.Join(home, ".mlops-lab", "ksql_history"); got != want {
		t.Errorf("outside: %s, want %s", got, want)
	}
}

// TestKsqlMountsTest: `ksql test` is the test runner under the shell.
func TestKsqlMountsTest(t *testing.T) {
	code, _, errOut := runKsqlCLI(t, t.TempDir(), "", "test")
	if code != 2 || !strings.Contains(errOut, "--statements and --output are required") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
