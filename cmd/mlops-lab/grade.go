package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

type gradeOptions struct {
	labs     []string
	all      bool
	solution bool
	exercise string
	format   string
	output   string
	timeout  time.Duration
	parallel int
	watch    bool
	env      envFlags
}

func newGradeCmd(app *App) *cobra.Command {
	opts := &gradeOptions{}
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
			opts.labs = args
			return runGrade(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.all, "all", false, "grade every lab")
	f.BoolVar(&opts.solution, "solution", false, "grade the reference solution instead of your files")
	f.StringVarP(&opts.exercise, "exercise", "e", "", "grade only this exercise (its id or number)")
	f.StringVar(&opts.format, "format", "text", "output format: text, json or junit")
	f.StringVarP(&opts.output, "output", "o", "", "write the report to this file instead of standard output")
	f.DurationVar(&opts.timeout, "timeout", 90*time.Second, "deadline of each exercise's test")
	f.IntVar(&opts.parallel, "parallel", 0, "exercises graded at once (default: number of CPUs)")
	f.BoolVarP(&opts.watch, "watch", "w", false, "grade again each time you save a file of the lab (until Ctrl+C)")
	opts.env.register(cmd)
	return cmd
}

func runGrade(ctx context.Context, app *App, opts *gradeOptions) error {
	switch opts.format {
	case "text", "json", "junit":
	default:
		return cannot(fmt.Errorf("unknown --format %q: use text, json or junit", opts.format))
	}
	if opts.all == (len(opts.labs) > 0) {
		return cannot(errors.New("name the lab to grade (e.g. `mlops-lab grade lab1`), or use --all"))
	}
	if opts.exercise != "" && (opts.all || len(opts.labs) != 1) {
		return cannot(errors.New("--exercise goes with exactly one lab"))
	}
	if opts.watch && (opts.all || len(opts.labs) != 1 || opts.format != "text" || opts.solution) {
		return cannot(errors.New("--watch goes with exactly one lab, your own files and the text format"))
	}
	ws, err := app.workspace()
	if err != nil {
		return cannot(err)
	}
	cat, err := labs.Default()
	if err != nil {
		return cannot(err)
	}
	selected := cat.Labs()
	if !opts.all {
		selected = nil
		for _, name := range opts.labs {
			l, err := cat.Find(name)
			if err != nil {
				return cannot(err)
			}
			selected = append(selected, l)
		}
	}
	if opts.exercise != "" {
		if _, err := selected[0].Exercise(opts.exercise); err != nil {
			return cannot(err)
		}
	}

	var needs env.Needs
	for _, l := range selected {
		needs.Kafka = needs.Kafka || l.NeedsKafka()
		needs.KSQL = needs.KSQL || l.NeedsKSQL()
	}
	testEnv := map[string]string{}
	if needs.Kafka || needs.KSQL {
		e, err := app.connect(ctx, &opts.env, needs)
		if err != nil {
			return cannot(err)
		}
		defer e.Close(context.Background())
		testEnv[labtest.EnvBootstrap] = e.Bootstrap()
		if e.KsqlURL() != "" {
			testEnv[labtest.EnvKsqlURL] = e.KsqlURL()
		}
	}

	if opts.watch {
		return watchGrade(ctx, app, opts, ws, cat, selected[0], testEnv)
	}
	report, err := gradeLabs(ctx, app, opts, ws, cat, selected, testEnv)
	if err != nil {
		return cannot(err)
	}
	return writeReport(app, opts, cat, report)
}

// gradeLabs grades the selected labs and records the learner's progress.
//
// The progress file is read before any of the learner's code runs and
// written (whole, atomically) after it ran, so whatever that code writes
// into it meanwhile is overwritten.
func gradeLabs(ctx context.Context, app *App, opts *gradeOptions, ws workspace.Workspace, cat *labs.Catalogue, selected []*labs.Lab, testEnv map[string]string) (grader.Report, error) {
	var prog *progress.File
	if !opts.solution {
		var err error
		if prog, err = progress.Load(ws); err != nil {
			fmt.Fprintf(app.Err, "warning: progress will not be saved: %v\n", err)
		}
	}
	var results []grader.TestResult
	for _, l := range selected {
		gopts := grader.Options{
			Workspace: ws,
			Catalogue: cat,
			Solution:  opts.solution,
			Env:       testEnv,
			Timeout:   opts.timeout,
			Parallel:  opts.parallel,
			Exercise:  opts.exercise,
			OnStatus:  func(s string) { fmt.Fprintln(app.Err, s) },
			OnResult: func(r grader.TestResult) {
				fmt.Fprintf(app.Err, "  %s %s (%.1fs)\n", statusMark(r.Status), r.Exercise, r.Duration.Seconds())
			},
		}
		res, err := grader.GradeLab(ctx, gopts, l)
		if err != nil {
			if prog != nil {
				// The learner's code may have run (in labs graded before
				// this one, or before a Ctrl+C): put the progress file
				// back as it was.
				if serr := prog.Save(ws); serr != nil {
					fmt.Fprintf(app.Err, "warning: progress not restored: %v\n", serr)
				}
			}
			return grader.Report{}, err
		}
		results = append(results, res...)
	}
	report := grader.NewReport(results)
	if prog != nil {
		if err := recordProgress(ws, cat, prog, report); err != nil {
			fmt.Fprintf(app.Err, "warning: progress not saved: %v\n", err)
		}
	}
	return report, nil
}

