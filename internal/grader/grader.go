// Package grader grades a learner's lab: it compiles the lab's package with
// the grading tests the binary carries (not the learner's copies), runs each
// exercise's test in its own process with its own deadline, so that a panic
// or an endless loop fails only that exercise, and maps the results to
// exercises and points. Only a test that finished normally, in a process
// that exited normally, earns points: the test framework reports on a
// descriptor of its own, apart from everything the learner's code prints
// (see harness.go and docs/grading.md).
package grader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

// Options configures a grading run.
type Options struct {
	Workspace workspace.Workspace
	Catalogue *labs.Catalogue
	// Solution grades the reference solution instead of the learner's files.
	Solution bool
	// Env is added to the test processes' environment (the Kafka and ksqlDB
	// addresses).
	Env map[string]string
	// Timeout is each exercise's deadline; 60 s when zero.
	Timeout time.Duration
	// Parallel is how many exercises run at once; the number of CPUs when zero.
	Parallel int
	// Exercise limits grading to one exercise (id, number or test name).
	Exercise string
	// OnResult, when set, is called as each exercise finishes (for progress).
	OnResult func(TestResult)
	// OnStatus, when set, receives short status lines ("compiling lab1 ...").
	OnStatus func(string)
}

// EnvSolutionDir names, for grading tests run in --solution mode, the folder
// holding the reference solution's files; tests read run-time files (SQL
// scripts) from there instead of the learner's lab folder.
const EnvSolutionDir = labcontract.EnvSolutionDir

// ErrCannotGrade wraps failures of the grader itself (as opposed to the
// learner's code failing).
var ErrCannotGrade = errors.New("grading could not run")

