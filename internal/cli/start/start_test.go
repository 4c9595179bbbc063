package start

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

func TestNewCmdStart(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: t.TempDir()}
	cases := []struct {
		args    []string
		check   func(*StartOptions) bool
		wantErr string
	}{
		{[]string{"lab1"}, func(o *StartOptions) bool {
			return o.Lab == "lab1" && !o.Instructions && !o.NoDatagen && o.KafkaListen == "" && o.Env.Runtime == env.Embedded && o.Env.DataDir == "" && o.Ctx != nil
		}, ""},
		{[]string{"lab4", "--no-datagen", "--instructions=false", "--kafka-listen", "127.0.0.1:0", "--data-dir", "d"}, func(o *StartOptions) bool {
			return o.Lab == "lab4" && !o.Instructions && o.NoDatagen && o.KafkaListen == "127.0.0.1:0" && o.Env.DataDir == "d"
		}, ""},
		{[]string{"lab1", "--instructions"}, func(o *StartOptions) bool { return o.Instructions }, ""},
		{[]string{"lab1", "--instructions=true"}, func(o *StartOptions) bool { return o.Instructions }, ""},
		{[]string{"lab1", "--runtime", "docker", "--kafka-image", "k", "--ksql-image", "q"}, func(o *StartOptions) bool {
			return o.Env.Runtime == env.Docker && o.Env.KafkaImage == "k" && o.Env.KsqlImage == "q"
		}, ""},
		{[]string{"lab1", "--bootstrap", "h:1", "--ksql-url", "http://h:2"}, func(o *StartOptions) bool {
			return o.Env.Bootstrap == "h:1" && o.Env.KsqlURL == "http://h:2"
		}, ""},
		{nil, nil, "name the lab to start"},
		{[]string{"lab1", "lab2"}, nil, "name the lab to start"},
		{[]string{"lab1", "--instructions=maybe"}, nil, "invalid argument"},
		{[]string{"lab1", "--datagen"}, nil, "unknown flag: --datagen"},
	}
	for _, c := range cases {
		var got *StartOptions
		cmd := NewCmdStart(f, func(o *StartOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: error %v, want %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if !c.check(got) {
			t.Errorf("%v: options %+v", c.args, *got)
		}
	}
}

func TestStartRunRefusesBeforeStartingAnything(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	noWorkspace := errors.New("not in a course workspace: run `mlops-lab init DIR`")
	opts := &StartOptions{IO: ios, Ctx: t.Context(), Lab: "lab42"}
	if err := startRun(opts); err == nil || !strings.Contains(err.Error(), `no lab named "lab42"`) {
		t.Errorf("unknown lab: got %v", err)
	}
	opts.Lab = "lab1"
	opts.Workspace = func() (ws workspace.Workspace, err error) { return ws, noWorkspace }
	if err := startRun(opts); !errors.Is(err, noWorkspace) {
		t.Errorf("outside a workspace: got %v", err)
	}
}

func TestPrintSummary(t *testing.T) {
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	lab, _ := cat.Find("lab1")
	if len(lab.Exercises) < 3 {
		t.Fatalf("lab1 has %d exercises; the test needs 3", len(lab.Exercises))
	}
	var out strings.Builder
	printSummary(&out, lab, nil)
	text := out.String()
	lines := strings.Split(text, "\n")
	if !strings.Contains(lines[1], lab.ID+": "+lab.Title+" (not graded)") {
		t.Errorf("heading: %q", lines[1])
	}
	for i, e := range lab.Exercises {
		line := lines[2+i]
		if !strings.Contains(line, e.ID) || !strings.Contains(line, fmt.Sprintf("%d points", e.Points)) || !strings.Contains(line, "not graded") {
			t.Errorf("exercise %d: %q", i+1, line)
		}
	}
	first := lab.Exercises[0]
	for _, want := range []string{"next: exercise 1, " + first.Title, "mlops-lab grade lab1 --exercise " + first.ID, "mlops-lab instructions lab1"} {
		if !strings.Contains(text, want) {
			t.Errorf("want %q in\n%s", want, text)
		}
	}
	if n := len(lines); n > len(lab.Exercises)+10 {
		t.Errorf("a summary of %d lines", n)
	}

	// The first exercise passed, the second earned part of its points.
	prog := &progress.File{Labs: map[string]*progress.Lab{}}
	var rs []progress.Result
	for i, e := range lab.Exercises {
		r := progress.Result{Lab: lab.ID, Exercise: e.ID, Status: "fail", MaxScore: float64(e.Points)}
		switch i {
		case 0:
			r.Status, r.Score = "pass", float64(e.Points)
		case 1:
			r.Score = 1
		}
		rs = append(rs, r)
	}
	prog.Record(rs, time.Now())
	out.Reset()
	printSummary(&out, lab, prog)
	text = out.String()
	lines = strings.Split(text, "\n")
	second := lab.Exercises[1]
	if want := fmt.Sprintf("(in progress, %d/%d points)", first.Points+1, lab.MaxScore()); !strings.Contains(lines[1], want) {
		t.Errorf("heading %q, want %q", lines[1], want)
	}
	if !strings.Contains(lines[2], " done ") {
		t.Errorf("first exercise: %q", lines[2])
	}
	if want := fmt.Sprintf("in progress (1/%d)", second.Points); !strings.Contains(lines[3], want) {
		t.Errorf("second exercise %q, want %q", lines[3], want)
	}
	if !strings.Contains(lines[4], "not started") {
		t.Errorf("third exercise: %q", lines[4])
	}
	if !strings.Contains(text, "next: exercise 2, "+second.Title) || !strings.Contains(text, "mlops-lab hint lab1 2") {
		t.Errorf("next should be exercise 2:\n%s", text)
	}
}

func TestPrintPortTakenNote(t *testing.T) {
	var out strings.Builder
	printPortTakenNote(&out, "127.0.0.1:40123")
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if !strings.Contains(lines[0], "127.0.0.1:9092 is taken") || !strings.Contains(lines[0], "127.0.0.1:40123") {
		t.Errorf("first line %q", lines[0])
	}
	// The command stands alone on its line, so it can be copied whole, and
	// no line is wide enough for an 80-column terminal to wrap it.
	var export string
	for _, l := range lines {
		if strings.Contains(l, "export") {
			export = l
		}
		if len(l) > 80 {
			t.Errorf("a line of %d characters: %q", len(l), l)
		}
	}
	if want := "    export " + labcontract.EnvBootstrap + "=127.0.0.1:40123"; export != want {
		t.Errorf("export line %q, want %q in\n%s", export, want, out.String())
	}
}
