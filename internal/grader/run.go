package grader

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"gotest.tools/gotestsum/testjson"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// packageName is the name the test events carry; the test binary is run on
// its own, so any fixed name will do.
const packageName = "lab"

// runExercise runs one exercise's test in its own process and scores it.
func runExercise(ctx context.Context, goTool, binary, labDir string, lab *labs.Lab, ex labs.Exercise, extraEnv map[string]string, timeout time.Duration) TestResult {
	result := newResult(lab, ex)
	start := time.Now()
	// The test binary's own -test.timeout makes it print where it hung; the
	// context is the backstop should the process not exit by itself.
	runCtx, cancel := context.WithTimeout(ctx, timeout+15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(runCtx, goTool, "tool", "test2json", "-t", "-p", packageName, binary,
		"-test.run", "^"+regexp.QuoteMeta(ex.Test)+"$",
		"-test.v=test2json",
		"-test.count=1",
		"-test.timeout", timeout.String())
	cmd.Dir = labDir
	cmd.Env = os.Environ()
	for _, k := range sortedKeys(extraEnv) {
		cmd.Env = append(cmd.Env, k+"="+extraEnv[k])
	}
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	result.Duration = time.Since(start)

	exec, scanErr := testjson.ScanTestOutput(testjson.ScanConfig{
		Stdout:                   &stdout,
		Stderr:                   &stderr,
		IgnoreNonJSONOutputLines: true,
	})
	if scanErr != nil {
		result.Status = StatusError
		result.Message = fmt.Sprintf("could not read the test output: %v", scanErr)
		return result
	}
	if runCtx.Err() != nil && ctx.Err() == nil {
		result.Message = fmt.Sprintf("timed out after %v and was stopped: is something waiting forever (a channel nobody writes, a consumer loop without a way out)?", timeout)
		return result
	}
	score(&result, exec, ex)
	if result.Status != StatusPass && result.Message == "" {
		result.Message = strings.TrimSpace(stderr.String())
		if result.Message == "" && runErr != nil {
			result.Message = runErr.Error()
		}
	}
	return result
}

// score reads one exercise's test events: a passing test earns the
// exercise's points; a failing one with subtests earns a share per passing
// direct subtest.
func score(result *TestResult, exec *testjson.Execution, ex labs.Exercise) {
	pkg := exec.Package(packageName)
	if pkg == nil {
		result.Status = StatusError
		result.Message = "the test program printed nothing: it may have crashed before the test started"
		return
	}
	var root *testjson.TestCase
	var passedSubs, totalSubs int
	var failed []testjson.TestCase
	visit := func(cases []testjson.TestCase, passed bool) {
		for i, tc := range cases {
			name := string(tc.Test)
			switch {
			case name == ex.Test:
				root = &cases[i]
			case tc.Test.Parent() == ex.Test && strings.Count(name, "/") == 1:
				totalSubs++
				if passed {
					passedSubs++
				}
			}
			if !passed {
				failed = append(failed, tc)
			}
		}
	}
	visit(pkg.Passed, true)
	visit(pkg.Failed, false)
	visit(pkg.Skipped, false)

	if root == nil {
		result.Status = StatusError
		result.Message = fmt.Sprintf("the grading test %s did not run", ex.Test)
		if out := failureOutput(pkg, failed, exec); out != "" {
			result.Message += ":\n" + out
		} else if pkg.TestMainFailed() {
			result.Message += ": " + trimLines(strings.Join(pkg.OutputLines(testjson.TestCase{}), ""), 20)
		}
		return
	}
	result.Subtests, result.SubtestsPassed = totalSubs, passedSubs
	for _, tc := range pkg.Passed {
		if string(tc.Test) == ex.Test {
			result.Status = StatusPass
			result.Score = result.MaxScore
			return
		}
	}
	result.Status = StatusFail
	if totalSubs > 0 {
		result.Score = round2(result.MaxScore * float64(passedSubs) / float64(totalSubs))
	}
	result.Message = failureOutput(pkg, failed, exec)
	// A test that hangs until -test.timeout, or crashes the process, leaves
	// its story in the package's own output rather than the test's.
	pkgOut := strings.Join(pkg.OutputLines(testjson.TestCase{}), "")
	if i := strings.Index(pkgOut, "panic: test timed out after "); i >= 0 {
		after := strings.Fields(pkgOut[i+len("panic: test timed out after "):])
		limit := "its deadline"
		if len(after) > 0 {
			limit = after[0]
		}
		result.Message = strings.TrimSpace(result.Message + "\ntimed out after " + limit + ": is something waiting forever (a channel nobody writes, a read without a deadline, a loop without a way out)?")
	} else if result.Message == "" {
		result.Message = trimLines(strings.TrimSpace(pkgOut), 30)
	}
}

// noise are the lines test2json passes through that say nothing to a learner.
var noise = regexp.MustCompile(`^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP)|PASS$|FAIL$|ok\s|FAIL\s)`)

// failureOutput collects what the failing tests printed, leaf subtests
// first, without the runner's own lines.
func failureOutput(pkg *testjson.Package, failed []testjson.TestCase, exec *testjson.Execution) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, tc := range failed {
		var lines []string
		for _, line := range pkg.OutputLines(tc) {
			if noise.MatchString(line) || strings.TrimSpace(line) == "" {
				continue
			}
			lines = append(lines, strings.TrimRight(line, "\n"))
		}
		if len(lines) == 0 {
			continue
		}
		text := dedent(lines)
		if seen[text] {
			continue
		}
		seen[text] = true
		if tc.Test.IsSubTest() {
			_, sub := tc.Test.Split()
			fmt.Fprintf(&b, "%s:\n", strings.ReplaceAll(sub, "_", " "))
		}
		b.WriteString(text)
		b.WriteString("\n")
	}
	return trimLines(strings.TrimSpace(b.String()), 60)
}

// testLocation is the "grade_test.go:206: " the testing package puts before
// a message: it points into the grading tests, which the learner does not edit.
var testLocation = regexp.MustCompile(`^\s*[\w.-]+_test\.go:\d+: `)

// dedent removes the indentation and test locations the testing package adds
// to log lines.
func dedent(lines []string) string {
	for i, l := range lines {
		l = testLocation.ReplaceAllString(l, "")
		lines[i] = strings.TrimPrefix(strings.TrimPrefix(l, "    "), "    ")
	}
	return strings.Join(lines, "\n")
}