// GradeLab grades one lab and returns a result per exercise.
func GradeLab(ctx context.Context, opts Options, lab *labs.Lab) ([]TestResult, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("%w: the Go toolchain (`go`) is not on PATH; install Go from https://go.dev/dl", ErrCannotGrade)
	}
	exercises := lab.Exercises
	if opts.Exercise != "" {
		ex, err := lab.Exercise(opts.Exercise)
		if err != nil {
			return nil, err
		}
		exercises = []labs.Exercise{*ex}
	}
	if err := supported(); err != nil {
		return nil, err
	}
	labDir := opts.Workspace.LabDir(lab.Folder)
	if st, err := os.Stat(labDir); errors.Is(err, fs.ErrNotExist) || err == nil && !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is missing: run `mlops-lab reset %s` to get the starter files back", ErrCannotGrade, labDir, lab.ID)
	} else if err != nil {
		return nil, cannotRead(opts.Workspace.Root, labDir, err)
	}
	if !opts.Solution {
		if err := checkReadable(opts.Workspace.Root, labDir); err != nil {
			return nil, err
		}
	}
	test2json, err := test2jsonCommand(ctx, goTool)
	if err != nil {
		return nil, err
	}
	build, err := os.MkdirTemp("", "mlops-lab-grade-")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCannotGrade, err)
	}
	defer os.RemoveAll(build)

	overlay, err := writeOverlay(opts, lab, labDir, build)
	if errors.Is(err, ErrCannotGrade) {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCannotGrade, err)
	}
	testEnv := map[string]string{}
	for k, v := range opts.Env {
		testEnv[k] = v
	}
	if opts.Solution {
		// Files the tests read at run time (SQL scripts, data) cannot be
		// swapped by the build overlay: the tests read them from here.
		dir, err := writeSolutionDir(opts, lab, build)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCannotGrade, err)
		}
		testEnv[EnvSolutionDir] = dir
	}
	status(opts, fmt.Sprintf("compiling %s ...", lab.ID))
	binary := filepath.Join(build, "lab.test")
	compile := exec.CommandContext(ctx, goTool, "test", "-c", "-tags", "grading", "-overlay", overlay, "-o", binary, ".")
	compile.Dir = labDir
	compile.Env = os.Environ()
	var compileOut bytes.Buffer
	compile.Stdout, compile.Stderr = &compileOut, &compileOut
	if err := compile.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := compileError(compileOut.String(), opts.Workspace.Root, build, labDir)
		var out []TestResult
		for _, ex := range exercises {
			r := newResult(lab, ex)
			r.Status, r.Message = StatusError, msg
			out = append(out, r)
			notify(opts, r)
		}
		return out, nil
	}
	// The running tests have no business reading the grader's copies of
	// the grading tests: they go before any of the learner's code runs.
	if err := os.RemoveAll(filepath.Join(build, "src")); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCannotGrade, err)
	}
	if err := os.Remove(overlay); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCannotGrade, err)
	}

	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	r := &runner{binary: binary, labDir: labDir, timeout: timeout, test2json: test2json, env: os.Environ()}
	if grading, err := opts.Catalogue.GradingFiles(lab); err == nil {
		r.titles = subtestTitles(grading)
	}
	for _, k := range sortedKeys(testEnv) {
		r.env = append(r.env, k+"="+testEnv[k])
	}
	results := make([]TestResult, len(exercises))
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for i, ex := range exercises {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = runExercise(ctx, r, lab, ex)
			notify(opts, results[i])
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

func newResult(lab *labs.Lab, ex labs.Exercise) TestResult {
	return TestResult{Name: ex.Test, Lab: lab.ID, Exercise: ex.ID, Status: StatusFail, MaxScore: float64(ex.Points)}
}

func notify(opts Options, r TestResult) {
	if opts.OnResult != nil {
		opts.OnResult(r)
	}
}

func status(opts Options, s string) {
	if opts.OnStatus != nil {
		opts.OnStatus(s)
	}
}

// writeOverlay writes the grading tests (and, with Solution, the starter
// files with the solution's in place of the ones a learner edits) into build, and a `go build -overlay` file that puts them into the
// lab's folder in place of whatever is there. The learner's own test files
// are left out, so editing or adding a test changes nothing.
func writeOverlay(opts Options, lab *labs.Lab, labDir, build string) (string, error) {
	replace := map[string]string{}
	put := func(name string, data []byte) error {
		src := filepath.Join(build, "src", name)
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(src, data, 0o644); err != nil {
			return err
		}
		replace[filepath.Join(labDir, name)] = src
		return nil
	}
	existing, err := filepath.Glob(filepath.Join(labDir, "*.go"))
	if err != nil {
		return "", err
	}
	for _, f := range existing {
		if strings.HasSuffix(f, "_test.go") {
			replace[f] = "" // removed from the build
		}
	}
	if opts.Solution {
		// The solution holds only the files a learner edits: it is built
		// over the starter files the binary carries, never over whatever
		// the lab folder holds.
		for _, f := range existing {
			replace[f] = ""
		}
		files, err := opts.Catalogue.SolvedFiles(lab)
		if err != nil {
			return "", err
		}
		for name, data := range files {
			if filepath.Ext(name) == ".go" && !strings.Contains(name, "/") && !strings.HasSuffix(name, "_test.go") {
				if err := put(name, data); err != nil {
					return "", err
				}
			}
		}
	}
	grading, err := opts.Catalogue.GradingFiles(lab)
	if err != nil {
		return "", err
	}
	if len(grading) == 0 {
		return "", fmt.Errorf("%s has no grading tests", lab.ID)
	}
	for name, data := range grading {
		if err := put(name, data); err != nil {
			return "", err
		}
	}
	pkg, err := parseGradingTests(lab, grading)
	if err != nil {
		return "", err
	}
	imp, err := importPath(opts.Workspace.Root, labDir)
	if err != nil {
		return "", err
	}
	harness, err := harnessSource(lab, pkg, imp)
	if err != nil {
		return "", err
	}
	if err := put(harnessFile, harness); err != nil {
		return "", err
	}
	data, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", err
	}
	path := filepath.Join(build, "overlay.json")
	return path, os.WriteFile(path, data, 0o644)
}

