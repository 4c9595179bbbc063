package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
)

func TestResolvePath(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &Factory{IOStreams: ios, WorkDir: "/work/course"}
	cases := map[string]string{
		"":                "",
		"model.json":      "/work/course/model.json",
		"../x/y.csv":      "/work/x/y.csv",
		"/abs/model.json": "/abs/model.json",
	}
	for in, want := range cases {
		if got := f.ResolvePath(in); got != filepath.FromSlash(want) {
			t.Errorf("ResolvePath(%q) = %q, want %q", in, got, want)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	f.WorkDir = ""
	if got := f.ResolvePath("a.txt"); got != filepath.Join(wd, "a.txt") {
		t.Errorf("without WorkDir: got %q, want it under the process's folder %s", got, wd)
	}
}

func TestExitErrors(t *testing.T) {
	base := errors.New("cannot compile")
	err := CannotRun(base)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 2 || !errors.Is(err, base) || err.Error() != "cannot compile" {
		t.Errorf("CannotRun: got %#v", err)
	}
	if !errors.As(SilentExit(1), &ee) || ee.Code != 1 || ee.Err != nil || SilentExit(1).Error() != "exit status 1" {
		t.Errorf("SilentExit(1): got %#v", ee)
	}
}

func TestArgsCheckSayWhatToType(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	exact := ExactArgs(1, "name the lab")
	if err := exact(cmd, []string{"lab1"}); err != nil {
		t.Errorf("one argument: %v", err)
	}
	for _, args := range [][]string{nil, {"a", "b"}} {
		if err := exact(cmd, args); err == nil || err.Error() != "name the lab" {
			t.Errorf("ExactArgs(1) with %v: got %v", args, err)
		}
	}
	rng := RangeArgs(1, 2, "usage: x LAB [FILE]")
	for n, ok := range map[int]bool{0: false, 1: true, 2: true, 3: false} {
		err := rng(cmd, make([]string, n))
		if (err == nil) != ok || (err != nil && err.Error() != "usage: x LAB [FILE]") {
			t.Errorf("RangeArgs(1, 2) with %d arguments: got %v", n, err)
		}
	}
	root := &cobra.Command{Use: "mlops-lab"}
	sub := &cobra.Command{Use: "grade"}
	root.AddCommand(sub)
	err := FlagErrorFunc(sub, errors.New("unknown flag: --bogus"))
	if err.Error() != "unknown flag: --bogus (see `mlops-lab grade --help`)" {
		t.Errorf("FlagErrorFunc: %v", err)
	}
}

func TestCompleteLabs(t *testing.T) {
	names, dir := CompleteLabs(nil, nil, "")
	if dir != cobra.ShellCompDirectiveNoFileComp || len(names) == 0 || !strings.HasPrefix(names[0], "lab1\t") {
		t.Errorf("first argument: got %v %v", names, dir)
	}
	if names, _ := CompleteLabs(nil, []string{"lab1"}, ""); len(names) != 0 {
		t.Errorf("second argument: want no lab names, got %v", names)
	}
}

func TestEnvFlags(t *testing.T) {
	parse := func(args ...string) *EnvFlags {
		t.Helper()
		e := &EnvFlags{}
		cmd := &cobra.Command{Use: "x"}
		e.Register(cmd)
		if err := cmd.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		return e
	}
	cases := []struct {
		args []string
		want string
	}{
		{nil, env.Embedded},
		{[]string{"--runtime", "docker"}, env.Docker},
		{[]string{"--bootstrap", "h:1"}, env.External},
		{[]string{"--ksql-url", "http://h:2"}, env.External},
		{[]string{"--runtime", "docker", "--ksql-url", "http://h:2"}, env.Docker},
	}
	for _, c := range cases {
		e := parse(c.args...)
		runtime, spec := e.Spec(env.Needs{Kafka: true})
		if runtime != c.want || spec.Bootstrap != e.Bootstrap || spec.KsqlURL != e.KsqlURL || !spec.Needs.Kafka {
			t.Errorf("%v: runtime %q spec %+v, want runtime %q", c.args, runtime, spec, c.want)
		}
	}
	e := parse("--kafka-image", "k:1", "--ksql-image", "q:2")
	if _, spec := e.Spec(env.Needs{}); spec.KafkaImage != "k:1" || spec.KsqlImage != "q:2" {
		t.Errorf("images: %+v", spec)
	}
}

func TestWorkspaceOutsideACourse(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &Factory{IOStreams: ios, WorkDir: t.TempDir()}
	if _, err := f.Workspace(); err == nil || !strings.Contains(err.Error(), "mlops-lab init") {
		t.Errorf("outside a workspace: want advice to run init, got %v", err)
	}
}
