package env

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
)

// FileName is the environment record inside the workspace's state folder.
const FileName = "env.json"

// Record is what `mlops-lab start` writes while an environment runs, so that
// other commands (grade, topic, ksql) use it instead of starting their own.
type Record struct {
	Runtime   string    `json:"runtime"`
	Bootstrap string    `json:"bootstrap"`
	KsqlURL   string    `json:"ksql_url"`
	Lab       string    `json:"lab"`
	PID       int       `json:"pid"`
	Started   time.Time `json:"started"`
}

// WriteRecord records a running environment.
func WriteRecord(ws workspace.Workspace, r Record) error {
	if err := ws.EnsureState(); err != nil {
		return fmt.Errorf("recording the environment: %w", err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := ws.State(FileName + ".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("recording the environment: %w", err)
	}
	return os.Rename(tmp, ws.State(FileName))
}

// RemoveRecord deletes the environment record, if it is the one of process pid.
func RemoveRecord(ws workspace.Workspace, pid int) {
	r, err := ReadRecord(ws)
	if err == nil && r.PID == pid {
		_ = os.Remove(ws.State(FileName))
	}
}

// ErrNoRecord says that no environment is recorded in the workspace.
var ErrNoRecord = errors.New("no running environment recorded")

// ReadRecord reads the environment record as it is on disk.
func ReadRecord(ws workspace.Workspace) (Record, error) {
	data, err := os.ReadFile(ws.State(FileName))
	if errors.Is(err, os.ErrNotExist) {
		return Record{}, ErrNoRecord
	}
	if err != nil {
		return Record{}, err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("%s is not valid JSON (%v): delete it, or run `mlops-lab start` again", ws.State(FileName), err)
	}
	if r.Bootstrap == "" || r.PID <= 0 {
		return Record{}, fmt.Errorf("%s lacks a bootstrap address or pid: delete it, or run `mlops-lab start` again", ws.State(FileName))
	}
	return r, nil
}

// LiveRecord returns the recorded environment when its process still runs.
// A record left behind by a process that is gone is removed, and reported as
// no record at all.
func LiveRecord(ws workspace.Workspace) (Record, error) {
	r, err := ReadRecord(ws)
	if err != nil {
		return Record{}, err
	}
	if !processAlive(r.PID) {
		_ = os.Remove(ws.State(FileName))
		return Record{}, ErrNoRecord
	}
	return r, nil
}

// recordProbeTimeout bounds the check that a recorded environment answers: it
// runs on loopback or a nearby cluster, so a live one answers at once.
const recordProbeTimeout = 3 * time.Second

// AnsweringRecord returns the recorded environment when its process still runs
// and its broker (and ksqlDB server, if it has one) answers. A live pid is not
// enough: after a reboot or a crash the recorded pid may belong to another
// process (pid 1 always runs). A record whose services do not answer is
// removed, with a note on notes, and reported as no record at all.
func AnsweringRecord(ctx context.Context, ws workspace.Workspace, notes io.Writer) (Record, error) {
	r, err := LiveRecord(ws)
	if err != nil {
		return Record{}, err
	}
	dead := ""
	pctx, cancel := context.WithTimeout(ctx, recordProbeTimeout)
	defer cancel()
	if err := kafkautil.Probe(pctx, r.Bootstrap); err != nil {
		dead = fmt.Sprintf("kafka %s not answering", r.Bootstrap)
	} else if r.KsqlURL != "" {
		if _, err := ksqlclient.New(r.KsqlURL).Info(pctx); err != nil {
			dead = fmt.Sprintf("ksqlDB %s not answering", r.KsqlURL)
		}
	}
	if ctx.Err() != nil {
		return Record{}, ctx.Err()
	}
	if dead == "" {
		return r, nil
	}
	// Remove only the record that was checked, not one a new start wrote
	// in the meantime.
	RemoveRecord(ws, r.PID)
	if notes != nil {
		fmt.Fprintf(notes, "found a stale environment record (pid %d, %s); removed it\n", r.PID, dead)
	}
	return Record{}, ErrNoRecord
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
