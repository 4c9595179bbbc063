package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// App is what every command shares: its input and output streams (injectable,
// so commands are tested without a terminal) and the folder it runs in.
type App struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// Dir is the folder commands act in; the process's working folder when empty.
	Dir string
	// Context, when set, is the base context of commands (tests cancel it to
	// stand in for Ctrl+C); SIGINT and SIGTERM cancel it too.
	Context context.Context
}

// exitError carries a specific exit status (grade uses 1 for failed tests and
// 2 when grading could not run).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// silentExit ends the command with a status and no further message (the
// command already printed what there was to say).
func silentExit(code int) error { return &exitError{code: code} }

// Run executes the command line and returns the process exit status.
func (a *App) Run(args []string) int {
	base := a.Context
	if base == nil {
		base = context.Background()
	}
	ctx, stop := signal.NotifyContext(base, os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(a.In)
	root.SetOut(a.Out)
	root.SetErr(a.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(a.Err, "error:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(a.Err, "error:", err)
	return 1
}

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "mlops-lab",
		Short: "A runnable MLOps course: Kafka, ksqlDB and models, with labs that grade themselves",
		Long: `mlops-lab runs the course's labs. Start a lab's live environment, edit the
starter files, and grade your work:

  mlops-lab start lab1     # Kafka (and ksqlDB) with data flowing, plus the instructions
  mlops-lab grade lab1     # per-exercise results and points
  mlops-lab hint lab1      # a nudge when you are stuck`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion(),
	}
	root.SetVersionTemplate("mlops-lab {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see `%s --help`)", err, cmd.CommandPath())
	})
	root.AddCommand(
		newVersionCmd(app),
		newGradeCmd(app),
		newStartCmd(app),
		newListCmd(app),
		newHintCmd(app),
		newResetCmd(app),
		newSolutionCmd(app),
		newInitCmd(app),
		newServeCmd(app),
		newTopicCmd(app),
		newDatagenCmd(app),
		newMLCmd(app),
		newKsqlCmd(app),
		newPlotCmd(app),
	)
	return root
}

// workdir is the folder the command acts in.
func (a *App) workdir() string {
	if a.Dir != "" {
		return a.Dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// workspace finds the enclosing course workspace.
func (a *App) workspace() (workspace.Workspace, error) {
	return workspace.Find(a.workdir())
}

// envFlags are the flags of every command that needs Kafka or ksqlDB.
type envFlags struct {
	runtime    string
	bootstrap  string
	ksqlURL    string
	dataDir    string
	kafkaImage string
	ksqlImage  string
}

func (f *envFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.runtime, "runtime", env.Embedded, "where Kafka and ksqlDB run: embedded (in this process), docker (testcontainers) or external")
	fl.StringVar(&f.bootstrap, "bootstrap", "", "Kafka bootstrap HOST:PORT of a cluster you run (implies --runtime external)")
	fl.StringVar(&f.ksqlURL, "ksql-url", "", "ksqlDB server URL you run, e.g. http://localhost:8088 (with --bootstrap)")
	fl.StringVar(&f.kafkaImage, "kafka-image", "", "Kafka image for --runtime docker")
	fl.StringVar(&f.ksqlImage, "ksql-image", "", "ksqlDB server image for --runtime docker")
}

// spec fills the runtime-related part of an environment spec from the flags.
func (f *envFlags) spec(needs env.Needs) (runtime string, spec env.Spec) {
	runtime = f.runtime
	// A cluster given by address is used as it is; --ksql-url alone also
	// means external (and asks for --bootstrap) rather than being ignored.
	if f.bootstrap != "" || (f.ksqlURL != "" && runtime == env.Embedded) {
		runtime = env.External
	}
	return runtime, env.Spec{
		Needs:      needs,
		DataDir:    f.dataDir,
		KafkaImage: f.kafkaImage,
		KsqlImage:  f.ksqlImage,
		Bootstrap:  f.bootstrap,
		KsqlURL:    f.ksqlURL,
	}
}

// connect returns an environment for a command that needs Kafka: the one
// given by flags, else the one `mlops-lab start` runs in this workspace, else a
// fresh one on the chosen runtime that the caller closes when done.
func (a *App) connect(ctx context.Context, f *envFlags, needs env.Needs) (env.Environment, error) {
	runtime, spec := f.spec(needs)
	if runtime == env.External || f.runtime != env.Embedded {
		spec.Progress = a.Err
		return env.Start(ctx, runtime, spec)
	}
	if ws, err := a.workspace(); err == nil {
		rec, err := env.AnsweringRecord(ctx, ws, a.Err)
		switch {
		case err == nil:
			if !needs.KSQL || rec.KsqlURL != "" {
				return env.Attach(rec), nil
			}
		case ctx.Err() != nil:
			return nil, err
		case !errors.Is(err, env.ErrNoRecord):
			fmt.Fprintf(a.Err, "warning: %v; starting a fresh environment\n", err)
		}
	}
	return env.Start(ctx, runtime, spec)
}
