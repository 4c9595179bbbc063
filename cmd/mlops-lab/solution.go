package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

type solutionOptions struct {
	lab, file string
	diff      bool
}

func newSolutionCmd(app *App) *cobra.Command {
	opts := &solutionOptions{}
	cmd := &cobra.Command{
		Use:   "solution LAB [FILE]",
		Short: "Show a lab's reference solution, or its diff against your files",
		Example: `  mlops-lab solution lab1
  mlops-lab solution lab1 producer.go --diff`,
		Args:              rangeArgs(1, 2, "usage: mlops-lab solution LAB [FILE] [--diff]"),
		ValidArgsFunction: completeLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.lab = args[0]
			if len(args) == 2 {
				opts.file = args[1]
			}
			return runSolution(app, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.diff, "diff", false, "show a unified diff from your file to the solution")
	return cmd
}

func runSolution(app *App, opts *solutionOptions) error {
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	lab, err := cat.Find(opts.lab)
	if err != nil {
		return err
	}
	files, err := cat.SolutionFiles(lab)
	if err != nil {
		return err
	}
	var names []string
	for name := range files {
		if opts.file == "" || name == opts.file || filepath.Base(name) == opts.file {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		var all []string
		for name := range files {
			all = append(all, name)
		}
		sort.Strings(all)
		return fmt.Errorf("the solution of %s has no file %q; its files are: %v", lab.ID, opts.file, all)
	}
	sort.Strings(names)
	var labDir string
	if opts.diff {
		ws, err := app.workspace()
		if err != nil {
			return err
		}
		labDir = ws.LabDir(lab.Folder)
	}
	for _, name := range names {
		if !opts.diff {
			fmt.Fprintf(app.Out, "// ===== solutions/%s/%s =====\n%s\n", lab.Folder, name, files[name])
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
			fmt.Fprintf(app.Out, "%s: same as the solution\n", name)
			continue
		}
		fmt.Fprint(app.Out, diff)
	}
	return nil
}
