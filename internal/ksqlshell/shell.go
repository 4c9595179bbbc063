// Package ksqlshell is the logic of `mlops-lab ksql`, an interactive shell
// for ksqlDB in the manner of ksql's own CLI: it splits what is typed (or
// piped, or read from a script) into statements, keeps SET properties on
// the client and sends them with every statement, runs queries and
// streams their rows, and draws the server's answers as ksql's CLI does.
//
// It talks to any server through pkg/ksql/ksqlclient, so it works with the
// embedded engine and with a real ksqlDB alike. The command in
// cmd/mlops-lab only connects and chooses how lines are read.
package ksqlshell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/parser"
)

// Prompts of an interactive session.
const (
	Prompt             = "ksql> "
	ContinuationPrompt = "   > "
)

// ErrInterrupted is what a LineReader answers when the user pressed Ctrl+C
// at the prompt: the shell drops what was typed and prompts again.
var ErrInterrupted = errors.New("interrupted")

// LineReader reads the lines of a session. It returns io.EOF at the end
// (Ctrl+D on a terminal) and ErrInterrupted on Ctrl+C.
type LineReader interface {
	ReadLine(prompt string) (string, error)
}

// historian is a LineReader that keeps a history of statements.
type historian interface {
	AddHistory(entry string)
	History() []string
}

// Shell runs statements against one ksqlDB server. Its zero value is not
// usable: set Client, Out and Err.
type Shell struct {
	Client *ksqlclient.Client
	// Out receives results; Err receives errors and notes.
	Out, Err io.Writer
	// Dir is the folder RUN SCRIPT paths are relative to.
	Dir string
	// ServerURL is shown by the `server` command.
	ServerURL string
	// Width is the terminal's width, which push query tables share among
	// their columns; 0 (not a terminal) sizes columns by their types.
	Width int
	// Interrupt, when set, delivers Ctrl+C while a query runs: the shell
	// ends the query (not the session).
	Interrupt <-chan struct{}

	mu    sync.Mutex
	props map[string]string
	depth int // RUN SCRIPT nesting
	exit  bool
}

// Properties are the client-side properties SET so far.
func (s *Shell) Properties() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.props))
	for k, v := range s.props {
		out[k] = v
	}
	return out
}

// requestProps are the properties sent with a statement or query.
func (s *Shell) requestProps() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]any, len(s.props))
	for k, v := range s.props {
		out[k] = v
	}
	return out
}

// ScriptError is the first failing statement of a script.
type ScriptError struct {
	// Name is the script's name (a file, or "-e").
	Name string
	// Index is the statement's 1-based number in the script, Line its
	// first line.
	Index, Line int
	Statement   string
	Err         error
}

func (e *ScriptError) Error() string {
	where := e.Name
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Name, e.Line)
	}
	if e.Index == 0 {
		return fmt.Sprintf("%s: %s", where, FormatError(e.Err))
	}
	return fmt.Sprintf("%s: statement %d failed: %s\n  %s", where, e.Index, FormatError(e.Err),
		strings.ReplaceAll(strings.TrimSpace(e.Statement), "\n", "\n  "))
}

func (e *ScriptError) Unwrap() error { return e.Err }

// FormatError is an error as one readable line (or a few, when the server
// says more): the server's own message for a refused statement, which
// carries the position of a syntax error ("line 1:15: ...").
func FormatError(err error) string {
	var se *ScriptError
	if errors.As(err, &se) {
		return se.Error()
	}
	var ke *ksqlclient.Error
	if errors.As(err, &ke) {
		msg := strings.TrimSpace(ke.Message)
		if msg == "" {
			msg = ke.Error()
		}
		return msg
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out: " + err.Error()
	}
	return err.Error()
}

// RunScript runs the statements of a script one by one and stops at the
// first that fails, returning a *ScriptError that says which. A last
// statement without its semicolon runs too.
func (s *Shell) RunScript(ctx context.Context, name, src string) error {
	stmts, rest := parser.SplitScript(src)
	last, ok, err := parser.FinishScript(rest)
	if err != nil {
		return &ScriptError{Name: name, Line: 1 + strings.Count(src[:len(src)-len(rest)], "\n"), Err: err}
	}
	if ok {
		last.Line += strings.Count(src[:len(src)-len(rest)], "\n")
		stmts = append(stmts, last)
	}
	for i, st := range stmts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.Exec(ctx, st.Text); err != nil {
			var inner *ScriptError
			if errors.As(err, &inner) {
				return err // a RUN SCRIPT inside says where itself
			}
			return &ScriptError{Name: name, Index: i + 1, Line: st.Line, Statement: st.Text, Err: err}
		}
		if s.exited() {
			return nil
		}
	}
	return nil
}

