package solution

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

func TestNewCmdSolution(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	cases := []struct {
		args    []string
		want    SolutionOptions
		wantErr string
	}{
		{[]string{"lab1"}, SolutionOptions{Lab: "lab1"}, ""},
		{[]string{"lab1", "sync_producer.go", "--diff"}, SolutionOptions{Lab: "lab1", File: "sync_producer.go", Diff: true}, ""},
		{nil, SolutionOptions{}, "usage: mlops-lab solution LAB [FILE] [--diff]"},
		{[]string{"a", "b", "c"}, SolutionOptions{}, "usage: mlops-lab solution LAB [FILE] [--diff]"},
		{[]string{"lab1", "--diff=maybe"}, SolutionOptions{}, "invalid argument"},
	}
	for _, c := range cases {
		var got *SolutionOptions
		cmd := NewCmdSolution(f, func(o *SolutionOptions) error { got = o; return nil })
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
		if got.Lab != c.want.Lab || got.File != c.want.File || got.Diff != c.want.Diff {
			t.Errorf("%v: options %+v, want %+v", c.args, *got, c.want)
		}
	}
}

func TestSolutionRun(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab, _ := cat.Find("lab1")
	files, err := cat.SolutionFiles(lab)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	for n := range files {
		if filepath.Ext(n) == ".go" && !strings.Contains(n, "/") {
			name = n
			break
		}
	}
	if name == "" {
		t.Fatal("lab1's solution has no Go file")
	}
	noWorkspace := func() (workspace.Workspace, error) { return workspace.Workspace{}, errors.New("none") }

	ios, _, out, _ := iostreams.Test()
	if err := solutionRun(&SolutionOptions{IO: ios, Workspace: noWorkspace, Lab: "lab1", File: name}); err != nil {
		t.Fatal(err)
	}
	// One file: exactly its bytes, so that redirecting the output into the
	// lab folder writes the file (a header line would break an .sql file,
	// an extra newline gofmt).
	if out.String() != string(files[name]) {
		t.Errorf("solution %s: got %d bytes, want exactly the file's %d", name, out.Len(), len(files[name]))
	}
	lab4, _ := cat.Find("lab4")
	files4, err := cat.SolutionFiles(lab4)
	if err != nil {
		t.Fatal(err)
	}
	var sqlName string
	for n := range files4 {
		if filepath.Ext(n) == ".sql" {
			sqlName = n
			break
		}
	}
	if sqlName == "" {
		t.Fatal("lab4's solution has no .sql file")
	}
	ios, _, out, _ = iostreams.Test()
	if err := solutionRun(&SolutionOptions{IO: ios, Workspace: noWorkspace, Lab: "lab4", File: sqlName}); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(files4[sqlName]) {
		t.Errorf("solution lab4 %s: got %q, want exactly the file", sqlName, out.String())
	}

	// The whole lab: every file under its header.
	ios, _, out, _ = iostreams.Test()
	if err := solutionRun(&SolutionOptions{IO: ios, Workspace: noWorkspace, Lab: "lab1"}); err != nil {
		t.Fatal(err)
	}
	if want := "// ===== solutions/" + lab.Folder + "/" + name + " =====\n" + string(files[name]) + "\n"; !strings.Contains(out.String(), want) {
		t.Errorf("solution lab1: %s is not under its header in the output", name)
	}

	ios, _, _, _ = iostreams.Test()
	err = solutionRun(&SolutionOptions{IO: ios, Workspace: noWorkspace, Lab: "lab1", File: "nope.go"})
	if err == nil || !strings.Contains(err.Error(), `has no file "nope.go"`) {
		t.Errorf("unknown file: got %v", err)
	}

	// --diff: the same file says so; a missing one is all additions.
	root := t.TempDir()
	ws := func() (workspace.Workspace, error) { return workspace.Workspace{Root: root}, nil }
	dir := workspace.Workspace{Root: root}.LabDir(lab.Folder)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ = iostreams.Test()
	if err := solutionRun(&SolutionOptions{IO: ios, Workspace: ws, Lab: "lab1", File: name, Diff: true}); err != nil {
		t.Fatal(err)
	}
	if out.String() != name+": same as the solution\n" {
		t.Errorf("--diff of an equal file: got %q", out.String())
	}
	os.Remove(filepath.Join(dir, name))
	ios, _, out, _ = iostreams.Test()
	if err := solutionRun(&SolutionOptions{IO: ios, Workspace: ws, Lab: "lab1", File: name, Diff: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "--- yours/"+name+"\n+++ solution/"+name+"\n") {
		t.Errorf("--diff of a missing file: got %q", out.String())
	}
}
