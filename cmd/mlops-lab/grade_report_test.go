package main

import (
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// TestReportNamesTheHintToRun: the footer of a failing grade names the hint
// command of the first exercise that did not pass, ready to type.
func TestReportNamesTheHintToRun(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	report := grader.Report{Tests: []grader.TestResult{
		{Lab: "lab8", Exercise: "running-line", Status: grader.StatusPass, Score: 15, MaxScore: 15},
		{Lab: "lab8", Exercise: "forget", Status: grader.StatusFail, MaxScore: 20},
	}, Score: 15, MaxScore: 35}
	var b strings.Builder
	writeTextReport(&b, cat, report, false)
	if !strings.Contains(b.String(), "(`mlops-lab hint lab8 forget` when stuck)") {
		t.Errorf("report:\n%s", b.String())
	}
}
