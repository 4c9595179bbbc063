// Package classroom is what an instructor runs the course with around the
// grader: the GitHub Actions workflows and the GitHub Classroom autograding
// configuration written into a course repository (Files, Init), the check
// those workflows run per exercise (Passed), and a class report that grades
// every student's workspace as `mlops-lab grade --all` does (Report).
package classroom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// The files Init writes, relative to the course repository's root.
const (
	ClassroomWorkflow = ".github/workflows/classroom.yml"
	AutogradingConfig = ".github/classroom/autograding.json"
	GradeWorkflow     = ".github/workflows/grade.yml"
	// ReportFile is where the workflows keep `grade --all`'s JSON report.
	ReportFile = "grades.json"
	// JUnitFile is the plain CI workflow's JUnit report.
	JUnitFile = "grades.xml"
)

// InstallCommand installs the mlops-lab binary the course repository asks
// for: in a clone it is the repository's own command, in a workspace made by
// `mlops-lab init` the version its go.mod requires.
const InstallCommand = "go install github.com/mlops-lab/mlops-lab/cmd/mlops-lab"

// GradeCommand grades every lab into ReportFile. It fails when an exercise
// fails; the workflows go on to report the points. It removes ReportFile
// first: grading that cannot run writes no report, and a ReportFile
// committed to the repository must not then be read as the results.
const GradeCommand = "rm -f " + ReportFile + " && mlops-lab grade --all --format json --output " + ReportFile

// File is one file Init writes.
type File struct {
	Path    string
	Content []byte
}

// Test is one graded exercise as GitHub Classroom shows it.
type Test struct {
	// ID is the workflow step's id, e.g. "lab1-sync-producer".
	ID      string
	Name    string
	Command string
	Points  int
}

// ResultsEnv is the variable the Classroom reporter reads the step's result
// from: the step's id in capitals, then _RESULTS.
func (t Test) ResultsEnv() string { return strings.ToUpper(t.ID) + "_RESULTS" }

// Tests lists one Classroom test per exercise of the catalogue, in course
// order: each checks the exercise's result in ReportFile.
func Tests(cat *labs.Catalogue) []Test {
	var out []Test
	for _, l := range cat.Labs() {
		for _, ex := range l.Exercises {
			out = append(out, Test{
				ID:      l.ID + "-" + ex.ID,
				Name:    fmt.Sprintf("%s %s: %s", l.ID, ex.ID, ex.Title),
				Command: fmt.Sprintf("mlops-lab classroom check %s %s %s", ReportFile, l.ID, ex.ID),
				Points:  ex.Points,
			})
		}
	}
	return out
}

// Files returns the workflows and the autograding configuration for the
// catalogue's labs.
func Files(cat *labs.Catalogue) ([]File, error) {
	tests := Tests(cat)
	if len(tests) == 0 {
		return nil, errors.New("classroom: the catalogue has no exercises")
	}
	var ids []string
	for _, t := range tests {
		ids = append(ids, t.ID)
	}
	data := map[string]any{
		"Tests":   tests,
		"Runners": strings.Join(ids, ","),
		"Install": InstallCommand,
		"Grade":   GradeCommand,
		"Report":  ReportFile,
		"JUnit":   JUnitFile,
	}
	var classroom, grade bytes.Buffer
	if err := classroomTemplate.Execute(&classroom, data); err != nil {
		return nil, err
	}
	if err := gradeTemplate.Execute(&grade, data); err != nil {
		return nil, err
	}
	auto, err := autograding(tests)
	if err != nil {
		return nil, err
	}
	return []File{
		{ClassroomWorkflow, classroom.Bytes()},
		{AutogradingConfig, auto},
		{GradeWorkflow, grade.Bytes()},
	}, nil
}

