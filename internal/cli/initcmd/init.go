// Package initcmd is the `mlops-lab init` command: a fresh course workspace
// with every lab's starter files, for learners who installed the binary
// with `go install`. (The package is not named init, which Go reserves.)
package initcmd

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	courseslides "github.com/mlops-lab/mlops-lab/slides"
)

// InitOptions is what `init` needs.
type InitOptions struct {
	IO *iostreams.IOStreams
	// Ctx bounds `go mod tidy`.
	Ctx context.Context
	// WorkDir is the folder the command runs in: DIR is relative to it, and
	// a development build looks for its source tree from there.
	WorkDir string
	// Version is the binary's version, which the workspace requires.
	Version string
	// BuiltFrom is the source tree a development build was compiled from
	// ("" when unknown); nil stands for unknown.
	BuiltFrom func() string

	Dir       string
	Module    string
	ModuleDir string
	Force     bool
	SkipTidy  bool
}

// NewCmdInit returns the init command; runF, when not nil, runs instead of
// the command (for tests).
func NewCmdInit(f *cmdutil.Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{IO: f.IOStreams, Version: f.Version, BuiltFrom: workspace.BuiltFrom}
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Write a fresh course workspace: every lab's starter files, README, the slides and a go.mod",
		Long: `Init writes a course workspace for learners who installed the CLI with
` + "`go install`" + ` instead of cloning the repository: every lab's starter files and
README, the slide decks (slides/, which the READMEs link to), and a go.mod that
requires this module at the binary's own version. Every command works the same
inside it as inside a clone.`,
		Example: `  mlops-lab init ~/mlops-course && cd ~/mlops-course && mlops-lab start lab1`,
		Args:    cmdutil.ExactArgs(1, "name the folder to create, e.g. `mlops-lab init mlops-course`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.WorkDir = f.Dir()
			opts.Dir = f.ResolvePath(args[0])
			if opts.Dir == "" {
				opts.Dir = opts.WorkDir // `init ""` is the working folder, which must then be empty
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Module, "module", "mlops-course", "module path of the new workspace")
	fl.StringVar(&opts.ModuleDir, "replace", "", "use this mlops-lab source folder instead of the published module (found automatically for development builds)")
	fl.BoolVar(&opts.Force, "force", false, "write into a folder that is not empty")
	fl.BoolVar(&opts.SkipTidy, "skip-tidy", false, "do not run `go mod tidy` in the new workspace")
	return cmd
}

func initRun(opts *InitOptions) error {
	dir := opts.Dir
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 && !opts.Force {
		return fmt.Errorf("%s is not empty: choose a new folder, or pass --force to write into it", dir)
	}
	cat, err := labs.Default()
	if err != nil {
		return err
	}
	version := opts.Version
	replaceDir := opts.ModuleDir
	if replaceDir == "" && version == "devel" {
		// The clone around the working folder, else the one the binary was
		// compiled from (it records its source files' paths).
		replaceDir = workspace.FindSource(opts.WorkDir)
		if replaceDir == "" && opts.BuiltFrom != nil {
			replaceDir = opts.BuiltFrom()
		}
		if replaceDir == "" {
			return fmt.Errorf("this is a development build of mlops-lab, so there is no published version to require, and the clone it was built from is not found (moved, or built with -trimpath): pass --replace PATH/TO/mlops-lab")
		}
		fmt.Fprintf(opts.IO.ErrOut, "note: a development build: the workspace uses the mlops-lab source in %s\n", replaceDir)
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
		if err := cmdutil.WriteFiles(filepath.Join(dir, "labs", lab.Folder), files); err != nil {
			return err
		}
	}
	// The labs' READMEs link to the decks (../../slides/NN-name.md): the
	// workspace gets them too, so the links work offline.
	decks, err := deckFiles()
	if err != nil {
		return err
	}
	if err := cmdutil.WriteFiles(filepath.Join(dir, "slides"), decks); err != nil {
		return err
	}
	modulePath := cmdutil.ModulePath
	var gomod strings.Builder
	fmt.Fprintf(&gomod, "module %s\n\ngo 1.26\n\nrequire %s %s\n", opts.Module, modulePath, requireVersion)
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
	if err := cmdutil.WriteFiles(dir, top); err != nil {
		return err
	}
	out := opts.IO.Out
	fmt.Fprintf(out, "wrote a course workspace with %d labs to %s\n", len(cat.Labs()), dir)
	if !opts.SkipTidy {
		if err := goModTidy(opts.Ctx, dir); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "warning: `go mod tidy` failed in %s: %v\nRun it there yourself once you are online.\n", dir, err)
		}
	}
	fmt.Fprintf(out, "next: cd %s && mlops-lab start lab1\n", dir)
	return nil
}

// deckFiles are the slide decks the binary carries and their images, by
// path in the slides folder.
func deckFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(courseslides.Files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(courseslides.Files, name)
		files[name] = data
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the slide decks: %w", err)
	}
	return files, nil
}

// goModTidy completes go.mod and go.sum from the module cache (which
// `go install` filled), so the workspace builds offline.
func goModTidy(ctx context.Context, dir string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func workspaceReadme(cat *labs.Catalogue) string {
	var b strings.Builder
	b.WriteString("# MLOps course workspace\n\nStart a lab, edit its files under `labs/`, and grade your work:\n\n")
	b.WriteString("```\nmlops-lab start lab1          # the lab's environment, its exercises and what to run next\nmlops-lab instructions lab1   # the lab's README\nmlops-lab grade lab1\nmlops-lab hint lab1\nmlops-lab                     # where you are\nmlops-lab doctor              # when something does not work\n```\n\n| lab | title | folder |\n|---|---|---|\n")
	for _, l := range cat.Labs() {
		fmt.Fprintf(&b, "| %s | %s | labs/%s |\n", l.ID, l.Title, l.Folder)
	}
	b.WriteString("\nThe slide decks are in `slides/`; `mlops-lab slides` shows them in a browser.\n")
	b.WriteString("\nYour grades are kept in `.mlops-lab/progress.json`.\n")
	return b.String()
}
