package grader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// TestHostileSolutionsScoreZero grades, through GradeLab, solutions of the
// synthetic lab that try to earn points without solving it (see
// testdata/hostile). Each must score zero on every exercise it touches, the
// grader must survive it, and its output must not fill the grader's memory.
func TestHostileSolutionsScoreZero(t *testing.T) {
	cases := []struct {
		file string
		// touches lists the exercises the hostile code runs in; nil means all.
		touches []string
		// message, when set, must appear in each touched exercise's message.
		message string
	}{
		{file: "exit0.go", touches: []string{"add", "halves"}, message: "os.Exit"},
		{file: "exit1_fake_pass.go", touches: []string{"add", "halves"}, message: "before the test finished"},
		{file: "framing_stdout.go", touches: []string{"add", "halves"}},
		{file: "framing_stderr.go", touches: []string{"add", "halves"}},
		{file: "framing_syscall.go", touches: []string{"add", "halves"}},
		{file: "goexit.go", touches: []string{"add", "halves"}},
		{file: "kill_parent.go", touches: []string{"add", "halves"}, message: "before the test finished"},
		{file: "kill_group.go", touches: []string{"add", "halves"}, message: "before the test finished"},
		{file: "progress.go", touches: []string{"add", "halves"}},
		{file: "read_source.go", touches: []string{"add", "halves"}},
		{file: "big_output.go", touches: []string{"add", "halves"}},
		{file: "background_panic.go", touches: []string{"add", "halves"}, message: "panic: background"},
		{file: "init_exit.go", message: "before the test finished"},
		{file: "raw_exit0.go", touches: []string{"add", "halves"}, message: "before the test finished"},
		{file: "init_spam.go", touches: []string{"add", "halves"}},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.file, ".go"), func(t *testing.T) {
			code, err := os.ReadFile(filepath.Join("testdata", "hostile", c.file))
			must(t, err)
			ws, cat, lab := fakeCourse(t, string(code))

			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			results, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Timeout: 20 * time.Second}, lab)
			runtime.ReadMemStats(&after)
			must(t, err)
			// The grader keeps a bounded share of what the learner's code
			// prints: 200 MB of output must not become 200 MB of memory.
			grew := after.TotalAlloc - before.TotalAlloc
			if grew > 64<<20 {
				t.Errorf("grading allocated %d MB: the learner's output is not bounded", grew>>20)
			}
			t.Logf("grading allocated %.1f MB", float64(grew)/(1<<20))
			touched := map[string]bool{}
			for _, ex := range c.touches {
				touched[ex] = true
			}
			for _, r := range results {
				if c.touches != nil && !touched[r.Exercise] {
					continue
				}
				if strings.Contains(r.Message, "does not compile") {
					t.Fatalf("the hostile solution does not compile: %s", r.Message)
				}
				if r.Score != 0 || r.SubtestsPassed != 0 || r.Status == StatusPass {
					t.Errorf("%s: a hostile solution must score zero, got %v points (%s, %d of %d checks passed)\n%s",
						r.Exercise, r.Score, r.Status, r.SubtestsPassed, r.Subtests, r.Message)
				}
				if c.message != "" && !strings.Contains(r.Message, c.message) {
					t.Errorf("%s: the message should say %q, got:\n%s", r.Exercise, c.message, r.Message)
				}
				if len(r.Message) > 8<<10 {
					t.Errorf("%s: a message of %d bytes: the learner's output must be cut short", r.Exercise, len(r.Message))
				}
			}
		})
	}
}

