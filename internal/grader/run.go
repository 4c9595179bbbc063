package grader

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"gotest.tools/gotestsum/testjson"

	"github.com/mlops-lab/mlops-lab/internal/labs"
)

// packageName is the name the test events carry; the framework's stream is
// converted on its own, so any fixed name will do.
const packageName = "lab"

const (
	// learnerOutputLimit is how much of the learner's output is kept, at
	// the start and at the end each.
	learnerOutputLimit = 32 << 10
	// frameworkLimit bounds the framework's own stream (the test events);
	// a grading test's log never comes near it, and a stream cut short
	// earns nothing.
	frameworkLimit = 4 << 20
	// drainDelay is how long, after the test process ended, the grader waits
	// for the streams it reads to close (something the learner started may
	// hold them) before it gives up on them.
	drainDelay = 5 * time.Second
	// convertDelay is how long test2json may take to convert a framework
	// stream the grader has read whole: bounded work (at most
	// frameworkLimit bytes), but a loaded machine may be slow at it, and a
	// conversion cut short earns nothing.
	convertDelay = 60 * time.Second
)

// runner holds what every exercise's run of one compiled lab shares.
type runner struct {
	binary, labDir string
	env            []string
	timeout        time.Duration
	// test2json is the command converting the framework's stream to JSON.
	test2json []string
	// titles are the subtests' names as the grading tests wrote them (see
	// subtestTitles).
	titles map[string]string
}

// outcome is what one run of the test binary left behind.
type outcome struct {
	events     []byte // test2json's JSON events of the framework's stream
	overflow   bool   // the framework's stream was cut short
	converted  bool   // the converter read the whole stream and exited normally
	record     string // the completion record, as written
	exitCode   int    // -1 when the process did not exit by itself
	state      string // how the process ended, for messages
	timedOut   bool   // the grader's own deadline stopped it
	learnerOut *learnerOutput
}

// runExercise runs one exercise's test in its own process and scores it.
func runExercise(ctx context.Context, r *runner, lab *labs.Lab, ex labs.Exercise) TestResult {
	result := newResult(lab, ex)
	start := time.Now()
	out, err := r.run(ctx, ex)
	result.Duration = time.Since(start)
	if err != nil {
		result.Status, result.Message = StatusError, err.Error()
		return result
	}
	judge(&result, out, ex, r.timeout, r.titles)
	return result
}

