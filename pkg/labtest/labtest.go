// Package labtest is what grading tests are written with: the environment
// the grader provides (or an embedded one when a test runs on its own),
// unique topic names so tests can share a running cluster, Kafka helpers with
// deadlines, and failure messages that teach.
package labtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

// Environment variables `mlops-lab grade` sets for grading tests; the names
// are defined in package labcontract.
const (
	EnvBootstrap = labcontract.EnvBootstrap
	EnvKsqlURL   = labcontract.EnvKsqlURL
	// EnvSolutionDir is set by `mlops-lab grade --solution` to the folder
	// holding the reference solution's files.
	EnvSolutionDir = labcontract.EnvSolutionDir
)

// LabFile reads one of the learner's run-time files (a SQL script, say) from
// the lab folder, the test's working directory; when grading the reference
// solution it reads the solution's copy instead.
func LabFile(t testing.TB, name string) []byte {
	t.Helper()
	path := name
	if dir := os.Getenv(EnvSolutionDir); dir != "" {
		path = filepath.Join(dir, name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v (it belongs in the lab folder; `mlops-lab reset` brings the starter back)", name, err)
	}
	return data
}

// Bootstrap returns the Kafka bootstrap address for a test: the grader's
// environment when it set one, otherwise an embedded broker that lives as
// long as the test.
func Bootstrap(t testing.TB) string {
	t.Helper()
	if addr := os.Getenv(EnvBootstrap); addr != "" {
		return addr
	}
	ctx, cancel := context.WithTimeout(context.Background(), Budget(t, 30*time.Second))
	defer cancel()
	broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatalf("starting an embedded Kafka broker for this test: %v", err)
	}
	t.Cleanup(broker.Close)
	return broker.Addr()
}

var unsafeTopicChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// Topic returns a topic name unique to this test run, starting with base, so
// tests can share one running cluster without seeing each other's records.
// On a shared broker the topic (and any topic whose name starts with it)
// is deleted when the test ends, whether it passed or not.
func Topic(t testing.TB, base string) string {
	t.Helper()
	name := uniqueName(t, base)
	track(t).addTopic(name)
	return name
}

// uniqueName is base, the test's name and a random suffix, in the
// characters a topic or group name may hold.
func uniqueName(t testing.TB, base string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := unsafeTopicChars.ReplaceAllString(base+"-"+t.Name(), "-")
	if len(name) > 180 {
		name = name[:180]
	}
	return strings.ToLower(name) + "-" + hex.EncodeToString(b[:])
}

// CreateTopic creates a topic with the given partition count, failing the
// test when the cluster refuses. A name from Topic is deleted when the test
// ends; any other name is left alone, as it may be the learner's own topic
// (and the prefix of theirs) on a shared broker.
func CreateTopic(t testing.TB, bootstrap, name string, partitions int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Budget(t, 30*time.Second))
	defer cancel()
	if err := kafkautil.EnsureTopics(ctx, bootstrap, []kafkautil.TopicSpec{{Name: name, Partitions: partitions}}); err != nil {
		t.Fatalf("creating topic %s: %v", name, err)
	}
}

// Guard runs the learner's code and turns a panic into a test failure that
// says where it happened, so that one exercise's crash is reported as such.
func Guard(t testing.TB, what string, fn func()) (ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v\n%s", what, r, shortStack(debug.Stack()))
			ok = false
		}
	}()
	fn()
	return true
}

// budgetMargin is what Budget keeps back before the test binary's own
// deadline: time for the test to report what it was waiting for.
const budgetMargin = 10 * time.Second

// Budget returns d, or less when the test binary's deadline (go test's
// -timeout, the grader's per-exercise deadline) would come first, keeping a
// margin before it. Waits are generous, because a correct solution must pass
// on a loaded machine; Budget makes sure that a wait that times out still
// ends in a failure message that says what did not happen, rather than in
// the process being killed mid-way.
func Budget(t testing.TB, d time.Duration) time.Duration {
	dt, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return d
	}
	deadline, ok := dt.Deadline()
	if !ok {
		return d
	}
	left := time.Until(deadline) - budgetMargin
	if left < d {
		// Never less than a moment: the condition may hold already.
		return max(left, time.Second)
	}
	return d
}

