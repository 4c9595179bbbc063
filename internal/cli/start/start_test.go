package start

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

func TestNewCmdStart(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	cases := []struct {
		args    []string
		check   func(*StartOptions) bool
		wantErr string
	}{
		{[]string{"lab1"}, func(o *StartOptions) bool {
			return o.Lab == "lab1" && o.Instructions && !o.NoDatagen && o.KafkaListen == "" && o.Env.Runtime == env.Embedded && o.Env.DataDir == "" && o.Ctx != nil
		}, ""},
		{[]string{"lab4", "--no-datagen", "--instructions=false", "--kafka-listen", "127.0.0.1:0", "--data-dir", "d"}, func(o *StartOptions) bool {
			return o.Lab == "lab4" && !o.Instructions && o.NoDatagen && o.KafkaListen == "127.0.0.1:0" && o.Env.DataDir == "d"
		}, ""},
		{[]string{"lab1", "--runtime", "docker", "--kafka-image", "k", "--ksql-image", "q"}, func(o *StartOptions) bool {
			return o.Env.Runtime == env.Docker && o.Env.KafkaImage == "k" && o.Env.KsqlImage == "q"
		}, ""},
		{[]string{"lab1", "--bootstrap", "h:1", "--ksql-url", "http://h:2"}, func(o *StartOptions) bool {
			return o.Env.Bootstrap == "h:1" && o.Env.KsqlURL == "http://h:2"
		}, ""},
		{nil, nil, "name the lab to start"},
		{[]string{"lab1", "lab2"}, nil, "name the lab to start"},
		{[]string{"lab1", "--instructions=maybe"}, nil, "invalid argument"},
		{[]string{"lab1", "--datagen"}, nil, "unknown flag: --datagen"},
	}
	for _, c := range cases {
		var got *StartOptions
		cmd := NewCmdStart(f, func(o *StartOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
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
		if !c.check(got) {
			t.Errorf("%v: options %+v", c.args, *got)
		}
	}
}

func TestPrintInstructions(t *testing.T) {
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
	printInstructions(ios, cat, lab, dir)
	if want := "\ninstructions: " + dir + "/README.md\n\n" + markdown; out.String() != want {
		t.Errorf("to a pipe: got %q, want %q", out.String(), want)
	}
	// A terminal: rendered by glamour, which indents the text (its styles
	// depend on the terminal found, so only the layout is checked).
	ios, _, out, _ = iostreams.Test()
	ios.SetStdoutTTY(true)
	printInstructions(ios, cat, lab, dir)
	if !strings.Contains(out.String(), "\n  Some ") {
		t.Errorf("to a terminal: want rendered text, got %q", out.String())
	}
	// No README in the folder: the one the binary carries.
	ios, _, out, errOut := iostreams.Test()
	printInstructions(ios, cat, lab, filepath.Join(dir, "gone"))
	original, err := cat.README(lab)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), string(original)) || errOut.Len() != 0 {
		t.Errorf("without a README: got %d bytes, stderr %q", out.Len(), errOut.String())
	}
}

func TestStartRunRefusesBeforeStartingAnything(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	noWorkspace := errors.New("not in a course workspace: run `mlops-lab init DIR`")
	opts := &StartOptions{IO: ios, Ctx: t.Context(), Lab: "lab42"}
	if err := startRun(opts); err == nil || !strings.Contains(err.Error(), `no lab named "lab42"`) {
		t.Errorf("unknown lab: got %v", err)
	}
	opts.Lab = "lab1"
	opts.Workspace = func() (ws workspace.Workspace, err error) { return ws, noWorkspace }
	if err := startRun(opts); !errors.Is(err, noWorkspace) {
		t.Errorf("outside a workspace: got %v", err)
	}
}
