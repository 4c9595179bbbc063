package env

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/workspace"
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

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
