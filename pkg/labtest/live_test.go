package labtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLiveBootstrapFindsTheRunningEnvironment(t *testing.T) {
	root := t.TempDir()
	lab := filepath.Join(root, "labs", "lab02-streams")
	if err := os.MkdirAll(filepath.Join(root, ".mlops-lab"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(lab, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(lab)
	t.Setenv(EnvBootstrap, "")
	if addr, from := LiveAddress(); addr != "localhost:9092" || !strings.Contains(from, "default") {
		t.Errorf("no record: %s (%s)", addr, from)
	}
	rec := `{"runtime":"embedded","bootstrap":"127.0.0.1:40397","lab":"lab2","pid":1}`
	if err := os.WriteFile(filepath.Join(root, ".mlops-lab", "env.json"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	if addr, from := LiveAddress(); addr != "127.0.0.1:40397" || !strings.Contains(from, "mlops-lab start lab2") {
		t.Errorf("from the lab folder: %s (%s)", addr, from)
	}
	t.Setenv(EnvBootstrap, "10.1.2.3:9092")
	if addr, _ := LiveAddress(); addr != "10.1.2.3:9092" {
		t.Errorf("the variable comes first: %s", addr)
	}
}