func (s *Shell) exited() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exit
}

// Run reads a session from lr until its end, exit or ctx ends, printing
// results and errors and going on after a failed statement. With prompt
// false (input from a pipe) no prompts are shown. It returns how many
// statements failed.
func (s *Shell) Run(ctx context.Context, lr LineReader, prompt bool) (failed int, err error) {
	var pending strings.Builder
	for !s.exited() {
		if err := ctx.Err(); err != nil {
			return failed, err
		}
		p := ""
		if prompt {
			p = Prompt
			if pending.Len() > 0 {
				p = ContinuationPrompt
			}
		}
		line, err := lr.ReadLine(p)
		switch {
		case errors.Is(err, ErrInterrupted):
			pending.Reset()
			continue
		case errors.Is(err, io.EOF):
			last, ok, ferr := parser.FinishScript(pending.String())
			if ferr != nil {
				fmt.Fprintln(s.Err, ferr)
				return failed + 1, nil
			}
			if ok {
				failed += s.runOne(ctx, lr, last.Text)
			}
			return failed, nil
		case err != nil:
			return failed, err
		}
		if pending.Len() == 0 {
			if p := classify(line); p.kind == kindCommand {
				s.remember(lr, strings.TrimSpace(line))
				failed += s.report(s.command(p.name, lr))
				continue
			}
		}
		pending.WriteString(line)
		pending.WriteString("\n")
		stmts, rest := parser.SplitScript(pending.String())
		pending.Reset()
		for _, st := range stmts {
			failed += s.runOne(ctx, lr, st.Text)
			if s.exited() {
				break
			}
		}
		switch p := classify(rest); {
		case s.exited() || parser.IsBlank(rest):
		case p.kind == kindCommand && len(stmts) > 0:
			// "SHOW STREAMS; exit": a command after the statements.
			s.remember(lr, strings.TrimSpace(rest))
			failed += s.report(s.command(p.name, lr))
		default:
			pending.WriteString(rest)
		}
	}
	return failed, nil
}

// runOne runs a statement typed in a session, adds it to the history and
// reports its error; it returns 1 when it failed.
func (s *Shell) runOne(ctx context.Context, lr LineReader, text string) int {
	s.remember(lr, parser.OneLine(text))
	return s.report(s.Exec(ctx, text))
}

func (s *Shell) remember(lr LineReader, entry string) {
	if h, ok := lr.(historian); ok && entry != "" {
		h.AddHistory(entry)
	}
}

func (s *Shell) report(err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(s.Err, FormatError(err))
	return 1
}

// Exec runs one statement: the shell's own (SET, UNSET, RUN SCRIPT, help
// and the other commands), a query through /query-stream, or anything
// else through /ksql, with the properties SET so far.
func (s *Shell) Exec(ctx context.Context, text string) error {
	p := classify(text)
	switch p.kind {
	case kindCommand:
		return s.command(p.name, nil)
	case kindSet:
		s.mu.Lock()
		if s.props == nil {
			s.props = map[string]string{}
		}
		old, had := s.props[p.name]
		s.props[p.name] = p.value
		s.mu.Unlock()
		if had {
			fmt.Fprintf(s.Out, "Successfully changed local property '%s' from '%s' to '%s'.\n", p.name, old, p.value)
		} else {
			fmt.Fprintf(s.Out, "Successfully changed local property '%s' to '%s'. Use the UNSET command to revert your change.\n", p.name, p.value)
		}
		return nil
	case kindUnset:
		s.mu.Lock()
		old, had := s.props[p.name]
		delete(s.props, p.name)
		s.mu.Unlock()
		if !had {
			fmt.Fprintf(s.Out, "Local property '%s' was not set.\n", p.name)
			return nil
		}
		fmt.Fprintf(s.Out, "Successfully unset local property '%s' (value was '%s').\n", p.name, old)
		return nil
	case kindRunScript:
		return s.runScriptFile(ctx, p.name)
	case kindPushQuery, kindPullQuery:
		return s.query(ctx, text, p)
	case kindPrint:
		return fmt.Errorf("this shell cannot PRINT topics yet: read one with `mlops-lab topic consume %s --from-beginning`, or query a stream over it with SELECT ... EMIT CHANGES", p.name)
	}
	ents, err := s.Client.Execute(ctx, text, s.requestProps())
	if err != nil {
		var ke *ksqlclient.Error
		if errors.As(err, &ke) {
			// Statements before the failing one (one statement at a
			// time here, but a server may answer them anyway).
			for _, e := range ke.Entities {
				_ = RenderEntity(s.Out, e)
			}
		}
		return err
	}
	for _, e := range ents {
		if err := RenderEntity(s.Out, e); err != nil {
			return err
		}
	}
	return nil
}

