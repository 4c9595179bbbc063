// Package root assembles the mlops-lab command tree (NewCmdRoot) and runs a
// command line to an exit status (Execute). Each command lives in its own
// package under internal/cli; see package cmdutil for the pattern.
package root

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/classroom"
	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/cli/datagen"
	"github.com/mlops-lab/mlops-lab/internal/cli/doctor"
	"github.com/mlops-lab/mlops-lab/internal/cli/grade"
	"github.com/mlops-lab/mlops-lab/internal/cli/hint"
	"github.com/mlops-lab/mlops-lab/internal/cli/initcmd"
	"github.com/mlops-lab/mlops-lab/internal/cli/instructions"
	"github.com/mlops-lab/mlops-lab/internal/cli/ksql"
	"github.com/mlops-lab/mlops-lab/internal/cli/list"
	"github.com/mlops-lab/mlops-lab/internal/cli/ml"
	"github.com/mlops-lab/mlops-lab/internal/cli/plot"
	"github.com/mlops-lab/mlops-lab/internal/cli/reset"
	"github.com/mlops-lab/mlops-lab/internal/cli/serve"
	"github.com/mlops-lab/mlops-lab/internal/cli/slides"
	"github.com/mlops-lab/mlops-lab/internal/cli/solution"
	"github.com/mlops-lab/mlops-lab/internal/cli/start"
	"github.com/mlops-lab/mlops-lab/internal/cli/topic"
	"github.com/mlops-lab/mlops-lab/internal/cli/version"
)

// NewCmdRoot returns the mlops-lab command with every subcommand registered.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "mlops-lab",
		Short: "A runnable MLOps course: Kafka, ksqlDB and models, with labs that grade themselves",
		Long: `mlops-lab runs the course's labs. Start a lab's live environment, edit the
starter files, and grade your work:

  mlops-lab start lab1     # Kafka (and ksqlDB) with data flowing, plus the lab's exercises
  mlops-lab grade lab1     # per-exercise results and points
  mlops-lab hint lab1      # a nudge when you are stuck`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
		// No arguments: where the learner is, inside a workspace.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return statusRun(f, cmd)
		},
	}
	keepHelpUnchanged(root)
	root.SetVersionTemplate("mlops-lab {{.Version}}\n")
	root.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	// cobra lists subcommands sorted by name, so the order here is free.
	root.AddCommand(
		version.NewCmdVersion(f, nil),
		list.NewCmdList(f, nil),
		start.NewCmdStart(f, nil),
		grade.NewCmdGrade(f, nil),
		hint.NewCmdHint(f, nil),
		reset.NewCmdReset(f, nil),
		solution.NewCmdSolution(f, nil),
		initcmd.NewCmdInit(f, nil),
		slides.NewCmdSlides(f, nil),
		classroom.NewCmdClassroom(f),
		serve.NewCmdServe(f, nil),
		ml.NewCmdML(f),
		plot.NewCmdPlot(f),
		topic.NewCmdTopic(f),
		datagen.NewCmdDatagen(f, nil),
		ksql.NewCmdKsql(f, nil),
		doctor.NewCmdDoctor(f, nil),
		instructions.NewCmdInstructions(f, nil),
	)
	return root
}

// Execute runs args on cmd (a tree from NewCmdRoot) and returns the process
// exit status. SIGINT and SIGTERM cancel the commands' context; an error is
// printed as one line "error: ..." on f's error output.
func Execute(f *cmdutil.Factory, cmd *cobra.Command, args []string) int {
	ctx, stop := signal.NotifyContext(f.BaseContext(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ios := f.IOStreams
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *cmdutil.ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(ios.ErrOut, "error:", ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintln(ios.ErrOut, "error:", err)
	return 1
}
