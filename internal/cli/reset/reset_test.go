package reset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

func TestNewCmdReset(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	cases := []struct {
		args    []string
		want    ResetOptions
		wantErr string
	}{
		{[]string{"lab1"}, ResetOptions{Lab: "lab1"}, ""},
		{[]string{"lab1", "--yes"}, ResetOptions{Lab: "lab1", Yes: true}, ""},
		{[]string{"-y", "lab2"}, ResetOptions{Lab: "lab2", Yes: true}, ""},
		{nil, ResetOptions{}, "name the lab to reset"},
		{[]string{"lab1", "lab2"}, ResetOptions{}, "name the lab to reset"},
		{[]string{"lab1", "--force"}, ResetOptions{}, "unknown flag: --force"},
	}
	for _, c := range cases {
		var got *ResetOptions
		cmd := NewCmdReset(f, func(o *ResetOptions) error { got = o; return nil })
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
		if got.Lab != c.want.Lab || got.Yes != c.want.Yes {
			t.Errorf("%v: options %+v, want %+v", c.args, *got, c.want)
		}
	}
}

func TestResetRunAnswers(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab, err := cat.Find("lab1")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	ws := func() (workspace.Workspace, error) { return workspace.Workspace{Root: root}, nil }
	readme := filepath.Join(workspace.Workspace{Root: root}.LabDir(lab.Folder), "README.md")
	for _, c := range []struct {
		answer string
		yes    bool
		reset  bool
	}{
		{"n\n", false, false},
		{"", false, false},
		{"YES\n", false, true},
		{"", true, true},
	} {
		os.RemoveAll(root)
		ios, in, out, _ := iostreams.Test()
		in.WriteString(c.answer)
		if err := resetRun(&ResetOptions{IO: ios, Workspace: ws, Lab: "lab1", Yes: c.yes}); err != nil {
			t.Fatal(err)
		}
		_, statErr := os.Stat(readme)
		if (statErr == nil) != c.reset {
			t.Errorf("answer %q, --yes %v: README written %v, want %v\n%s", c.answer, c.yes, statErr == nil, c.reset, out.String())
		}
		if asked := strings.Contains(out.String(), "[y/N]"); asked == c.yes {
			t.Errorf("answer %q, --yes %v: asked %v", c.answer, c.yes, asked)
		}
	}
}
