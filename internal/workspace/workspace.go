// Package workspace finds the learner's course workspace (a clone of the
// project, or a folder written by `mlops-lab init`) and names the files the
// runner keeps there.
package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// StateDir is the folder, inside a workspace, holding the runner's own files.
const StateDir = ".mlops-lab"

// Workspace is a course workspace on disk.
type Workspace struct {
	// Root is the folder holding go.mod and labs/.
	Root string
}

// ErrNotFound is returned when no workspace encloses the folder.
var ErrNotFound = errors.New("not inside a course workspace")

// Find walks up from dir to the nearest folder that holds go.mod and either a
// labs/ folder or the runner's state folder (so `reset` still finds a
// workspace whose labs/ was deleted).
func Find(dir string) (Workspace, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Workspace{}, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "go.mod")) && (isDir(filepath.Join(d, "labs")) || isDir(filepath.Join(d, StateDir))) {
			return Workspace{Root: d}, nil
		}
		if filepath.Dir(d) == d {
			return Workspace{}, fmt.Errorf("%w (looked from %s upwards for a folder with go.mod and labs/): run `mlops-lab init DIR` to create one, or cd into your clone", ErrNotFound, abs)
		}
	}
}

// LabDir is the folder of a lab's files, e.g. labs/lab01-producers.
func (w Workspace) LabDir(folder string) string { return filepath.Join(w.Root, "labs", folder) }

// State returns a path inside the runner's state folder.
func (w Workspace) State(name string) string { return filepath.Join(w.Root, StateDir, name) }

// EnsureState creates the state folder, with a .gitignore that keeps the
// running environment's file out of commits (the progress file is meant to be
// committed).
func (w Workspace) EnsureState() error {
	dir := filepath.Join(w.Root, StateDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ignore := filepath.Join(dir, ".gitignore")
	if !isFile(ignore) {
		return os.WriteFile(ignore, []byte("env.json\ndata/\nbuild/\nksql_history\n"), 0o644)
	}
	return nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
