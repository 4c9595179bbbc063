package root

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/coursestatus"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// statusRun is `mlops-lab` with no arguments: inside a workspace, where the
// learner is and what to run next; elsewhere, the help as before.
func statusRun(f *cmdutil.Factory, cmd *cobra.Command) error {
	ws, err := f.Workspace()
	if err != nil {
		return cmd.Help()
	}
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	prog, running := cmdutil.CourseState(ws, f.IOStreams.ErrOut)
	out := f.IOStreams.Out
	coursestatus.Render(out, coursestatus.Locate(cat, prog, running), cat)
	fmt.Fprintln(out, "\nevery command: `mlops-lab --help`")
	return nil
}

// keepHelpUnchanged makes root's usage read as if root did not run by
// itself: the status it prints with no arguments is not a usage to learn,
// and `mlops-lab [flags]` next to `mlops-lab [command]` would only confuse.
func keepHelpUnchanged(root *cobra.Command) {
	usage := root.UsageFunc()
	root.SetUsageFunc(func(c *cobra.Command) error {
		if c == root {
			run := c.RunE
			c.RunE = nil
			defer func() { c.RunE = run }()
		}
		return usage(c)
	})
}
