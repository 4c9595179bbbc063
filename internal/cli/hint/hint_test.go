package hint

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

func TestNewCmdHint(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	cases := []struct {
		args    []string
		want    HintOptions
		wantErr string
	}{
		{[]string{"lab1"}, HintOptions{Lab: "lab1"}, ""},
		{[]string{"lab1", "2"}, HintOptions{Lab: "lab1", Exercise: "2"}, ""},
		{[]string{"lab1", "2", "--all"}, HintOptions{Lab: "lab1", Exercise: "2", All: true}, ""},
		{nil, HintOptions{}, "usage: mlops-lab hint LAB [EXERCISE]"},
		{[]string{"lab1", "2", "3"}, HintOptions{}, "usage: mlops-lab hint LAB [EXERCISE]"},
		{[]string{"lab1", "--bogus"}, HintOptions{}, "unknown flag: --bogus"},
	}
	for _, c := range cases {
		var got *HintOptions
		cmd := NewCmdHint(f, func(o *HintOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		err := cmd.Execute()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: error %v, want %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got.Lab != c.want.Lab || got.Exercise != c.want.Exercise || got.All != c.want.All || got.IO != ios {
			t.Errorf("%v: options %+v, want %+v", c.args, *got, c.want)
		}
	}
}

func TestHintRunWithoutWorkspace(t *testing.T) {
	noWorkspace := func() (workspace.Workspace, error) { return workspace.Workspace{}, errors.New("none") }
	ios, _, out, _ := iostreams.Test()
	// Without a workspace there is no progress: the first exercise, first hint.
	if err := hintRun(&HintOptions{IO: ios, Workspace: noWorkspace, Lab: "lab1"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "lab1, exercise ") || !strings.Contains(out.String(), "hint 1 of") || strings.Contains(out.String(), "hint 2 of") {
		t.Errorf("got %q", out.String())
	}
	ios, _, _, _ = iostreams.Test()
	err := hintRun(&HintOptions{IO: ios, Workspace: noWorkspace, Lab: "lab1", Exercise: "nope"})
	if err == nil || !strings.Contains(err.Error(), "has no exercise") {
		t.Errorf("unknown exercise: got %v", err)
	}
}
