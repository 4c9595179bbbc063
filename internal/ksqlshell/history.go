package ksqlshell

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// DefaultHistorySize is how many entries a history file keeps.
const DefaultHistorySize = 1000

// History is the statements of past sessions, kept in a file with one
// entry per line (OneLine makes a statement one line). The file is
// appended to as statements are run, so a session that crashes keeps its
// history, and trimmed to its newest Max entries when loaded.
type History struct {
	Path    string
	Max     int
	entries []string
}

// LoadHistory reads the history file at path; a missing file is an empty
// history. max <= 0 means DefaultHistorySize.
func LoadHistory(path string, max int) (*History, error) {
	if max <= 0 {
		max = DefaultHistorySize
	}
	h := &History{Path: path, Max: max}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return h, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			h.entries = append(h.entries, line)
		}
	}
	if err := sc.Err(); err != nil {
		return h, err
	}
	if len(h.entries) > max {
		h.entries = h.entries[len(h.entries)-max:]
		return h, h.rewrite()
	}
	return h, nil
}

// Entries are the history's entries, oldest first.
func (h *History) Entries() []string { return append([]string(nil), h.entries...) }

// Add appends an entry (unless it repeats the last one) and writes it to
// the file.
func (h *History) Add(entry string) error {
	entry = strings.TrimSpace(strings.ReplaceAll(entry, "\n", " "))
	if entry == "" || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == entry) {
		return nil
	}
	h.entries = append(h.entries, entry)
	if h.Path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(h.Path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(h.Path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(entry + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// rewrite writes the entries to the file, replacing it.
func (h *History) rewrite() error {
	if h.Path == "" {
		return nil
	}
	tmp := h.Path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(h.entries, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, h.Path)
}
