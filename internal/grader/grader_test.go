package grader

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

const fakeLabYAML = `id: lab9
number: 9
title: Fake
files: [code.go]
exercises:
  - {id: add, title: Add, test: TestAdd, points: 10, file: code.go}
  - {id: halves, title: Halves, test: TestHalves, points: 20, file: code.go}
  - {id: crash, title: Crash, test: TestCrash, points: 5, file: code.go}
  - {id: hang, title: Hang, test: TestHang, points: 5, file: code.go}
`

const fakeGradeTest = `//go:build grading

package fake

import "testing"

func TestAdd(t *testing.T) {
	if got := Add(2, 3); got != 5 {
		t.Errorf("Add(2, 3): expected 5, got %d", got)
	}
}

func TestHalves(t *testing.T) {
	t.Run("even", func(t *testing.T) {
		if Half(4) != 2 { t.Errorf("Half(4) should be 2, got %d", Half(4)) }
	})
	t.Run("odd_numbers round down", func(t *testing.T) {
		if Half(5) != 2 { t.Errorf("Half(5) should be 2, got %d", Half(5)) }
	})
	t.Run("negative", func(t *testing.T) {
		if Half(-4) != -2 { t.Errorf("Half(-4) should be -2, got %d", Half(-4)) }
	})
	t.Run("zero", func(t *testing.T) {
		if Half(0) != 0 || Half(8) != 4 { t.Errorf("Half(0) should be 0, got %d", Half(0)) }
	})
}

func TestCrash(t *testing.T) { Crash() }

func TestHang(t *testing.T) { Hang() }
`

const fakeStarter = `package fake

func Add(a, b int) int { return 0 }
func Half(n int) int   { if n == 4 { return 2 }; return 7 }
func Crash()           { var m map[string]int; m["x"] = 1 }
func Hang()            { select {} }
`

const fakeSolution = `package fake

func Add(a, b int) int { return a + b }
func Half(n int) int   { return n / 2 }
func Crash()           {}
func Hang()            {}
`

// fakeCourse builds a workspace and catalogue holding one small lab.
func fakeCourse(t testing.TB, starter string) (workspace.Workspace, *labs.Catalogue, *labs.Lab) {
	t.Helper()
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/course\n\ngo 1.22\n"), 0o644))
	dir := filepath.Join(root, "labs", "lab09-fake")
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "code.go"), []byte(starter), 0o644))
	labFS := fstest.MapFS{
		"lab09-fake/lab.yaml":      {Data: []byte(fakeLabYAML)},
		"lab09-fake/code.go":       {Data: []byte(fakeStarter)},
		"lab09-fake/grade_test.go": {Data: []byte(fakeGradeTest)},
	}
	solFS := fstest.MapFS{"lab09-fake/code.go": {Data: []byte(fakeSolution)}}
	cat, err := labs.Load(labFS, solFS)
	must(t, err)
	lab, err := cat.Find("9")
	must(t, err)
	return workspace.Workspace{Root: root}, cat, lab
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func byExercise(results []TestResult) map[string]TestResult {
	m := map[string]TestResult{}
	for _, r := range results {
		m[r.Exercise] = r
	}
	return m
}

func TestGradeStarterIsolatesFailures(t *testing.T) {
	ws, cat, lab := fakeCourse(t, fakeStarter)
	results, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Timeout: 10 * time.Second}, lab)
	must(t, err)
	got := byExercise(results)
	if len(got) != 4 {
		t.Fatalf("expected 4 results, got %d: %+v", len(got), results)
	}
	add := got["add"]
	if add.Status != StatusFail || add.Score != 0 || !strings.Contains(add.Message, "Add(2, 3): expected 5, got 0") {
		t.Errorf("add: want a failure with the test's message, got %+v", add)
	}
	halves := got["halves"]
	if halves.Status != StatusFail || halves.Score != 5 || halves.Subtests != 4 || halves.SubtestsPassed != 1 {
		t.Errorf("halves: want 1 of 4 subtests passed and 5 of 20 points, got %+v", halves)
	}
	if !strings.Contains(halves.Message, "Half(5) should be 2, got 7") {
		t.Errorf("halves: message lacks the failing subtest's output: %q", halves.Message)
	}
	// The check's title reads as the test wrote it: its space, and its
	// underscore, which `go test` reports alike.
	if !strings.Contains(halves.Message, "odd_numbers round down:\n") || !strings.Contains(halves.Message, "negative:\n") {
		t.Errorf("halves: the checks' titles are not as the test names them: %q", halves.Message)
	}
	crash := got["crash"]
	if crash.Status != StatusFail || !strings.Contains(crash.Message, "assignment to entry in nil map") {
		t.Errorf("crash: want a failure naming the panic, got %+v", crash)
	}
	hang := got["hang"]
	if hang.Status != StatusFail || !strings.Contains(hang.Message, "timed out") {
		t.Errorf("hang: want a timeout failure, got %+v", hang)
	}
	report := NewReport(results)
	if report.Status != StatusFail || report.Score != 5 || report.MaxScore != 40 {
		t.Errorf("report: want fail 5/40, got %s %v/%v", report.Status, report.Score, report.MaxScore)
	}
}

