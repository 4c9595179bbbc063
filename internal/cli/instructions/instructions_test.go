package instructions

import (
	"bytes"
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

func TestNewCmdInstructions(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	for _, c := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"lab3"}, ""},
		{nil, "name the lab"},
		{[]string{"lab1", "lab2"}, "name the lab"},
	} {
		var got *InstructionsOptions
		cmd := NewCmdInstructions(f, func(o *InstructionsOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || got != nil {
				t.Errorf("%v: error %v, want %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || got == nil || got.Lab != c.args[0] || got.IO != ios || got.Workspace == nil {
			t.Errorf("%v: error %v, options %+v", c.args, err, got)
		}
	}
}

func TestInstructionsRun(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab, _ := cat.Find("lab3")
	original, err := cat.README(lab)
	if err != nil {
		t.Fatal(err)
	}
	// Outside a workspace: the README the binary carries.
	ios, _, out, _ := iostreams.Test()
	noWorkspace := func() (workspace.Workspace, error) { return workspace.Workspace{}, errors.New("no workspace") }
	if err := instructionsRun(&InstructionsOptions{IO: ios, Workspace: noWorkspace, Lab: "lab3"}); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(original) {
		t.Errorf("outside a workspace: got %d bytes, want the %d of the README", out.Len(), len(original))
	}
	// In a workspace: the learner's copy.
	root := t.TempDir()
	dir := filepath.Join(root, "labs", lab.Folder)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ = iostreams.Test()
	inWorkspace := func() (workspace.Workspace, error) { return workspace.Workspace{Root: root}, nil }
	if err := instructionsRun(&InstructionsOptions{IO: ios, Workspace: inWorkspace, Lab: "lab3"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "README.md\n\n# my notes\n") {
		t.Errorf("in a workspace: got %q", out.String())
	}
	if err := instructionsRun(&InstructionsOptions{IO: ios, Workspace: noWorkspace, Lab: "lab42"}); err == nil || !strings.Contains(err.Error(), "lab42") {
		t.Errorf("unknown lab: %v", err)
	}
}

func TestPrint(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab, _ := cat.Find("lab1")
	dir := t.TempDir()
	markdown := "# Lab\n\nSome **bold** text.\n"
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(markdown), 0o644); err != nil {
		t.Fatal(err)
	}
	// Not a terminal: the Markdown itself.
	ios, _, out, _ := iostreams.Test()
	Print(ios, cat, lab, dir)
	if want := "\ninstructions: " + dir + "/README.md\n\n" + markdown; out.String() != want {
		t.Errorf("to a pipe: got %q, want %q", out.String(), want)
	}
	// A terminal: rendered by glamour, which indents the text (its styles
	// depend on the terminal found, so only the layout is checked).
	ios, _, out, _ = iostreams.Test()
	ios.SetStdoutTTY(true)
	Print(ios, cat, lab, dir)
	if !strings.Contains(out.String(), "\n  Some ") {
		t.Errorf("to a terminal: want rendered text, got %q", out.String())
	}
	// No README in the folder: the one the binary carries.
	ios, _, out, errOut := iostreams.Test()
	Print(ios, cat, lab, filepath.Join(dir, "gone"))
	original, err := cat.README(lab)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), string(original)) || errOut.Len() != 0 {
		t.Errorf("without a README: got %d bytes, stderr %q", out.Len(), errOut.String())
	}
}