// Within runs fn with a deadline (d, capped by Budget); when fn does not
// return in time the test fails with a message naming what hung (fn keeps
// running in the background: the grader ends the test process).
func Within(t testing.TB, d time.Duration, what string, fn func(ctx context.Context)) bool {
	t.Helper()
	d = Budget(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan bool, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s panicked: %v\n%s", what, r, shortStack(debug.Stack()))
				done <- false
			}
		}()
		fn(ctx)
		done <- true
	}()
	select {
	case ok := <-done:
		return ok
	case <-time.After(d + 2*time.Second):
		t.Errorf("%s did not return within %v: is it waiting for something that never comes, or looping forever?", what, d)
		return false
	}
}

// shortStack keeps the frames that point at the learner's code.
func shortStack(stack []byte) string {
	var keep []string
	lines := strings.Split(string(stack), "\n")
	for i := 0; i+1 < len(lines); i++ {
		fn, loc := lines[i], lines[i+1]
		if strings.HasPrefix(loc, "\t") && strings.Contains(loc, "/labs/") && !strings.Contains(loc, "_test.go") {
			keep = append(keep, "  "+strings.TrimSpace(fn)+" at "+strings.TrimSpace(strings.Split(loc, " +")[0]))
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return "where:\n" + strings.Join(keep, "\n")
}

// Mismatch formats what was sent, what was expected and what came back, with
// an optional hint at the likely misunderstanding. Numbers are written as
// FormatPair writes them.
func Mismatch(what string, want, got any, hint string) string {
	w, g := FormatPair(want, got)
	msg := fmt.Sprintf("%s:\n  expected: %s\n  got:      %s", what, w, g)
	if hint != "" {
		msg += "\n  " + hint
	}
	return msg
}

// Num writes a number for a person to read: four significant digits
// (0.9667, 442, 1.235e-05).
func Num(v float64) string { return numDigits(v, 4) }

func numDigits(v float64, digits int) string {
	return strconv.FormatFloat(v, 'g', digits, 64)
}

// FormatPair writes an expected and an actual value for a message. A
// float64, or a []float64, gets four significant digits, or as many more
// as it takes to tell the two apart when they differ only in far digits
// (0.1 against 0.10000000000000002); anything else is written with %v.
func FormatPair(want, got any) (string, string) {
	switch w := want.(type) {
	case float64:
		if g, ok := got.(float64); ok {
			d := digitsToTell([]float64{w}, []float64{g})
			return numDigits(w, d), numDigits(g, d)
		}
		return Num(w), fmt.Sprintf("%v", got)
	case []float64:
		if g, ok := got.([]float64); ok {
			d := digitsToTell(w, g)
			return floatList(w, d), floatList(g, d)
		}
		return floatList(w, 4), fmt.Sprintf("%v", got)
	}
	if g, ok := got.(float64); ok {
		return fmt.Sprintf("%v", want), Num(g)
	}
	return fmt.Sprintf("%v", want), fmt.Sprintf("%v", got)
}

// digitsToTell is the fewest significant digits, at least 4, that write
// every pair of different numbers at the same index differently; -1 (each
// number's shortest exact form) when that takes all of float64's digits.
func digitsToTell(want, got []float64) int {
	for d := 4; d < 17; d++ {
		ok := true
		for i := range min(len(want), len(got)) {
			if want[i] != got[i] && numDigits(want[i], d) == numDigits(got[i], d) {
				ok = false
				break
			}
		}
		if ok {
			return d
		}
	}
	return -1
}

func floatList(v []float64, digits int) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = numDigits(x, digits)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// ErrText writes an error for a message: "no error" for nil (never
// "<nil>"), otherwise the error's text quoted.
func ErrText(err error) string {
	if err == nil {
		return "no error"
	}
	return "the error " + strconv.Quote(err.Error())
}

// Returned writes what a call returned, a value and an error, for a
// message: the value alone when the error is nil, otherwise the value and
// the error. Numbers are written as Num writes them.
func Returned(v any, err error) string {
	s := fmt.Sprintf("%v", v)
	if f, ok := v.(float64); ok {
		s = Num(f)
	}
	if err != nil {
		return s + " and " + ErrText(err)
	}
	return s
}
