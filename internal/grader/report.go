package grader

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

// Status values, as in Exercism's results.json.
const (
	StatusPass  = "pass"
	StatusFail  = "fail"
	StatusError = "error"
)

// TestResult is the outcome of one exercise.
type TestResult struct {
	Name     string  `json:"name"`
	Lab      string  `json:"lab"`
	Exercise string  `json:"exercise"`
	Status   string  `json:"status"`
	Message  string  `json:"message,omitempty"`
	Score    float64 `json:"score"`
	MaxScore float64 `json:"max_score"`
	// Subtests counts the exercise's subtests and how many passed, when it has any.
	Subtests       int           `json:"subtests,omitempty"`
	SubtestsPassed int           `json:"subtests_passed,omitempty"`
	Duration       time.Duration `json:"-"`
}

// Report is the whole grading run, in the spirit of Exercism's results.json
// v3 with GitHub Classroom's points.
type Report struct {
	Version  int          `json:"version"`
	Status   string       `json:"status"`
	Message  string       `json:"message,omitempty"`
	Score    float64      `json:"score"`
	MaxScore float64      `json:"max_score"`
	Tests    []TestResult `json:"tests"`
}

// NewReport sums up results.
func NewReport(results []TestResult) Report {
	r := Report{Version: 3, Status: StatusPass, Tests: results}
	if r.Tests == nil {
		r.Tests = []TestResult{}
	}
	for _, t := range results {
		r.Score += t.Score
		r.MaxScore += t.MaxScore
		if t.Status != StatusPass {
			r.Status = StatusFail
		}
	}
	r.Score = round2(r.Score)
	return r
}

// Passed reports whether every exercise passed.
func (r Report) Passed() bool { return r.Status == StatusPass }

// WriteJSON writes the report as one JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteJUnit writes the report as JUnit XML: a test suite per lab, a test
// case per exercise; a suite's points are its properties and each exercise's
// points are in its system-out, so CI dashboards can show them.
func (r Report) WriteJUnit(w io.Writer) error {
	var suites junit.Testsuites
	byLab := map[string]*junit.Testsuite{}
	var order []string
	for _, t := range r.Tests {
		s, ok := byLab[t.Lab]
		if !ok {
			s = &junit.Testsuite{Name: t.Lab}
			byLab[t.Lab] = s
			order = append(order, t.Lab)
		}
		tc := junit.Testcase{
			Name:      t.Exercise,
			Classname: t.Lab + "." + t.Name,
			Time:      fmt.Sprintf("%.3f", t.Duration.Seconds()),
			SystemOut: &junit.Output{Data: fmt.Sprintf("points: %s/%s", formatPoints(t.Score), formatPoints(t.MaxScore))},
		}
		switch t.Status {
		case StatusFail:
			tc.Failure = &junit.Result{Message: firstLine(t.Message), Data: t.Message}
		case StatusError:
			tc.Error = &junit.Result{Message: firstLine(t.Message), Data: t.Message}
		}
		s.AddTestcase(tc)
	}
	for _, name := range order {
		s := byLab[name]
		var score, maxScore float64
		for _, t := range r.Tests {
			if t.Lab == name {
				score += t.Score
				maxScore += t.MaxScore
			}
		}
		s.AddProperty("score", formatPoints(round2(score)))
		s.AddProperty("max_score", formatPoints(maxScore))
		suites.AddSuite(*s)
	}
	return suites.WriteXML(w)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func formatPoints(p float64) string {
	if p == math.Trunc(p) {
		return fmt.Sprintf("%.0f", p)
	}
	return fmt.Sprintf("%.2f", p)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
