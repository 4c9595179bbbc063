package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

type initOptions struct {
	dir       string
	module    string
	moduleDir string
	force     bool
	skipTidy  bool
}

func newInitCmd(app *App) *cobra.Command {
	opts := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Write a fresh course workspace: every lab's starter files, README and a go.mod",
		Long: `Init writes a course workspace for learners who installed the CLI with
` + "`go install`" + ` instead of cloning the repository: every lab's starter files and
README, and a go.mod that requires this module at the binary's own version.
Every command works the same inside it as inside a clone.`,
		Example: `  mlops-lab init ~/mlops-course && cd ~/mlops-course && mlops-lab start lab1`,
		Args:    exactArgs(1, "name the folder to create, e.g. `mlops-lab init mlops-course`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dir = args[0]
			return runInit(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.module, "module", "mlops-course", "module path of the new workspace")
	f.StringVar(&opts.moduleDir, "replace", "", "use this mlops-lab source folder instead of the published module (found automatically for development builds)")
	f.BoolVar(&opts.force, "force", false, "write into a folder that is not empty")
	f.BoolVar(&opts.skipTidy, "skip-tidy", false, "do not run `go mod tidy` in the new workspace")
	return cmd
}

func runInit(ctx context.Context, app *App, opts *initOptions) error {
	dir := opts.dir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(app.workdir(), dir)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 && !opts.force {
		return fmt.Errorf("%s is not empty: choose a new folder, or pass --force to write into it", dir)
	}
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	version := buildVersion()
	replaceDir := opts.moduleDir
	if replaceDir == "" && version == "devel" {
		replaceDir = findModuleSource(app.workdir())
		if replaceDir == "" {
			return fmt.Errorf("this is a development build of mlops-lab, so there is no published version to require: pass --replace PATH/TO/mlops-lab (the clone it was built from)")
		}
	}
	requireVersion := version
	if replaceDir != "" {
		if replaceDir, err = filepath.Abs(replaceDir); err != nil {
			return err
		}
		if version == "devel" {
			requireVersion = "v0.0.0-00010101000000-000000000000"
		}
	}

	for _, lab := range cat.Labs() {
		files, err := cat.StarterFiles(lab)
		if err != nil {
			return err
		}
		if err := writeFiles(filepath.Join(dir, "labs", lab.Folder), files); err != nil {
			return err
		}
	}
	var gomod strings.Builder
	fmt.Fprintf(&gomod, "module %s\n\ngo 1.26\n\nrequire %s %s\n", opts.module, modulePath, requireVersion)
	if replaceDir != "" {
		fmt.Fprintf(&gomod, "\nreplace %s => %s\n", modulePath, replaceDir)
	}
	top := map[string][]byte{
		"go.mod":     []byte(gomod.String()),
		".gitignore": []byte(".mlops-lab/env.json\n.mlops-lab/data/\n"),
		"README.md":  []byte(workspaceReadme(cat)),
		// The grading tests the binary brings import these packages; this
		// file keeps them required through `go mod tidy`.
		"deps.go": []byte("//go:build tools\n\n// Package course keeps the packages the grading tests use in go.mod.\npackage course\n\nimport (\n\t_ \"" + modulePath + "/pkg/labtest\"\n)\n"),
	}
	if err := writeFiles(dir, top); err != nil {
		return err
	}
	fmt.Fprintf(app.Out, "wrote a course workspace with %d labs to %s\n", len(cat.Labs()), dir)
	if !opts.skipTidy {
		if err := goModTidy(ctx, dir); err != nil {
			fmt.Fprintf(app.Err, "warning: `go mod tidy` failed in %s: %v\nRun it there yourself once you are online.\n", dir, err)
		}
	}
	fmt.Fprintf(app.Out, "next: cd %s && mlops-lab start lab1\n", dir)
	return nil
}

// goModTidy completes go.mod and go.sum from the module cache (which
// `go install` filled), so the workspace builds offline.
func goModTidy(ctx context.Context, dir string) error {
	cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// findModuleSource walks up from dir to a folder whose go.mod declares this
// project's module.
func findModuleSource(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if f, err := os.Open(filepath.Join(d, "go.mod")); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if strings.TrimSpace(sc.Text()) == "module "+modulePath {
					f.Close()
					return d
				}
			}
			f.Close()
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

func workspaceReadme(cat *labs.Catalogue) string {
	var b strings.Builder
	b.WriteString("# MLOps course workspace\n\nStart a lab, edit its files under `labs/`, and grade your work:\n\n")
	b.WriteString("```\nmlops-lab start lab1\nmlops-lab grade lab1\nmlops-lab hint lab1\n```\n\n| lab | title | folder |\n|---|---|---|\n")
	for _, l := range cat.Labs() {
		fmt.Fprintf(&b, "| %s | %s | labs/%s |\n", l.ID, l.Title, l.Folder)
	}
	b.WriteString("\nYour grades are kept in `.mlops-lab/progress.json`.\n")
	return b.String()
}
