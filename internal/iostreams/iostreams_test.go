package iostreams

import (
	"fmt"
	"os"
	"testing"
)

func TestTestStreamsAreBuffersAndNotTerminals(t *testing.T) {
	ios, in, out, errOut := Test()
	in.WriteString("typed\n")
	fmt.Fprint(ios.Out, "to out")
	fmt.Fprint(ios.ErrOut, "to err")
	buf := make([]byte, 16)
	n, _ := ios.In.Read(buf)
	if got := string(buf[:n]); got != "typed\n" {
		t.Errorf("In read %q, want what the test wrote", got)
	}
	if out.String() != "to out" || errOut.String() != "to err" {
		t.Errorf("out %q, err %q", out.String(), errOut.String())
	}
	if ios.IsStdinTTY() || ios.IsStdoutTTY() || ios.IsStderrTTY() || ios.TerminalWidth() != 0 {
		t.Errorf("test streams must start as non-terminals")
	}
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	ios.SetTerminalWidth(120)
	if !ios.IsStdinTTY() || !ios.IsStdoutTTY() || !ios.IsStderrTTY() || ios.TerminalWidth() != 120 {
		t.Errorf("settable TTY: got stdin %v stdout %v stderr %v width %d", ios.IsStdinTTY(), ios.IsStdoutTTY(), ios.IsStderrTTY(), ios.TerminalWidth())
	}
	// A width without a terminal output means nothing.
	ios.SetStdoutTTY(false)
	if ios.TerminalWidth() != 0 {
		t.Errorf("width of a non-terminal output: got %d, want 0", ios.TerminalWidth())
	}
}

// TestSystemDetectsNoTerminalOnFiles: with standard streams redirected to
// files (as under `go test`, or a pipe), System says none is a terminal.
func TestSystemDetectsNoTerminalOnFiles(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stream")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	os.Stdin, os.Stdout, os.Stderr = f, f, f
	ios := System()
	os.Stdin, os.Stdout, os.Stderr = saved[0], saved[1], saved[2]
	if ios.IsStdinTTY() || ios.IsStdoutTTY() || ios.IsStderrTTY() {
		t.Errorf("files taken for terminals: stdin %v stdout %v stderr %v", ios.IsStdinTTY(), ios.IsStdoutTTY(), ios.IsStderrTTY())
	}
	if ios.In != f || ios.Out != f || ios.ErrOut != f {
		t.Errorf("System must use the process's standard streams")
	}
}
