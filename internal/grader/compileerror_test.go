package grader

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// fakeSource makes a folder whose go.mod declares the course module, as a
// clone of the mlops-lab source does.
func fakeSource(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	must(t, os.WriteFile(filepath.Join(src, "go.mod"), []byte("module "+workspace.ModulePath+"\n\ngo 1.22\n"), 0o644))
	return src
}

func TestCompileErrorSaysWhoseFilesFail(t *testing.T) {
	root, build := t.TempDir(), t.TempDir()
	dir := filepath.Join(root, "labs", "lab09-fake")
	src := fakeSource(t)
	srcFile := filepath.Join(src, "pkg", "kafkautil", "print.go")
	rel, err := filepath.Rel(dir, srcFile)
	must(t, err)

	for _, c := range []struct {
		name, out, want, file string
	}{
		{"the learner's code", "# example.com/course/labs/lab09-fake\n./code.go:3:30: syntax error\n",
			"your code does not compile:\n", "./code.go:3:30: syntax error"},
		{"a grading test", "# example.com/course/labs/lab09-fake\n" + filepath.Join(build, "src", "grade_test.go") + ":7:2: undefined: Add\n",
			"your code does not compile:\n", "\ngrade_test.go:7:2: undefined: Add"},
		{"the source, named relatively", "# " + workspace.ModulePath + "/pkg/kafkautil\n" + rel + ":12:2: undefined: x\n",
			"the mlops-lab source at " + src + " does not compile (not your files):\n", "\n" + srcFile + ":12:2: undefined: x"},
		{"the source, named in full", "# " + workspace.ModulePath + "/pkg/kafkautil\n" + srcFile + ":12:2: undefined: x\n",
			"the mlops-lab source at " + src + " does not compile (not your files):\n", "\n" + srcFile + ":12:2: undefined: x"},
	} {
		got := compileError(c.out, root, build, dir)
		if !strings.HasPrefix(got, c.want) || !strings.Contains(got, c.file) {
			t.Errorf("%s: got %q, want it to start with %q and hold %q", c.name, got, c.want, c.file)
		}
	}

	// A clone used as the workspace: its labs are the learner's, the rest
	// is not.
	clone := fakeSource(t)
	labDir := filepath.Join(clone, "labs", "lab09-fake")
	if got := compileError("./code.go:3:30: syntax error\n", clone, build, labDir); !strings.HasPrefix(got, "your code does not compile:\n") {
		t.Errorf("a lab of a clone: %q", got)
	}
	if got := compileError("../../pkg/ksql/x.go:1:1: undefined: y\n", clone, build, labDir); !strings.HasPrefix(got, "the mlops-lab source at "+clone+" does not compile (not your files):\n") {
		t.Errorf("the source of a clone: %q", got)
	}
}

func TestGradeSourceCompileError(t *testing.T) {
	// A workspace whose go.mod points the course module at a source tree
	// that does not compile, as a development build's does.
	src := fakeSource(t)
	must(t, os.MkdirAll(filepath.Join(src, "pkg", "broken"), 0o755))
	must(t, os.WriteFile(filepath.Join(src, "pkg", "broken", "broken.go"), []byte("package broken\n\nfunc One() int { return undefinedName }\n"), 0o644))
	starter := "package fake\n\nimport \"" + workspace.ModulePath + "/pkg/broken\"\n\nvar _ = broken.One\n\n" + strings.TrimPrefix(fakeStarter, "package fake\n")
	ws, cat, lab := fakeCourse(t, starter)
	gomod := "module example.com/course\n\ngo 1.22\n\nrequire " + workspace.ModulePath + " v0.0.0-00010101000000-000000000000\n\nreplace " + workspace.ModulePath + " => " + src + "\n"
	must(t, os.WriteFile(filepath.Join(ws.Root, "go.mod"), []byte(gomod), 0o644))

	results, err := GradeLab(context.Background(), Options{Workspace: ws, Catalogue: cat, Exercise: "add"}, lab)
	must(t, err)
	if len(results) != 1 {
		t.Fatalf("results: %+v", results)
	}
	r := results[0]
	if r.Status != StatusError || !strings.HasPrefix(r.Message, "the mlops-lab source at "+src+" does not compile (not your files):\n") ||
		!strings.Contains(r.Message, "broken.go:3") || strings.Contains(r.Message, "your code") {
		t.Errorf("got %+v, want the source named as what does not compile", r)
	}
}
