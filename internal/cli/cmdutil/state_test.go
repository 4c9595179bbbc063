package cmdutil

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

func TestCourseState(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module course\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "labs"), 0o755); err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	if _, running := CourseState(ws, &errOut); running != nil || errOut.Len() != 0 {
		t.Errorf("fresh workspace: running %+v, warnings %q", running, errOut.String())
	}

	rec := env.Record{Runtime: env.Embedded, Bootstrap: "127.0.0.1:19092", Lab: "lab1", PID: os.Getpid(), Started: time.Now()}
	if err := env.WriteRecord(ws, rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ws.State(progress.FileName), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	_, running := CourseState(ws, &errOut)
	if running == nil || running.Bootstrap != rec.Bootstrap || running.Lab != "lab1" {
		t.Errorf("with a running start: got %+v, want %+v", running, rec)
	}
	if !strings.HasPrefix(errOut.String(), "warning: ") || strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("unreadable progress: want one warning, got %q", errOut.String())
	}
}
