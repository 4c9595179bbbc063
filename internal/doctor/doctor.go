// Package doctor checks that a machine and a course workspace are ready for
// the labs (Go, the workspace and its module, the ports the embedded runtime
// prefers, a running environment, Docker for the docker runtime) and says what
// to do about each problem it finds. It backs `mlops-lab doctor`.
package doctor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"go/version"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/client"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/text"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// Status is a check's outcome.
type Status string

// A check is OK, a warning (something works less well, or only one runtime
// is affected), or a failure (labs or grading will not work until fixed).
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "FAIL"
)

// Check is one finding: what was checked, what was found and, when it is
// not OK, what to do.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`

	// runningLab is the lab of the environment `start` runs, for the last
	// line of Render (only the environment check sets it).
	runningLab string
}

// Doctor runs the checks. Its function fields are the seams tests replace;
// New fills them with the real ones.
type Doctor struct {
	// Dir is the folder the checks start from (the workspace is found from it).
	Dir string
	// MinGo is the oldest Go release that builds the labs, e.g. "go1.26".
	MinGo string
	// Catalogue is the course's labs.
	Catalogue *labs.Catalogue

	// GoVersion returns the output of `go env GOVERSION` (empty and an
	// error when no go command is found).
	GoVersion func(ctx context.Context) (string, error)
	// Test2JSON reports whether `go tool test2json` is available.
	Test2JSON func(ctx context.Context) error
	// PortFree reports whether a TCP address can be listened on.
	PortFree func(addr string) bool
	// Docker pings the Docker engine.
	Docker func(ctx context.Context) error
	// Environment returns the answering environment `start` recorded in
	// the workspace, or env.ErrNoRecord.
	Environment func(ctx context.Context, ws workspace.Workspace) (env.Record, error)
}

// New returns a Doctor with the real checks, starting from dir.
func New(dir string, cat *labs.Catalogue) *Doctor {
	return &Doctor{
		Dir:         dir,
		MinGo:       "go1.26",
		Catalogue:   cat,
		GoVersion:   goVersion,
		Test2JSON:   test2json,
		PortFree:    portFree,
		Docker:      pingDocker,
		Environment: answeringEnvironment,
	}
}

// Ports the embedded runtime listens on when they are free.
const (
	KafkaPort = "127.0.0.1:9092"
	KsqlPort  = "127.0.0.1:8088"
)

// Run runs every check, in the order a learner would fix them.
func (d *Doctor) Run(ctx context.Context) []Check {
	checks := []Check{d.checkGo(ctx), d.checkTest2JSON(ctx)}
	ws, wsErr := workspace.Find(d.Dir)
	checks = append(checks, d.checkWorkspace(ws, wsErr)...)
	running := d.checkEnvironment(ctx, ws, wsErr)
	checks = append(checks, running)
	if running.Status != OK { // a running start owns the ports, which is fine
		checks = append(checks, d.checkPort("kafka port", KafkaPort, "Kafka"), d.checkPort("ksql port", KsqlPort, "ksqlDB"))
	}
	return append(checks, d.checkDocker(ctx))
}

// Failed reports whether any check failed.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Render writes the checks as aligned lines, with the fix under each
// problem, and a last line saying whether everything is ready.
func Render(w io.Writer, checks []Check) {
	width := 0
	for _, c := range checks {
		width = max(width, len(c.Name))
	}
	for _, c := range checks {
		fmt.Fprintf(w, "%-4s  %-*s  %s\n", c.Status, width, c.Name, c.Detail)
		if c.Fix != "" {
			fmt.Fprintf(w, "      %*s  fix: %s\n", width, "", c.Fix)
		}
	}
	var lab string
	for _, c := range checks {
		if c.runningLab != "" {
			lab = c.runningLab
		}
	}
	switch {
	case Failed(checks):
		fmt.Fprintln(w, "\nsomething needs fixing before the labs will work (see fix: above)")
	case lab != "":
		fmt.Fprintf(w, "\nready: %s is running; grade with `mlops-lab grade %s`\n", lab, lab)
	default:
		fmt.Fprintln(w, "\nready: `mlops-lab start lab1` (or the lab you are on) and grade with `mlops-lab grade LAB`")
	}
}

