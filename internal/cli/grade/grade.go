// Package grade is the `mlops-lab grade` command: the learner's work (or the
// reference solution) graded per exercise with points, as text, JSON or
// JUnit, once or on every save (--watch).
package grade

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// GradeOptions is what `grade` needs.
type GradeOptions struct {
	IO        *iostreams.IOStreams
	Workspace func() (workspace.Workspace, error)
	// Connect finds or starts the Kafka (and ksqlDB) the tests run against.
	Connect cmdutil.ConnectFunc
	// ResolvePath makes paths the learner typed absolute.
	ResolvePath func(string) string
	// Ctx ends grading (Ctrl+C, SIGTERM).
	Ctx context.Context

	Labs     []string
	All      bool
	Solution bool
	Exercise string
	Format   string
	Output   string
	Timeout  time.Duration
	Parallel int
	Watch    bool
	Env      cmdutil.EnvFlags
	// Workspaces makes the arguments students' workspace folders (see
	// gradeWorkspaces).
	Workspaces bool
}

// NewCmdGrade returns the grade command; runF, when not nil, runs instead
// of the command (for tests).
func NewCmdGrade(f *cmdutil.Factory, runF func(*GradeOptions) error) *cobra.Command {
	opts := &GradeOptions{IO: f.IOStreams, Workspace: f.Workspace, Connect: f.Connect, ResolvePath: f.ResolvePath}
	cmd := &cobra.Command{
		Use:   "grade [LAB...]",
		Short: "Grade your work on a lab (or --all), per exercise with points",
		Long: `Grade compiles your lab with the grading tests this binary carries, runs each
exercise's test on its own (a crash or a hang fails only that exercise), and
prints, per exercise, passed or failed, the points, and for a failure what
was expected and what came back.

Exit status: 0 when everything passed, 1 when something failed (including code
that does not compile), 2 when grading itself could not run.`,
		Example: `  mlops-lab grade lab1
  mlops-lab grade lab1 --exercise 2
  mlops-lab grade --all --format json
  mlops-lab grade --all --format junit --output results.xml
  mlops-lab grade lab1 --solution`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Labs = args
			if runF != nil {
				return runF(opts)
			}
			return gradeRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.All, "all", false, "grade every lab")
	fl.BoolVar(&opts.Solution, "solution", false, "grade the reference solution instead of your files")
	fl.StringVarP(&opts.Exercise, "exercise", "e", "", "grade only this exercise (its id or number)")
	fl.StringVar(&opts.Format, "format", "text", "output format: text, json or junit")
	fl.StringVarP(&opts.Output, "output", "o", "", "write the report to this file instead of standard output")
	fl.DurationVar(&opts.Timeout, "timeout", 90*time.Second, "deadline of each exercise's test")
	fl.IntVar(&opts.Parallel, "parallel", 0, "exercises graded at once (default: number of CPUs)")
	fl.BoolVarP(&opts.Watch, "watch", "w", false, "grade again each time you save a file of the lab (until Ctrl+C)")
	fl.BoolVar(&opts.Workspaces, "workspaces", false, "with --all: the arguments are students' workspace folders, graded into one CSV (or --format json) table")
	opts.Env.Register(cmd)
	return cmd
}

// validate checks the combination of arguments and flags before anything
// runs.
func (opts *GradeOptions) validate() error {
	switch opts.Format {
	case "text", "json", "junit":
	default:
		return fmt.Errorf("unknown --format %q: use text, json or junit", opts.Format)
	}
	if opts.All == (len(opts.Labs) > 0) {
		return errors.New("name the lab to grade (e.g. `mlops-lab grade lab1`), or use --all")
	}
	if opts.Exercise != "" && (opts.All || len(opts.Labs) != 1) {
		return errors.New("--exercise goes with exactly one lab")
	}
	if opts.Watch && (opts.All || len(opts.Labs) != 1 || opts.Format != "text" || opts.Solution) {
		return errors.New("--watch goes with exactly one lab, your own files and the text format")
	}
	return nil
}

func gradeRun(opts *GradeOptions) error {
	if opts.Workspaces {
		return gradeWorkspaces(opts)
	}
	ctx := opts.Ctx
	if err := opts.validate(); err != nil {
		return cmdutil.CannotRun(err)
	}
	ws, err := opts.Workspace()
	if err != nil {
		return cmdutil.CannotRun(err)
	}
	cat, err := labs.Default()
	if err != nil {
		return cmdutil.CannotRun(err)
	}
	selected := cat.Labs()
	if !opts.All {
		if selected, err = cmdutil.FindLabs(cat, opts.Labs); err != nil {
			return cmdutil.CannotRun(err)
		}
	}
	if opts.Exercise != "" {
		if _, err := selected[0].Exercise(opts.Exercise); err != nil {
			return cmdutil.CannotRun(err)
		}
	}

	testEnv, closeEnv, err := cmdutil.LabTestEnv(ctx, opts.Connect, &opts.Env, selected)
	if err != nil {
		return cmdutil.CannotRun(err)
	}
	defer closeEnv()

	if opts.Watch {
		return watchGrade(opts, ws, cat, selected[0], testEnv)
	}
	report, err := gradeLabs(opts, ws, cat, selected, testEnv)
	if err != nil {
		return cmdutil.CannotRun(err)
	}
	return writeReport(opts, cat, report)
}

