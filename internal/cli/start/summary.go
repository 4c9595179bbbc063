package start

import (
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/mlops-lab/mlops-lab/internal/coursestatus"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
)

// printSummary is what start shows instead of the whole README: the lab,
// its exercises with their points and the learner's status, and the next
// command to run. prog may be nil (no progress file, or an unreadable one).
func printSummary(w io.Writer, lab *labs.Lab, prog *progress.File) {
	var lp *progress.Lab
	if prog != nil {
		lp = prog.Labs[lab.ID]
	}
	score := ""
	if lp != nil {
		score = fmt.Sprintf(", %s/%d points", grader.FormatPoints(lp.Score), lab.MaxScore())
	}
	fmt.Fprintf(w, "\n%s: %s (%s%s)\n", lab.ID, lab.Title, coursestatus.LabStatus(lab, lp), score)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, e := range lab.Exercises {
		fmt.Fprintf(tw, "  %d\t%s\t%d points\t%s\t%s\n", i+1, e.ID, e.Points, exerciseStatus(&e, lp), e.File)
	}
	tw.Flush()

	var pos coursestatus.Position
	pos.Next, pos.NextNumber = coursestatus.NextExercise(lab, lp)
	fmt.Fprintln(w)
	var cmds [][2]string
	if pos.Next != nil {
		fmt.Fprintf(w, "next: exercise %d, %s, in %s\n", pos.NextNumber, pos.Next.Title,
			filepath.ToSlash(filepath.Join("labs", lab.Folder, pos.Next.File)))
		cmds = append(cmds,
			[2]string{fmt.Sprintf("mlops-lab grade %s --exercise %s", lab.ID, pos.Next.ID), "grade it, in another terminal (--watch regrades on save)"},
			[2]string{fmt.Sprintf("mlops-lab hint %s %d", lab.ID, pos.NextNumber), "a hint, one at a time"})
	} else {
		fmt.Fprintf(w, "every exercise of %s passes\n", lab.ID)
		cmds = append(cmds, [2]string{"mlops-lab list", "every lab and your scores"})
	}
	cmds = append(cmds, [2]string{"mlops-lab instructions " + lab.ID, "the lab's instructions (labs/" + lab.Folder + "/README.md)"})
	width := 0
	for _, c := range cmds {
		width = max(width, len(c[0]))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c[0], c[1])
	}
}

// exerciseStatus is an exercise's status from the lab's progress (nil when
// the lab was never graded), in the words of coursestatus.
func exerciseStatus(e *labs.Exercise, lp *progress.Lab) string {
	if lp == nil {
		return coursestatus.NotGraded
	}
	r := lp.Exercises[e.ID]
	switch {
	case r == nil:
		return coursestatus.NotGraded
	case r.Status == grader.StatusPass:
		return coursestatus.Done
	case r.Score > 0:
		return fmt.Sprintf("%s (%s/%d)", coursestatus.InProgress, grader.FormatPoints(r.Score), e.Points)
	default:
		return coursestatus.NotStarted
	}
}
