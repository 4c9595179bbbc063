// Package kafkatool gives the console commands that read or write topics
// (topic, datagen, plot) their Kafka: the cluster given by flags, the one a
// running `mlops-lab start` recorded in the workspace, or else a fresh
// embedded broker, which is announced because it starts empty and stops
// with the command.
package kafkatool

import (
	"context"
	"fmt"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

// Options is what a command on Kafka needs (the topic subcommands, ml
// publish, serve and online embed it): the streams, the context Ctrl+C
// ends, the connection and its flags.
type Options struct {
	IO    *iostreams.IOStreams
	Ctx   context.Context
	Kafka *Tool

	Env cmdutil.EnvFlags
}

// NewOptions returns the Options of f; the command sets Ctx when it runs
// and registers Env's flags.
func NewOptions(f *cmdutil.Factory) Options {
	return Options{IO: f.IOStreams, Kafka: New(f)}
}

// Tool connects a command to Kafka through its Factory.
type Tool struct {
	f *cmdutil.Factory
}

// New returns the Tool of f.
func New(f *cmdutil.Factory) *Tool { return &Tool{f: f} }

// Connect returns the Kafka environment for flags. A cluster given with
// --bootstrap that does not answer fails within env.ConnectTimeout. The
// caller closes the environment (a no-op for one it attached to).
func (t *Tool) Connect(ctx context.Context, flags *cmdutil.EnvFlags) (env.Environment, error) {
	e, err := t.f.Connect(ctx, flags, env.Needs{Kafka: true})
	if err != nil {
		return nil, err
	}
	if e.Runtime() != env.External && !cmdutil.Attached(e) {
		fmt.Fprintf(t.f.IOStreams.ErrOut, "note: no `mlops-lab start` runs in this workspace, so this command started its own empty Kafka at %s, which stops when it ends; run `mlops-lab start LAB` in another terminal first, or pass --bootstrap HOST:PORT\n", e.Bootstrap())
	}
	return e, nil
}

// With runs fn with the bootstrap address of the environment Connect
// returns, and closes what it started afterwards.
func (t *Tool) With(ctx context.Context, flags *cmdutil.EnvFlags, fn func(bootstrap string) error) error {
	e, err := t.Connect(ctx, flags)
	if err != nil {
		return err
	}
	defer e.Close(context.Background())
	return fn(e.Bootstrap())
}
