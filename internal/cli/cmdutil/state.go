package cmdutil

import (
	"errors"
	"fmt"
	"io"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// CourseState is what list and the no-argument status show of a workspace:
// the learner's progress and the environment a running `mlops-lab start`
// recorded (nil when none runs). A file that cannot be read is a warning on
// errOut, not an error: the rest still shows.
func CourseState(ws workspace.Workspace, errOut io.Writer) (*progress.File, *env.Record) {
	prog, err := progress.Load(ws)
	if err != nil {
		fmt.Fprintf(errOut, "warning: %v\n", err)
	}
	var running *env.Record
	if rec, err := env.LiveRecord(ws); err == nil {
		running = &rec
	} else if !errors.Is(err, env.ErrNoRecord) {
		fmt.Fprintf(errOut, "warning: %v\n", err)
	}
	return prog, running
}
