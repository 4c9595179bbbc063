// Package ksql is the `mlops-lab ksql` command: an interactive ksqlDB shell
// like ksql's CLI (internal/ksqlshell) on the ksqlDB of the running start, a
// given server or an embedded one, and `ksql test`, ksql-test-runner on the
// embedded engine (pkg/ksql/testrunner).
package ksql

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/ksqlshell"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
)

// KsqlOptions is what `ksql` needs.
type KsqlOptions struct {
	IO  *iostreams.IOStreams
	Ctx context.Context
	// Dir is the working folder, where RUN SCRIPT finds relative paths.
	Dir         func() string
	ResolvePath func(string) string
	// LabFile finds -f's file: in the working folder, else in the lab
	// folders (see Factory.LabFile).
	LabFile   func(string) (string, error)
	Workspace func() (workspace.Workspace, error)
	Connect   func(context.Context, *cmdutil.EnvFlags, env.Needs) (env.Environment, error)

	Env     cmdutil.EnvFlags
	File    string
	Execute string
}

// NewCmdKsql returns the ksql command, with `ksql test` under it; runF,
// when not nil, runs instead of the shell once the flags are checked (for
// tests).
func NewCmdKsql(f *cmdutil.Factory, runF func(*KsqlOptions) error) *cobra.Command {
	opts := &KsqlOptions{IO: f.IOStreams, Dir: f.Dir, ResolvePath: f.ResolvePath, LabFile: f.LabFile, Workspace: f.Workspace, Connect: f.Connect}
	cmd := &cobra.Command{
		Use:   "ksql",
		Short: "An interactive ksqlDB shell, like ksql's CLI (and `ksql test` to test statements)",
		Long: `An interactive shell for ksqlDB, in the manner of ksql's own CLI.

It talks to the ksqlDB of a running ` + "`mlops-lab start`" + ` in this workspace, to the
server given with --ksql-url, or else to an embedded ksqlDB it starts itself
(which is empty and stops when the shell ends).

Statements end with a semicolon and may span lines. SET 'name'='value'; keeps a
property on the client and sends it with every statement and query, as ksql's
CLI does: SET 'auto.offset.reset'='earliest'; makes queries read topics from
the start. Push queries (SELECT ... EMIT CHANGES) stream rows until their LIMIT
or Ctrl+C, which ends the query, not the shell. Type help in the shell for more.

With -e or -f the statements run one by one and the command stops at the first
that fails (exit status 1). Statements piped to standard input run the same way
without prompts; the exit status is 1 when any of them failed.`,
		Example: `  mlops-lab ksql
  mlops-lab ksql -e "SHOW STREAMS; DESCRIBE readings;"
  mlops-lab ksql -f views.sql
  mlops-lab ksql --ksql-url http://localhost:8088
  echo "SHOW TOPICS;" | mlops-lab ksql`,
		Args: cmdutil.ExactArgs(0, "ksql takes no arguments: run `mlops-lab ksql`, or `mlops-lab ksql -e \"SHOW STREAMS;\"`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if opts.File != "" && opts.Execute != "" {
				return errors.New("use -e or -f, not both")
			}
			if runF != nil {
				return runF(opts)
			}
			return ksqlRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Execute, "execute", "e", "", `run these statements ("S1; S2;") and exit`)
	fl.StringVarP(&opts.File, "file", "f", "", "run the statements of this SQL file and exit")
	opts.Env.Register(cmd)
	cmd.AddCommand(NewCmdTest(f, nil))
	return cmd
}

// connectTimeout bounds the first answer of a server given with
// --ksql-url: an address where nothing answers should fail, not hang.
const connectTimeout = 10 * time.Second

func ksqlRun(opts *KsqlOptions) error {
	ctx := opts.Ctx
	var script, scriptName string
	switch {
	case opts.File != "":
		b, err := readFile(opts.ResolvePath, opts.LabFile, opts.File)
		if err != nil {
			return err
		}
		script, scriptName = string(b), opts.File
	case opts.Execute != "":
		script, scriptName = opts.Execute, "-e"
	}
	// Line editing needs a terminal on both sides.
	interactive := script == "" && opts.File == "" && opts.IO.IsStdinTTY() && opts.IO.IsStdoutTTY()

	url, closeEnv, err := connect(opts, interactive)
	if err != nil {
		return err
	}
	defer closeEnv()

	sh := &ksqlshell.Shell{
		Client:    ksqlclient.New(url),
		Out:       opts.IO.Out,
		Err:       opts.IO.ErrOut,
		Dir:       opts.Dir(),
		ServerURL: url,
	}
	switch {
	case opts.File != "" || opts.Execute != "":
		if err := sh.RunScript(ctx, scriptName, script); err != nil {
			if ctx.Err() != nil {
				return cmdutil.SilentExit(130)
			}
			fmt.Fprintln(opts.IO.ErrOut, "error:", ksqlshell.FormatError(err))
			return cmdutil.SilentExit(1)
		}
		return nil
	case interactive:
		return runTerminal(opts, sh, closeEnv)
	}
	failed, err := sh.Run(ctx, ksqlshell.NewPlainReader(opts.IO.In), false)
	switch {
	case ctx.Err() != nil:
		return cmdutil.SilentExit(130)
	case err != nil:
		return err
	case failed > 0:
		return cmdutil.SilentExit(1)
	}
	return nil
}

