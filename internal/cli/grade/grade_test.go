package grade

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// parse runs the grade command's flag handling on args and returns the
// options it would grade with.
func parse(t *testing.T, args ...string) (*GradeOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	var got *GradeOptions
	cmd := NewCmdGrade(f, func(o *GradeOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	return got, err
}

func TestNewCmdGradeDefaults(t *testing.T) {
	o, err := parse(t, "lab1")
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Labs) != 1 || o.Labs[0] != "lab1" || o.All || o.Solution || o.Exercise != "" || o.Format != "text" || o.Output != "" ||
		o.Timeout != 90*time.Second || o.Parallel != 0 || o.Watch || o.Env.Runtime != env.Embedded || o.Ctx == nil || o.Connect == nil {
		t.Errorf("defaults: %+v", *o)
	}
	if err := o.validate(); err != nil {
		t.Errorf("grade lab1: %v", err)
	}
}

func TestNewCmdGradeFlags(t *testing.T) {
	o, err := parse(t, "--all", "--solution", "--format", "junit", "-o", "r.xml", "--timeout", "2m", "--parallel", "3", "--bootstrap", "h:1")
	if err != nil {
		t.Fatal(err)
	}
	if !o.All || !o.Solution || o.Format != "junit" || o.Output != "r.xml" || o.Timeout != 2*time.Minute || o.Parallel != 3 || o.Env.Bootstrap != "h:1" {
		t.Errorf("flags: %+v", *o)
	}
	o, err = parse(t, "lab1", "-e", "2", "-w")
	if err != nil || o.Exercise != "2" || !o.Watch {
		t.Errorf("short flags: %+v %v", o, err)
	}
	for _, args := range [][]string{
		{"lab1", "--bogus"},
		{"lab1", "--timeout", "soon"},
		{"lab1", "--parallel", "many"},
		{"lab1", "--all=perhaps"},
	} {
		if _, err := parse(t, args...); err == nil {
			t.Errorf("%v: want a flag error", args)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "or use --all"},
		{[]string{"lab1", "--all"}, "or use --all"},
		{[]string{"lab1", "--format", "yaml"}, `unknown --format "yaml": use text, json or junit`},
		{[]string{"--all", "--exercise", "1"}, "--exercise goes with exactly one lab"},
		{[]string{"lab1", "lab2", "-e", "1"}, "--exercise goes with exactly one lab"},
		{[]string{"lab1", "--watch", "--format", "json"}, "--watch goes with exactly one lab"},
		{[]string{"lab1", "--watch", "--solution"}, "--watch goes with exactly one lab"},
		{[]string{"--all", "--watch"}, "--watch goes with exactly one lab"},
		{[]string{"lab1", "lab2", "--format", "json"}, ""},
	}
	for _, c := range cases {
		o, err := parse(t, c.args...)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		err = o.validate()
		if c.want == "" {
			if err != nil {
				t.Errorf("%v: %v", c.args, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
}

// TestGradeRunCannotRunExitsTwo: mistakes in what to grade end with exit
// status 2 before anything starts.
func TestGradeRunCannotRunExitsTwo(t *testing.T) {
	noWorkspace := errors.New("not in a course workspace")
	connected := false
	for _, c := range []struct {
		opts GradeOptions
		want string
	}{
		{GradeOptions{Format: "xml", Labs: []string{"lab1"}}, "use text, json or junit"},
		{GradeOptions{Format: "text", Labs: []string{"lab1"}, Workspace: func() (workspace.Workspace, error) { return workspace.Workspace{}, noWorkspace }}, "not in a course workspace"},
		{GradeOptions{Format: "text", Labs: []string{"lab42"}}, `no lab named "lab42"`},
		{GradeOptions{Format: "text", Labs: []string{"lab1"}, Exercise: "99"}, "has no exercise"},
	} {
		o := c.opts
		o.IO, _, _, _ = iostreams.Test()
		o.Ctx = context.Background()
		if o.Workspace == nil {
			o.Workspace = func() (workspace.Workspace, error) { return workspace.Workspace{Root: t.TempDir()}, nil }
		}
		o.Connect = func(context.Context, *cmdutil.EnvFlags, env.Needs) (env.Environment, error) {
			connected = true
			return nil, errors.New("no broker in this test")
		}
		err := gradeRun(&o)
		var ee *cmdutil.ExitError
		if !errors.As(err, &ee) || ee.Code != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want exit status 2 and %q", c.opts, err, c.want)
		}
	}
	if connected {
		t.Errorf("grading connected to Kafka before checking what to grade")
	}
}

func TestWriteReport(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	resolve := func(p string) string { return filepath.Join(dir, p) }
	passed := grader.NewReport([]grader.TestResult{{Lab: "lab1", Exercise: "a", Status: grader.StatusPass, Score: 1, MaxScore: 1}})
	failed := grader.NewReport([]grader.TestResult{{Lab: "lab1", Exercise: "a", Status: grader.StatusFail, MaxScore: 1}})

	ios, _, out, _ := iostreams.Test()
	if err := writeReport(&GradeOptions{IO: ios, Format: "text", ResolvePath: resolve}, cat, passed); err != nil {
		t.Errorf("passing report: %v", err)
	}
	if !strings.Contains(out.String(), "all exercises pass") && !strings.Contains(out.String(), "a passes") {
		t.Errorf("text report: %q", out.String())
	}

	// A failure is exit status 1 without a message; JSON goes to the file
	// (relative to the working folder) and the text summary to the output.
	ios, _, out, _ = iostreams.Test()
	err = writeReport(&GradeOptions{IO: ios, Format: "json", Output: "r.json", ResolvePath: resolve}, cat, failed)
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) || ee.Code != 1 || ee.Err != nil {
		t.Errorf("failing report: got %v, want a silent exit status 1", err)
	}
	data, rerr := os.ReadFile(filepath.Join(dir, "r.json"))
	if rerr != nil || !strings.Contains(string(data), `"status": "fail"`) {
		t.Errorf("r.json: %v %s", rerr, data)
	}
	if !strings.Contains(out.String(), "score: 0/1") {
		t.Errorf("summary on the output: %q", out.String())
	}

	// A report that cannot be written is exit status 2, naming the file as
	// typed.
	ios, _, _, _ = iostreams.Test()
	err = writeReport(&GradeOptions{IO: ios, Format: "junit", Output: "no/such/r.xml", ResolvePath: resolve}, cat, passed)
	if !errors.As(err, &ee) || ee.Code != 2 || err.Error() != "writing the report: open no/such/r.xml: no such file or directory" {
		t.Errorf("unwritable report: got %v", err)
	}
}

func TestProgressLine(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab, _ := cat.Find("lab1")
	if len(lab.Exercises) < 2 {
		t.Fatalf("lab1 has %d exercises; the test needs 2", len(lab.Exercises))
	}
	second := lab.Exercises[1].ID
	result := func(status, msg string) grader.TestResult {
		return grader.TestResult{Lab: "lab1", Exercise: second, Status: status, Message: msg, MaxScore: 10, Duration: 1500 * time.Millisecond}
	}
	for _, c := range []struct {
		r    grader.TestResult
		want string
	}{
		// Its own starter TODO: not started, as the report says.
		{result(grader.StatusFail, "TODO(exercise 2): it is not written yet"), "  TODO " + second + " (1.5s)"},
		// Another exercise's TODO, or a real failure: a failure.
		{result(grader.StatusFail, "TODO(exercise 1): it is not written yet"), "  FAIL " + second + " (1.5s)"},
		{result(grader.StatusFail, "want 3\ngot 2"), "  FAIL " + second + " (1.5s)"},
		{result(grader.StatusPass, ""), "  PASS " + second + " (1.5s)"},
		{result(grader.StatusError, "your code does not compile"), "  ERROR " + second + " (1.5s)"},
	} {
		if got := progressLine(cat, c.r); got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.r.Status, c.r.Message, got, c.want)
		}
	}
}
