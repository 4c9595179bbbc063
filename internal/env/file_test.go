package env

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
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

// TestAnsweringRecord: a live pid is not enough, the recorded services must
// answer. Pid 1 always runs, as a reused pid would after a reboot.
func TestAnsweringRecord(t *testing.T) {
	ws := workspace.Workspace{Root: t.TempDir()}
	broker, err := kafkautil.StartBroker(t.Context(), kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()

	live := Record{Runtime: Embedded, Bootstrap: broker.Addr(), Lab: "lab1", PID: os.Getpid()}
	if err := WriteRecord(ws, live); err != nil {
		t.Fatal(err)
	}
	var notes strings.Builder
	if got, err := AnsweringRecord(t.Context(), ws, &notes); err != nil || got.Bootstrap != live.Bootstrap {
		t.Fatalf("answering environment: got %+v, %v", got, err)
	}

	for _, stale := range []Record{
		{Runtime: Embedded, Bootstrap: dead, Lab: "lab1", PID: 1},
		{Runtime: Embedded, Bootstrap: broker.Addr(), KsqlURL: "http://" + dead, Lab: "lab4", PID: 1},
	} {
		notes.Reset()
		if err := WriteRecord(ws, stale); err != nil {
			t.Fatal(err)
		}
		if _, err := AnsweringRecord(t.Context(), ws, &notes); !errors.Is(err, ErrNoRecord) {
			t.Errorf("%+v: want ErrNoRecord, got %v", stale, err)
		}
		if _, err := os.Stat(ws.State(FileName)); !os.IsNotExist(err) {
			t.Errorf("%+v: the stale record should be removed", stale)
		}
		if !strings.Contains(notes.String(), "found a stale environment record (pid 1, ") || !strings.Contains(notes.String(), dead+" not answering); removed it") {
			t.Errorf("%+v: note %q", stale, notes.String())
		}
	}
}
