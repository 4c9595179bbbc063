// Package list is the `mlops-lab list` command: the labs, their titles and
// the learner's progress.
package list

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/coursestatus"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// ListOptions is what `list` needs.
type ListOptions struct {
	IO        *iostreams.IOStreams
	Workspace func() (workspace.Workspace, error)
}

// NewCmdList returns the list command; runF, when not nil, runs instead of
// the command (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Workspace: f.Workspace}
	return &cobra.Command{
		Use:   "list",
		Short: "List the labs, their titles and your progress",
		Args:  cobra.NoArgs,
		RunE:  cmdutil.RunE(opts, nil, runF, listRun),
	}
}

func listRun(opts *ListOptions) error {
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	var prog *progress.File
	var running *env.Record
	ws, wsErr := opts.Workspace()
	if wsErr != nil {
		fmt.Fprintln(opts.IO.ErrOut, "note: not in a course workspace, so no progress is shown; `mlops-lab init DIR` makes one")
	} else {
		prog, running = cmdutil.CourseState(ws, opts.IO.ErrOut)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAB\tTITLE\tEXERCISES\tSCORE\tSTATUS")
	for _, l := range cat.Labs() {
		score := "-"
		var p *progress.Lab
		if prog != nil {
			p = prog.Labs[l.ID]
		}
		if p != nil {
			score = fmt.Sprintf("%s/%d", grader.FormatPoints(p.Score), l.MaxScore())
		}
		status := coursestatus.LabStatus(l, p)
		if running != nil && running.Lab == l.ID {
			status += fmt.Sprintf(" (running, kafka %s)", running.Bootstrap)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.ID, l.Title, len(l.Exercises), score, status)
	}
	return tw.Flush()
}