// writeSolutionDir writes the solved lab folder (the starter files with the
// solution's in place of the ones a learner edits) into a folder.
func writeSolutionDir(opts Options, lab *labs.Lab, build string) (string, error) {
	files, err := opts.Catalogue.SolvedFiles(lab)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(build, "solution")
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// test2jsonPaths caches, per Go command, where its test2json tool is:
// `go tool test2json` costs a Go command start per run, the tool itself
// starts in a few milliseconds.
var test2jsonPaths sync.Map

// test2jsonCommand returns the command that runs test2json.
func test2jsonCommand(ctx context.Context, goTool string) ([]string, error) {
	if p, ok := test2jsonPaths.Load(goTool); ok {
		return []string{p.(string)}, nil
	}
	cmd := exec.CommandContext(ctx, goTool, "tool", "-n", "test2json")
	out, err := cmd.Output()
	if p := strings.TrimSpace(string(out)); err == nil && filepath.IsAbs(p) {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			test2jsonPaths.Store(goTool, p)
			return []string{p}, nil
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// Not built yet: the Go command builds it on first use.
	return []string{goTool, "tool", "test2json"}, nil
}

// relativize shortens absolute paths in compiler output.
// compileErrorFile matches a compiler error's file: "./code.go:3:30: ...".
var compileErrorFile = regexp.MustCompile(`^(.+?\.go):\d+(?::\d+)?: `)

// compileError is the message of a lab that does not compile, from the
// compiler's output (run in dir). Usually the learner's code is at fault;
// but on a development build the workspace compiles the mlops-lab source it
// was made from, and an error there is not the learner's to fix: the
// message then says whose it is, and names those files in full.
func compileError(out, root, build, dir string) string {
	var foreign string
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		m := compileErrorFile.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		file := line[m[2]:m[3]]
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		file = filepath.Clean(file)
		if learnerFile(file, root, build) {
			continue
		}
		lines[i] = file + line[m[3]:]
		if foreign == "" {
			foreign = file
		}
	}
	text := trimLines(relativize(strings.Join(lines, "\n"), root, build), 30)
	if foreign == "" {
		return "your code does not compile:\n" + text
	}
	if src := workspace.FindSource(filepath.Dir(foreign)); src != "" {
		return fmt.Sprintf("the mlops-lab source at %s does not compile (not your files):\n%s", src, text)
	}
	return fmt.Sprintf("code outside your workspace, in %s, does not compile (not your files):\n%s", filepath.Dir(foreign), text)
}

// learnerFile reports whether file is the learner's (in the workspace at
// root) or one of the grading tests (in build). In a clone of the course's
// source used as the workspace, only what is under labs/ is the learner's.
func learnerFile(file, root, build string) bool {
	if within(build, file) {
		return true
	}
	if !within(root, file) {
		return false
	}
	if workspace.FindSource(root) == filepath.Clean(root) {
		return within(filepath.Join(root, "labs"), file)
	}
	return true
}

// within reports whether path is dir or inside it, also when one of them
// is reached through a symbolic link (the compiler names files by their
// real path).
func within(dir, path string) bool {
	if dir == "" {
		return false
	}
	inside := func(dir, path string) bool {
		rel, err := filepath.Rel(dir, path)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	if inside(dir, path) {
		return true
	}
	realDir, err1 := filepath.EvalSymlinks(dir)
	realPath, err2 := filepath.EvalSymlinks(path)
	return err1 == nil && err2 == nil && inside(realDir, realPath)
}

func relativize(s, root, build string) string {
	s = strings.ReplaceAll(s, filepath.Join(build, "src")+string(filepath.Separator), "")
	return strings.ReplaceAll(s, root+string(filepath.Separator), "")
}

func trimLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("... (%d more lines)", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}

// sortedKeys is used for deterministic iteration in tests and output.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
