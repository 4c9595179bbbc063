package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// Factory is what every command shares.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// WorkDir is the folder commands act in; the process's working folder
	// when empty.
	WorkDir string
	// Context, when set, is the base context of commands (tests cancel it to
	// stand in for Ctrl+C); root.Execute cancels it on SIGINT and SIGTERM too.
	Context context.Context
	// Version is the binary's version (see BuildVersion).
	Version string
}

// NewFactory returns a Factory on the given streams, acting in the process's
// working folder.
func NewFactory(ios *iostreams.IOStreams) *Factory {
	return &Factory{IOStreams: ios, Version: BuildVersion("")}
}

// BaseContext is the context commands start from.
func (f *Factory) BaseContext() context.Context {
	if f.Context != nil {
		return f.Context
	}
	return context.Background()
}

// Dir is the folder the command acts in.
func (f *Factory) Dir() string {
	if f.WorkDir != "" {
		return f.WorkDir
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// ResolvePath makes a path the learner typed relative to the working folder
// absolute; absolute paths and "" (no path given) come back unchanged.
func (f *Factory) ResolvePath(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(f.Dir(), path)
}

// Workspace finds the enclosing course workspace.
func (f *Factory) Workspace() (workspace.Workspace, error) {
	return workspace.Find(f.Dir())
}

// Connect returns an environment for a command that needs Kafka: the one
// given by flags, else the one `mlops-lab start` runs in this workspace, else a
// fresh one on the chosen runtime that the caller closes when done. Attached
// says whether it is the running start's.
func (f *Factory) Connect(ctx context.Context, flags *EnvFlags, needs env.Needs) (env.Environment, error) {
	runtime, spec := flags.Spec(needs)
	if runtime == env.External || flags.Runtime != env.Embedded {
		spec.Progress = f.IOStreams.ErrOut
		return env.Start(ctx, runtime, spec)
	}
	if ws, err := f.Workspace(); err == nil {
		rec, err := env.AnsweringRecord(ctx, ws, f.IOStreams.ErrOut)
		switch {
		case err == nil:
			if !needs.KSQL || rec.KsqlURL != "" {
				return attachedEnv{env.Attach(rec)}, nil
			}
		case ctx.Err() != nil:
			return nil, err
		case !errors.Is(err, env.ErrNoRecord):
			fmt.Fprintf(f.IOStreams.ErrOut, "warning: %v; starting a fresh environment\n", err)
		}
	}
	return env.Start(ctx, runtime, spec)
}

// attachedEnv is the environment of a running `mlops-lab start` that
// Connect attached to, marked so that callers need not read the record again
// to know it (see Attached).
type attachedEnv struct{ env.Environment }

// Attached says whether e, from Factory.Connect, is the environment a running
// `mlops-lab start` recorded in the workspace, rather than one started for
// the command (which starts empty and stops with it).
func Attached(e env.Environment) bool {
	_, ok := e.(attachedEnv)
	return ok
}
