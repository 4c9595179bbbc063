package kafkatool

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

func startBroker(t *testing.T) string {
	t.Helper()
	b, err := kafkautil.StartBroker(context.Background(), kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

// factory returns a Factory acting in dir on test streams.
func factory(dir string) (*cmdutil.Factory, *strings.Builder) {
	ios, _, _, _ := iostreams.Test()
	errOut := &strings.Builder{}
	ios.ErrOut = errOut
	f := cmdutil.NewFactory(ios)
	f.WorkDir = dir
	return f, errOut
}

// fakeWorkspace is the least workspace.Find accepts: go.mod and labs/.
func fakeWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module course\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "labs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWithGivenBootstrap(t *testing.T) {
	bs := startBroker(t)
	f, errOut := factory(t.TempDir())
	var got string
	err := New(f).With(context.Background(), &cmdutil.EnvFlags{Runtime: env.Embedded, Bootstrap: bs}, func(bootstrap string) error {
		got = bootstrap
		return nil
	})
	if err != nil || got != bs {
		t.Errorf("fn got %q (%v), want %q", got, err, bs)
	}
	if strings.Contains(errOut.String(), "note:") {
		t.Errorf("a given cluster needs no note: %q", errOut)
	}
}

func TestWithFreshBrokerIsAnnouncedAndStopped(t *testing.T) {
	f, errOut := factory(t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var got string
	err := New(f).With(ctx, &cmdutil.EnvFlags{Runtime: env.Embedded}, func(bootstrap string) error {
		got = bootstrap
		_, err := kafkautil.ListTopics(ctx, bootstrap)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "note: no `mlops-lab start` runs in this workspace, so this command started its own empty Kafka at " + got + ","; !strings.HasPrefix(errOut.String(), want) {
		t.Errorf("stderr %q, want it to start with %q", errOut, want)
	}
	if err := kafkautil.Probe(ctx, got); err == nil {
		t.Errorf("the broker at %s still answers after With returned", got)
	}
}

func TestWithRunningStart(t *testing.T) {
	bs := startBroker(t)
	dir := fakeWorkspace(t)
	ws, err := workspace.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := env.Record{Runtime: env.Embedded, Bootstrap: bs, Lab: "lab1", PID: os.Getpid(), Started: time.Now()}
	if err := env.WriteRecord(ws, rec); err != nil {
		t.Fatal(err)
	}
	f, errOut := factory(filepath.Join(dir, "labs"))
	var got string
	err = New(f).With(context.Background(), &cmdutil.EnvFlags{Runtime: env.Embedded}, func(bootstrap string) error {
		got = bootstrap
		return nil
	})
	if err != nil || got != bs {
		t.Errorf("fn got %q (%v), want the running start's %q", got, err, bs)
	}
	if errOut.Len() != 0 {
		t.Errorf("attaching needs no note: %q", errOut)
	}
}
