package main

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
	"golang.org/x/term"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/ksqlshell"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/client"
)

type ksqlOptions struct {
	env     envFlags
	file    string
	execute string
}

// newKsqlCmd is `mlops-lab ksql`: an interactive ksqlDB shell like ksql's
// CLI, and the `ksql test` runner under it.
func newKsqlCmd(app *App) *cobra.Command {
	opts := &ksqlOptions{}
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
		Args: exactArgs(0, "ksql takes no arguments: run `mlops-lab ksql`, or `mlops-lab ksql -e \"SHOW STREAMS;\"`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKsql(cmd.Context(), app, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.execute, "execute", "e", "", `run these statements ("S1; S2;") and exit`)
	fl.StringVarP(&opts.file, "file", "f", "", "run the statements of this SQL file and exit")
	opts.env.register(cmd)
	cmd.AddCommand(newKsqlTestCmd(app))
	return cmd
}

// ksqlConnectTimeout bounds the first answer of a server given with
// --ksql-url: an address where nothing answers should fail, not hang.
const ksqlConnectTimeout = 10 * time.Second

func runKsql(ctx context.Context, app *App, opts *ksqlOptions) error {
	if opts.file != "" && opts.execute != "" {
		return errors.New("use -e or -f, not both")
	}
	var script, scriptName string
	switch {
	case opts.file != "":
		path := opts.file
		if !filepath.IsAbs(path) {
			path = filepath.Join(app.workdir(), path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("%s: no such file", opts.file)
			}
			return err
		}
		script, scriptName = string(b), opts.file
	case opts.execute != "":
		script, scriptName = opts.execute, "-e"
	}
	interactive := script == "" && opts.file == "" && isTerminal(app)

	url, closeEnv, err := connectKsql(ctx, app, opts, interactive)
	if err != nil {
		return err
	}
	defer closeEnv()

	sh := &ksqlshell.Shell{
		Client:    client.New(url),
		Out:       app.Out,
		Err:       app.Err,
		Dir:       app.workdir(),
		ServerURL: url,
	}
	switch {
	case opts.file != "" || opts.execute != "":
		if err := sh.RunScript(ctx, scriptName, script); err != nil {
			if ctx.Err() != nil {
				return silentExit(130)
			}
			fmt.Fprintln(app.Err, "error:", ksqlshell.FormatError(err))
			return silentExit(1)
		}
		return nil
	case interactive:
		return runKsqlTerminal(ctx, app, sh, closeEnv)
	}
	failed, err := sh.Run(ctx, ksqlshell.NewPlainReader(app.In), false)
	switch {
	case ctx.Err() != nil:
		return silentExit(130)
	case err != nil:
		return err
	case failed > 0:
		return silentExit(1)
	}
	return nil
}

// isTerminal says whether the command reads and writes the process's
// terminal (line editing needs both).
func isTerminal(app *App) bool {
	in, ok1 := app.In.(*os.File)
	out, ok2 := app.Out.(*os.File)
	return ok1 && ok2 && in.Fd() == os.Stdin.Fd() && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd()))
}

// connectKsql finds the ksqlDB server: the one given with --ksql-url, the
// one of the `mlops-lab start` running in this workspace, or a fresh one
// on the chosen runtime, announced on stderr because it starts empty and
// stops with the command. closeEnv stops what was started.
func connectKsql(ctx context.Context, app *App, opts *ksqlOptions, untilExit bool) (url string, closeEnv func(), err error) {
	if opts.env.ksqlURL != "" && opts.env.runtime != env.Docker {
		url = opts.env.ksqlURL
		cctx, cancel := context.WithTimeout(ctx, ksqlConnectTimeout)
		defer cancel()
		if _, err := client.New(url).Info(cctx); err != nil {
			return "", nil, fmt.Errorf("no ksqlDB answers at %s: %v", url, err)
		}
		return url, func() {}, nil
	}
	e, err := app.connect(ctx, &opts.env, env.Needs{Kafka: true, KSQL: true})
	if err != nil {
		return "", nil, err
	}
	closeEnv = func() { _ = e.Close(context.Background()) }
	if e.KsqlURL() == "" {
		closeEnv()
		return "", nil, errors.New("this environment runs no ksqlDB: start a lab that uses it, or pass --ksql-url")
	}
	if e.Runtime() != env.External && !ksqlAttached(app, e) {
		ends := "when this command ends"
		if untilExit {
			ends = "when you exit"
		}
		fmt.Fprintf(app.Err, "no `mlops-lab start` with ksqlDB runs here; started an %s ksqlDB at %s, which stops %s\n", e.Runtime(), e.KsqlURL(), ends)
	}
	return e.KsqlURL(), closeEnv, nil
}

// ksqlAttached says whether e's ksqlDB is the one a running `mlops-lab
// start` recorded in the workspace.
func ksqlAttached(app *App, e env.Environment) bool {
	ws, err := app.workspace()
	if err != nil {
		return false
	}
	rec, err := env.LiveRecord(ws)
	return err == nil && rec.KsqlURL != "" && rec.KsqlURL == e.KsqlURL()
}

// ksqlHistoryPath is where the shell keeps its history: in the workspace's
// state folder, or in the home folder outside a workspace.
func ksqlHistoryPath(app *App) string {
	if ws, err := app.workspace(); err == nil {
		return ws.State("ksql_history")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".mlops-lab", "ksql_history")
	}
	return ""
}

// runKsqlTerminal runs an interactive session on the terminal. Ctrl+C
// while a query runs ends the query: the session therefore runs on a
// context that SIGINT does not cancel, and SIGINT is passed to the shell.
// SIGTERM still ends everything.
func runKsqlTerminal(ctx context.Context, app *App, sh *ksqlshell.Shell, closeEnv func()) error {
	hist, err := ksqlshell.LoadHistory(ksqlHistoryPath(app), 0)
	if err != nil {
		fmt.Fprintf(app.Err, "warning: reading the history %s: %v\n", hist.Path, err)
	}
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
		sh.Width = w
	}
	interrupts := make(chan struct{}, 1)
	sh.Interrupt = interrupts
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	t := ksqlshell.NewTerminal(hist)
	t.Warn = app.Err
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
			fmt.Fprintln(app.Out)
			closeEnv()
			os.Exit(143)
		}
	}()

	version := "ksqlDB"
	if info, err := sh.Client.Info(ctx); err == nil && info.Version != "" {
		version += " " + info.Version
	}
	fmt.Fprintf(app.Out, "Connected to %s at %s.\nType help for help, exit or Ctrl+D to leave; statements end with a semicolon.\n\n", version, sh.ServerURL)
	_, err = sh.Run(context.WithoutCancel(ctx), t, true)
	fmt.Fprintln(app.Out, "Exiting ksqlDB shell.")
	return err
}
