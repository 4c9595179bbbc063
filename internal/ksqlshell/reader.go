package ksqlshell

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/peterh/liner"
)

// PlainReader reads lines from a pipe or file, without prompts or editing.
type PlainReader struct {
	r *bufio.Reader
}

// NewPlainReader reads lines from r.
func NewPlainReader(r io.Reader) *PlainReader { return &PlainReader{r: bufio.NewReader(r)} }

// ReadLine implements LineReader; the prompt is not shown.
func (p *PlainReader) ReadLine(string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	return strings.TrimRight(line, "\r\n"), err
}

// Terminal reads lines from the terminal with line editing and a history
// (up and down arrows, Ctrl+R to search it), through liner. It puts the
// terminal in raw mode: Close restores it.
type Terminal struct {
	state *liner.State
	hist  *History
	// Warn receives a note when the history cannot be written.
	Warn   io.Writer
	warned bool
}

// NewTerminal starts line editing on the process's terminal with the
// entries of hist (which may be nil) as history.
func NewTerminal(hist *History) *Terminal {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	st.SetMultiLineMode(true) // long statements wrap instead of scrolling sideways
	st.SetTabCompletionStyle(liner.TabPrints)
	st.SetWordCompleter(completeWord)
	if hist != nil {
		_, _ = st.ReadHistory(strings.NewReader(strings.Join(hist.Entries(), "\n")))
	}
	return &Terminal{state: st, hist: hist}
}

// ReadLine implements LineReader.
func (t *Terminal) ReadLine(prompt string) (string, error) {
	line, err := t.state.Prompt(prompt)
	switch {
	case errors.Is(err, liner.ErrPromptAborted):
		return "", ErrInterrupted
	case errors.Is(err, io.EOF):
		fmt.Println() // Ctrl+D leaves the cursor after the prompt
	}
	return line, err
}

// AddHistory adds a statement to the history, in memory and in its file.
func (t *Terminal) AddHistory(entry string) {
	t.state.AppendHistory(entry)
	if t.hist == nil {
		return
	}
	if err := t.hist.Add(entry); err != nil && !t.warned && t.Warn != nil {
		t.warned = true
		io.WriteString(t.Warn, "warning: the history is not saved: "+err.Error()+"\n")
	}
}

// History lists the entries of the history, oldest first.
func (t *Terminal) History() []string {
	if t.hist != nil {
		return t.hist.Entries()
	}
	var b strings.Builder
	_, _ = t.state.WriteHistory(&b)
	return strings.Split(strings.TrimSpace(b.String()), "\n")
}

// Close restores the terminal.
func (t *Terminal) Close() error { return t.state.Close() }
