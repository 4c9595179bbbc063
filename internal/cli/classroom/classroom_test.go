package classroom

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

func factory(t *testing.T) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}, out, errOut
}

func execute(t *testing.T, cmd interface {
	SetArgs([]string)
	SetOut(io.Writer)
	SetErr(io.Writer)
	Execute() error
}, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.Execute()
}

func TestNewCmdInit(t *testing.T) {
	f, _, _ := factory(t)
	for _, c := range []struct {
		args    []string
		dir     string
		force   bool
		wantErr bool
	}{
		{nil, ".", false, false},
		{[]string{"course"}, "course", false, false},
		{[]string{"--force", "course"}, "course", true, false},
		{[]string{"a", "b"}, "", false, true},
	} {
		var got *InitOptions
		err := execute(t, NewCmdInit(f, func(o *InitOptions) error { got = o; return nil }), c.args...)
		if (err != nil) != c.wantErr || (!c.wantErr && (got == nil || got.Dir != c.dir || got.Force != c.force)) {
			t.Errorf("%v: %+v, %v", c.args, got, err)
		}
	}
}

func TestInitRun(t *testing.T) {
	f, out, _ := factory(t)
	if err := execute(t, NewCmdInit(f, nil), "."); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.WorkDir, ".github", "workflows", "classroom.yml")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(out.String(), "grade.yml") {
		t.Errorf("output %q", out.String())
	}
	if err := execute(t, NewCmdInit(f, nil)); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second init: %v", err)
	}
}

func writeReport(t *testing.T, dir string) string {
	t.Helper()
	rep := grader.NewReport([]grader.TestResult{
		{Lab: "lab1", Exercise: "sync-producer", Status: grader.StatusPass, Score: 15, MaxScore: 15},
		{Lab: "lab1", Exercise: "java-partitioner", Status: grader.StatusFail, Score: 7.5, MaxScore: 15, Message: "key \"21\": wrong partition"},
	})
	p := filepath.Join(dir, "grades.json")
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func exitCode(err error) int {
	var ee *cmdutil.ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if err != nil {
		return 1
	}
	return 0
}

func TestCheck(t *testing.T) {
	f, out, _ := factory(t)
	writeReport(t, f.WorkDir)
	for _, c := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"grades.json", "lab1", "sync-producer"}, 0, "PASS lab1 sync-producer 15/15"},
		{[]string{"grades.json", "1", "sync-producer"}, 0, "PASS lab1 sync-producer 15/15"},
		{[]string{"grades.json", "lab1", "java-partitioner"}, 1, "FAIL lab1 java-partitioner 7.50/15\nkey \"21\": wrong partition"},
		{[]string{"grades.json", "lab2", "filter-large"}, 2, ""},
		{[]string{"missing.json", "lab1", "sync-producer"}, 2, ""},
	} {
		out.Reset()
		err := execute(t, NewCmdCheck(f, nil), c.args...)
		if exitCode(err) != c.code || (c.out != "" && strings.TrimSpace(out.String()) != c.out) {
			t.Errorf("check %v: exit %d (%v), output %q; want %d, %q", c.args, exitCode(err), err, out.String(), c.code, c.out)
		}
	}
	if err := execute(t, NewCmdCheck(f, nil), "grades.json", "lab1"); err == nil {
		t.Error("check with two arguments: no error")
	}
}

func TestReportRun(t *testing.T) {
	f, out, errOut := factory(t)
	// Folders that are not workspaces: graded as errors, without compiling.
	for _, d := range []string{"ann", "ben"} {
		if err := os.MkdirAll(filepath.Join(f.WorkDir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := Report(&ReportOptions{IO: f.IOStreams, ResolvePath: f.ResolvePath, Connect: f.Connect, Format: "csv",
		Labs: []string{"lab6"}, Workspaces: []string{"ann", "ben"}}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 3 || recs[0][0] != "student" || recs[1][0] != "ann" || recs[1][1] != "lab6" || recs[1][3] != "error" || recs[len(recs)-1][0] != "ben" {
		t.Errorf("CSV %q", recs)
	}
	if !strings.Contains(errOut.String(), "graded 2 students") {
		t.Errorf("stderr %q", errOut.String())
	}

	// A lab that needs Kafka asks for an environment once; when none can be
	// had, the report cannot run (exit 2).
	calls := 0
	opts := &ReportOptions{IO: f.IOStreams, Ctx: context.Background(), ResolvePath: f.ResolvePath, Format: "csv",
		Labs: []string{"lab1"}, Workspaces: []string{"ann"},
		Connect: func(context.Context, *cmdutil.EnvFlags, env.Needs) (env.Environment, error) {
			calls++
			return nil, errors.New("no broker")
		}}
	if err := reportRun(opts); exitCode(err) != 2 || calls != 1 {
		t.Errorf("report with no broker: %v after %d connects", err, calls)
	}
	opts.Labs = []string{"lab42"}
	if err := reportRun(opts); exitCode(err) != 2 || !strings.Contains(err.Error(), "lab42") {
		t.Errorf("unknown lab: %v", err)
	}
	for _, bad := range []*ReportOptions{
		{IO: f.IOStreams, Format: "xml", Workspaces: []string{"ann"}},
		{IO: f.IOStreams, Format: "csv"},
	} {
		if err := Report(bad); exitCode(err) != 2 {
			t.Errorf("Report(%+v) = %v, want exit 2", bad, err)
		}
	}
}
