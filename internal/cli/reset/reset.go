// Package reset is the `mlops-lab reset` command: a lab's starter files
// back in the workspace, after asking.
package reset

import (
	"bufio"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// ResetOptions is what `reset` needs.
type ResetOptions struct {
	IO        *iostreams.IOStreams
	Workspace func() (workspace.Workspace, error)

	Lab string
	Yes bool
}

// NewCmdReset returns the reset command; runF, when not nil, runs instead
// of the command (for tests).
func NewCmdReset(f *cmdutil.Factory, runF func(*ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{IO: f.IOStreams, Workspace: f.Workspace}
	cmd := &cobra.Command{
		Use:   "reset LAB",
		Short: "Put a lab's starter files back (asks first, or --yes)",
		Long: `Reset overwrites the lab's files in your workspace with the starter versions
this binary carries. Your changes to those files are lost; other files in the
folder are left alone.`,
		Args:              cmdutil.ExactArgs(1, "name the lab to reset, e.g. `mlops-lab reset lab1`"),
		ValidArgsFunction: cmdutil.CompleteLabs,
		RunE:              cmdutil.RunE(opts, cmdutil.LabArgs(&opts.Lab, nil), runF, resetRun),
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func resetRun(opts *ResetOptions) error {
	cat, lab, err := cmdutil.FindLab(opts.Lab)
	if err != nil {
		return err
	}
	ws, err := opts.Workspace()
	if err != nil {
		return err
	}
	files, err := cat.StarterFiles(lab)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	dir := ws.LabDir(lab.Folder)
	out := opts.IO.Out
	if !opts.Yes {
		fmt.Fprintf(out, "This overwrites %d files in %s (%s).\nYour changes to them are lost. Reset %s? [y/N] ", len(names), dir, strings.Join(names, ", "), lab.ID)
		answer, _ := bufio.NewReader(opts.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(out, "\nNothing changed (answer y to reset, or pass --yes).")
			return nil
		}
	}
	if err := cmdutil.WriteFiles(dir, files); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is back to its starter files in %s\n", lab.ID, dir)
	return nil
}
