// Package classroom is the `mlops-lab classroom` command group, for
// instructors: `init` writes the GitHub Classroom and CI workflows into a
// course repository and `check` is the per-exercise test those workflows
// run. Report runs `mlops-lab grade --all --workspaces DIR...`, which grades
// a whole class's workspaces into one CSV or JSON table.
package classroom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/classroom"
	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// NewCmdClassroom returns the classroom command group.
func NewCmdClassroom(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "classroom",
		Short: "Instructor tools: CI and GitHub Classroom workflows, and a class report",
		Long: `Tools for running the course with a class:

  mlops-lab classroom init [DIR]        workflows for GitHub Classroom and plain CI
  mlops-lab classroom check REPORT LAB EXERCISE
                                        the per-exercise test the Classroom workflow runs
  mlops-lab grade --all --workspaces DIR...
                                        grade every student's workspace into one table

docs/teaching.md describes how to run the course.`,
	}
	cmd.AddCommand(NewCmdInit(f, nil), NewCmdCheck(f, nil))
	return cmd
}

// InitOptions is what `classroom init` needs.
type InitOptions struct {
	IO          *iostreams.IOStreams
	ResolvePath func(string) string

	Dir   string
	Force bool
}

// NewCmdInit returns `classroom init`; runF, when not nil, runs instead of
// the command (for tests).
func NewCmdInit(f *cmdutil.Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{IO: f.IOStreams, ResolvePath: f.ResolvePath}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write GitHub Classroom autograding and CI workflows into a course repository",
		Long: `Writes, into DIR (the course repository's root; the current folder by default):

  .github/workflows/classroom.yml    GitHub Classroom autograding: installs Go and
                                     mlops-lab, runs ` + "`mlops-lab grade --all --format json`" + `,
                                     and reports each exercise as a test worth its points
  .github/classroom/autograding.json the same tests in Classroom's autograding.json format
  .github/workflows/grade.yml        plain CI: grades every lab and keeps the JUnit report

Existing files are kept unless --force is given.`,
		Example: `  mlops-lab init mlops-course && mlops-lab classroom init mlops-course
  mlops-lab classroom init --force`,
		Args: cmdutil.RangeArgs(0, 1, "usage: mlops-lab classroom init [DIR]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace workflow files that already exist")
	return cmd
}

func initRun(opts *InitOptions) error {
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	if err := classroom.Init(opts.ResolvePath(opts.Dir), cat, opts.Force, opts.IO.Out); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, "commit them; GitHub Classroom runs classroom.yml on every push of a student's repository")
	return nil
}

// CheckOptions is what `classroom check` needs.
type CheckOptions struct {
	IO          *iostreams.IOStreams
	ResolvePath func(string) string

	Report   string
	Lab      string
	Exercise string
}

