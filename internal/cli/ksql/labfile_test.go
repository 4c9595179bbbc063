package ksql

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

func TestLabFilesAreLookedUpInTheLabs(t *testing.T) {
	shell, _, err := parseKsql(t, "-f", "views.sql")
	if err != nil || shell.LabFile == nil {
		t.Fatalf("ksql -f: no lab file lookup (%v)", err)
	}
	_, test, err := parseKsql(t, "test", "-s", "s.sql", "-o", "o.json")
	if err != nil || test.LabFile == nil {
		t.Fatalf("ksql test: no lab file lookup (%v)", err)
	}
}

// TestKsqlTestFindsLabFiles runs `ksql test` in a workspace's folder that
// holds the records, naming a statements file that lives in a lab folder.
func TestKsqlTestFindsLabFiles(t *testing.T) {
	root := t.TempDir()
	copyFile := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module course\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(examples, "windowed")
	copyFile(filepath.Join(src, "statements.sql"), filepath.Join(root, "labs", "lab03-windows", "windowed.sql"))
	work := filepath.Join(root, "work")
	copyFile(filepath.Join(src, "input.json"), filepath.Join(work, "input.json"))
	copyFile(filepath.Join(src, "output.json"), filepath.Join(work, "output.json"))

	code, out, errOut := runKsqlTestCLI(t, work, "--statements", "windowed.sql", "--input", "input.json", "--output", "output.json")
	if code != 0 || out != "PASS: 4 outputs match\n" || !strings.Contains(errOut, "using labs/lab03-windows/windowed.sql") {
		t.Errorf("exit %d\nout: %s\nerr: %s", code, out, errOut)
	}

	// Two labs have the name: a path is asked for, nothing runs.
	copyFile(filepath.Join(src, "statements.sql"), filepath.Join(root, "labs", "lab04-ksqldb", "windowed.sql"))
	code, out, errOut = runKsqlTestCLI(t, work, "--statements", "windowed.sql", "--input", "input.json", "--output", "output.json")
	if code != 2 || out != "" || !strings.Contains(errOut, "labs/lab03-windows/windowed.sql, labs/lab04-ksqldb/windowed.sql") {
		t.Errorf("two labs: exit %d\nout: %s\nerr: %s", code, out, errOut)
	}
}

func TestKsqlFileAmbiguousConnectsNothing(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ambiguous := errors.New("several labs have one")
	opts := &KsqlOptions{
		IO: ios, Ctx: t.Context(), File: "common.sql",
		ResolvePath: func(s string) string { return s },
		LabFile:     func(string) (string, error) { return "", ambiguous },
		Connect: func(context.Context, *cmdutil.EnvFlags, env.Needs) (env.Environment, error) {
			t.Error("connected although the file was ambiguous")
			return nil, errors.New("no")
		},
	}
	if err := ksqlRun(opts); !errors.Is(err, ambiguous) {
		t.Errorf("got %v", err)
	}
}
