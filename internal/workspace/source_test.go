package workspace

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBuiltFromFindsThisClone(t *testing.T) {
	// Tests are built without -trimpath, like `go build` and `make build`.
	got := BuiltFrom()
	wd, _ := os.Getwd() // internal/workspace of the clone under test
	want := filepath.Dir(filepath.Dir(wd))
	if got != want {
		t.Fatalf("BuiltFrom() = %q, want the clone %q", got, want)
	}
}

func TestFindSource(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := FindSource(deep); got != "" {
		t.Errorf("no go.mod anywhere: FindSource = %q", got)
	}
	if err := os.WriteFile(filepath.Join(root, "a", "go.mod"), []byte("module other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := FindSource(deep); got != "" {
		t.Errorf("another module's go.mod: FindSource = %q", got)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+ModulePath+"\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := FindSource(deep); got != root {
		t.Errorf("FindSource = %q, want %q", got, root)
	}
}
