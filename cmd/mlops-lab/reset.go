package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

type resetOptions struct {
	lab string
	yes bool
}

func newResetCmd(app *App) *cobra.Command {
	opts := &resetOptions{}
	cmd := &cobra.Command{
		Use:   "reset LAB",
		Short: "Put a lab's starter files back (asks first, or --yes)",
		Long: `Reset overwrites the lab's files in your workspace with the starter versions
this binary carries. Your changes to those files are lost; other files in the
folder are left alone.`,
		Args:              exactArgs(1, "name the lab to reset, e.g. `mlops-lab reset lab1`"),
		ValidArgsFunction: completeLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.lab = args[0]
			return runReset(app, opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func runReset(app *App, opts *resetOptions) error {
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	lab, err := cat.Find(opts.lab)
	if err != nil {
		return err
	}
	ws, err := app.workspace()
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
	if !opts.yes {
		fmt.Fprintf(app.Out, "This overwrites %d files in %s (%s).\nYour changes to them are lost. Reset %s? [y/N] ", len(names), dir, strings.Join(names, ", "), lab.ID)
		answer, _ := bufio.NewReader(app.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(app.Out, "\nNothing changed (answer y to reset, or pass --yes).")
			return nil
		}
	}
	if err := writeFiles(dir, files); err != nil {
		return err
	}
	fmt.Fprintf(app.Out, "%s is back to its starter files in %s\n", lab.ID, dir)
	return nil
}

// writeFiles writes files (by path relative to dir) into dir.
func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
