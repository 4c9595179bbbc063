package ksql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
)

// runKsqlTestCLI runs `ksql test ARGS` in dir with the exit-status mapping
// of root.Execute (the command is mounted under a `ksql` parent here, as
// NewCmdKsql mounts it).
func runKsqlTestCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	parent := &cobra.Command{Use: "ksql"}
	parent.AddCommand(NewCmdTest(testFactory(dir, "", &out, &errOut), nil))
	code := execute(parent, append([]string{"test"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

const examples = "../../../pkg/ksql/testrunner/testdata"

func TestKsqlTestPasses(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join(examples, "windowed"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runKsqlTestCLI(t, dir, "--statements", "statements.sql", "--input", "input.json", "--output", "output.json")
	if code != 0 || out != "PASS: 4 outputs match\n" || errOut != "" {
		t.Errorf("exit %d\nout: %s\nerr: %s", code, out, errOut)
	}
}

func TestKsqlTestFailsWithDiff(t *testing.T) {
	dir := filepath.Join(examples, "failing")
	code, out, errOut := runKsqlTestCLI(t, ".", "-s", filepath.Join(dir, "statements.sql"), "-i", filepath.Join(dir, "input.json"), "-o", filepath.Join(dir, "output.json"))
	want, err := os.ReadFile(filepath.Join(dir, "diff.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if code != 1 || out != string(want) || errOut != "" {
		t.Errorf("exit %d\nout: %s\nerr: %s\nwant out:\n%s", code, out, errOut, want)
	}
}

func TestKsqlTestWritesActual(t *testing.T) {
	tmp := t.TempDir()
	src, _ := filepath.Abs(filepath.Join(examples, "filter"))
	code, out, errOut := runKsqlTestCLI(t, tmp, "-s", filepath.Join(src, "statements.sql"), "-i", filepath.Join(src, "input.json"),
		"-o", filepath.Join(src, "output.json"), "--write-actual", "actual.json")
	if code != 0 {
		t.Fatalf("exit %d\nout: %s\nerr: %s", code, out, errOut)
	}
	// The written file is itself a passing expected-output file.
	code, out, errOut = runKsqlTestCLI(t, tmp, "-s", filepath.Join(src, "statements.sql"), "-i", filepath.Join(src, "input.json"), "-o", "actual.json")
	if code != 0 || out != "PASS: 2 outputs match\n" {
		data, _ := os.ReadFile(filepath.Join(tmp, "actual.json"))
		t.Fatalf("exit %d\nout: %s\nerr: %s\nactual.json:\n%s", code, out, errOut, data)
	}
}

func TestKsqlTestErrors(t *testing.T) {
	tmp := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ok.sql", "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON');\nCREATE STREAM t AS SELECT k, v FROM s;\n")
	write("bad.sql", "CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON');\nCREATE STREAM t AS SELECT k, w FROM s;\n")
	write("in.json", `{"inputs": [{"topic": "s", "key": "a", "value": {"V": 1}}]}`)
	write("badin.json", "{\"inputs\": [\n  {\"topic\": \"s\" \"key\": \"a\"}\n]}")
	write("out.json", `{"outputs": [{"topic": "T", "key": "a", "value": {"V": 1}}]}`)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing flags", []string{"-s", "ok.sql"}, "error: --statements and --output are required"},
		{"missing file", []string{"-s", "nope.sql", "-i", "in.json", "-o", "out.json"}, "error: nope.sql: no such file\n"},
		{"statement error", []string{"-s", "bad.sql", "-i", "in.json", "-o", "out.json"}, "error: bad.sql:2:30: SELECT column 'W' cannot be resolved.\n"},
		{"bad input JSON", []string{"-s", "ok.sql", "-i", "badin.json", "-o", "out.json"}, "error: badin.json:2:17: invalid JSON: invalid character '\"' after object key:value pair\n"},
		{"positional arguments", []string{"ok.sql"}, "error: usage: mlops-lab ksql test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runKsqlTestCLI(t, tmp, tc.args...)
			if tc.name == "positional arguments" {
				if code == 0 || !strings.HasPrefix(errOut, tc.want) {
					t.Errorf("exit %d\nerr: %s", code, errOut)
				}
				return
			}
			if code != 2 || out != "" || !strings.HasPrefix(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d\nout: %s\nerr: %q\nwant err starting %q", code, out, errOut, tc.want)
			}
		})
	}
	// And the good files pass.
	if code, out, errOut := runKsqlTestCLI(t, tmp, "-s", "ok.sql", "-i", "in.json", "-o", "out.json"); code != 0 {
		t.Errorf("exit %d\nout: %s\nerr: %s", code, out, errOut)
	}
}

// The example files stay valid for the runner's own format.
func TestKsqlTestExamplesParse(t *testing.T) {
	for _, dir := range []string{"filter", "windowed", "failing"} {
		if _, err := testrunner.LoadFiles(filepath.Join(examples, dir, "statements.sql"), filepath.Join(examples, dir, "input.json"), filepath.Join(examples, dir, "output.json")); err != nil {
			t.Error(err)
		}
	}
}