func (d *Doctor) checkGo(ctx context.Context) Check {
	c := Check{Name: "go"}
	v, err := d.GoVersion(ctx)
	if err != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("no go command: %v", err)
		c.Fix = "install Go " + strings.TrimPrefix(d.MinGo, "go") + " or newer from https://go.dev/dl/ and put it on PATH (grading compiles your code with it)"
		return c
	}
	if !version.IsValid(v) {
		c.Status, c.Detail = Warn, fmt.Sprintf("cannot read the Go version %q", v)
		return c
	}
	if version.Compare(v, d.MinGo) < 0 {
		c.Status, c.Detail = Fail, fmt.Sprintf("%s is older than %s, which the labs need", v, d.MinGo)
		c.Fix = "install Go " + strings.TrimPrefix(d.MinGo, "go") + " or newer from https://go.dev/dl/ (or let the go command fetch it: GOTOOLCHAIN=auto)"
		return c
	}
	c.Status, c.Detail = OK, fmt.Sprintf("%s (needs %s or newer)", v, d.MinGo)
	return c
}

func (d *Doctor) checkTest2JSON(ctx context.Context) Check {
	c := Check{Name: "test2json"}
	if err := d.Test2JSON(ctx); err != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("`go tool test2json` does not run: %v", err)
		c.Fix = "reinstall Go: the grader reads test results through test2json, which ships with it"
		return c
	}
	c.Status, c.Detail = OK, "`go tool test2json` runs (the grader reads test results through it)"
	return c
}

func (d *Doctor) checkWorkspace(ws workspace.Workspace, wsErr error) []Check {
	c := Check{Name: "workspace"}
	if wsErr != nil {
		c.Status, c.Detail = Warn, fmt.Sprintf("no course workspace around %s", d.Dir)
		c.Fix = "`mlops-lab init mlops-course && cd mlops-course` (or cd into your clone of mlops-lab); start and grade need one"
		return []Check{c}
	}
	c.Status, c.Detail = OK, ws.Root
	checks := []Check{c, checkModule(ws)}
	if d.Catalogue != nil {
		checks = append(checks, d.checkLabFolders(ws))
	}
	checks = append(checks, checkProgress(ws))
	return checks
}

// checkModule looks at a workspace's go.mod: a `replace` to a folder must
// point at an mlops-lab source tree, or nothing compiles.
func checkModule(ws workspace.Workspace) Check {
	c := Check{Name: "go.mod"}
	f, err := os.Open(filepath.Join(ws.Root, "go.mod"))
	if err != nil {
		c.Status, c.Detail = Fail, err.Error()
		return c
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "replace ") || !strings.Contains(text, workspace.ModulePath) {
			continue
		}
		_, target, ok := strings.Cut(text, "=>")
		if !ok {
			continue
		}
		target = strings.TrimSpace(target)
		if !strings.HasPrefix(target, ".") && !filepath.IsAbs(target) {
			continue // a module version, not a folder
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(ws.Root, target)
		}
		if _, err := os.Stat(filepath.Join(target, "go.mod")); err != nil {
			c.Status = Fail
			c.Detail = fmt.Sprintf("go.mod line %d replaces mlops-lab with %s, which holds no go.mod", line, target)
			c.Fix = "point the replace line at your mlops-lab clone, or make a new workspace with `mlops-lab init DIR --replace PATH/TO/mlops-lab`"
			return c
		}
		c.Status, c.Detail = OK, "uses the mlops-lab source in "+target
		return c
	}
	c.Status, c.Detail = OK, "present"
	return c
}

