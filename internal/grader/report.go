package grader

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/mlops-lab/mlops-lab/internal/labs"
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
	Subtests       int `json:"subtests,omitempty"`
	SubtestsPassed int `json:"subtests_passed,omitempty"`
	// SubtestsRepeated counts the failed subtests whose message repeats one
	// shown before, which the message leaves out.
	SubtestsRepeated int           `json:"-"`
	Duration         time.Duration `json:"-"`
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
			SystemOut: &junit.Output{Data: fmt.Sprintf("points: %s/%s", FormatPoints(t.Score), FormatPoints(t.MaxScore))},
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
		s.AddProperty("score", FormatPoints(round2(score)))
		s.AddProperty("max_score", FormatPoints(maxScore))
		suites.AddSuite(*s)
	}
	return suites.WriteXML(w)
}

// WriteText writes the per-lab, per-exercise summary a learner reads; lab
// titles come from cat, and solution says the reference solution was graded.
func (r Report) WriteText(w io.Writer, cat *labs.Catalogue, solution bool) error {
	// Errors of w are kept and returned once, so the summary reads as it is
	// composed.
	ew := &errWriter{w: w}
	var lab string
	labScore := map[string][2]float64{}
	for _, t := range r.Tests {
		s := labScore[t.Lab]
		labScore[t.Lab] = [2]float64{s[0] + t.Score, s[1] + t.MaxScore}
	}
	// An untouched starter fails every exercise with its TODO: when a lab
	// has several, they are gathered into one line, after the lab's other
	// results (a single one shows in full: its message says what to write).
	unstartedCount := map[string]int{}
	for _, t := range r.Tests {
		if n := exerciseNumber(cat, t); n > 0 && notStarted(t, n) {
			unstartedCount[t.Lab]++
		}
	}
	var unstarted []string
	firstUnstarted := 0
	// earlier is set when an exercise before the first unstarted one did
	// not pass either: then that one is not where to start.
	earlier := false
	flushUnstarted := func() {
		if len(unstarted) == 0 {
			return
		}
		what := "exercises"
		if len(unstarted) == 1 {
			what = "exercise"
		}
		where := "start with exercise"
		if earlier {
			where = "the first is exercise"
		}
		fmt.Fprintf(ew, "  %-5s %d %s not started yet: %s — %s %d\n", "TODO", len(unstarted), what, strings.Join(unstarted, ", "), where, firstUnstarted)
		unstarted, firstUnstarted, earlier = nil, 0, false
	}
	for _, t := range r.Tests {
		if t.Lab != lab {
			flushUnstarted()
			lab = t.Lab
			title := lab
			if l, err := cat.Find(lab); err == nil {
				title = fmt.Sprintf("%s: %s", l.ID, l.Title)
			}
			if solution {
				title += " (reference solution)"
			}
			s := labScore[lab]
			fmt.Fprintf(ew, "\n%s   %s/%s points\n", title, FormatPoints(s[0]), FormatPoints(s[1]))
		}
		if n := exerciseNumber(cat, t); n > 0 && unstartedCount[t.Lab] > 1 && notStarted(t, n) {
			unstarted = append(unstarted, t.Exercise)
			if firstUnstarted == 0 {
				firstUnstarted = n
			}
			continue
		}
		if t.Status != StatusPass && firstUnstarted == 0 {
			earlier = true
		}
		line := fmt.Sprintf("  %-5s %-28s %6s/%s", StatusMark(t.Status), t.Exercise, FormatPoints(t.Score), FormatPoints(t.MaxScore))
		if t.Subtests > 0 && t.Status != StatusPass {
			line += fmt.Sprintf("   (%d of %d checks passed%s)", t.SubtestsPassed, t.Subtests, repeatedNote(t.SubtestsRepeated))
		}
		fmt.Fprintln(ew, line)
		if t.Status != StatusPass && t.Message != "" {
			for _, l := range strings.Split(t.Message, "\n") {
				fmt.Fprintf(ew, "        %s\n", l)
			}
		}
	}
	flushUnstarted()
	fmt.Fprintf(ew, "\nscore: %s/%s", FormatPoints(r.Score), FormatPoints(r.MaxScore))
	switch {
	case r.Passed() && len(r.Tests) == 1:
		// Only one exercise was graded (--exercise): say no more than that.
		fmt.Fprintf(ew, "   %s passes; grade the whole lab to see the rest\n", r.Tests[0].Exercise)
	case r.Passed():
		fmt.Fprintln(ew, "   all exercises pass")
	default:
		fmt.Fprintf(ew, "   (%s when stuck)\n", r.hintCommand())
	}
	return ew.err
}

