package root

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
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
	for _, name := range []string{"start", "grade", "list", "hint", "reset", "solution", "init", "version"} {
		if c, _, err := root.Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("%s: not registered (%v)", name, err)
		}
	}
	if !strings.HasPrefix(root.Short, "A runnable MLOps course") {
		t.Errorf("root: %q", root.Short)
	}
}