// NewCmdCheck returns `classroom check`; runF, when not nil, runs instead
// of the command (for tests).
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IOStreams, ResolvePath: f.ResolvePath}
	cmd := &cobra.Command{
		Use:   "check REPORT LAB EXERCISE",
		Short: "Exit 0 when an exercise passed in a `grade --format json` report (one Classroom test)",
		Long: `Reads a report written by ` + "`mlops-lab grade --all --format json --output REPORT`" + `
and prints the exercise's result. Exit status: 0 when it passed, 1 when it
failed, 2 when the report cannot be read or does not hold the exercise.`,
		Example: `  mlops-lab grade --all --format json --output grades.json
  mlops-lab classroom check grades.json lab1 sync-producer`,
		Args: cmdutil.ExactArgs(3, "usage: mlops-lab classroom check REPORT LAB EXERCISE, e.g. `mlops-lab classroom check grades.json lab1 sync-producer`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Report, opts.Lab, opts.Exercise = args[0], args[1], args[2]
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
	return cmd
}

func checkRun(opts *CheckOptions) error {
	// The report names labs by id: accept what a learner types ("1", "lab01").
	lab := opts.Lab
	if cat, err := labs.Default(); err == nil {
		if l, err := cat.Find(lab); err == nil {
			lab = l.ID
		}
	}
	f, err := os.Open(opts.ResolvePath(opts.Report))
	if err != nil {
		return cmdutil.CannotRun(fmt.Errorf("reading the grading report: %w", err))
	}
	defer f.Close()
	r, err := classroom.Passed(f, lab, opts.Exercise)
	if err != nil {
		return cmdutil.CannotRun(fmt.Errorf("%s: %w", opts.Report, err))
	}
	mark := "PASS"
	if r.Status != grader.StatusPass {
		mark = "FAIL"
	}
	fmt.Fprintf(opts.IO.Out, "%s %s %s %s/%s\n", mark, r.Lab, r.Exercise, num(r.Score), num(r.MaxScore))
	if r.Status != grader.StatusPass {
		if r.Message != "" {
			fmt.Fprintln(opts.IO.Out, r.Message)
		}
		return cmdutil.SilentExit(1)
	}
	return nil
}

// ReportOptions is what a class report needs (see Report).
type ReportOptions struct {
	IO          *iostreams.IOStreams
	Ctx         context.Context
	ResolvePath func(string) string
	Connect     cmdutil.ConnectFunc

	Workspaces []string
	Labs       []string
	Format     string
	Output     string
	PerLab     bool
	Timeout    time.Duration
	Parallel   int
	Env        cmdutil.EnvFlags
}

// Report grades every workspace of opts and writes the table: what
// `mlops-lab grade --all --workspaces DIR...` runs.
func Report(opts *ReportOptions) error {
	switch opts.Format {
	case "csv", "json":
	default:
		return cmdutil.CannotRun(fmt.Errorf("unknown format %q for a class report: use csv or json", opts.Format))
	}
	if len(opts.Workspaces) == 0 {
		return cmdutil.CannotRun(errors.New("name the students' workspace folders, e.g. `mlops-lab grade --all --workspaces submissions/*`"))
	}
	return reportRun(opts)
}

func reportRun(opts *ReportOptions) error {
	ctx := opts.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cat, err := labs.Default()
	if err != nil {
		return cmdutil.CannotRun(err)
	}
	selected := cat.Labs()
	if len(opts.Labs) > 0 {
		if selected, err = cmdutil.FindLabs(cat, opts.Labs); err != nil {
			return cmdutil.CannotRun(err)
		}
	}
	dirs := make([]string, len(opts.Workspaces))
	for i, d := range opts.Workspaces {
		dirs[i] = opts.ResolvePath(d)
	}
	testEnv, closeEnv, err := cmdutil.LabTestEnv(ctx, opts.Connect, &opts.Env, selected)
	if err != nil {
		return cmdutil.CannotRun(err)
	}
	defer closeEnv()
	rows, err := classroom.Report(ctx, dirs, classroom.ReportOptions{
		Catalogue: cat,
		Labs:      selected,
		Env:       testEnv,
		Timeout:   opts.Timeout,
		Parallel:  opts.Parallel,
		OnStatus:  func(s string) { fmt.Fprintln(opts.IO.ErrOut, s) },
	})
	if err != nil {
		return cmdutil.CannotRun(err)
	}
	if opts.PerLab {
		rows = classroom.Summarize(rows)
	}
	var out io.Writer = opts.IO.Out
	if opts.Output != "" {
		file, err := os.Create(opts.ResolvePath(opts.Output))
		if err != nil {
			return cmdutil.CannotRun(fmt.Errorf("writing the report: %w", err))
		}
		defer file.Close()
		out = file
	}
	if opts.Format == "json" {
		err = classroom.WriteJSON(out, rows)
	} else {
		err = classroom.WriteCSV(out, rows)
	}
	if err != nil {
		return cmdutil.CannotRun(fmt.Errorf("writing the report: %w", err))
	}
	fmt.Fprintf(opts.IO.ErrOut, "graded %d students, %d rows\n", len(classroom.Students(rows)), len(rows))
	return nil
}

func num(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%.2f", f)
}
