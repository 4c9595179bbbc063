package cmdutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

func TestLabFile(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) string {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("go.mod", "module course\n")
	only := write("labs/lab04-ksqldb/01_orders_stream.sql", "CREATE STREAM ...;")
	write("labs/lab03-windows/common.sql", "-- 3")
	write("labs/lab08-online/common.sql", "-- 8")
	here := write("work/common.sql", "-- mine")
	outside := write("secret.sql", "-- not a lab file")

	lookup := func(dir, name string) (string, string, error) {
		ios, _, _, errOut := iostreams.Test()
		f := &Factory{IOStreams: ios, WorkDir: filepath.Join(root, dir)}
		p, err := f.LabFile(name)
		return p, errOut.String(), err
	}

	// A file in the working folder wins, silently.
	if p, note, err := lookup("work", "common.sql"); err != nil || p != here || note != "" {
		t.Errorf("in the working folder: %q %q %v", p, note, err)
	}
	// Only one lab has it: that one, with a note naming it.
	p, note, err := lookup("work", "01_orders_stream.sql")
	if err != nil || p != only || !strings.Contains(note, "using labs/lab04-ksqldb/01_orders_stream.sql") {
		t.Errorf("one lab has it: %q %q %v", p, note, err)
	}
	// Several labs: an error naming them.
	_, _, err = lookup("", "common.sql")
	if err == nil || !strings.Contains(err.Error(), "labs/lab03-windows/common.sql, labs/lab08-online/common.sql") || !strings.Contains(err.Error(), "give its path") {
		t.Errorf("several labs have it: %v", err)
	}
	// No lab has it: the path from the working folder, for "no such file".
	if p, note, err := lookup("work", "nope.sql"); err != nil || p != filepath.Join(root, "work", "nope.sql") || note != "" {
		t.Errorf("nowhere: %q %q %v", p, note, err)
	}
	// A name that climbs out of the lab folders is not looked up there.
	if p, _, err := lookup("work/deeper", "../../secret.sql"); err != nil || p != outside {
		t.Errorf("existing relative path: %q %v", p, err)
	}
	if p, note, err := lookup("work", "../../secret.sql"); err != nil || note != "" || p == outside {
		t.Errorf("climbing out of the labs: %q %q %v", p, note, err)
	}
	// Outside a workspace: the path from the working folder.
	ios, _, _, errOut := iostreams.Test()
	elsewhere := t.TempDir()
	f := &Factory{IOStreams: ios, WorkDir: elsewhere}
	if p, err := f.LabFile("01_orders_stream.sql"); err != nil || p != filepath.Join(elsewhere, "01_orders_stream.sql") || errOut.Len() != 0 {
		t.Errorf("outside a workspace: %q %v", p, err)
	}
}
