package grader

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// TestReportNamesTheHintToRun: the footer of a failing grade names the hint
// command of the first exercise that did not pass, ready to type.
func TestReportNamesTheHintToRun(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	report := Report{Tests: []TestResult{
		{Lab: "lab8", Exercise: "running-line", Status: StatusPass, Score: 15, MaxScore: 15},
		{Lab: "lab8", Exercise: "forget", Status: StatusFail, MaxScore: 20},
	}, Score: 15, MaxScore: 35}
	var b strings.Builder
	if err := report.WriteText(&b, cat, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "(`mlops-lab hint lab8 forget` when stuck)") {
		t.Errorf("report:\n%s", b.String())
	}
}

func TestWriteText(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab1, _ := cat.Find("lab1")
	report := NewReport([]TestResult{
		{Lab: "lab1", Exercise: "send", Status: StatusPass, Score: 10, MaxScore: 10},
		{Lab: "lab1", Exercise: "keys", Status: StatusFail, Score: 2.5, MaxScore: 10, Subtests: 4, SubtestsPassed: 1, Message: "want 3\ngot 2"},
		{Lab: "lab1", Exercise: "crash", Status: StatusError, MaxScore: 5},
	})
	var b strings.Builder
	if err := report.WriteText(&b, cat, true); err != nil {
		t.Fatal(err)
	}
	want := "\nlab1: " + lab1.Title + " (reference solution)   12.50/25 points\n" +
		"  PASS  send                             10/10\n" +
		"  FAIL  keys                           2.50/10   (1 of 4 checks passed)\n" +
		"        want 3\n" +
		"        got 2\n" +
		"  ERROR crash                             0/5\n" +
		"\nscore: 12.50/25   (`mlops-lab hint lab1 keys` when stuck)\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}

	// Everything passed: one exercise, or the whole lab.
	for _, c := range []struct {
		tests []TestResult
		want  string
	}{
		{[]TestResult{{Lab: "lab1", Exercise: "send", Status: StatusPass, Score: 10, MaxScore: 10}}, "score: 10/10   send passes; grade the whole lab to see the rest\n"},
		{[]TestResult{{Lab: "lab1", Exercise: "a", Status: StatusPass, Score: 1, MaxScore: 1}, {Lab: "lab1", Exercise: "b", Status: StatusPass, Score: 1, MaxScore: 1}}, "score: 2/2   all exercises pass\n"},
	} {
		b.Reset()
		if err := NewReport(c.tests).WriteText(&b, cat, false); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(b.String(), c.want) || strings.Contains(b.String(), "reference solution") {
			t.Errorf("got %q, want it to end with %q", b.String(), c.want)
		}
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.n++
	return 0, errors.New("disk full")
}

func TestWriteTextReportsTheFirstWriteError(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	w := &failingWriter{}
	report := NewReport([]TestResult{{Lab: "lab1", Exercise: "a", Status: StatusPass, Score: 1, MaxScore: 1}})
	if err := report.WriteText(w, cat, false); err == nil || err.Error() != "disk full" {
		t.Errorf("got %v, want the writer's error", err)
	}
	if w.n != 1 {
		t.Errorf("wrote %d times after a failure, want 1 attempt", w.n)
	}
}

func TestFormatPointsAndStatusMark(t *testing.T) {
	for p, want := range map[float64]string{0: "0", 10: "10", 2.5: "2.50", 1.0 / 3: "0.33"} {
		if got := FormatPoints(p); got != want {
			t.Errorf("FormatPoints(%v) = %q, want %q", p, got, want)
		}
	}
	for s, want := range map[string]string{StatusPass: "PASS", StatusFail: "FAIL", StatusError: "ERROR", "": "FAIL"} {
		if got := StatusMark(s); got != want {
			t.Errorf("StatusMark(%q) = %q, want %q", s, got, want)
		}
	}
}
