package grader

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"gotest.tools/gotestsum/testjson"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// events writes test2json events of the grading package: each is an
// action, a test name and, for "output", the line printed.
func events(t *testing.T, evs ...[3]string) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, e := range evs {
		if err := enc.Encode(map[string]string{"Action": e[0], "Package": packageName, "Test": e[1], "Output": e[2]}); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestRepeatedMessagesAreCounted(t *testing.T) {
	const p = "W/x/"
	// Four checks: one passes, two fail with the same message, one with
	// its own.
	stream := events(t,
		[3]string{"run", p + "TestR", ""},
		[3]string{"run", p + "TestR/a", ""},
		[3]string{"output", p + "TestR/a", "    grade_test.go:10: want 1, got 0\n"},
		[3]string{"fail", p + "TestR/a", ""},
		[3]string{"run", p + "TestR/b", ""},
		[3]string{"output", p + "TestR/b", "    grade_test.go:10: want 1, got 0\n"},
		[3]string{"fail", p + "TestR/b", ""},
		[3]string{"run", p + "TestR/c", ""},
		[3]string{"output", p + "TestR/c", "    grade_test.go:20: no rows\n"},
		[3]string{"fail", p + "TestR/c", ""},
		[3]string{"run", p + "TestR/d", ""},
		[3]string{"pass", p + "TestR/d", ""},
		[3]string{"fail", p + "TestR", ""},
	)
	exec, err := testjson.ScanTestOutput(testjson.ScanConfig{Stdout: bytes.NewReader(stream)})
	if err != nil {
		t.Fatal(err)
	}
	r := TestResult{Lab: "lab1", Exercise: "keys", MaxScore: 8}
	score(&r, exec, labs.Exercise{ID: "keys", Test: "TestR"}, p, nil)
	if r.Status != StatusFail || r.Subtests != 4 || r.SubtestsPassed != 1 || r.SubtestsRepeated != 1 || r.Score != 2 {
		t.Fatalf("result %+v: want 1 of 4 checks passed, 1 message repeated, 2 points", r)
	}
	if n := strings.Count(r.Message, "want 1, got 0"); n != 1 || !strings.Contains(r.Message, "no rows") {
		t.Errorf("message %q: want each message once", r.Message)
	}

	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := NewReport([]TestResult{r}).WriteText(&b, cat, false); err != nil {
		t.Fatal(err)
	}
	if want := "(1 of 4 checks passed; 1 repeats a message above)"; !strings.Contains(b.String(), want) {
		t.Errorf("report\n%s\nwant %q", b.String(), want)
	}
	for n, want := range map[int]string{0: "", 1: "; 1 repeats a message above", 3: "; 3 repeat a message above"} {
		if got := repeatedNote(n); got != want {
			t.Errorf("repeatedNote(%d) = %q, want %q", n, got, want)
		}
	}
}
