package env

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

func TestRecordRoundTripAndStaleness(t *testing.T) {
	ws := workspace.Workspace{Root: t.TempDir()}
	if _, err := LiveRecord(ws); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("empty workspace: want ErrNoRecord, got %v", err)
	}
	me := Record{Runtime: Embedded, Bootstrap: "127.0.0.1:9092", Lab: "lab1", PID: os.Getpid()}
	if err := WriteRecord(ws, me); err != nil {
		t.Fatal(err)
	}
	got, err := LiveRecord(ws)
	if err != nil || got.Bootstrap != me.Bootstrap || got.PID != me.PID {
		t.Fatalf("live record: got %+v, %v", got, err)
	}

	// A record whose process is gone is removed and reads as no record.
	dead := me
	dead.PID = 1 << 22 // above the kernel's pid limit: never a live process
	if err := WriteRecord(ws, dead); err != nil {
		t.Fatal(err)
	}
	if _, err := LiveRecord(ws); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("dead pid: want ErrNoRecord, got %v", err)
	}
	if _, err := os.Stat(ws.State(FileName)); !os.IsNotExist(err) {
		t.Errorf("dead pid: the stale record should be removed")
	}
}

func TestCorruptRecord(t *testing.T) {
	ws := workspace.Workspace{Root: t.TempDir()}
	if err := ws.EnsureState(); err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"{not json", `{"runtime":"embedded"}`} {
		if err := os.WriteFile(ws.State(FileName), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LiveRecord(ws)
		if err == nil || errors.Is(err, ErrNoRecord) || !strings.Contains(err.Error(), "env.json") {
			t.Errorf("%q: want an error naming env.json, got %v", content, err)
		}
	}
}

func TestRemoveRecordOnlyOwn(t *testing.T) {
	ws := workspace.Workspace{Root: t.TempDir()}
	other := Record{Runtime: Embedded, Bootstrap: "127.0.0.1:1", PID: os.Getpid()}
	if err := WriteRecord(ws, other); err != nil {
		t.Fatal(err)
	}
	RemoveRecord(ws, os.Getpid()+1)
	if _, err := ReadRecord(ws); err != nil {
		t.Fatalf("another process's record must stay: %v", err)
	}
	RemoveRecord(ws, os.Getpid())
	if _, err := ReadRecord(ws); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("own record must go: %v", err)
	}
}

func TestUnknownRuntime(t *testing.T) {
	_, err := Start(t.Context(), "podman", Spec{})
	if err == nil || !strings.Contains(err.Error(), "embedded, docker or external") {
		t.Fatalf("want an error listing the runtimes, got %v", err)
	}
}