// autograding is the test list in the format of GitHub Classroom's
// autograding.json (education/autograding): the first test installs and
// grades, every test checks one exercise.
func autograding(tests []Test) ([]byte, error) {
	type entry struct {
		Name       string `json:"name"`
		Setup      string `json:"setup"`
		Run        string `json:"run"`
		Input      string `json:"input"`
		Output     string `json:"output"`
		Comparison string `json:"comparison"`
		Timeout    int    `json:"timeout"`
		Points     int    `json:"points"`
	}
	var entries []entry
	for i, t := range tests {
		e := entry{Name: t.Name, Run: t.Command, Comparison: "included", Timeout: 1, Points: t.Points}
		if i == 0 {
			// Minutes: compiling and grading every lab, once.
			e.Setup = InstallCommand + " && (" + GradeCommand + " || true)"
			e.Timeout = 60
		}
		entries = append(entries, e)
	}
	b, err := json.MarshalIndent(map[string]any{"tests": entries}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Init writes Files into dir, the root of a course repository. It refuses
// to overwrite a file that exists unless force is set, and says which.
func Init(dir string, cat *labs.Catalogue, force bool, progress io.Writer) error {
	if dir == "" {
		return errors.New("classroom init: name the course repository's folder")
	}
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("classroom init: %w", err)
	} else if !st.IsDir() {
		return fmt.Errorf("classroom init: %s is a file, not a folder", dir)
	}
	files, err := Files(cat)
	if err != nil {
		return err
	}
	if !force {
		var exist []string
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(dir, f.Path)); err == nil {
				exist = append(exist, f.Path)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("classroom init: %w", err)
			}
		}
		if len(exist) > 0 {
			return fmt.Errorf("classroom init: %s already exist in %s: use --force to replace them", strings.Join(exist, ", "), dir)
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("classroom init: %w", err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			return fmt.Errorf("classroom init: %w", err)
		}
		if progress != nil {
			fmt.Fprintf(progress, "wrote %s\n", p)
		}
	}
	return nil
}

// Passed reads a `grade --format json` report and says whether the lab's
// exercise passed; an error when the report cannot be read or does not hold
// the exercise (for example because grading could not run).
func Passed(r io.Reader, lab, exercise string) (grader.TestResult, error) {
	var rep grader.Report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return grader.TestResult{}, fmt.Errorf("reading the grading report: %w", err)
	}
	for _, t := range rep.Tests {
		if t.Lab == lab && t.Exercise == exercise {
			return t, nil
		}
	}
	return grader.TestResult{}, fmt.Errorf("the grading report has no result for %s %s (%d results; did grading run?)", lab, exercise, len(rep.Tests))
}

// setupSteps is how both workflows' job begins: its limits, then checking
// out the repository and installing Go and mlops-lab (.Install).
const setupSteps = `{{define "setup"}}    timeout-minutes: 90
    env:
      TESTCONTAINERS_RYUK_DISABLED: "true"
    steps:
      - name: Checkout
        uses: actions/checkout@v4
      - name: Set up Go
        uses: actions/setup-go@v5
        with:
          go-version-file: go.mod
      - name: Install mlops-lab
        run: {{.Install}}{{end}}`

// A template's {{"${{ ... }}"}} writes GitHub's own expressions verbatim.
var classroomTemplate = template.Must(template.New("classroom").Parse(setupSteps + `# GitHub Classroom autograding for the mlops-lab course, written by
# ` + "`mlops-lab classroom init`" + `. Every lab is graded once; each exercise is then
# reported as a test worth its points. The full report (with partial credit
# and messages) is kept as the run's artifact.
name: Autograding

on:
  push:
  workflow_dispatch:
  repository_dispatch:

permissions:
  checks: write
  actions: read
  contents: read

jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
{{template "setup" .}}
      - name: Grade every lab
        run: {{.Grade}} || true
      - name: Keep the grading report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grades
          path: {{.Report}}
{{- range .Tests}}
      - name: {{printf "%q" .Name}}
        id: {{.ID}}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: {{printf "%q" .Name}}
          command: {{.Command}}
          timeout: 1
          max-score: {{.Points}}
{{- end}}
      - name: Autograding reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{{- range .Tests}}
          {{.ResultsEnv}}: "{{"${{"}}steps.{{.ID}}.outputs.result{{"}}"}}"
{{- end}}
        with:
          runners: {{.Runners}}
`))

var gradeTemplate = template.Must(template.New("grade").Parse(setupSteps + `# Plain CI for the mlops-lab course, written by ` + "`mlops-lab classroom init`" + `:
# grades every lab and keeps the JUnit report, which CI dashboards show per
# exercise (the points are in each test case's output). The job fails when an
# exercise fails.
name: Grade

on:
  push:
  pull_request:
  workflow_dispatch:

jobs:
  grade:
    runs-on: ubuntu-latest
{{template "setup" .}}
      - name: Grade every lab
        run: mlops-lab grade --all --format junit --output {{.JUnit}}
      - name: Keep the JUnit report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: junit
          path: {{.JUnit}}
`))