// gradeLabs grades the selected labs and records the learner's progress.
//
// The progress file is read before any of the learner's code runs and
// written (whole, atomically) after it ran, so whatever that code writes
// into it meanwhile is overwritten.
func gradeLabs(opts *GradeOptions, ws workspace.Workspace, cat *labs.Catalogue, selected []*labs.Lab, testEnv map[string]string) (grader.Report, error) {
	errOut := opts.IO.ErrOut
	var prog *progress.File
	if !opts.Solution {
		var err error
		if prog, err = progress.Load(ws); err != nil {
			fmt.Fprintf(errOut, "warning: progress will not be saved: %v\n", err)
		}
	}
	var results []grader.TestResult
	for _, l := range selected {
		gopts := grader.Options{
			Workspace: ws,
			Catalogue: cat,
			Solution:  opts.Solution,
			Env:       testEnv,
			Timeout:   opts.Timeout,
			Parallel:  opts.Parallel,
			Exercise:  opts.Exercise,
			OnStatus:  func(s string) { fmt.Fprintln(errOut, s) },
			OnResult:  func(r grader.TestResult) { fmt.Fprintln(errOut, progressLine(cat, r)) },
		}
		res, err := grader.GradeLab(opts.Ctx, gopts, l)
		if err != nil {
			if prog != nil {
				// The learner's code may have run (in labs graded before
				// this one, or before a Ctrl+C): put the progress file
				// back as it was.
				if serr := prog.Save(ws); serr != nil {
					fmt.Fprintf(errOut, "warning: progress not restored: %v\n", serr)
				}
			}
			return grader.Report{}, err
		}
		results = append(results, res...)
	}
	report := grader.NewReport(results)
	if prog != nil {
		if err := recordProgress(ws, cat, prog, report); err != nil {
			fmt.Fprintf(errOut, "warning: progress not saved: %v\n", err)
		}
	}
	return report, nil
}

// progressLine is the line printed as an exercise finishes: an exercise
// that failed only with the starter's own TODO shows TODO, as the report
// after it tells it (not started), rather than FAIL.
func progressLine(cat *labs.Catalogue, r grader.TestResult) string {
	mark := grader.StatusMark(r.Status)
	if grader.NotStarted(cat, r) {
		mark = "TODO"
	}
	return fmt.Sprintf("  %s %s (%.1fs)", mark, r.Exercise, r.Duration.Seconds())
}

// writeReport prints the report in the chosen format and sets the exit status.
func writeReport(opts *GradeOptions, cat *labs.Catalogue, report grader.Report) error {
	var err error
	out := opts.IO.Out
	if opts.Output != "" {
		f, err := os.Create(opts.ResolvePath(opts.Output))
		if err != nil {
			// Name the file as the learner typed it.
			var pe *fs.PathError
			if errors.As(err, &pe) {
				pe.Path = opts.Output
			}
			return cmdutil.CannotRun(fmt.Errorf("writing the report: %w", err))
		}
		defer f.Close()
		out = f
	}
	switch opts.Format {
	case "json":
		err = report.WriteJSON(out)
	case "junit":
		err = report.WriteJUnit(out)
	default:
		// As ever, the text summary is best effort.
		_ = report.WriteText(out, cat, opts.Solution)
	}
	if err != nil {
		return cmdutil.CannotRun(err)
	}
	if opts.Output != "" && opts.Format != "text" {
		_ = report.WriteText(opts.IO.Out, cat, opts.Solution)
	}
	if !report.Passed() {
		return cmdutil.SilentExit(1)
	}
	return nil
}

// recordProgress adds the run's results to the progress file as it was
// before the run, and writes it.
func recordProgress(ws workspace.Workspace, cat *labs.Catalogue, file *progress.File, report grader.Report) error {
	var results []progress.Result
	for _, t := range report.Tests {
		results = append(results, progress.Result{Lab: t.Lab, Exercise: t.Exercise, Status: t.Status, Score: t.Score, MaxScore: t.MaxScore})
	}
	file.Record(results, time.Now())
	for _, l := range cat.Labs() {
		file.SetMax(l.ID, float64(l.MaxScore()))
	}
	return file.Save(ws)
}