func TestGradeSolutionAndIgnoresLearnerTests(t *testing.T) {
	ws, cat, lab := fakeCourse(t, fakeStarter)
	// A learner's own test file that does not compile, and an edited copy of
	// the grading test that would pass everything: neither may count.
	dir := ws.LabDir(lab.Folder)
	must(t, os.WriteFile(filepath.Join(dir, "mine_test.go"), []byte("package fake\nthis does not compile\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "grade_test.go"), []byte("//go:build grading\n\npackage fake\nimport \"testing\"\nfunc TestAdd(t *testing.T) {}\n"), 0o644))

	results, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Solution: true, Timeout: 10 * time.Second}, lab)
	must(t, err)
	report := NewReport(results)
	if !report.Passed() || report.Score != 40 {
		t.Fatalf("solution: want 40/40, got %v: %+v", report.Score, results)
	}

	results, err = GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Exercise: "add", Timeout: 10 * time.Second}, lab)
	must(t, err)
	if len(results) != 1 || results[0].Status != StatusFail {
		t.Fatalf("the learner's edited grading test must not count: got %+v", results)
	}
}

func TestGradeCompileErrorFailsEveryExercise(t *testing.T) {
	ws, cat, lab := fakeCourse(t, "package fake\n\nfunc Add(a, b int) int { return a + }\n")
	results, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat}, lab)
	must(t, err)
	for _, r := range results {
		if r.Status != StatusError || r.Score != 0 || !strings.Contains(r.Message, "does not compile") || !strings.Contains(r.Message, "code.go:3") {
			t.Errorf("%s: want a compile error naming code.go:3, got %+v", r.Exercise, r)
		}
	}
}

func TestReportFormats(t *testing.T) {
	results := []TestResult{
		{Name: "TestA", Lab: "lab1", Exercise: "a", Status: StatusPass, Score: 10, MaxScore: 10},
		{Name: "TestB", Lab: "lab1", Exercise: "b", Status: StatusFail, Message: "expected 1\ngot 2", Score: 2.5, MaxScore: 10},
	}
	report := NewReport(results)
	var js bytes.Buffer
	must(t, report.WriteJSON(&js))
	var decoded map[string]any
	must(t, json.Unmarshal(js.Bytes(), &decoded))
	for _, key := range []string{"version", "status", "score", "max_score", "tests"} {
		if _, ok := decoded[key]; !ok {
			t.Errorf("JSON report lacks %q: %s", key, js.String())
		}
	}
	if decoded["status"] != "fail" || decoded["score"] != 12.5 || decoded["max_score"] != 20.0 {
		t.Errorf("JSON report: got status %v score %v max %v", decoded["status"], decoded["score"], decoded["max_score"])
	}
	tests := decoded["tests"].([]any)
	second := tests[1].(map[string]any)
	for _, key := range []string{"name", "lab", "exercise", "status", "message", "score", "max_score"} {
		if _, ok := second[key]; !ok {
			t.Errorf("test entry lacks %q", key)
		}
	}

	var x bytes.Buffer
	must(t, report.WriteJUnit(&x))
	var suites struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	must(t, xml.Unmarshal(x.Bytes(), &suites))
	if len(suites.Suites) != 1 || suites.Suites[0].Tests != 2 || suites.Suites[0].Failures != 1 {
		t.Errorf("JUnit: want one suite with 2 tests and 1 failure, got %+v\n%s", suites, x.String())
	}
	if !strings.Contains(x.String(), "points: 2.50/10") {
		t.Errorf("JUnit lacks the points of the failing exercise:\n%s", x.String())
	}
}

