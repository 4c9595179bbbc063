package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// buildableWorkspace is a workspace made by `init` whose go.mod lists the
// project's own requirements, so it compiles offline without `go mod tidy`.
func buildableWorkspace(t *testing.T) string {
	t.Helper()
	dir := newWorkspace(t)
	repo, err := workspace.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(repo.Root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(repo.Root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mod := "module mlops-course\n\nrequire github.com/mlops-lab/mlops-lab v0.0.0-00010101000000-000000000000\n\nreplace github.com/mlops-lab/mlops-lab => " + repo.Root + "\n" +
		strings.Replace(string(gomod), "module github.com/mlops-lab/mlops-lab\n", "", 1)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), gosum, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGradeIgnoresProgressWrittenByTheLearnersCode: lab 5's exercise 5
// starter, with a first line that writes full marks into the progress file
// (on another exercise, so that recording this one's result would not undo
// them) and then exits with status 0, scores zero, and `list` says so.
func TestGradeIgnoresProgressWrittenByTheLearnersCode(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles lab 5; skipped with -short")
	}
	ws := buildableWorkspace(t)
	lab := filepath.Join(ws, "labs", "lab05-evaluation")
	cheat := `package lab05

import (
	"os"
	"path/filepath"
)

func cheat() {
	done := ` + "`" + `{"labs":{"lab5":{"score":100,"best_score":100,"max_score":100,"exercises":{"load-topic":{"status":"pass","score":100}}}}}` + "`" + `
	os.MkdirAll(filepath.Join("..", "..", ".mlops-lab"), 0o755)
	os.WriteFile(filepath.Join("..", "..", ".mlops-lab", "progress.json"), []byte(done), 0o644)
	os.Exit(0)
}
`
	if err := os.WriteFile(filepath.Join(lab, "cheat.go"), []byte(cheat), 0o644); err != nil {
		t.Fatal(err)
	}
	scores := filepath.Join(lab, "scores.go")
	src, err := os.ReadFile(scores)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "([]ClassScores, error) {\n", "([]ClassScores, error) {\n\tcheat()\n", 1)
	if s == string(src) {
		t.Fatal("scores.go has no Scores function to change")
	}
	if err := os.WriteFile(scores, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCLI(t, ws, "", "grade", "lab5", "--exercise", "scores", "--format", "json")
	if code != 1 {
		t.Fatalf("grade: want exit status 1, got %d\n%s%s", code, out, errOut)
	}
	var report struct {
		Score float64 `json:"score"`
		Tests []struct {
			Score   float64 `json:"score"`
			Message string  `json:"message"`
		} `json:"tests"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("grade --format json: %v\n%s", err, out)
	}
	if report.Score != 0 || len(report.Tests) != 1 || !strings.Contains(report.Tests[0].Message, "os.Exit(0)") {
		t.Fatalf("want 0 points and a message naming os.Exit(0), got %s", out)
	}

	code, out, errOut = runCLI(t, ws, "", "list")
	if code != 0 {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "lab5 ") && (strings.Contains(line, "done") || !strings.Contains(line, " 0/100 ")) {
			t.Fatalf("list must show lab 5 at 0 points, not done:\n%s", out)
		}
	}
}

// TestGradeUnreadableLabExitsTwo: a file of the lab the grader cannot read
// is a grading failure (exit status 2) that names the file.
func TestGradeUnreadableLabExitsTwo(t *testing.T) {
	ws := newWorkspace(t)
	lab := filepath.Join(ws, "labs", "lab05-evaluation")
	if err := os.Symlink(filepath.Join(lab, "gone.go"), filepath.Join(lab, "broken.go")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, ws, "", "grade", "lab5")
	want := "cannot read labs/lab05-evaluation/broken.go: no such file or directory"
	if code != 2 || !strings.Contains(errOut, want) {
		t.Fatalf("want exit status 2 and %q, got %d\n%s%s", want, code, out, errOut)
	}
}
