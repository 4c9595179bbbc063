package classroom

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	Name string `yaml:"name"`
	On   map[string]any
	Jobs map[string]struct {
		RunsOn string            `yaml:"runs-on"`
		Env    map[string]string `yaml:"env"`
		Steps  []struct {
			Name string            `yaml:"name"`
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			If   string            `yaml:"if"`
			With map[string]any    `yaml:"with"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func files(t *testing.T) map[string][]byte {
	t.Helper()
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Files(cat)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range fs {
		out[f.Path] = f.Content
	}
	return out
}

func TestClassroomWorkflow(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(files(t)[ClassroomWorkflow], &wf); err != nil {
		t.Fatalf("%s is not YAML: %v", ClassroomWorkflow, err)
	}
	job, ok := wf.Jobs["run-autograding-tests"]
	if !ok || job.RunsOn != "ubuntu-latest" {
		t.Fatalf("no run-autograding-tests job on ubuntu-latest: %+v", wf.Jobs)
	}
	byID := map[string]int{}
	var runs []string
	reporter := -1
	for i, s := range job.Steps {
		if s.ID != "" {
			byID[s.ID] = i
		}
		if s.Run != "" {
			runs = append(runs, s.Run)
		}
		if strings.HasPrefix(s.Uses, "classroom-resources/autograding-grading-reporter@") {
			reporter = i
		}
	}
	if !strings.Contains(strings.Join(runs, "\n"), "mlops-lab grade --all --format json") {
		t.Errorf("no step runs `mlops-lab grade --all --format json`: %q", runs)
	}
	// A report committed to the repository must be gone before grading,
	// or grading that cannot run would leave it to be read as the results.
	if !strings.Contains(strings.Join(runs, "\n"), "rm -f "+ReportFile+" && mlops-lab grade") {
		t.Errorf("no step removes %s before grading: %q", ReportFile, runs)
	}
	if reporter < 0 {
		t.Fatal("no reporter step")
	}
	rep := job.Steps[reporter]
	runners := strings.Split(rep.With["runners"].(string), ",")
	total := 0
	n := 0
	for _, l := range cat.Labs() {
		for _, ex := range l.Exercises {
			n++
			id := l.ID + "-" + ex.ID
			i, ok := byID[id]
			if !ok {
				t.Errorf("no step for %s %s", l.ID, ex.ID)
				continue
			}
			s := job.Steps[i]
			if s.Uses != "classroom-resources/autograding-command-grader@v1" {
				t.Errorf("step %s uses %q", id, s.Uses)
			}
			if got := s.With["max-score"]; got != ex.Points {
				t.Errorf("step %s: max-score %v, want the exercise's %d points", id, got, ex.Points)
			}
			if cmd := s.With["command"]; cmd != "mlops-lab classroom check grades.json "+l.ID+" "+ex.ID {
				t.Errorf("step %s: command %q", id, cmd)
			}
			if i > reporter {
				t.Errorf("step %s comes after the reporter", id)
			}
			if got := rep.Env[strings.ToUpper(id)+"_RESULTS"]; got != "${{steps."+id+".outputs.result}}" {
				t.Errorf("reporter env for %s = %q", id, got)
			}
			total += ex.Points
		}
	}
	if len(runners) != n {
		t.Errorf("%d runners for %d exercises", len(runners), n)
	}
	if total == 0 {
		t.Error("no points at all")
	}
}

func TestGradeWorkflow(t *testing.T) {
	var wf workflow
	if err := yaml.Unmarshal(files(t)[GradeWorkflow], &wf); err != nil {
		t.Fatalf("%s is not YAML: %v", GradeWorkflow, err)
	}
	job := wf.Jobs["grade"]
	var runs []string
	uploads := false
	for _, s := range job.Steps {
		runs = append(runs, s.Run)
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && s.With["path"] == JUnitFile && s.If == "always()" {
			uploads = true
		}
	}
	if !strings.Contains(strings.Join(runs, "\n"), "mlops-lab grade --all --format junit --output "+JUnitFile) {
		t.Errorf("no step grades into JUnit: %q", runs)
	}
	if !uploads {
		t.Error("the JUnit report is not kept when grading fails")
	}
	if job.Env["TESTCONTAINERS_RYUK_DISABLED"] != "true" {
		t.Errorf("env = %v", job.Env)
	}
}

func TestAutogradingJSON(t *testing.T) {
	var cfg struct {
		Tests []struct {
			Name, Setup, Run, Comparison string
			Timeout, Points              int
		} `json:"tests"`
	}
	if err := json.Unmarshal(files(t)[AutogradingConfig], &cfg); err != nil {
		t.Fatal(err)
	}
	cat, _ := labs.Default()
	want := 0
	points := 0
	for _, l := range cat.Labs() {
		want += len(l.Exercises)
		points += l.MaxScore()
	}
	got := 0
	for _, tc := range cfg.Tests {
		got += tc.Points
	}
	if len(cfg.Tests) != want || got != points {
		t.Errorf("%d tests worth %d points, want %d worth %d", len(cfg.Tests), got, want, points)
	}
	if !strings.Contains(cfg.Tests[0].Setup, GradeCommand) || cfg.Tests[0].Timeout < 30 {
		t.Errorf("the first test does not grade first: %+v", cfg.Tests[0])
	}
}

func TestInit(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	if err := Init(dir, cat, false, &out); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{ClassroomWorkflow, AutogradingConfig, GradeWorkflow} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s not written: %v", p, err)
		}
		if !strings.Contains(out.String(), filepath.FromSlash(p)) {
			t.Errorf("output %q does not name %s", out.String(), p)
		}
	}
	err = Init(dir, cat, false, nil)
	if err == nil || !strings.Contains(err.Error(), ClassroomWorkflow) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second Init = %v, want an error naming the files and --force", err)
	}
	if err := os.WriteFile(filepath.Join(dir, GradeWorkflow), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Init(dir, cat, true, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, GradeWorkflow)); string(b) == "old" {
		t.Error("--force did not replace the file")
	}
	if err := Init(filepath.Join(dir, "missing"), cat, false, nil); err == nil {
		t.Error("Init into a missing folder: no error")
	}
	if err := Init("", cat, false, nil); err == nil {
		t.Error("Init(\"\"): no error")
	}
}

func TestPassed(t *testing.T) {
	rep := grader.NewReport([]grader.TestResult{
		{Lab: "lab1", Exercise: "a", Status: grader.StatusPass, Score: 15, MaxScore: 15},
		{Lab: "lab1", Exercise: "b", Status: grader.StatusFail, Score: 5, MaxScore: 15, Message: "nope"},
	})
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	r, err := Passed(bytes.NewReader(b.Bytes()), "lab1", "b")
	if err != nil || r.Status != grader.StatusFail || r.Score != 5 {
		t.Errorf("Passed(lab1 b) = %+v, %v", r, err)
	}
	if _, err := Passed(bytes.NewReader(b.Bytes()), "lab2", "a"); err == nil || !strings.Contains(err.Error(), "no result for lab2 a") {
		t.Errorf("Passed(lab2 a) = %v", err)
	}
	if _, err := Passed(strings.NewReader("{not json"), "lab1", "a"); err == nil {
		t.Error("Passed on broken JSON: no error")
	}
}

const fakeLabYAML = `id: lab9
number: 9
title: Fake
files: [code.go]
exercises:
  - {id: add, title: Add, test: TestAdd, points: 10, file: code.go}
  - {id: twice, title: Twice, test: TestTwice, points: 20, file: code.go}
`

const fakeGradeTest = `//go:build grading

package fake

import "testing"

func TestAdd(t *testing.T) {
	if got := Add(2, 3); got != 5 {
		t.Errorf("Add(2, 3) = %d, want 5", got)
	}
}

func TestTwice(t *testing.T) {
	if got := Twice(4); got != 8 {
		t.Errorf("Twice(4) = %d, want 8", got)
	}
}
`

const fakeStarter = "package fake\n\nfunc Add(a, b int) int { return 0 }\n\nfunc Twice(n int) int { return 0 }\n"
const fakeSolution = "package fake\n\nfunc Add(a, b int) int { return a + b }\n\nfunc Twice(n int) int { return 2 * n }\n"

func student(t *testing.T, root, name, code string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	lab := filepath.Join(dir, "labs", "lab09-fake")
	if err := os.MkdirAll(lab, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/course\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lab, "code.go"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReport(t *testing.T) {
	cat, err := labs.Load(fstest.MapFS{
		"lab09-fake/lab.yaml":      {Data: []byte(fakeLabYAML)},
		"lab09-fake/code.go":       {Data: []byte(fakeStarter)},
		"lab09-fake/grade_test.go": {Data: []byte(fakeGradeTest)},
	}, fstest.MapFS{"lab09-fake/code.go": {Data: []byte(fakeSolution)}})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	half := "package fake\n\nfunc Add(a, b int) int { return a + b }\n\nfunc Twice(n int) int { return n }\n"
	alice := student(t, root, "alice", fakeSolution)
	bob := student(t, root, "bob", half)
	carol := filepath.Join(root, "carol")
	if err := os.MkdirAll(carol, 0o755); err != nil {
		t.Fatal(err)
	}
	var status []string
	rows, err := Report(context.Background(), []string{alice, bob, carol}, ReportOptions{
		Catalogue: cat, Timeout: time.Minute, OnStatus: func(s string) { status = append(status, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Row{}
	for _, r := range rows {
		got[r.Student+"/"+r.Exercise] = r
	}
	for key, want := range map[string]struct {
		status string
		score  float64
	}{
		"alice/add": {grader.StatusPass, 10}, "alice/twice": {grader.StatusPass, 20},
		"bob/add": {grader.StatusPass, 10}, "bob/twice": {grader.StatusFail, 0},
		"carol/add": {grader.StatusError, 0}, "carol/twice": {grader.StatusError, 0},
	} {
		r, ok := got[key]
		if !ok || r.Status != want.status || r.Score != want.score || r.Lab != "lab9" {
			t.Errorf("%s: %+v, want status %s score %v", key, r, want.status, want.score)
		}
	}
	if !strings.Contains(got["bob/twice"].Message, "Twice(4) = 4, want 8") {
		t.Errorf("bob/twice message %q lacks the test's output", got["bob/twice"].Message)
	}
	if !strings.Contains(got["carol/add"].Message, "not a course workspace") {
		t.Errorf("carol/add message %q", got["carol/add"].Message)
	}
	if len(status) != 2 {
		t.Errorf("status lines %q, want one per workspace graded", status)
	}
	if _, err := os.Stat(filepath.Join(alice, ".mlops-lab", "progress.json")); err == nil {
		t.Error("the report wrote into a student's progress file")
	}

	sum := Summarize(rows)
	if len(sum) != 3 || sum[0] != (Row{Student: "alice", Lab: "lab9", Status: grader.StatusPass, Score: 30, MaxScore: 30}) ||
		sum[1].Status != grader.StatusFail || sum[1].Score != 10 || sum[2].Status != grader.StatusError || sum[2].Message == "" {
		t.Errorf("Summarize = %+v", sum)
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, sum); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || strings.Join(recs[0], ",") != "student,lab,exercise,status,score,max_score,message" ||
		strings.Join(recs[2][:6], ",") != "bob,lab9,,fail,10,30" {
		t.Errorf("CSV = %q", recs)
	}
	b.Reset()
	if err := WriteJSON(&b, rows); err != nil {
		t.Fatal(err)
	}
	var back []Row
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back) != len(rows) {
		t.Errorf("JSON round trip: %v, %d rows of %d", err, len(back), len(rows))
	}
	if s := Students(rows); strings.Join(s, ",") != "alice,bob,carol" {
		t.Errorf("Students = %v", s)
	}
}

func TestReportErrors(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	a := filepath.Join(root, "x", "ann")
	b := filepath.Join(root, "y", "ann")
	for _, c := range []struct {
		dirs []string
		opts ReportOptions
		want string
	}{
		{nil, ReportOptions{Catalogue: cat}, "at least one"},
		{[]string{a}, ReportOptions{}, "catalogue"},
		{[]string{a, b}, ReportOptions{Catalogue: cat}, "both be student \"ann\""},
	} {
		if _, err := Report(context.Background(), c.dirs, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Report(%v) = %v, want an error containing %q", c.dirs, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Report(ctx, []string{root}, ReportOptions{Catalogue: cat}); err == nil {
		t.Error("a cancelled report returned no error")
	}
}