// TestSlowConverterStillScores: a converter slower than the streams'
// drain delay (as on a loaded machine) still gets to convert a stream
// the grader has read whole, so a correct solution keeps its points.
func TestSlowConverterStillScores(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a slow converter")
	}
	goTool, err := exec.LookPath("go")
	must(t, err)
	real, err := test2jsonCommand(context.Background(), goTool)
	must(t, err)
	quoted := make([]string, len(real))
	for i, a := range real {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	slow := filepath.Join(t.TempDir(), "slow-test2json")
	script := fmt.Sprintf("#!/bin/sh\nsleep %d\nexec %s \"$@\"\n", int(2*drainDelay/time.Second), strings.Join(quoted, " "))
	must(t, os.WriteFile(slow, []byte(script), 0o755))
	old, had := test2jsonPaths.Load(goTool)
	test2jsonPaths.Store(goTool, slow)
	t.Cleanup(func() {
		if had {
			test2jsonPaths.Store(goTool, old)
		} else {
			test2jsonPaths.Delete(goTool)
		}
	})

	ws, cat, lab := fakeCourse(t, fakeStarter)
	results, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Solution: true, Exercise: "add", Timeout: 60 * time.Second}, lab)
	must(t, err)
	if len(results) != 1 || results[0].Status != StatusPass || results[0].Score != 10 {
		t.Fatalf("a correct solution with a slow converter: want add passed for 10 points, got %+v", results)
	}
}

// TestGradeSolutionOverStarter: a solution holds only the files a learner
// edits. Grading it builds them over the starter files the binary carries,
// whatever the lab folder holds (here a shared file the learner broke and a
// file of their own), and the tests' run-time files (data.txt, starter only)
// are there too.
func TestGradeSolutionOverStarter(t *testing.T) {
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/course\n\ngo 1.22\n"), 0o644))
	dir := filepath.Join(root, "labs", "lab09-fake")
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "code.go"), []byte(fakeStarter), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "shared.go"), []byte("package fake\n\nbroken\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "mine.go"), []byte("package fake\n\nfunc Add() {}\n"), 0o644))
	shared := "package fake\n\nfunc plus(a, b int) int { return a + b }\n"
	gradeTest := strings.Replace(fakeGradeTest, `import "testing"`, `import (
	"os"
	"path/filepath"
	"testing"
)`, 1) + `
func TestData(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(os.Getenv("` + EnvSolutionDir + `"), "data.txt"))
	if err != nil || string(data) != "42\n" {
		t.Fatalf("data.txt: %q, %v", data, err)
	}
}
`
	labFS := fstest.MapFS{
		"lab09-fake/lab.yaml":      {Data: []byte(fakeLabYAML + "  - {id: data, title: Data, test: TestData, points: 1, file: code.go}\n")},
		"lab09-fake/code.go":       {Data: []byte(fakeStarter)},
		"lab09-fake/shared.go":     {Data: []byte(shared)},
		"lab09-fake/data.txt":      {Data: []byte("42\n")},
		"lab09-fake/grade_test.go": {Data: []byte(gradeTest)},
	}
	solution := labs.SolutionTag + "\n\n" + strings.Replace(fakeSolution, "return a + b", "return plus(a, b)", 1)
	solFS := fstest.MapFS{"lab09-fake/code.go": {Data: []byte(solution)}}
	cat, err := labs.Load(labFS, solFS)
	must(t, err)
	lab, err := cat.Find("9")
	must(t, err)
	results, err := GradeLab(context.Background(), Options{Workspace: workspace.Workspace{Root: root}, Catalogue: cat, Solution: true, Timeout: 20 * time.Second}, lab)
	must(t, err)
	if report := NewReport(results); !report.Passed() || report.Score != 41 {
		t.Fatalf("solution over the starter: want 41/41, got %v: %+v", report.Score, results)
	}
}
