package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// fake returns a Doctor whose machine is healthy; tests break one thing each.
func fake(t *testing.T, dir string) *Doctor {
	t.Helper()
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &Doctor{
		Dir:         dir,
		MinGo:       "go1.26",
		Catalogue:   cat,
		GoVersion:   func(context.Context) (string, error) { return "go1.26.8", nil },
		Test2JSON:   func(context.Context) error { return nil },
		PortFree:    func(string) bool { return true },
		Docker:      func(context.Context) error { return nil },
		Environment: func(context.Context, workspace.Workspace) (env.Record, error) { return env.Record{}, env.ErrNoRecord },
	}
}

// newWorkspace writes a workspace with every lab folder and the given go.mod.
func newWorkspace(t *testing.T, gomod string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range cat.Labs() {
		if err := os.MkdirAll(filepath.Join(root, "labs", l.Folder), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func find(t *testing.T, checks []Check, name string) Check {
	t.Helper()
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check named %q in %+v", name, checks)
	return Check{}
}

func TestHealthyWorkspace(t *testing.T) {
	root := newWorkspace(t, "module course\n\ngo 1.26\n\nrequire github.com/mlops-lab/mlops-lab v1.0.0\n")
	checks := fake(t, filepath.Join(root, "labs")).Run(context.Background())
	for _, c := range checks {
		if c.Status == Fail {
			t.Errorf("%s failed on a healthy machine: %s", c.Name, c.Detail)
		}
	}
	if ws := find(t, checks, "workspace"); ws.Status != OK || ws.Detail != root {
		t.Errorf("workspace check = %+v, want OK with %s (found from labs/ upwards)", ws, root)
	}
	var out strings.Builder
	Render(&out, checks)
	if !strings.Contains(out.String(), "ready:") {
		t.Errorf("a healthy report does not end with ready:\n%s", out.String())
	}
}

func TestProblemsNameTheirFix(t *testing.T) {
	cases := []struct {
		name   string
		gomod  string
		breaks func(d *Doctor)
		check  string
		status Status
		detail string // a part of the detail
	}{
		{"no go", "", func(d *Doctor) {
			d.GoVersion = func(context.Context) (string, error) {
				return "", errors.New(`exec: "go": executable file not found in $PATH`)
			}
		}, "go", Fail, "no go command"},
		{"old go", "", func(d *Doctor) {
			d.GoVersion = func(context.Context) (string, error) { return "go1.22.3", nil }
		}, "go", Fail, "go1.22.3 is older than go1.26"},
		{"no test2json", "", func(d *Doctor) {
			d.Test2JSON = func(context.Context) error { return errors.New("no such tool") }
		}, "test2json", Fail, "no such tool"},
		{"replace to nowhere", "module c\n\ngo 1.26\n\nrequire github.com/mlops-lab/mlops-lab v0.0.0\n\nreplace github.com/mlops-lab/mlops-lab => /nonexistent/mlops-lab\n", nil,
			"go.mod", Fail, "go.mod line 7 replaces mlops-lab with /nonexistent/mlops-lab"},
		{"kafka port taken", "", func(d *Doctor) {
			d.PortFree = func(addr string) bool { return addr != KafkaPort }
		}, "kafka port", Warn, "127.0.0.1:9092 is taken"},
		{"no docker", "", func(d *Doctor) {
			d.Docker = func(context.Context) error { return errors.New("Cannot connect to the Docker daemon\nmore") }
		}, "docker", Warn, "(Cannot connect to the Docker daemon)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gomod := c.gomod
			if gomod == "" {
				gomod = "module c\n\ngo 1.26\n"
			}
			d := fake(t, newWorkspace(t, gomod))
			if c.breaks != nil {
				c.breaks(d)
			}
			got := find(t, d.Run(context.Background()), c.check)
			if got.Status != c.status || !strings.Contains(got.Detail, c.detail) {
				t.Errorf("%s = %s %q, want %s containing %q", c.check, got.Status, got.Detail, c.status, c.detail)
			}
			if got.Fix == "" {
				t.Errorf("%s says no fix for %q", c.check, got.Detail)
			}
		})
	}
}

func TestOutsideAWorkspace(t *testing.T) {
	checks := fake(t, t.TempDir()).Run(context.Background())
	ws := find(t, checks, "workspace")
	if ws.Status != Warn || !strings.Contains(ws.Fix, "mlops-lab init") {
		t.Errorf("outside a workspace: %+v, want a warning that says to run init", ws)
	}
	if Failed(checks) {
		t.Errorf("being outside a workspace is not a failure: %+v", checks)
	}
}

func TestRunningEnvironmentOwnsThePorts(t *testing.T) {
	d := fake(t, newWorkspace(t, "module c\n\ngo 1.26\n"))
	d.PortFree = func(string) bool { return false }
	d.Environment = func(context.Context, workspace.Workspace) (env.Record, error) {
		return env.Record{Lab: "lab3", Runtime: "embedded", Bootstrap: "127.0.0.1:9092", KsqlURL: "http://127.0.0.1:8088"}, nil
	}
	checks := d.Run(context.Background())
	if e := find(t, checks, "environment"); e.Status != OK || !strings.Contains(e.Detail, "lab3 is running") {
		t.Errorf("environment = %+v", e)
	}
	for _, c := range checks {
		if strings.HasSuffix(c.Name, "port") {
			t.Errorf("ports checked although start holds them: %+v", c)
		}
	}
}

// TestReadyLine: the last line names the running lab's grade command, and
// the start command only when nothing runs.
func TestReadyLine(t *testing.T) {
	d := fake(t, newWorkspace(t, "module c\n\ngo 1.26\n"))
	var out strings.Builder
	Render(&out, d.Run(context.Background()))
	if !strings.HasSuffix(out.String(), "\nready: `mlops-lab start lab1` (or the lab you are on) and grade with `mlops-lab grade LAB`\n") {
		t.Errorf("with nothing running, the last line should say how to start:\n%s", out.String())
	}
	d.Environment = func(context.Context, workspace.Workspace) (env.Record, error) {
		return env.Record{Lab: "lab7", Runtime: "embedded", Bootstrap: "127.0.0.1:9092"}, nil
	}
	out.Reset()
	Render(&out, d.Run(context.Background()))
	if !strings.HasSuffix(out.String(), "\nready: lab7 is running; grade with `mlops-lab grade lab7`\n") {
		t.Errorf("with lab7 running, the last line should say how to grade it:\n%s", out.String())
	}
}

func TestProgressCountsLabs(t *testing.T) {
	root := newWorkspace(t, "module c\n\ngo 1.26\n")
	ws := workspace.Workspace{Root: root}
	f, err := progress.Load(ws)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"1 lab graded", "2 labs graded"} {
		f.Labs[fmt.Sprintf("lab%d", i+1)] = &progress.Lab{MaxScore: 10}
		if err := f.Save(ws); err != nil {
			t.Fatal(err)
		}
		if got := find(t, fake(t, root).Run(context.Background()), "progress"); got.Status != OK || got.Detail != want {
			t.Errorf("progress = %+v, want OK with %q", got, want)
		}
	}
}

func TestMissingLabFolder(t *testing.T) {
	root := newWorkspace(t, "module c\n\ngo 1.26\n")
	d := fake(t, root)
	if err := os.RemoveAll(filepath.Join(root, "labs", d.Catalogue.Labs()[2].Folder)); err != nil {
		t.Fatal(err)
	}
	got := find(t, d.Run(context.Background()), "lab folders")
	if got.Status != Warn || !strings.Contains(got.Detail, "lab3") || !strings.Contains(got.Fix, "mlops-lab reset lab3") {
		t.Errorf("lab folders = %+v, want a warning naming lab3 and reset", got)
	}
}

func TestRealChecksRun(t *testing.T) {
	// The real seams must at least run on this machine (Go is here: the
	// test is running).
	d := New(t.TempDir(), nil)
	if c := d.checkGo(context.Background()); c.Status == Fail && strings.Contains(c.Detail, "no go command") {
		t.Errorf("go not found although tests run: %+v", c)
	}
	if err := d.Test2JSON(context.Background()); err != nil {
		t.Errorf("test2json: %v", err)
	}
}
