// Package solution is the `mlops-lab solution` command: a lab's reference
// solution, or its diff against the learner's files.
package solution

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// SolutionOptions is what `solution` needs.
type SolutionOptions struct {
	IO        *iostreams.IOStreams
	Workspace func() (workspace.Workspace, error)

	Lab  string
	File string
	Diff bool
}

// NewCmdSolution returns the solution command; runF, when not nil, runs
// instead of the command (for tests).
func NewCmdSolution(f *cmdutil.Factory, runF func(*SolutionOptions) error) *cobra.Command {
	opts := &SolutionOptions{IO: f.IOStreams, Workspace: f.Workspace}
	cmd := &cobra.Command{
		Use:   "solution LAB [FILE]",
		Short: "Show a lab's reference solution, or its diff against your files",
		Example: `  mlops-lab solution lab1
  mlops-lab solution lab1 sync_producer.go --diff
  mlops-lab solution lab1 sync_producer.go > labs/lab01-producers/sync_producer.go`,
		Args:              cmdutil.RangeArgs(1, 2, "usage: mlops-lab solution LAB [FILE] [--diff]"),
		ValidArgsFunction: cmdutil.CompleteLabs,
		RunE:              cmdutil.RunE(opts, cmdutil.LabArgs(&opts.Lab, &opts.File), runF, solutionRun),
	}
	cmd.Flags().BoolVar(&opts.Diff, "diff", false, "show a unified diff from your file to the solution")
	return cmd
}

func solutionRun(opts *SolutionOptions) error {
	cat, lab, err := cmdutil.FindLab(opts.Lab)
	if err != nil {
		return err
	}
	files, err := cat.SolutionFiles(lab)
	if err != nil {
		return err
	}
	var names []string
	for name := range files {
		if opts.File == "" || name == opts.File || filepath.Base(name) == opts.File {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		var all []string
		for name := range files {
			all = append(all, name)
		}
		sort.Strings(all)
		return fmt.Errorf("the solution of %s has no file %q; its files are: %v", lab.ID, opts.File, all)
	}
	sort.Strings(names)
	var labDir string
	if opts.Diff {
		ws, err := opts.Workspace()
		if err != nil {
			return err
		}
		labDir = ws.LabDir(lab.Folder)
	}
	out := opts.IO.Out
	for _, name := range names {
		if !opts.Diff && opts.File != "" && len(names) == 1 {
			// One file asked for: exactly its bytes, so that
			// `mlops-lab solution LAB FILE > FILE` writes the file itself.
			if _, err := out.Write(files[name]); err != nil {
				return err
			}
			continue
		}
		if !opts.Diff {
			fmt.Fprintf(out, "// ===== solutions/%s/%s =====\n%s\n", lab.Folder, name, files[name])
			continue
		}
		mine, err := os.ReadFile(filepath.Join(labDir, name))
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		diff, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A:        difflib.SplitLines(string(mine)),
			B:        difflib.SplitLines(string(files[name])),
			FromFile: "yours/" + name,
			ToFile:   "solution/" + name,
			Context:  3,
		})
		if err != nil {
			return err
		}
		if diff == "" {
			fmt.Fprintf(out, "%s: same as the solution\n", name)
			continue
		}
		fmt.Fprint(out, diff)
	}
	return nil
}
