// Package hint is the `mlops-lab hint` command: an exercise's hints, one
// more step each call.
package hint

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/coursestatus"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// HintOptions is what `hint` needs.
type HintOptions struct {
	IO        *iostreams.IOStreams
	Workspace func() (workspace.Workspace, error)

	Lab      string
	Exercise string
	All      bool
}

// NewCmdHint returns the hint command; runF, when not nil, runs instead of
// the command (for tests).
func NewCmdHint(f *cmdutil.Factory, runF func(*HintOptions) error) *cobra.Command {
	opts := &HintOptions{IO: f.IOStreams, Workspace: f.Workspace}
	cmd := &cobra.Command{
		Use:   "hint LAB [EXERCISE]",
		Short: "Show a hint for an exercise (the first one you have not passed, by default)",
		Long: `Hints come in steps, from a nudge to nearly the answer. Each call shows the
next step for the exercise; --all shows every step at once.`,
		Example: `  mlops-lab hint lab1
  mlops-lab hint lab1 2
  mlops-lab hint lab1 java-partitioner --all`,
		Args:              cmdutil.RangeArgs(1, 2, "usage: mlops-lab hint LAB [EXERCISE], e.g. `mlops-lab hint lab1 2`"),
		ValidArgsFunction: cmdutil.CompleteLabs,
		RunE:              cmdutil.RunE(opts, cmdutil.LabArgs(&opts.Lab, &opts.Exercise), runF, hintRun),
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "show every hint of the exercise")
	return cmd
}

func hintRun(opts *HintOptions) error {
	_, lab, err := cmdutil.FindLab(opts.Lab)
	if err != nil {
		return err
	}
	out := opts.IO.Out
	ws, wsErr := opts.Workspace()
	var prog *progress.File
	if wsErr == nil {
		prog, _ = progress.Load(ws)
	}
	var ex *labs.Exercise
	if opts.Exercise != "" {
		if ex, err = lab.Exercise(opts.Exercise); err != nil {
			return err
		}
	} else {
		ex = nextExercise(lab, prog)
		if ex == nil {
			fmt.Fprintf(out, "Every exercise of %s passes. Name one to see its hints: mlops-lab hint %s EXERCISE\n", lab.ID, lab.ID)
			return nil
		}
	}
	if len(ex.Hints) == 0 {
		fmt.Fprintf(out, "%s has no hints; its instructions are in labs/%s/README.md\n", ex.ID, lab.Folder)
		return nil
	}
	key := lab.ID + "/" + ex.ID
	shown := len(ex.Hints)
	if !opts.All && prog != nil {
		shown = min(prog.Hints[key]+1, len(ex.Hints))
		prog.Hints[key] = shown
		if err := prog.Save(ws); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n", err)
		}
	} else if !opts.All {
		shown = 1
	}
	fmt.Fprintf(out, "%s, exercise %s: %s (file %s)\n\n", lab.ID, ex.ID, ex.Title, ex.File)
	for i := 0; i < shown; i++ {
		fmt.Fprintf(out, "hint %d of %d: %s\n\n", i+1, len(ex.Hints), ex.Hints[i])
	}
	if shown < len(ex.Hints) {
		fmt.Fprintf(out, "Run the same command again for the next hint.\n")
	}
	return nil
}

// nextExercise is the first exercise whose latest grade is not a pass.
func nextExercise(lab *labs.Lab, prog *progress.File) *labs.Exercise {
	var lp *progress.Lab
	if prog != nil {
		lp = prog.Labs[lab.ID]
	}
	ex, _ := coursestatus.NextExercise(lab, lp)
	return ex
}
