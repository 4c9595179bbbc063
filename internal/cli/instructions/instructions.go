// Package instructions is the `mlops-lab instructions` command: a lab's
// README, without starting its environment. Print is also what
// `mlops-lab start LAB --instructions` shows.
package instructions

import (
	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// InstructionsOptions is what `instructions` needs.
type InstructionsOptions struct {
	IO        *iostreams.IOStreams
	Workspace func() (workspace.Workspace, error)

	Lab string
}

// NewCmdInstructions returns the instructions command; runF, when not nil,
// runs instead of the command (for tests).
func NewCmdInstructions(f *cmdutil.Factory, runF func(*InstructionsOptions) error) *cobra.Command {
	opts := &InstructionsOptions{IO: f.IOStreams, Workspace: f.Workspace}
	return &cobra.Command{
		Use:   "instructions LAB",
		Short: "Show a lab's instructions (its README) without starting it",
		Long: `Instructions prints the lab's README: your copy in labs/ when you are in a
workspace, else the one this binary carries. On a terminal it is rendered;
into a file or a pipe it is the Markdown itself.`,
		Example: `  mlops-lab instructions lab3
  mlops-lab instructions lab3 | less`,
		Args:              cmdutil.ExactArgs(1, "name the lab, e.g. `mlops-lab instructions lab1` (see `mlops-lab list`)"),
		ValidArgsFunction: cmdutil.CompleteLabs,
		RunE:              cmdutil.RunE(opts, cmdutil.LabArgs(&opts.Lab, nil), runF, instructionsRun),
	}
}

func instructionsRun(opts *InstructionsOptions) error {
	cat, lab, err := cmdutil.FindLab(opts.Lab)
	if err != nil {
		return err
	}
	labDir := ""
	if ws, err := opts.Workspace(); err == nil {
		labDir = ws.LabDir(lab.Folder)
	}
	Print(opts.IO, cat, lab, labDir)
	return nil
}
