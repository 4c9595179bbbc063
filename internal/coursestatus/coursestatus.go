// Package coursestatus works out where a learner is in the course from the
// workspace's progress file and the environment `start` recorded: each lab's
// status, the lab they are on, the next exercise to do and the command to run.
// It backs `mlops-lab list` and `mlops-lab` run with no arguments.
package coursestatus

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
)

// A lab's status as `list` shows it.
const (
	NotGraded  = "not graded"
	NotStarted = "not started" // graded, but no exercise earned a point
	InProgress = "in progress"
	Done       = "done"
)

// LabStatus is a lab's status given its progress (nil when never graded).
// Grading an untouched starter is not progress: it stays "not started"
// until some exercise earns points.
func LabStatus(l *labs.Lab, p *progress.Lab) string {
	switch {
	case p == nil:
		return NotGraded
	case p.Score >= float64(l.MaxScore()):
		return Done
	case p.Score > 0:
		return InProgress
	default:
		return NotStarted
	}
}

// Position is where the learner is.
type Position struct {
	// Lab is the lab they are on: the one `start` runs, else the latest
	// graded lab that is not done, else the first lab not done.
	Lab *labs.Lab
	// Progress is Lab's progress (nil when not graded yet).
	Progress *progress.Lab
	// Next is the first exercise of Lab not passed yet (nil when the lab is
	// done).
	Next *labs.Exercise
	// NextNumber is Next's number in its lab, from 1.
	NextNumber int
	// Running is the environment `start` recorded, when one answers.
	Running *env.Record
	// Finished reports that every lab is done.
	Finished bool
}

// Locate works out the position from the catalogue, the progress file and
// the running environment (nil when none).
func Locate(cat *labs.Catalogue, prog *progress.File, running *env.Record) Position {
	all := cat.Labs()
	pos := Position{Running: running}
	labProgress := func(l *labs.Lab) *progress.Lab {
		if prog == nil {
			return nil
		}
		return prog.Labs[l.ID]
	}
	if running != nil {
		for _, l := range all {
			if l.ID == running.Lab {
				pos.Lab = l
			}
		}
	}
	if pos.Lab == nil && prog != nil {
		// The lab graded last, unless it is done: then the first lab after
		// it that is not.
		var latest *labs.Lab
		for _, l := range all {
			if p := labProgress(l); p != nil && (latest == nil || p.GradedAt.After(labProgress(latest).GradedAt)) {
				latest = l
			}
		}
		if latest != nil {
			pos.Lab = latest
			if LabStatus(latest, labProgress(latest)) == Done {
				pos.Lab = nil
				for _, l := range all {
					if l.Number > latest.Number && LabStatus(l, labProgress(l)) != Done {
						pos.Lab = l
						break
					}
				}
			}
		}
	}
	if pos.Lab == nil {
		for _, l := range all {
			if LabStatus(l, labProgress(l)) != Done {
				pos.Lab = l
				break
			}
		}
	}
	if pos.Lab == nil {
		pos.Finished = true
		return pos
	}
	pos.Progress = labProgress(pos.Lab)
	pos.Next, pos.NextNumber = NextExercise(pos.Lab, pos.Progress)
	return pos
}

// NextExercise is the first exercise of l whose latest grade is not a pass,
// and its number from 1; nil and 0 when every exercise passes. p is the
// lab's progress (nil when never graded).
func NextExercise(l *labs.Lab, p *progress.Lab) (*labs.Exercise, int) {
	for i := range l.Exercises {
		e := &l.Exercises[i]
		if p != nil {
			if r := p.Exercises[e.ID]; r != nil && r.Status == grader.StatusPass {
				continue
			}
		}
		return e, i + 1
	}
	return nil, 0
}

// Render writes the position as a few lines ending with the commands to run.
func Render(w io.Writer, pos Position, cat *labs.Catalogue) {
	if pos.Finished {
		fmt.Fprintf(w, "every lab is done (%d of %d): well done. `mlops-lab list` shows the scores.\n", len(cat.Labs()), len(cat.Labs()))
		return
	}
	l := pos.Lab
	score := "not graded yet"
	if pos.Progress != nil {
		score = fmt.Sprintf("%s/%d points", grader.FormatPoints(pos.Progress.Score), l.MaxScore())
	}
	fmt.Fprintf(w, "you are on %s, %s: %s\n", l.ID, l.Title, score)
	if pos.Running != nil {
		fmt.Fprintf(w, "running: %s (kafka %s", pos.Running.Lab, pos.Running.Bootstrap)
		if pos.Running.KsqlURL != "" {
			fmt.Fprintf(w, ", ksql %s", pos.Running.KsqlURL)
		}
		fmt.Fprintln(w, ")")
	}
	if pos.Next != nil {
		fmt.Fprintf(w, "next: exercise %d, %s (%d points), in %s\n", pos.NextNumber, pos.Next.Title, pos.Next.Points,
			filepath.ToSlash(filepath.Join("labs", l.Folder, pos.Next.File)))
	}
	fmt.Fprintln(w)
	var cmds [][2]string
	if pos.Running == nil || pos.Running.Lab != l.ID {
		cmds = append(cmds, [2]string{"mlops-lab start " + l.ID, "its environment and data, in another terminal"})
	}
	if pos.Next != nil {
		cmds = append(cmds,
			[2]string{fmt.Sprintf("mlops-lab grade %s --exercise %s", l.ID, pos.Next.ID), "grade that exercise (--watch regrades on save)"},
			[2]string{fmt.Sprintf("mlops-lab hint %s %d", l.ID, pos.NextNumber), "a hint, one at a time"})
	}
	cmds = append(cmds, [2]string{"mlops-lab instructions " + l.ID, "the lab's instructions"},
		[2]string{"mlops-lab list", "every lab and your scores"})
	width := 0
	for _, c := range cmds {
		width = max(width, len(c[0]))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c[0], c[1])
	}
}
