package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LabFile resolves a file the learner named (ksql -f FILE, ksql test's
// files): the path from the working folder when it exists there; otherwise,
// inside a workspace, the lab file of that name (labs/*/FILE), with a note on
// the error output saying which file is used. A name that several labs have
// is an error listing them, so the learner gives the path. When no lab has
// it either, the path from the working folder comes back, for the caller's
// usual "no such file".
func (f *Factory) LabFile(name string) (string, error) {
	path := f.ResolvePath(name)
	if name == "" || filepath.IsAbs(name) {
		return path, nil
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return path, nil
	}
	ws, err := f.Workspace()
	if err != nil {
		return path, nil
	}
	labsDir := filepath.Join(ws.Root, "labs")
	entries, err := os.ReadDir(labsDir)
	if err != nil {
		return path, nil
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(labsDir, e.Name(), name)
		// A name that climbs out of the lab folder (../x) is not a lab file.
		if rel, err := filepath.Rel(filepath.Join(labsDir, e.Name()), p); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			found = append(found, p)
		}
	}
	show := func(p string) string {
		if rel, err := filepath.Rel(ws.Root, p); err == nil {
			return filepath.ToSlash(rel)
		}
		return p
	}
	switch len(found) {
	case 0:
		return path, nil
	case 1:
		fmt.Fprintf(f.IOStreams.ErrOut, "note: no %s in %s; using %s of the workspace\n", name, f.Dir(), show(found[0]))
		return found[0], nil
	default:
		var names []string
		for _, p := range found {
			names = append(names, show(p))
		}
		return "", fmt.Errorf("no %s in %s, and several labs have one (%s): give its path, e.g. %s", name, f.Dir(), strings.Join(names, ", "), names[len(names)-1])
	}
}