// connect finds the ksqlDB server: the one given with --ksql-url, the one
// of the `mlops-lab start` running in this workspace, or a fresh one on the
// chosen runtime, announced on stderr because it starts empty and stops
// with the command. closeEnv stops what was started.
func connect(opts *KsqlOptions, untilExit bool) (url string, closeEnv func(), err error) {
	ctx := opts.Ctx
	if opts.Env.KsqlURL != "" && opts.Env.Runtime != env.Docker {
		url = opts.Env.KsqlURL
		cctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		if _, err := ksqlclient.New(url).Info(cctx); err != nil {
			return "", nil, fmt.Errorf("no ksqlDB answers at %s: %v", url, err)
		}
		return url, func() {}, nil
	}
	e, err := opts.Connect(ctx, &opts.Env, env.Needs{Kafka: true, KSQL: true})
	if err != nil {
		return "", nil, err
	}
	closeEnv = func() { _ = e.Close(context.Background()) }
	if e.KsqlURL() == "" {
		closeEnv()
		return "", nil, errors.New("this environment runs no ksqlDB: start a lab that uses it, or pass --ksql-url")
	}
	if e.Runtime() != env.External && !cmdutil.Attached(e) {
		ends := "when this command ends"
		if untilExit {
			ends = "when you exit"
		}
		fmt.Fprintf(opts.IO.ErrOut, "no `mlops-lab start` with ksqlDB runs here; started an %s ksqlDB at %s, which stops %s\n", e.Runtime(), e.KsqlURL(), ends)
	}
	return e.KsqlURL(), closeEnv, nil
}

// readFile reads a file the learner named (ksql -f, ksql test's files):
// the one labFile (Factory.LabFile) finds when it is set, else the one in
// the working folder. A missing file is reported by the name typed.
func readFile(resolvePath func(string) string, labFile func(string) (string, error), name string) ([]byte, error) {
	path := resolvePath(name)
	if labFile != nil {
		var err error
		if path, err = labFile(name); err != nil {
			return nil, err
		}
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such file", name)
	}
	return data, err
}

// historyPath is where the shell keeps its history: in the workspace's
// state folder, or in the home folder outside a workspace.
func historyPath(opts *KsqlOptions) string {
	if ws, err := opts.Workspace(); err == nil {
		return ws.State("ksql_history")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".mlops-lab", "ksql_history")
	}
	return ""
}

// runTerminal runs an interactive session on the terminal. Ctrl+C while a
// query runs ends the query: the session therefore runs on a context that
// SIGINT does not cancel, and SIGINT is passed to the shell. SIGTERM still
// ends everything.
func runTerminal(opts *KsqlOptions, sh *ksqlshell.Shell, closeEnv func()) error {
	ctx := opts.Ctx
	hist, err := ksqlshell.LoadHistory(historyPath(opts), 0)
	if err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: reading the history %s: %v\n", hist.Path, err)
	}
	if w := opts.IO.TerminalWidth(); w > 0 {
		sh.Width = w
	}
	interrupts := make(chan struct{}, 1)
	sh.Interrupt = interrupts
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	t := ksqlshell.NewTerminal(hist)
	t.Warn = opts.IO.ErrOut
	defer t.Close()
	go func() {
		for sig := range sigs {
			if sig == os.Interrupt {
				select {
				case interrupts <- struct{}{}:
				default:
				}
				continue
			}
			// SIGTERM: the prompt cannot be woken, so leave as a killed
			// process would, with the terminal restored.
			_ = t.Close()
			fmt.Fprintln(opts.IO.Out)
			closeEnv()
			os.Exit(143)
		}
	}()

	version := "ksqlDB"
	if info, err := sh.Client.Info(ctx); err == nil && info.Version != "" {
		version += " " + info.Version
	}
	fmt.Fprintf(opts.IO.Out, "Connected to %s at %s.\nType help for help, exit or Ctrl+D to leave; statements end with a semicolon.\n\n", version, sh.ServerURL)
	_, err = sh.Run(context.WithoutCancel(ctx), t, true)
	fmt.Fprintln(opts.IO.Out, "Exiting ksqlDB shell.")
	return err
}