// repeatedNote says how many failed checks are not shown because their
// message repeats one above, so the count of checks adds up.
func repeatedNote(n int) string {
	switch {
	case n <= 0:
		return ""
	case n == 1:
		return "; 1 repeats a message above"
	}
	return fmt.Sprintf("; %d repeat a message above", n)
}

// NotStarted reports whether t failed only because the learner has not
// written its exercise yet (the starter's own TODO), as the text report
// tells it; cat numbers the exercises.
func NotStarted(cat *labs.Catalogue, t TestResult) bool {
	n := exerciseNumber(cat, t)
	return n > 0 && notStarted(t, n)
}

// exerciseNumber is the exercise's number in its lab, from 1 (0 when the
// catalogue does not know it).
func exerciseNumber(cat *labs.Catalogue, t TestResult) int {
	if cat == nil {
		return 0
	}
	l, err := cat.Find(t.Lab)
	if err != nil {
		return 0
	}
	for i, e := range l.Exercises {
		if e.ID == t.Exercise {
			return i + 1
		}
	}
	return 0
}

// starterTODO matches the lines a starter's own stubs make a grading test
// print: "TODO(exercise 3): ApplyPoint is not written yet", "LoadTopic is not
// written yet (exercise 1)", an SQL file of comments only.
var starterTODO = regexp.MustCompile(`TODO\(exercise (\d+)\)|not written yet \(exercise (\d+)\)|has no statements yet \(only comments\)|holds no statement yet`)

// pointsAbove matches a check's line that only points at a failure shown
// above it ("cannot test a restart (see the first subtest)"): it may stand
// beside a TODO, but is no TODO itself.
var pointsAbove = regexp.MustCompile(`\(see the (first subtest|other subtests|subtests? above)\)`)

// stackFrame matches a frame of a panic's summary (stackSummary):
// "lab06.ProbabilityBenign at labs/lab06-models/logistic.go:54".
var stackFrame = regexp.MustCompile(`^\S+ at \S+:\d+$`)

// notStarted reports whether exercise number n failed only because the
// learner has not written it yet: no points, and every line of its message
// is a check's title, a pointer at a failure above, or one of the starter's
// TODOs of this exercise, of which there is at least one (a TODO of another
// exercise means this one waits on that one, not that it is untouched; any
// other line is a real failure worth reading).
func notStarted(t TestResult, n int) bool {
	if t.Status != StatusFail || t.Score != 0 || t.Message == "" {
		return false
	}
	own := strconv.Itoa(n)
	var todos int
	for _, line := range strings.Split(t.Message, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := starterTODO.FindAllStringSubmatch(line, -1)
		if m == nil {
			if strings.HasSuffix(line, ":") || pointsAbove.MatchString(line) {
				continue // a check's title, or a pointer at a failure above
			}
			if todos > 0 && stackFrame.MatchString(line) {
				// A stub with no error to return panics with its TODO:
				// these are the frames that led to it.
				continue
			}
			return false
		}
		for _, sub := range m {
			if (sub[1] != "" && sub[1] != own) || (sub[2] != "" && sub[2] != own) {
				return false
			}
		}
		todos++
	}
	return todos > 0
}

// hintCommand names the hint of the first exercise that did not pass, as
// the learner would type it.
func (r Report) hintCommand() string {
	for _, t := range r.Tests {
		if t.Status != StatusPass {
			return fmt.Sprintf("`mlops-lab hint %s %s`", t.Lab, t.Exercise)
		}
	}
	return "`mlops-lab hint LAB`"
}

// StatusMark is how the text report and grade's progress lines show a status.
func StatusMark(status string) string {
	switch status {
	case StatusPass:
		return "PASS"
	case StatusError:
		return "ERROR"
	default:
		return "FAIL"
	}
}

// errWriter remembers the first write error and skips writes after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// FormatPoints writes points as a learner reads them: whole numbers without
// decimals, others with two.
func FormatPoints(p float64) string {
	if p == math.Trunc(p) {
		return fmt.Sprintf("%.0f", p)
	}
	return fmt.Sprintf("%.2f", p)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