// run runs the test binary for one exercise: under /bin/sh (so that killing
// its parent kills the shell, not the grader), in a process group of its
// own, with the framework's stream on descriptor 3 (converted by test2json
// as it arrives), the completion record on descriptor 4, and standard
// output and error into a bounded buffer that is only ever shown, never
// parsed.
func (r *runner) run(ctx context.Context, ex labs.Exercise) (*outcome, error) {
	frameR, frameW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer frameW.Close()
	recR, recW, err := os.Pipe()
	if err != nil {
		frameR.Close()
		return nil, err
	}
	defer recR.Close()
	defer recW.Close()

	// The grader reads the framework's stream itself and feeds test2json
	// from memory: the stream's end (every writer gone) is then seen as
	// soon as it comes, however slowly test2json converts.
	events := &limitedBuffer{limit: frameworkLimit}
	convIn, err := newSpoolPipe(frameworkLimit)
	if err != nil {
		frameR.Close()
		return nil, err
	}
	conv := exec.Command(r.test2json[0], append(r.test2json[1:], "-t", "-p", packageName)...)
	conv.Stdin, conv.Stdout, conv.Stderr = convIn.r, events, io.Discard
	if err := conv.Start(); err != nil {
		frameR.Close()
		convIn.r.Close()
		convIn.w.Close()
		return nil, fmt.Errorf("could not start test2json: %v", err)
	}
	convIn.r.Close()
	frame := convIn.feed(frameR)
	convDone := make(chan error, 1)
	go func() { convDone <- conv.Wait() }()

	// The test binary's own -test.timeout makes it print where it hung; the
	// context is the backstop should the process not exit by itself.
	runCtx, cancel := context.WithTimeout(ctx, r.timeout+15*time.Second)
	defer cancel()
	out := &outcome{learnerOut: newLearnerOutput(learnerOutputLimit), exitCode: -1}
	args := []string{"-c", `"$@"; exit $?`, "mlops-lab-grade", r.binary,
		"-test.run", "^" + wrapperTest + "$/^run[0-9a-f]+$/^" + regexp.QuoteMeta(ex.Test) + "$",
		"-test.v=test2json",
		"-test.paniconexit0",
		"-test.count=1",
		"-test.timeout", r.timeout.String()}
	cmd := exec.CommandContext(runCtx, "/bin/sh", args...)
	cmd.Dir = r.labDir
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = out.learnerOut, out.learnerOut
	cmd.ExtraFiles = []*os.File{frameW, recW}
	cmd.WaitDelay = drainDelay
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		frameR.Close()
		conv.Process.Kill()
		<-convDone
		return nil, fmt.Errorf("could not start the test program: %v", err)
	}
	// Only the test process may hold the write ends now.
	frameW.Close()
	recW.Close()
	recDone := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(recR, 512))
		recDone <- b
	}()

	_ = cmd.Wait()
	// Whatever the test process left running (its children, or the test
	// binary itself when its shell was killed) goes with its group.
	killGroup(cmd)
	out.timedOut = runCtx.Err() != nil && ctx.Err() == nil
	if st := cmd.ProcessState; st != nil {
		out.exitCode = st.ExitCode()
		out.state = st.String()
	}

	drained := time.Now().Add(drainDelay)
	select {
	case b := <-recDone:
		out.record = string(b)
	case <-time.After(time.Until(drained)):
		recR.Close() // unblocks the reader; what it read so far is not a record
		<-recDone
	}
	// The framework's stream must end (its writers are gone) within
	// drainDelay, like the record's; then test2json gets what it needs to
	// convert it, except when the grader itself is being stopped.
	select {
	case <-frame.ended:
		select {
		case err := <-convDone:
			out.converted = err == nil && !frame.overflowed()
		case <-time.After(convertDelay):
			conv.Process.Kill()
			<-convDone
		case <-ctx.Done():
			conv.Process.Kill()
			<-convDone
		}
	case <-time.After(time.Until(drained)):
		frameR.Close() // unblocks the reader; a stream cut short earns nothing
		conv.Process.Kill()
		<-convDone
	}
	out.events = events.Bytes()
	out.overflow = events.Overflowed() || frame.overflowed()
	return out, nil
}

// spoolPipe feeds a pipe (a converter's standard input) from a stream
// read as fast as it comes: what the pipe's reader has not taken yet
// waits in memory, up to limit bytes in all (beyond that the stream is
// drained but dropped, and marked overflowed).
type spoolPipe struct {
	r, w  *os.File
	limit int

	mu       sync.Mutex
	cond     *sync.Cond
	pending  []byte
	total    int
	overflow bool
	eof      bool
	ended    chan struct{} // closed when the source stream ended
}

func newSpoolPipe(limit int) (*spoolPipe, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p := &spoolPipe{r: r, w: w, limit: limit, ended: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	return p, nil
}

// feed reads src until it ends (or is closed), and writes what it read
// to the pipe, closing it after the last byte; it returns at once.
func (p *spoolPipe) feed(src *os.File) *spoolPipe {
	go func() {
		defer close(p.ended)
		defer src.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			p.mu.Lock()
			if n > 0 {
				if p.total+n > p.limit {
					p.overflow = true
				} else {
					p.pending = append(p.pending, buf[:n]...)
				}
				p.total += n
			}
			if err != nil {
				p.eof = true
			}
			p.cond.Broadcast()
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer p.w.Close()
		for {
			p.mu.Lock()
			for len(p.pending) == 0 && !p.eof {
				p.cond.Wait()
			}
			chunk, done := p.pending, p.eof
			p.pending = nil
			p.mu.Unlock()
			if len(chunk) > 0 {
				if _, err := p.w.Write(chunk); err != nil {
					return // the converter is gone
				}
			}
			if done && len(chunk) == 0 {
				return
			}
		}
	}()
	return p
}

func (p *spoolPipe) overflowed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.overflow
}