// closeQueryTimeout bounds telling the server that a query was stopped.
const closeQueryTimeout = 2 * time.Second

// maxScriptDepth bounds RUN SCRIPT inside RUN SCRIPT (a script running
// itself would never end).
const maxScriptDepth = 16

func (s *Shell) runScriptFile(ctx context.Context, name string) error {
	path := name
	if !filepath.IsAbs(path) && s.Dir != "" {
		path = filepath.Join(s.Dir, path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("RUN SCRIPT: %s: no such file", name)
		}
		return fmt.Errorf("RUN SCRIPT: %w", err)
	}
	s.mu.Lock()
	if s.depth >= maxScriptDepth {
		s.mu.Unlock()
		return fmt.Errorf("RUN SCRIPT: scripts nested more than %d deep (does %s run itself?)", maxScriptDepth, name)
	}
	s.depth++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.depth--
		s.mu.Unlock()
	}()
	return s.RunScript(ctx, name, string(src))
}

// command runs one of the shell's own commands.
func (s *Shell) command(name string, lr LineReader) error {
	switch name {
	case "EXIT", "QUIT":
		s.mu.Lock()
		s.exit = true
		s.mu.Unlock()
	case "HELP":
		_, err := io.WriteString(s.Out, helpText)
		return err
	case "SERVER":
		fmt.Fprintln(s.Out, s.ServerURL)
	case "HISTORY":
		h, ok := lr.(historian)
		if !ok {
			return errors.New("history is kept in interactive sessions only")
		}
		entries := h.History()
		for i, e := range entries {
			fmt.Fprintf(s.Out, "%5d  %s\n", i+1, e)
		}
	}
	return nil
}

// query runs a push or pull query and draws its rows as a table: a push
// query's rows as they arrive, until its LIMIT, Ctrl+C (s.Interrupt) or
// the end of ctx; a pull query's all at once, with their count.
func (s *Shell) query(ctx context.Context, text string, p parsed) error {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A Ctrl+C pressed before the query started is not meant for it.
	for drained := false; !drained; {
		select {
		case <-s.Interrupt:
		default:
			drained = true
		}
	}
	var watcher sync.WaitGroup
	stopped := make(chan struct{})
	done := make(chan struct{})
	var queryID struct {
		sync.Mutex
		id string
	}
	watcher.Add(1)
	go func() {
		defer watcher.Done()
		select {
		case <-s.Interrupt:
			close(stopped)
			queryID.Lock()
			id := queryID.id
			queryID.Unlock()
			cancel()
			if id != "" {
				// Closing the connection ends the query too; telling the
				// server is quicker and frees it at once.
				cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), closeQueryTimeout)
				_ = s.Client.CloseQuery(cctx, id)
				ccancel()
			}
		case <-done:
		}
	}()
	defer func() {
		close(done)
		watcher.Wait()
	}()
	wasStopped := func() bool {
		select {
		case <-stopped:
			return true
		default:
			return false
		}
	}

	rows, err := s.Client.Query(qctx, text, s.requestProps())
	if err != nil {
		if wasStopped() {
			fmt.Fprintln(s.Out, "Query terminated")
			return nil
		}
		return err
	}
	defer rows.Close()
	queryID.Lock()
	queryID.id = rows.QueryID
	queryID.Unlock()

	if p.kind == kindPullQuery {
		var cells [][]string
		for rows.Next() {
			cells = append(cells, formatRow(rows.Row()))
		}
		if err := rows.Err(); err != nil && !wasStopped() && ctx.Err() == nil {
			return err
		}
		if cells == nil {
			cells = [][]string{}
		}
		t := newQueryTable(s.Out, rows.ColumnNames, rows.ColumnTypes, cells, s.Width)
		t.header(rows.ColumnNames)
		for _, c := range cells {
			t.row(c)
		}
		t.border()
		if wasStopped() {
			fmt.Fprintln(s.Out, "Query terminated")
		}
		noun := "rows"
		if len(cells) == 1 {
			noun = "row"
		}
		fmt.Fprintf(s.Out, "%d %s\n", len(cells), noun)
		return nil
	}

	t := newQueryTable(s.Out, rows.ColumnNames, rows.ColumnTypes, nil, s.Width)
	t.header(rows.ColumnNames)
	for rows.Next() {
		t.row(formatRow(rows.Row()))
	}
	err = rows.Err()
	t.border()
	switch {
	case wasStopped(), ctx.Err() != nil:
	case err != nil:
		return err
	case p.limit:
		fmt.Fprintln(s.Out, "Limit Reached")
	}
	fmt.Fprintln(s.Out, "Query terminated")
	return nil
}

func formatRow(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = FormatValue(v)
	}
	return out
}
