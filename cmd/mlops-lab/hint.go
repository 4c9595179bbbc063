package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
)

type hintOptions struct {
	lab, exercise string
	all           bool
}

func newHintCmd(app *App) *cobra.Command {
	opts := &hintOptions{}
	cmd := &cobra.Command{
		Use:   "hint LAB [EXERCISE]",
		Short: "Show a hint for an exercise (the first one you have not passed, by default)",
		Long: `Hints come in steps, from a nudge to nearly the answer. Each call shows the
next step for the exercise; --all shows every step at once.`,
		Example: `  mlops-lab hint lab1
  mlops-lab hint lab1 2
  mlops-lab hint lab1 java-partitioner --all`,
		Args:              rangeArgs(1, 2, "usage: mlops-lab hint LAB [EXERCISE], e.g. `mlops-lab hint lab1 2`"),
		ValidArgsFunction: completeLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.lab = args[0]
			if len(args) == 2 {
				opts.exercise = args[1]
			}
			return runHint(app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.all, "all", false, "show every hint of the exercise")
	return cmd
}

func runHint(app *App, opts *hintOptions) error {
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	lab, err := cat.Find(opts.lab)
	if err != nil {
		return err
	}
	ws, wsErr := app.workspace()
	var prog *progress.File
	if wsErr == nil {
		prog, _ = progress.Load(ws)
	}
	var ex *labs.Exercise
	if opts.exercise != "" {
		if ex, err = lab.Exercise(opts.exercise); err != nil {
			return err
		}
	} else {
		ex = firstUnpassed(lab, prog)
		if ex == nil {
			fmt.Fprintf(app.Out, "Every exercise of %s passes. Name one to see its hints: mlops-lab hint %s EXERCISE\n", lab.ID, lab.ID)
			return nil
		}
	}
	if len(ex.Hints) == 0 {
		fmt.Fprintf(app.Out, "%s has no hints; its instructions are in labs/%s/README.md\n", ex.ID, lab.Folder)
		return nil
	}
	key := lab.ID + "/" + ex.ID
	shown := len(ex.Hints)
	if !opts.all && prog != nil {
		shown = min(prog.Hints[key]+1, len(ex.Hints))
		prog.Hints[key] = shown
		if err := prog.Save(ws); err != nil {
			fmt.Fprintf(app.Err, "warning: %v\n", err)
		}
	} else if !opts.all {
		shown = 1
	}
	fmt.Fprintf(app.Out, "%s, exercise %s: %s (file %s)\n\n", lab.ID, ex.ID, ex.Title, ex.File)
	for i := 0; i < shown; i++ {
		fmt.Fprintf(app.Out, "hint %d of %d: %s\n\n", i+1, len(ex.Hints), ex.Hints[i])
	}
	if shown < len(ex.Hints) {
		fmt.Fprintf(app.Out, "Run the same command again for the next hint.\n")
	}
	return nil
}

// firstUnpassed is the first exercise whose latest grade is not a pass.
func firstUnpassed(lab *labs.Lab, prog *progress.File) *labs.Exercise {
	for i := range lab.Exercises {
		ex := &lab.Exercises[i]
		if prog == nil || prog.Labs[lab.ID] == nil {
			return ex
		}
		if r := prog.Labs[lab.ID].Exercises[ex.ID]; r == nil || r.Status != "pass" {
			return ex
		}
	}
	return nil
}