func (d *Doctor) checkLabFolders(ws workspace.Workspace) Check {
	c := Check{Name: "lab folders"}
	var missing []string
	for _, l := range d.Catalogue.Labs() {
		if _, err := os.Stat(ws.LabDir(l.Folder)); err != nil {
			missing = append(missing, l.ID)
		}
	}
	if len(missing) > 0 {
		c.Status = Warn
		c.Detail = fmt.Sprintf("%d of %d labs have no folder under labs/: %s", len(missing), len(d.Catalogue.Labs()), strings.Join(missing, ", "))
		c.Fix = "`mlops-lab reset " + missing[0] + "` writes a lab's starter files back"
		return c
	}
	c.Status, c.Detail = OK, fmt.Sprintf("all %d labs under %s", len(d.Catalogue.Labs()), filepath.Join(ws.Root, "labs"))
	return c
}

func checkProgress(ws workspace.Workspace) Check {
	c := Check{Name: "progress"}
	f, err := progress.Load(ws)
	if err != nil {
		c.Status, c.Detail = Warn, err.Error()
		c.Fix = "delete " + ws.State(progress.FileName) + " (it only records grades; `mlops-lab grade --all` writes it again)"
		return c
	}
	c.Status, c.Detail = OK, text.Pluralize(len(f.Labs), "lab")+" graded"
	return c
}

func (d *Doctor) checkEnvironment(ctx context.Context, ws workspace.Workspace, wsErr error) Check {
	c := Check{Name: "environment"}
	if wsErr != nil {
		c.Status, c.Detail = Warn, "no workspace, so no running environment to look for"
		return c
	}
	rec, err := d.Environment(ctx, ws)
	switch {
	case errors.Is(err, env.ErrNoRecord):
		c.Status, c.Detail = Warn, "no `mlops-lab start` is running in this workspace"
		c.Fix = "`mlops-lab start LAB` in another terminal (grade and the live demos then use it)"
	case err != nil:
		c.Status, c.Detail = Warn, err.Error()
	default:
		c.Status, c.runningLab = OK, rec.Lab
		c.Detail = fmt.Sprintf("%s is running (%s runtime): kafka %s", rec.Lab, rec.Runtime, rec.Bootstrap)
		if rec.KsqlURL != "" {
			c.Detail += ", ksql " + rec.KsqlURL
		}
	}
	return c
}

func (d *Doctor) checkPort(name, addr, what string) Check {
	c := Check{Name: name}
	if d.PortFree(addr) {
		c.Status, c.Detail = OK, addr+" is free for the embedded "+what
		return c
	}
	c.Status = Warn
	c.Detail = addr + " is taken by another process"
	c.Fix = "nothing to do: `start` then picks a free port and prints it, and the commands and live demos in the workspace find it in .mlops-lab/env.json; in a terminal outside the workspace, `export MLOPS_LAB_BOOTSTRAP=` the address `start` prints"
	return c
}

func (d *Doctor) checkDocker(ctx context.Context) Check {
	c := Check{Name: "docker"}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.Docker(ctx); err != nil {
		c.Status, c.Detail = Warn, fmt.Sprintf("no Docker engine answers (%v)", firstLine(err.Error()))
		c.Fix = "only `--runtime docker` needs Docker; the default embedded runtime does not"
		return c
	}
	c.Status, c.Detail = OK, "the Docker engine answers (for `--runtime docker`)"
	return c
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func goVersion(ctx context.Context) (string, error) {
	path, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, path, "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("%s env GOVERSION: %w", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func test2json(ctx context.Context) error {
	path, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	// -n prints the tool's path without running it; it fails when the
	// tool is missing from the installation.
	if out, err := exec.CommandContext(ctx, path, "tool", "-n", "test2json").CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func portFree(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func pingDocker(ctx context.Context) error {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer cli.Close()
	_, err = cli.Ping(ctx)
	return err
}

func answeringEnvironment(ctx context.Context, ws workspace.Workspace) (env.Record, error) {
	return env.AnsweringRecord(ctx, ws, io.Discard)
}
