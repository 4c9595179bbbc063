package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
)

func newListCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the labs, their titles and your progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runList(app)
		},
	}
}

func runList(app *App) error {
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	var prog *progress.File
	var running *env.Record
	if ws, err := app.workspace(); err == nil {
		if prog, err = progress.Load(ws); err != nil {
			fmt.Fprintf(app.Err, "warning: %v\n", err)
		}
		if rec, err := env.LiveRecord(ws); err == nil {
			running = &rec
		} else if !errors.Is(err, env.ErrNoRecord) {
			fmt.Fprintf(app.Err, "warning: %v\n", err)
		}
	}
	tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAB\tTITLE\tEXERCISES\tSCORE\tSTATUS")
	for _, l := range cat.Labs() {
		score, status := "-", "not graded"
		if prog != nil {
			if p := prog.Labs[l.ID]; p != nil {
				score = fmt.Sprintf("%s/%d", points(p.Score), l.MaxScore())
				status = "in progress"
				if p.Score >= float64(l.MaxScore()) {
					status = "done"
				}
			}
		}
		if running != nil && running.Lab == l.ID {
			status += fmt.Sprintf(" (running, kafka %s)", running.Bootstrap)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.ID, l.Title, len(l.Exercises), score, status)
	}
	return tw.Flush()
}