// judge scores a run. Points count only when the run finished normally:
// the completion record arrived, the process exited by itself with the
// code the record names, and the framework's stream was read whole. The
// record also names the run, and only the framework's events under that
// name count, so pass lines printed by the learner's code match nothing.
func judge(result *TestResult, out *outcome, ex labs.Exercise, timeout time.Duration, titles map[string]string) {
	learner := out.learnerOut.String()
	m := recordLine.FindStringSubmatch(out.record)
	switch {
	case out.timedOut:
		result.Message = fmt.Sprintf("timed out after %v and was stopped: is something waiting forever (a channel nobody writes, a consumer loop without a way out)?", timeout)
		return
	case m == nil:
		result.Message = endedEarly(out, learner)
		return
	case strconv.Itoa(out.exitCode) != m[2]:
		result.Message = fmt.Sprintf("the test process finished its tests with code %s but then exited with %s (os.Exit or a crash in code still running?): no points", m[2], out.state)
		return
	case out.overflow || !out.converted:
		result.Status = StatusError
		result.Message = "the test's own output was too long or cut short, so its result could not be read: no points"
		return
	}
	prefix := wrapperTest + "/" + m[1] + "/"
	exec, err := testjson.ScanTestOutput(testjson.ScanConfig{Stdout: bytes.NewReader(runEvents(out.events, prefix)), IgnoreNonJSONOutputLines: true})
	if err != nil {
		result.Status = StatusError
		result.Message = fmt.Sprintf("could not read the test output: %v", err)
		return
	}
	score(result, exec, ex, prefix, titles)
	if result.Status != StatusPass && result.Message == "" {
		result.Message = tailLines(learner, 20)
	}
}

// runEvents keeps the events of the tests under prefix: the only ones that
// count, and, when the learner's code sprayed the framework's stream for a
// moment before the run began, far fewer lines to read.
func runEvents(events []byte, prefix string) []byte {
	key := []byte(`"Test":"` + prefix)
	var kept []byte
	for len(events) > 0 {
		line := events
		if i := bytes.IndexByte(events, '\n'); i >= 0 {
			line, events = events[:i+1], events[i+1:]
		} else {
			events = nil
		}
		if bytes.Contains(line, key) {
			kept = append(kept, line...)
		}
	}
	return kept
}

// endedEarly explains a run without a completion record.
func endedEarly(out *outcome, learner string) string {
	const noPoints = "before the test finished: no points"
	var msg string
	switch {
	case strings.Contains(learner, "panic: test timed out after "):
		after := strings.Fields(learner[strings.Index(learner, "panic: test timed out after ")+len("panic: test timed out after "):])
		limit := "its deadline"
		if len(after) > 0 {
			limit = after[0]
		}
		return "timed out after " + limit + ": is something waiting forever (a channel nobody writes, a read without a deadline, a loop without a way out)?"
	case strings.Contains(learner, "unexpected call to os.Exit(0) during test"):
		msg := "your code called os.Exit(0), which ends the test process " + noPoints
		if where := stackSummary(learner); where != "" {
			msg += ":\n" + where
		}
		return msg
	case strings.Contains(learner, "panic: "):
		i := strings.Index(learner, "panic: ")
		line, _, _ := strings.Cut(learner[i:], "\n")
		line = strings.Replace(printable(line), " [recovered, repanicked]", "", 1)
		msg := "your code panicked " + noPoints + ":\n" + line
		if where := stackSummary(learner[i:]); where != "" {
			msg += "\n" + where
		}
		return msg
	case out.exitCode == -1:
		msg = fmt.Sprintf("the test process was stopped (%s) %s", out.state, noPoints)
	default:
		msg = fmt.Sprintf("your code ended the test process early (os.Exit?, %s) %s", out.state, noPoints)
	}
	if tail := tailLines(learner, 10); tail != "" {
		msg += "; it printed:\n" + tail
	}
	return msg
}

// stackSummary picks, from the first goroutine trace in s, the frames of
// the lab's own code and its tests (not the runtime's or the testing
// package's), with paths from the lab folder on.
func stackSummary(s string) string {
	i := strings.Index(s, "\ngoroutine ")
	if i < 0 {
		return ""
	}
	lines := strings.Split(printable(s[i+1:]), "\n")
	var out []string
	for k := 1; k+1 < len(lines) && len(out) < 8; k += 2 {
		fn, file := lines[k], strings.TrimSpace(lines[k+1])
		if fn == "" || !strings.HasPrefix(lines[k+1], "\t") {
			break // the end of this goroutine's trace
		}
		if strings.HasPrefix(fn, "created by ") || strings.HasPrefix(fn, "panic(") {
			continue
		}
		if j := strings.Index(fn, "("); j > 0 {
			fn = fn[:j]
		}
		if j := strings.LastIndex(fn, "/"); j >= 0 {
			fn = fn[j+1:]
		}
		pkg, _, _ := strings.Cut(fn, ".")
		if pkg == "testing" || pkg == "runtime" || pkg == "os" || pkg == "syscall" {
			continue
		}
		if j := strings.Index(file, " +0x"); j >= 0 {
			file = file[:j]
		}
		if j := strings.LastIndex(file, "/labs/"); j >= 0 {
			file = file[j+1:]
		}
		out = append(out, "  "+fn+" at "+file)
	}
	return strings.Join(out, "\n")
}

