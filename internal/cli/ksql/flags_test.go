package ksql

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
)

// parseKsql runs `ksql ARGS...` (or `ksql test ARGS...`) with runFs that
// capture the options instead of connecting or running statements.
func parseKsql(t *testing.T, args ...string) (shell *KsqlOptions, test *TestOptions, err error) {
	t.Helper()
	dir := t.TempDir()
	f := testFactory(dir, "", io.Discard, io.Discard)
	cmd := NewCmdKsql(f, func(o *KsqlOptions) error { shell = o; return nil })
	// Swap the mounted `ksql test` for one with a runF.
	for _, sub := range cmd.Commands() {
		cmd.RemoveCommand(sub)
	}
	cmd.AddCommand(NewCmdTest(f, func(o *TestOptions) error { test = o; return nil }))
	root := &cobra.Command{Use: "mlops-lab", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(cmd)
	root.SetArgs(append([]string{"ksql"}, args...))
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	err = root.ExecuteContext(context.Background())
	return shell, test, err
}

func TestKsqlFlags(t *testing.T) {
	shell, _, err := parseKsql(t)
	if err != nil {
		t.Fatal(err)
	}
	if shell.File != "" || shell.Execute != "" || shell.Env.Runtime != "embedded" || shell.Env.KsqlURL != "" || shell.Ctx == nil {
		t.Errorf("defaults: %+v", shell)
	}
	shell, _, err = parseKsql(t, "-f", "views.sql", "--ksql-url", "http://h:8088")
	if err != nil {
		t.Fatal(err)
	}
	if shell.File != "views.sql" || shell.Env.KsqlURL != "http://h:8088" {
		t.Errorf("-f --ksql-url: %+v", shell)
	}
	if got, want := shell.ResolvePath(shell.File), filepath.Join(shell.Dir(), "views.sql"); got != want {
		t.Errorf("-f views.sql resolves to %s, want %s", got, want)
	}
	shell, _, err = parseKsql(t, "--execute", "SHOW STREAMS;")
	if err != nil || shell.Execute != "SHOW STREAMS;" {
		t.Errorf("--execute: %+v, %v", shell, err)
	}
}

func TestKsqlFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-e", "SHOW STREAMS;", "-f", "x.sql"}, "use -e or -f, not both"},
		{[]string{"extra"}, "ksql takes no arguments: run `mlops-lab ksql`"},
		{[]string{"--runtime"}, "flag needs an argument: --runtime"},
	} {
		shell, _, err := parseKsql(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ksql %q: %v; want an error containing %q", c.args, err, c.want)
		}
		if shell != nil {
			t.Errorf("ksql %q: ran despite the error", c.args)
		}
	}
}

func TestKsqlTestFlags(t *testing.T) {
	shell, test, err := parseKsql(t, "test", "-s", "s.sql", "-i", "in.json", "-o", "out.json", "--write-actual", "a.json")
	if err != nil || shell != nil || test == nil {
		t.Fatalf("ksql test: shell %v, test %v, %v", shell, test, err)
	}
	if test.Statements != "s.sql" || test.Input != "in.json" || test.Output != "out.json" || test.WriteActual != "a.json" || test.Ctx == nil {
		t.Errorf("flags: %+v", test)
	}
	_, test, err = parseKsql(t, "test", "--statements", "s.sql", "--output", "out.json")
	if err != nil || test.Input != "" || test.WriteActual != "" {
		t.Errorf("without --input: %+v, %v", test, err)
	}
}

func TestKsqlTestFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int // the exit status root.Execute gives the error
		want string
	}{
		{[]string{"test"}, 2, "--statements and --output are required"},
		{[]string{"test", "-s", "s.sql", "-i", "in.json"}, 2, "--statements and --output are required"},
		{[]string{"test", "-o", "out.json"}, 2, "--statements and --output are required"},
		{[]string{"test", "s.sql"}, 1, "usage: mlops-lab ksql test --statements S.sql"},
		{[]string{"test", "--stmts", "s.sql"}, 1, "unknown flag: --stmts"},
	} {
		_, test, err := parseKsql(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ksql %q: %v; want an error containing %q", c.args, err, c.want)
		}
		code := 1
		var ee *cmdutil.ExitError
		if errors.As(err, &ee) {
			code = ee.Code
		}
		if code != c.code {
			t.Errorf("ksql %q: exit status %d, want %d", c.args, code, c.code)
		}
		if test != nil {
			t.Errorf("ksql %q: ran despite the error", c.args)
		}
	}
}
