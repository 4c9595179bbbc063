package grader

import (
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// TestWriteTextGathersUnstartedExercises: exercises that fail only with the
// starter's own TODOs are one line per lab; real failures, and exercises
// that wait on another exercise's TODO, still show in full.
func TestWriteTextGathersUnstartedExercises(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab4, _ := cat.Find("lab4")
	lab8, _ := cat.Find("lab8")
	if len(lab4.Exercises) < 3 || len(lab8.Exercises) < 4 {
		t.Fatal("the test needs lab4 with 3 exercises and lab8 with 4")
	}
	ex := func(l *labs.Lab, i int) string { return l.Exercises[i].ID }
	var tests []TestResult
	// lab4: every exercise untouched (SQL files of comments only).
	for i := range lab4.Exercises {
		tests = append(tests, TestResult{Lab: "lab4", Exercise: ex(lab4, i), Status: StatusFail, MaxScore: 3, Subtests: 2,
			Message: "a table keyed by state:\n0" + ex(lab4, i) + ".sql has no statements yet (only comments): write the statements the exercise asks for"})
	}
	tests = append(tests,
		// lab8 exercise 1: a real failure among TODO lines.
		TestResult{Lab: "lab8", Exercise: ex(lab8, 0), Status: StatusFail, MaxScore: 5,
			Message: "the line:\nLearn(1, 2): TODO(exercise 1): RunningLine.Learn is not written yet\nno points:\n  expected: an error\n  got:      nil"},
		// exercise 2: its own TODO only, with a check that points above.
		TestResult{Lab: "lab8", Exercise: ex(lab8, 1), Status: StatusFail, MaxScore: 4,
			Message: "sums:\nTODO(exercise 2): Sums is not written yet\nrestart:\ncannot test a restart (see the first subtest)"},
		// exercise 3: waits on exercise 2's TODO, so it is not "not started".
		TestResult{Lab: "lab8", Exercise: ex(lab8, 2), Status: StatusFail, MaxScore: 3,
			Message: "Apply: TODO(exercise 2): Sums is not written yet"},
		// exercise 4: "X is not written yet (exercise N)".
		TestResult{Lab: "lab8", Exercise: ex(lab8, 3), Status: StatusFail, MaxScore: 4,
			Message: "Fit is not written yet (exercise 4)"},
	)
	var b strings.Builder
	if err := NewReport(tests).WriteText(&b, cat, false); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	var ids []string
	for i := range lab4.Exercises {
		ids = append(ids, ex(lab4, i))
	}
	want4 := "\nlab4: " + lab4.Title + "   0/" + FormatPoints(float64(3*len(lab4.Exercises))) + " points\n" +
		"  TODO  " + itoa(len(ids)) + " exercises not started yet: " + strings.Join(ids, ", ") + " — start with exercise 1\n\nlab8"
	if !strings.Contains(text, want4) {
		t.Errorf("lab4 should be one line:\n%s", text)
	}
	if strings.Contains(text, "has no statements yet") {
		t.Errorf("the TODO messages of unstarted exercises still show:\n%s", text)
	}
	for _, want := range []string{
		"  FAIL  " + ex(lab8, 0),
		"got:      nil",
		"  FAIL  " + ex(lab8, 2),
		"  TODO  2 exercises not started yet: " + ex(lab8, 1) + ", " + ex(lab8, 3) + " — the first is exercise 2\n",
		"(`mlops-lab hint lab4 " + ex(lab4, 0) + "` when stuck)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("want %q in\n%s", want, text)
		}
	}
	if strings.Contains(text, "  FAIL  "+ex(lab8, 1)+" ") || strings.Contains(text, "  FAIL  "+ex(lab8, 3)+" ") {
		t.Errorf("an unstarted exercise of lab8 shows on its own:\n%s", text)
	}

	// A lone unstarted exercise (grade --exercise) shows in full; a partly
	// done exercise (some points) is never "not started", nor is an error (a
	// crash or a hang).
	for _, tr := range []TestResult{
		{Lab: "lab4", Exercise: ex(lab4, 0), Status: StatusFail, MaxScore: 3, Message: "x.sql has no statements yet (only comments)"},
		{Lab: "lab4", Exercise: ex(lab4, 0), Status: StatusFail, Score: 1, MaxScore: 3, Message: "x.sql has no statements yet (only comments)"},
		{Lab: "lab4", Exercise: ex(lab4, 0), Status: StatusError, MaxScore: 3, Message: "x.sql has no statements yet (only comments)"},
	} {
		b.Reset()
		if err := NewReport([]TestResult{tr}).WriteText(&b, cat, false); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "not started") || !strings.Contains(b.String(), "has no statements yet") {
			t.Errorf("%+v:\n%s", tr, b.String())
		}
	}
}

func itoa(n int) string { return FormatPoints(float64(n)) }

// TestNotStartedPanic: a stub without an error result panics with its TODO;
// the grader's message for that panic still reads as not started, but a
// panic of another exercise's stub, or any other panic, does not.
func TestNotStartedPanic(t *testing.T) {
	msg := func(panicLine string) string {
		return "your code panicked before the test finished: no points:\n" + panicLine +
			"\n  lab06.ProbabilityBenign at labs/lab06-models/logistic.go:54\n  lab06.TestLogistic at labs/lab06-models/logistic_grade_test.go:40"
	}
	cases := []struct {
		message string
		want    bool
	}{
		{msg("panic: TODO(exercise 4): ProbabilityBenign is not written yet"), true},
		{msg("panic: TODO(exercise 4): ProbabilityBenign is not written yet [recovered]"), true},
		{msg("panic: TODO(exercise 3): R2 is not written yet"), false},
		{msg("panic: runtime error: index out of range [3] with length 3"), false},
	}
	for _, c := range cases {
		r := TestResult{Status: StatusFail, MaxScore: 4, Message: c.message}
		if got := notStarted(r, 4); got != c.want {
			t.Errorf("notStarted(%q) = %v, want %v", c.message, got, c.want)
		}
	}
}

// TestNotStartedNeedsItsTODO: a check that only points at a failure above
// stands beside the exercise's TODO, but without that TODO the exercise
// failed for another reason, which the report must show.
func TestNotStartedNeedsItsTODO(t *testing.T) {
	cases := []struct {
		message string
		want    bool
	}{
		{"sums:\nTODO(exercise 2): Sums is not written yet\nrestart:\ncannot test a restart (see the first subtest)", true},
		{"restart:\ncannot test a restart (see the first subtest)", false},
		{"rebalance:\nthe two members did not both start (see the subtests above)", false},
	}
	for _, c := range cases {
		r := TestResult{Status: StatusFail, MaxScore: 4, Message: c.message}
		if got := notStarted(r, 2); got != c.want {
			t.Errorf("notStarted(%q) = %v, want %v", c.message, got, c.want)
		}
	}
}