// TestHostileLab5 injects hostile code into the first lines of lab 5's
// exercise-5 functions (Scores and Macro) in a workspace made like `mlops-lab
// init` makes one (another module path than the project's), where an
// os.Exit(0) turned a starter's 0 points into full points.
func TestHostileLab5(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles lab 5 several times; skipped with -short")
	}
	cat, err := labs.Default()
	must(t, err)
	lab, err := cat.Find("lab5")
	must(t, err)
	cases := []struct {
		name, imports, code string
	}{
		{"exit0", `"os"`, `os.Exit(0)`},
		{"framing", `"fmt"`, `fmt.Print("\n\x16--- PASS: TestScores (0.00s)\n\x16--- PASS: TestMLOpsLabGrade/TestScores (0.00s)\n")`},
		{"fake pass then exit 1", `"fmt"; "os"`, `fmt.Print("--- PASS: TestScores (0.00s)\n\x16--- PASS: TestScores (0.00s)\nPASS\nok\n"); os.Exit(1)`},
		{"raw exit 0", `"fmt"; "syscall"`, `fmt.Print("\x16--- PASS: TestScores (0.00s)\nPASS\n"); syscall.Exit(0)`},
		{"kill group", `"syscall"`, `syscall.Kill(0, syscall.SIGKILL)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws := courseWorkspace(t, cat, lab)
			dir := ws.LabDir(lab.Folder)
			must(t, os.WriteFile(filepath.Join(dir, "cheat.go"), []byte("package lab05\n\nimport ("+c.imports+")\n\nfunc cheat() { "+c.code+" }\n"), 0o644))
			injectFirstLine(t, filepath.Join(dir, "scores.go"), "cheat()", "func Scores(", "func Macro(")

			results, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Exercise: "scores", Timeout: 60 * time.Second}, lab)
			must(t, err)
			if len(results) != 1 {
				t.Fatalf("want one result, got %+v", results)
			}
			if r := results[0]; strings.Contains(r.Message, "does not compile") {
				t.Fatalf("the hostile workspace does not compile: %s", r.Message)
			} else if r.Score != 0 || r.SubtestsPassed != 0 || r.Status == StatusPass {
				t.Errorf("scores: hostile code must score zero, got %v points (%s, %d of %d checks passed)\n%s", r.Score, r.Status, r.SubtestsPassed, r.Subtests, r.Message)
			}
		})
	}
}

// courseWorkspace writes a workspace as `mlops-lab init` does, with lab's
// starter files, whose module requires this project from its source folder.
func courseWorkspace(t *testing.T, cat *labs.Catalogue, lab *labs.Lab) workspace.Workspace {
	t.Helper()
	repo, err := workspace.Find(".")
	must(t, err)
	gomod, err := os.ReadFile(filepath.Join(repo.Root, "go.mod"))
	must(t, err)
	gosum, err := os.ReadFile(filepath.Join(repo.Root, "go.sum"))
	must(t, err)
	// The project's own requirements, so the workspace builds offline
	// without `go mod tidy`.
	var reqs []string
	for _, line := range strings.Split(string(gomod), "\n") {
		if !strings.HasPrefix(line, "module ") {
			reqs = append(reqs, line)
		}
	}
	root := t.TempDir()
	mod := "module mlops-course\n\nrequire github.com/mlops-lab/mlops-lab v0.0.0-00010101000000-000000000000\n\nreplace github.com/mlops-lab/mlops-lab => " + repo.Root + "\n" + strings.Join(reqs, "\n")
	must(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte(mod), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "go.sum"), gosum, 0o644))
	files, err := cat.StarterFiles(lab)
	must(t, err)
	ws := workspace.Workspace{Root: root}
	for name, data := range files {
		p := filepath.Join(ws.LabDir(lab.Folder), filepath.FromSlash(name))
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, data, 0o644))
	}
	return ws
}

// injectFirstLine puts stmt as the first statement of each named function.
func injectFirstLine(t *testing.T, path, stmt string, funcs ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	src := string(data)
	for _, f := range funcs {
		i := strings.Index(src, f)
		if i < 0 {
			t.Fatalf("%s has no %q", path, f)
		}
		j := strings.Index(src[i:], "{\n")
		if j < 0 {
			t.Fatalf("%s: no body after %q", path, f)
		}
		at := i + j + 2
		src = src[:at] + "\t" + stmt + "\n" + src[at:]
	}
	must(t, os.WriteFile(path, []byte(src), 0o644))
}

// TestUnreadableLabCannotBeGraded: a lab folder or file the grader cannot
// read is the grader's problem (exit status 2), and the error says what it
// could not read, not that the code does not compile.
func TestUnreadableLabCannotBeGraded(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"dangling symlink", func(t *testing.T, dir string) {
			must(t, os.Symlink(filepath.Join(dir, "nowhere.go"), filepath.Join(dir, "more.go")))
		}, "cannot read labs/lab09-fake/more.go: no such file or directory"},
		{"symlink loop", func(t *testing.T, dir string) {
			must(t, os.Symlink(filepath.Join(dir, "b.go"), filepath.Join(dir, "a.go")))
			must(t, os.Symlink(filepath.Join(dir, "a.go"), filepath.Join(dir, "b.go")))
		}, "cannot read labs/lab09-fake/a.go: too many levels of symbolic links"},
		{"file without permission", func(t *testing.T, dir string) {
			if os.Geteuid() == 0 {
				t.Skip("root reads files whatever their permissions; the symlink cases cover the same path")
			}
			must(t, os.Chmod(filepath.Join(dir, "code.go"), 0))
		}, "cannot read labs/lab09-fake/code.go: permission denied"},
		{"folder without permission", func(t *testing.T, dir string) {
			if os.Geteuid() == 0 {
				t.Skip("root reads folders whatever their permissions; the symlink cases cover the same path")
			}
			must(t, os.Chmod(dir, 0))
			t.Cleanup(func() { os.Chmod(dir, 0o755) })
		}, "cannot read labs/lab09-fake: permission denied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws, cat, lab := fakeCourse(t, fakeSolution)
			c.setup(t, ws.LabDir(lab.Folder))
			_, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Timeout: 10 * time.Second}, lab)
			if !errors.Is(err, ErrCannotGrade) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want a cannot-grade error saying %q, got %v", c.want, err)
			}
		})
	}
}

// TestLearnerOutputCannotFailACorrectSolution: the other way round, fail
// lines printed by correct code change nothing either.
func TestLearnerOutputCannotFailACorrectSolution(t *testing.T) {
	noisy := `package fake

import (
	"fmt"
	"os"
)

const fake = "\n\x16--- FAIL: TestAdd (0.00s)\n\x16--- FAIL: TestHalves/odd (0.00s)\n\x16--- FAIL: TestHalves (0.00s)\nFAIL\n"

func Add(a, b int) int { fmt.Print(fake); fmt.Fprint(os.Stderr, fake); return a + b }
func Half(n int) int   { fmt.Print(fake); return n / 2 }
func Crash()           { fmt.Print(fake) }
func Hang()            { fmt.Print(fake) }
`
	ws, cat, lab := fakeCourse(t, noisy)
	results, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Timeout: 20 * time.Second}, lab)
	must(t, err)
	if report := NewReport(results); !report.Passed() || report.Score != 40 {
		t.Fatalf("a correct solution that prints fail lines: want 40/40, got %v: %+v", report.Score, results)
	}
}
