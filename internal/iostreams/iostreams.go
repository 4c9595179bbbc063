// Package iostreams holds the standard streams a command reads and writes,
// and the one decision of whether they are terminals, made once when the
// streams are set up (System) or set by a test (Test), so that no command
// looks at os.Stdin or os.Stdout itself.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's input, output and error output, and whether each
// is an interactive terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	// width is the terminal's width in columns for System streams (0 when
	// unknown); Test streams have the width a test set.
	width func() int
}

// System returns the process's standard streams.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
	}
	s.width = func() int {
		// Asked each time: the learner may resize the window.
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			return w
		}
		return 0
	}
	return s
}

// Test returns streams on buffers, none of them a terminal until the test
// says so with SetStdinTTY and the like: the input the command reads, and
// what it writes to its output and error output.
func Test() (ios *IOStreams, in *bytes.Buffer, out *bytes.Buffer, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// New returns streams on the given readers and writers, none of them a
// terminal (as Test, for callers that bring their own buffers).
func New(in io.Reader, out, errOut io.Writer) *IOStreams {
	return &IOStreams{In: in, Out: out, ErrOut: errOut}
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// IsStdinTTY says whether In is an interactive terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY says whether Out is a terminal (rendered output, colours).
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY says whether ErrOut is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY sets whether In counts as a terminal (for tests).
func (s *IOStreams) SetStdinTTY(tty bool) { s.stdinTTY = tty }

// SetStdoutTTY sets whether Out counts as a terminal (for tests).
func (s *IOStreams) SetStdoutTTY(tty bool) { s.stdoutTTY = tty }

// SetStderrTTY sets whether ErrOut counts as a terminal (for tests).
func (s *IOStreams) SetStderrTTY(tty bool) { s.stderrTTY = tty }

// TerminalWidth is the width of the output terminal in columns, or 0 when
// it is not a terminal or its width is unknown.
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY || s.width == nil {
		return 0
	}
	return s.width()
}

// SetTerminalWidth sets the width TerminalWidth reports (for tests).
func (s *IOStreams) SetTerminalWidth(columns int) { s.width = func() int { return columns } }
