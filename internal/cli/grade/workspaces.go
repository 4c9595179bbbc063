package grade

import (
	"errors"

	classroomcli "github.com/mlops-lab/mlops-lab/internal/cli/classroom"
	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
)

// gradeWorkspaces is `grade --all --workspaces DIR...`: every student's
// workspace graded as `grade --all` grades one, into one table with a row
// per student and exercise (CSV, or JSON with --format json). The class
// report itself is in package classroom.
func gradeWorkspaces(opts *GradeOptions) error {
	switch {
	case !opts.All:
		return cmdutil.CannotRun(errors.New("--workspaces grades every lab of every student: add --all (e.g. `mlops-lab grade --all --workspaces submissions/*`)"))
	case opts.Solution || opts.Exercise != "" || opts.Watch:
		return cmdutil.CannotRun(errors.New("--workspaces goes with neither --solution, --exercise nor --watch"))
	}
	format := opts.Format
	if format == "text" {
		format = "csv"
	}
	return classroomcli.Report(&classroomcli.ReportOptions{
		IO:          opts.IO,
		Ctx:         opts.Ctx,
		ResolvePath: opts.ResolvePath,
		Connect:     opts.Connect,
		Workspaces:  opts.Labs,
		Format:      format,
		Output:      opts.Output,
		Timeout:     opts.Timeout,
		Parallel:    opts.Parallel,
		Env:         opts.Env,
	})
}
