package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/doctor"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

func TestNewCmdDoctor(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	dir := t.TempDir()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: dir}
	for _, c := range []struct {
		args       []string
		wantFormat string
		wantErr    string
	}{
		{nil, "text", ""},
		{[]string{"--format", "json"}, "json", ""},
		{[]string{"lab1"}, "", "unknown command"},
		{[]string{"--fix"}, "", "unknown flag"},
	} {
		var got *DoctorOptions
		cmd := NewCmdDoctor(f, func(o *DoctorOptions) error { got = o; return nil })
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
		if err != nil || got == nil || got.Format != c.wantFormat || got.Dir != dir || got.Ctx == nil {
			t.Errorf("%v: error %v, options %+v", c.args, err, got)
		}
	}
}

func TestDoctorRun(t *testing.T) {
	fixed := func(checks ...doctor.Check) func(context.Context, string, *labs.Catalogue) []doctor.Check {
		return func(_ context.Context, dir string, cat *labs.Catalogue) []doctor.Check {
			if dir != "/course" || cat == nil || len(cat.Labs()) == 0 {
				t.Errorf("checks run from %q with catalogue %v", dir, cat)
			}
			return checks
		}
	}
	good := doctor.Check{Name: "go", Status: doctor.OK, Detail: "go1.26.0"}
	warn := doctor.Check{Name: "docker", Status: doctor.Warn, Detail: "no Docker engine answers", Fix: "only --runtime docker needs it"}
	bad := doctor.Check{Name: "go.mod", Status: doctor.Fail, Detail: "replace points nowhere", Fix: "point it at your clone"}

	// Warnings only: ready, exit 0.
	ios, _, out, _ := iostreams.Test()
	if err := doctorRun(&DoctorOptions{IO: ios, Dir: "/course", Format: "text", Checks: fixed(good, warn)}); err != nil {
		t.Errorf("warnings only: %v", err)
	}
	if text := out.String(); !strings.Contains(text, "docker") || !strings.Contains(text, "fix: only --runtime docker needs it") || !strings.Contains(text, "ready:") {
		t.Errorf("text:\n%s", text)
	}

	// A failure: exit status 1, with the report printed.
	ios, _, out, _ = iostreams.Test()
	err := doctorRun(&DoctorOptions{IO: ios, Dir: "/course", Format: "text", Checks: fixed(good, bad)})
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) || ee.Code != 1 || ee.Err != nil {
		t.Errorf("a failed check: got %v, want a silent exit 1", err)
	}
	if !strings.Contains(out.String(), "FAIL  go.mod") || !strings.Contains(out.String(), "needs fixing") {
		t.Errorf("text:\n%s", out.String())
	}

	// JSON: every check, and whether the machine is ready.
	ios, _, out, _ = iostreams.Test()
	err = doctorRun(&DoctorOptions{IO: ios, Dir: "/course", Format: "json", Checks: fixed(good, warn, bad)})
	if !errors.As(err, &ee) || ee.Code != 1 {
		t.Errorf("json with a failure: got %v", err)
	}
	var doc struct {
		Ready  bool           `json:"ready"`
		Checks []doctor.Check `json:"checks"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if doc.Ready || len(doc.Checks) != 3 || doc.Checks[2] != bad {
		t.Errorf("json: %+v", doc)
	}

	ios, _, _, _ = iostreams.Test()
	if err := doctorRun(&DoctorOptions{IO: ios, Dir: "/course", Format: "yaml", Checks: fixed(good)}); err == nil || !strings.Contains(err.Error(), `--format "yaml"`) {
		t.Errorf("bad format: %v", err)
	}
}
