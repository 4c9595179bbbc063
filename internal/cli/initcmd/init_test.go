package initcmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/slides"
)

func mustCatalogue(t *testing.T) *labs.Catalogue {
	t.Helper()
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestNewCmdInit(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, WorkDir: "/home/learner", Version: "v1.0.0"}
	cases := []struct {
		args    []string
		want    InitOptions
		wantErr string
	}{
		{[]string{"course"}, InitOptions{Dir: "/home/learner/course", Module: "mlops-course"}, ""},
		{[]string{"/tmp/c", "--module", "example.com/me", "--replace", "../src", "--force", "--skip-tidy"},
			InitOptions{Dir: "/tmp/c", Module: "example.com/me", ModuleDir: "../src", Force: true, SkipTidy: true}, ""},
		{nil, InitOptions{}, "name the folder to create"},
		{[]string{"a", "b"}, InitOptions{}, "name the folder to create"},
		{[]string{"a", "--tidy"}, InitOptions{}, "unknown flag: --tidy"},
	}
	for _, c := range cases {
		var got *InitOptions
		cmd := NewCmdInit(f, func(o *InitOptions) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
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
		if got.BuiltFrom == nil {
			t.Errorf("%v: no BuiltFrom", c.args)
		}
		w := c.want
		if got.Dir != filepath.FromSlash(w.Dir) || got.Module != w.Module || got.ModuleDir != w.ModuleDir || got.Force != w.Force || got.SkipTidy != w.SkipTidy || got.Version != "v1.0.0" || got.WorkDir != "/home/learner" {
			t.Errorf("%v: options %+v, want %+v", c.args, *got, w)
		}
	}
}

func TestInitRun(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module "+cmdutil.ModulePath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "course")
	ios, _, out, _ := iostreams.Test()
	// A development build finds its source from the working folder.
	opts := &InitOptions{IO: ios, WorkDir: filepath.Join(src, "sub"), Version: "devel", Dir: dir, Module: "mlops-course", SkipTidy: true}
	if err := initRun(opts); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gomod), "replace "+cmdutil.ModulePath+" => "+src+"\n") {
		t.Errorf("go.mod does not replace the module by its source:\n%s", gomod)
	}
	if _, err := os.Stat(filepath.Join(dir, "labs", "lab01-producers", "README.md")); err != nil {
		t.Errorf("lab 1's starter: %v", err)
	}
	// Every lab README's link to the slides finds its deck, and the decks
	// find their images.
	links := regexp.MustCompile(`\]\(([^)#\s]+)`)
	var slideLinks int
	for _, lab := range mustCatalogue(t).Labs() {
		labDir := filepath.Join(dir, "labs", lab.Folder)
		readme, err := os.ReadFile(filepath.Join(labDir, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range links.FindAllStringSubmatch(string(readme), -1) {
			if !strings.Contains(m[1], "slides/") || strings.Contains(m[1], "://") {
				continue
			}
			slideLinks++
			deck := filepath.Join(labDir, filepath.FromSlash(m[1]))
			src, err := os.ReadFile(deck)
			if err != nil {
				t.Errorf("%s's README links to %s: %v", lab.ID, m[1], err)
				continue
			}
			for _, img := range links.FindAllStringSubmatch(string(src), -1) {
				if strings.HasPrefix(img[1], "img/") {
					if _, err := os.Stat(filepath.Join(filepath.Dir(deck), filepath.FromSlash(img[1]))); err != nil {
						t.Errorf("%s shows %s: %v", m[1], img[1], err)
					}
				}
			}
		}
	}
	if slideLinks == 0 {
		t.Error("no lab README links to a deck: the test checks nothing")
	}
	if decks, err := slides.LoadDecks(os.DirFS(filepath.Join(dir, "slides"))); err != nil || len(decks) != len(mustCatalogue(t).Labs())+1 {
		t.Errorf("the workspace's decks: %d, %v; want the introduction and one per lab", len(decks), err)
	}

	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mlops-lab instructions lab1", "mlops-lab doctor", "| lab1 | ", "`slides/`"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("the workspace's README lacks %q:\n%s", want, readme)
		}
	}
	if !strings.HasSuffix(out.String(), "next: cd "+dir+" && mlops-lab start lab1\n") {
		t.Errorf("output: %q", out.String())
	}

	// The folder is no longer empty.
	err = initRun(opts)
	if err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("second init: want a refusal, got %v", err)
	}

	// Run outside the clone, a development build uses the clone it was
	// compiled from, and says so.
	ios, _, _, errOut := iostreams.Test()
	dir = filepath.Join(t.TempDir(), "c")
	opts = &InitOptions{IO: ios, WorkDir: t.TempDir(), Version: "devel", Dir: dir, SkipTidy: true, BuiltFrom: func() string { return src }}
	if err := initRun(opts); err != nil {
		t.Fatalf("devel build run outside its clone: %v", err)
	}
	if gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod")); !strings.Contains(string(gomod), "replace "+cmdutil.ModulePath+" => "+src+"\n") {
		t.Errorf("go.mod does not replace the module by the clone the binary was built from:\n%s", gomod)
	}
	if !strings.Contains(errOut.String(), "uses the mlops-lab source in "+src) {
		t.Errorf("stderr %q", errOut.String())
	}

	// A development build far from any source, whose clone is gone, asks
	// for --replace.
	for _, builtFrom := range []func() string{nil, func() string { return "" }} {
		opts = &InitOptions{IO: ios, WorkDir: t.TempDir(), Version: "devel", Dir: filepath.Join(t.TempDir(), "c"), SkipTidy: true, BuiltFrom: builtFrom}
		if err := initRun(opts); err == nil || !strings.Contains(err.Error(), "pass --replace") {
			t.Errorf("devel build without source: got %v", err)
		}
	}
}
