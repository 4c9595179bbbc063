package grade

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

// fakeEnv stands for a broker the class report would share.
type fakeEnv struct{ closed bool }

func (e *fakeEnv) Runtime() string                 { return env.External }
func (e *fakeEnv) Bootstrap() string               { return "127.0.0.1:1" }
func (e *fakeEnv) KsqlURL() string                 { return "" }
func (e *fakeEnv) Close(ctx context.Context) error { e.closed = true; return nil }

func TestGradeWorkspaces(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	dir := t.TempDir()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: dir}
	// Folders that are not workspaces: every exercise an error row, without
	// compiling anything.
	for _, d := range []string{"ann", "ben"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fake := &fakeEnv{}
	connects := 0
	cmd := NewCmdGrade(f, func(o *GradeOptions) error {
		o.Connect = func(context.Context, *cmdutil.EnvFlags, env.Needs) (env.Environment, error) {
			connects++
			return fake, nil
		}
		return gradeRun(o)
	})
	cmd.SetArgs([]string{"--all", "--workspaces", "--format", "json", "ann", "ben"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("%v (stderr %s)", err, errOut.String())
	}
	var rows []struct {
		Student, Lab, Exercise, Status string
	}
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	students := map[string]int{}
	for _, r := range rows {
		students[r.Student]++
		if r.Status != "error" || r.Lab == "" || r.Exercise == "" {
			t.Errorf("row %+v", r)
		}
	}
	if len(students) != 2 || students["ann"] != students["ben"] || students["ann"] < 8 {
		t.Errorf("rows per student: %v", students)
	}
	if connects != 1 || !fake.closed {
		t.Errorf("%d connects, closed %v: want one shared environment, closed at the end", connects, fake.closed)
	}
}

func TestGradeWorkspacesRefuses(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	for _, args := range [][]string{
		{"--workspaces", "ann"},
		{"--all", "--workspaces", "--solution", "ann"},
		{"--all", "--workspaces", "--format", "junit", "ann"},
		{"--all", "--workspaces"},
	} {
		cmd := NewCmdGrade(f, func(o *GradeOptions) error {
			o.Connect = func(context.Context, *cmdutil.EnvFlags, env.Needs) (env.Environment, error) {
				return nil, errors.New("no broker in this test")
			}
			return gradeRun(o)
		})
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		var ee *cmdutil.ExitError
		if !errors.As(err, &ee) || ee.Code != 2 || strings.Contains(err.Error(), "no broker") {
			t.Errorf("%v: %v, want a refusal with exit status 2 before any broker", args, err)
		}
	}
}
