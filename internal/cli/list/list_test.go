package list

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

func TestNewCmdList(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	for _, c := range []struct {
		args    []string
		wantErr bool
	}{
		{nil, false},
		{[]string{"lab1"}, true},
		{[]string{"--all"}, true},
	} {
		called := false
		cmd := NewCmdList(f, func(o *ListOptions) error {
			called = true
			if o.IO != ios || o.Workspace == nil {
				t.Errorf("options not from the factory: %+v", o)
			}
			return nil
		})
		cmd.SetArgs(c.args)
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		err := cmd.Execute()
		if (err != nil) != c.wantErr || called == c.wantErr {
			t.Errorf("%v: error %v, ran %v; want error %v", c.args, err, called, c.wantErr)
		}
	}
}

func TestListRun(t *testing.T) {
	// Outside a workspace: every lab, none graded, and one line saying why.
	ios, _, out, errOut := iostreams.Test()
	noWorkspace := func() (workspace.Workspace, error) { return workspace.Workspace{}, errors.New("no workspace") }
	if err := listRun(&ListOptions{IO: ios, Workspace: noWorkspace}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], "LAB ") || len(lines) < 2 || !strings.HasPrefix(lines[1], "lab1 ") || !strings.HasSuffix(lines[1], "not graded") {
		t.Errorf("got\n%s\nstderr %q", out.String(), errOut.String())
	}

	if want := "note: not in a course workspace, so no progress is shown; `mlops-lab init DIR` makes one\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}

	// A workspace with progress: the score and the status show; a graded
	// starter that earned nothing is not started.
	root := t.TempDir()
	state := filepath.Join(root, workspace.StateDir)
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	prog := `{"labs":{"lab1":{"score":12.5,"max_score":100,"exercises":{}},"lab2":{"score":0,"max_score":20,"exercises":{}}}}`
	if err := os.WriteFile(filepath.Join(state, "progress.json"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut = iostreams.Test()
	ws := func() (workspace.Workspace, error) { return workspace.Workspace{Root: root}, nil }
	if err := listRun(&ListOptions{IO: ios, Workspace: ws}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), " 12.50/") || !strings.Contains(out.String(), "in progress") {
		t.Errorf("want lab1 at 12.50 points, in progress; got\n%s", out.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "lab2 ") && (!strings.Contains(line, " 0/") || !strings.HasSuffix(line, " not started")) {
			t.Errorf("lab2 graded with 0 points: %q, want not started", line)
		}
	}
	if errOut.Len() != 0 {
		t.Errorf("in a workspace: stderr %q", errOut.String())
	}
}
