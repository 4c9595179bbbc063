package root

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

func TestExecuteExitStatuses(t *testing.T) {
	cases := []struct {
		args    []string
		code    int
		out     string
		errLine string
	}{
		{[]string{"--version"}, 0, "mlops-lab v1.2.3\n", ""},
		{[]string{"grade"}, 2, "", "error: name the lab to grade (e.g. `mlops-lab grade lab1`), or use --all\n"},
		{[]string{"grade", "lab1", "--bogus"}, 1, "", "error: unknown flag: --bogus (see `mlops-lab grade --help`)\n"},
		{[]string{"hint"}, 1, "", "error: usage: mlops-lab hint LAB [EXERCISE], e.g. `mlops-lab hint lab1 2`\n"},
		{[]string{"nope"}, 1, "", "error: unknown command \"nope\" for \"mlops-lab\"\n"},
	}
	for _, c := range cases {
		ios, _, out, errOut := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir(), Version: "v1.2.3"}
		code := Execute(f, NewCmdRoot(f), c.args)
		if code != c.code || out.String() != c.out || errOut.String() != c.errLine {
			t.Errorf("%v: exit %d, out %q, err %q; want %d, %q, %q", c.args, code, out.String(), errOut.String(), c.code, c.out, c.errLine)
		}
	}
}

func TestExecuteSilentExitAndCancel(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	f := &cmdutil.Factory{IOStreams: ios, Context: ctx}
	var sawCancel bool
	cmd := &cobra.Command{Use: "x", SilenceErrors: true, SilenceUsage: true, RunE: func(cmd *cobra.Command, args []string) error {
		cancel()
		<-cmd.Context().Done()
		sawCancel = errors.Is(cmd.Context().Err(), context.Canceled)
		return cmdutil.SilentExit(3)
	}}
	if code := Execute(f, cmd, nil); code != 3 || errOut.Len() != 0 || !sawCancel {
		t.Errorf("silent exit: code %d, stderr %q, context cancelled %v", code, errOut.String(), sawCancel)
	}
}

func TestEveryCommandIsRegistered(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(&cmdutil.Factory{IOStreams: ios})
	for _, name := range []string{"start", "grade", "list", "hint", "reset", "solution", "init", "version", "doctor", "instructions"} {
		if c, _, err := root.Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("%s: not registered (%v)", name, err)
		}
	}
	if !strings.HasPrefix(root.Short, "A runnable MLOps course") {
		t.Errorf("root: %q", root.Short)
	}
}

func TestNoArgumentsShowWhereTheLearnerIs(t *testing.T) {
	// Outside a workspace: the help, as `mlops-lab --help` prints it.
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	if code := Execute(f, NewCmdRoot(f), nil); code != 0 || errOut.Len() != 0 {
		t.Fatalf("outside a workspace: exit %d, stderr %q", code, errOut.String())
	}
	helpIOS, _, help, _ := iostreams.Test()
	hf := &cmdutil.Factory{IOStreams: helpIOS, WorkDir: t.TempDir()}
	Execute(hf, NewCmdRoot(hf), []string{"--help"})
	if out.String() != help.String() || !strings.Contains(help.String(), "Usage:\n  mlops-lab [command]\n\nAvailable Commands:") {
		t.Errorf("outside a workspace: got\n%s\nwant the help\n%s", out.String(), help.String())
	}
	if strings.Contains(help.String(), "mlops-lab [flags]") {
		t.Errorf("the help offers running mlops-lab by itself:\n%s", help.String())
	}

	// Inside one: the lab the learner is on, the next exercise, the
	// commands, and a pointer to the help.
	root := t.TempDir()
	for _, d := range []string{"labs", workspace.StateDir} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module course\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, workspace.StateDir, progress.FileName), []byte(`{"labs":{"lab2":{"score":3,"max_score":20,"graded_at":"2026-01-01T10:00:00Z","exercises":{"filter-large":{"status":"pass","score":3}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut = iostreams.Test()
	f = &cmdutil.Factory{IOStreams: ios, WorkDir: filepath.Join(root, "labs")}
	if code := Execute(f, NewCmdRoot(f), nil); code != 0 || errOut.Len() != 0 {
		t.Fatalf("in a workspace: exit %d, stderr %q", code, errOut.String())
	}
	text := out.String()
	for _, want := range []string{"you are on lab2", "next: exercise 2", "mlops-lab start lab2", "\nevery command: `mlops-lab --help`\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("want %q in\n%s", want, text)
		}
	}
	if strings.Contains(text, "Available Commands") {
		t.Errorf("in a workspace the help shows:\n%s", text)
	}
}
