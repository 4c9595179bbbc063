package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoctorFailsOnABrokenWorkspace runs the real checks in a workspace
// whose go.mod points at a source folder that is gone.
func TestDoctorFailsOnABrokenWorkspace(t *testing.T) {
	ws := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ws, "labs"), 0o755); err != nil {
		t.Fatal(err)
	}
	gomod := "module course\n\ngo 1.26\n\nrequire github.com/mlops-lab/mlops-lab v0.0.0-00010101000000-000000000000\n\nreplace github.com/mlops-lab/mlops-lab => ./gone\n"
	if err := os.WriteFile(filepath.Join(ws, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, ws, "", "doctor")
	if code != 1 || !strings.Contains(out, "FAIL  go.mod") || !strings.Contains(out, "fix: point the replace line") || errOut != "" {
		t.Errorf("doctor: exit %d, stderr %q\n%s", code, errOut, out)
	}
	code, out, _ = runCLI(t, ws, "", "doctor", "--format", "json")
	var doc struct {
		Ready  bool
		Checks []struct{ Name, Status string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || doc.Ready {
		t.Fatalf("doctor --format json: exit %d, %v\n%s", code, err, out)
	}
	found := false
	for _, c := range doc.Checks {
		found = found || (c.Name == "go.mod" && c.Status == "FAIL")
	}
	if !found {
		t.Errorf("no failed go.mod check in %+v", doc.Checks)
	}
}