// writeReport prints the report in the chosen format and sets the exit status.
func writeReport(app *App, opts *gradeOptions, cat *labs.Catalogue, report grader.Report) error {
	var err error
	out := app.Out
	if opts.output != "" {
		f, err := os.Create(opts.output)
		if err != nil {
			return cannot(fmt.Errorf("writing the report: %w", err))
		}
		defer f.Close()
		out = f
	}
	switch opts.format {
	case "json":
		err = report.WriteJSON(out)
	case "junit":
		err = report.WriteJUnit(out)
	default:
		writeTextReport(out, cat, report, opts.solution)
	}
	if err != nil {
		return cannot(err)
	}
	if opts.output != "" && opts.format != "text" {
		writeTextReport(app.Out, cat, report, opts.solution)
	}
	if !report.Passed() {
		return silentExit(1)
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

// cannot reports that grading itself could not run (exit status 2), as
// opposed to the learner's code failing (1).
func cannot(err error) error { return &exitError{code: 2, err: err} }

func statusMark(status string) string {
	switch status {
	case grader.StatusPass:
		return "PASS"
	case grader.StatusError:
		return "ERROR"
	default:
		return "FAIL"
	}
}

// writeTextReport prints the per-lab, per-exercise summary a learner reads.
func writeTextReport(w io.Writer, cat *labs.Catalogue, report grader.Report, solution bool) {
	var lab string
	labScore := map[string][2]float64{}
	for _, t := range report.Tests {
		s := labScore[t.Lab]
		labScore[t.Lab] = [2]float64{s[0] + t.Score, s[1] + t.MaxScore}
	}
	for _, t := range report.Tests {
		if t.Lab != lab {
			lab = t.Lab
			title := lab
			if l, err := cat.Find(lab); err == nil {
				title = fmt.Sprintf("%s: %s", l.ID, l.Title)
			}
			if solution {
				title += " (reference solution)"
			}
			s := labScore[lab]
			fmt.Fprintf(w, "\n%s   %s/%s points\n", title, points(s[0]), points(s[1]))
		}
		line := fmt.Sprintf("  %-5s %-28s %6s/%s", statusMark(t.Status), t.Exercise, points(t.Score), points(t.MaxScore))
		if t.Subtests > 0 && t.Status != grader.StatusPass {
			line += fmt.Sprintf("   (%d of %d checks passed)", t.SubtestsPassed, t.Subtests)
		}
		fmt.Fprintln(w, line)
		if t.Status != grader.StatusPass && t.Message != "" {
			for _, l := range strings.Split(t.Message, "\n") {
				fmt.Fprintf(w, "        %s\n", l)
			}
		}
	}
	fmt.Fprintf(w, "\nscore: %s/%s", points(report.Score), points(report.MaxScore))
	switch {
	case report.Passed() && len(report.Tests) == 1:
		// Only one exercise was graded (--exercise): say no more than that.
		fmt.Fprintf(w, "   %s passes; grade the whole lab to see the rest\n", report.Tests[0].Exercise)
	case report.Passed():
		fmt.Fprintln(w, "   all exercises pass")
	default:
		fmt.Fprintf(w, "   (%s when stuck)\n", hintCommand(report))
	}
}

// hintCommand names the hint of the first exercise that did not pass, as
// the learner would type it.
func hintCommand(report grader.Report) string {
	for _, t := range report.Tests {
		if t.Status != grader.StatusPass {
			return fmt.Sprintf("`mlops-lab hint %s %s`", t.Lab, t.Exercise)
		}
	}
	return "`mlops-lab hint LAB`"
}

func points(p float64) string {
	if p == float64(int64(p)) {
		return fmt.Sprintf("%d", int64(p))
	}
	return fmt.Sprintf("%.2f", p)
}