// tailLines is the end of what the learner's code printed, fit to show.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(printable(s)), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// score reads one exercise's test events, named prefix+TestName: a test
// that passed earns the exercise's points; one that failed, with subtests,
// earns a share per passing direct subtest. Events outside prefix are not
// the exercise's and are ignored.
func score(result *TestResult, exec *testjson.Execution, ex labs.Exercise, prefix string, titles map[string]string) {
	pkg := exec.Package(packageName)
	if pkg == nil {
		result.Status = StatusError
		result.Message = fmt.Sprintf("the grading test %s did not run", ex.Test)
		return
	}
	var rootPassed, rootFailed bool
	var passedSubs, totalSubs int
	var failed []namedCase
	visit := func(cases []testjson.TestCase, passed bool) {
		for _, tc := range cases {
			name, ok := strings.CutPrefix(string(tc.Test), prefix)
			if !ok || (name != ex.Test && !strings.HasPrefix(name, ex.Test+"/")) {
				continue
			}
			switch {
			case name == ex.Test:
				rootPassed = rootPassed || passed
				rootFailed = rootFailed || !passed
			case strings.Count(name, "/") == 1:
				totalSubs++
				if passed {
					passedSubs++
				}
			}
			if !passed {
				failed = append(failed, namedCase{name, tc})
			}
		}
	}
	visit(pkg.Passed, true)
	visit(pkg.Failed, false)
	visit(pkg.Skipped, false)

	if !rootPassed && !rootFailed {
		result.Status = StatusError
		result.Message = fmt.Sprintf("the grading test %s did not run", ex.Test)
		if out, _ := failureOutput(pkg, failed, titles); out != "" {
			result.Message += ":\n" + out
		}
		return
	}
	result.Subtests, result.SubtestsPassed = totalSubs, passedSubs
	if rootPassed && !rootFailed {
		result.Status = StatusPass
		result.Score = result.MaxScore
		return
	}
	result.Status = StatusFail
	var rootFailedNotSkipped bool
	for _, tc := range pkg.Failed {
		rootFailedNotSkipped = rootFailedNotSkipped || string(tc.Test) == prefix+ex.Test
	}
	// Partial credit needs the test's own FAIL line: by then every direct
	// subtest has reported.
	if totalSubs > 0 && rootFailedNotSkipped {
		result.Score = round2(result.MaxScore * float64(passedSubs) / float64(totalSubs))
	} else {
		result.SubtestsPassed = 0
	}
	result.Message, result.SubtestsRepeated = failureOutput(pkg, failed, titles)
}

// namedCase is a test case with its name as the exercise knows it.
type namedCase struct {
	name string
	tc   testjson.TestCase
}

// noise are the lines test2json passes through that say nothing to a learner.
var noise = regexp.MustCompile(`^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (FAIL|PASS|SKIP)|PASS$|FAIL$|ok\s|FAIL\s)`)

// failureOutput collects what the failing tests printed, leaf subtests
// first, without the runner's own lines. A message that repeats one already
// collected is left out; repeated counts the direct subtests (the checks the
// report counts) left out so.
func failureOutput(pkg *testjson.Package, failed []namedCase, titles map[string]string) (out string, repeated int) {
	var b strings.Builder
	seen := map[string]bool{}
	for _, nc := range failed {
		var lines []string
		for _, line := range pkg.OutputLines(nc.tc) {
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
			if strings.Count(nc.name, "/") == 1 {
				repeated++
			}
			continue
		}
		seen[text] = true
		if _, sub, ok := strings.Cut(nc.name, "/"); ok {
			fmt.Fprintf(&b, "%s:\n", subtestTitle(titles, sub))
		}
		b.WriteString(text)
		b.WriteString("\n")
	}
	return trimLines(strings.TrimSpace(b.String()), 60), repeated
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
