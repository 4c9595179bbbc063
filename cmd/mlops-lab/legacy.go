package main

// This file adapts the commands that still live in package main, written
// against the former App, to the Factory. A command that moves to its own
// package under internal/cli is registered in internal/cli/root instead and
// leaves legacyCommands; once none is left, this file goes.

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/kafkatool"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// legacyCommands are the commands not yet moved to internal/cli.
func legacyCommands(f *cmdutil.Factory) []*cobra.Command {
	var cmds []*cobra.Command
	for _, c := range cmds {
		adaptExitErrors(c)
	}
	return cmds
}

// App is what the commands still in package main share: the Factory's
// streams and folder under their former names.
type App struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// Dir is the folder commands act in; the process's working folder when empty.
	Dir string
	// Context, when set, is the base context of commands (tests cancel it to
	// stand in for Ctrl+C); SIGINT and SIGTERM cancel it too.
	Context context.Context

	f *cmdutil.Factory
}

func newApp(f *cmdutil.Factory) *App {
	return &App{In: f.IOStreams.In, Out: f.IOStreams.Out, Err: f.IOStreams.ErrOut, Dir: f.WorkDir, Context: f.Context, f: f}
}

// factory is the Factory the App stands for.
func (a *App) factory() *cmdutil.Factory {
	if a.f == nil {
		a.f = cmdutil.NewFactory(iostreams.New(a.In, a.Out, a.Err))
		a.f.WorkDir = a.Dir
		a.f.Context = a.Context
	}
	return a.f
}

// Run executes the command line and returns the process exit status.
func (a *App) Run(args []string) int { return run(a.factory(), args) }

// workdir is the folder the command acts in.
func (a *App) workdir() string { return a.factory().Dir() }

// workspace finds the enclosing course workspace.
func (a *App) workspace() (workspace.Workspace, error) { return a.factory().Workspace() }

// connect is cmdutil.Factory.Connect for the former flags.
func (a *App) connect(ctx context.Context, f *envFlags, needs env.Needs) (env.Environment, error) {
	return a.factory().Connect(ctx, f.shared(), needs)
}

// withKafkaTool is kafkatool.Tool.With for the former flags.
func withKafkaTool(ctx context.Context, app *App, flags *envFlags, fn func(bootstrap string) error) error {
	return kafkatool.New(app.factory()).With(ctx, flags.shared(), fn)
}

// envFlags are cmdutil.EnvFlags under their former field names.
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

func (f *envFlags) shared() *cmdutil.EnvFlags {
	return &cmdutil.EnvFlags{Runtime: f.runtime, Bootstrap: f.bootstrap, KsqlURL: f.ksqlURL, DataDir: f.dataDir, KafkaImage: f.kafkaImage, KsqlImage: f.ksqlImage}
}

// spec is cmdutil.EnvFlags.Spec.
func (f *envFlags) spec(needs env.Needs) (string, env.Spec) { return f.shared().Spec(needs) }

// exitError is cmdutil.ExitError under its former name; adaptExitErrors
// turns it into the new one for root.Execute.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func silentExit(code int) error { return &exitError{code: code} }

// adaptExitErrors makes cmd and its subcommands return cmdutil.ExitError
// where they return exitError.
func adaptExitErrors(cmd *cobra.Command) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			err := run(c, args)
			var ee *exitError
			if errors.As(err, &ee) {
				return &cmdutil.ExitError{Code: ee.code, Err: ee.err}
			}
			return err
		}
	}
	for _, sub := range cmd.Commands() {
		adaptExitErrors(sub)
	}
}

func exactArgs(n int, help string) cobra.PositionalArgs      { return cmdutil.ExactArgs(n, help) }

var completeLabs = cmdutil.CompleteLabs

// buildVersion is the binary's version.
func buildVersion() string { return cmdutil.BuildVersion(version) }
