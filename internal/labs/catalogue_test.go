package labs

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The lab catalogue (lab.yaml) is where an exercise's number, title, points
// and files are written down; the README and the learner's files say them
// again for the reader. These tests hold them to the catalogue.

// readmeHeading is an exercise's heading in a lab README:
// "### 2. Rekeying orders by state (`rekey.go`, 15 points)".
var readmeHeading = regexp.MustCompile("^### ([0-9]+)\\. (.+) \\(((?:`[^`]+`, )+)([0-9]+) points\\)$")

func TestReadmeHeadingsMatchCatalogue(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Labs() {
		readme, err := c.README(l)
		if err != nil {
			t.Fatalf("%s: %v", l.ID, err)
		}
		var headings []string
		for i, line := range strings.Split(string(readme), "\n") {
			if strings.HasPrefix(line, "### ") && len(line) > 4 && line[4] >= '0' && line[4] <= '9' {
				headings = append(headings, fmt.Sprintf("%d\x00%s", i+1, line))
			}
		}
		if len(headings) != len(l.Exercises) {
			t.Errorf("labs/%s/README.md has %d numbered exercise headings, lab.yaml %d exercises", l.Folder, len(headings), len(l.Exercises))
		}
		for i, h := range headings {
			lineNo, line, _ := strings.Cut(h, "\x00")
			where := fmt.Sprintf("labs/%s/README.md:%s", l.Folder, lineNo)
			m := readmeHeading.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%s: %q is not \"### N. Title (`file`, P points)\"", where, line)
				continue
			}
			if i >= len(l.Exercises) {
				continue
			}
			e := l.Exercises[i]
			want := fmt.Sprintf("### %d. %s (%s, %d points)", i+1, e.Title, backquoted(e.EditedFiles()), e.Points)
			if line != want {
				t.Errorf("%s: the heading of exercise %s says\n\t%s\nlab.yaml says\n\t%s", where, e.ID, line, want)
			}
		}
	}
}

func backquoted(names []string) string {
	var q []string
	for _, n := range names {
		q = append(q, "`"+n+"`")
	}
	return strings.Join(q, ", ")
}

// exerciseHeader is the comment that opens an exercise in a learner's file:
// "// Exercise 2: rekeying orders by state." or "-- Exercise 1: ...".
var exerciseHeader = regexp.MustCompile(`^(?://|--) Exercise ([0-9]+): (.*)$`)

// todoMarker is a place the learner fills in, or the error a starter
// returns until they do.
var todoMarker = regexp.MustCompile(`TODO\(exercise ([0-9]+)\)|not written yet \(exercise ([0-9]+)\)`)

// TestLearnerFilesMatchCatalogue checks the starter and solution files: each
// exercise's file opens it with "Exercise N: <its title>", and every
// TODO(exercise N) is in a file of exercise N.
func TestLearnerFilesMatchCatalogue(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Labs() {
		starters, err := c.StarterFiles(l)
		if err != nil {
			t.Fatal(err)
		}
		solutions, err := c.SolutionFiles(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, tree := range []struct {
			dir   string
			files map[string][]byte
		}{{"labs", starters}, {"solutions", solutions}} {
			for name, data := range tree.files {
				if ext := path.Ext(name); ext != ".go" && ext != ".sql" || strings.HasSuffix(name, "_test.go") {
					continue
				}
				checkLearnerFile(t, l, tree.dir+"/"+l.Folder+"/"+name, name, string(data))
			}
		}
	}
}

func checkLearnerFile(t *testing.T, l *Lab, where, name, src string) {
	t.Helper()
	mine := map[int]bool{}
	for i, e := range l.Exercises {
		if slices.Contains(e.EditedFiles(), name) {
			mine[i+1] = true
		}
	}
	headed := map[int]bool{}
	for i, line := range strings.Split(src, "\n") {
		at := fmt.Sprintf("%s:%d", where, i+1)
		if m := exerciseHeader.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			if !mine[n] {
				t.Errorf("%s: opens exercise %d, which lab.yaml puts in another file", at, n)
				continue
			}
			e := l.Exercises[n-1]
			headed[n] = true
			if !startsWithTitle(m[2], e.Title) {
				t.Errorf("%s: %q should name exercise %d as lab.yaml does: %q", at, line, n, lowerFirst(e.Title))
			}
			if strings.Contains(m[2], "points") {
				t.Errorf("%s: %q: the points are lab.yaml's to say (the README shows them)", at, line)
			}
		}
		for _, m := range todoMarker.FindAllStringSubmatch(line, -1) {
			n, _ := strconv.Atoi(m[1] + m[2])
			if !mine[n] {
				t.Errorf("%s: %q names exercise %d, which lab.yaml puts in another file", at, strings.TrimSpace(line), n)
			}
		}
	}
	for n := range mine {
		if !headed[n] && name == l.Exercises[n-1].File {
			t.Errorf("%s: no line \"Exercise %d: %s\" opens the exercise", where, n, lowerFirst(l.Exercises[n-1].Title))
		}
	}
}

// startsWithTitle reports whether text is the title (its first letter in
// either case) followed by the end of the sentence or more words after a
// colon.
func startsWithTitle(text, title string) bool {
	for _, t := range []string{title, lowerFirst(title)} {
		if rest, ok := strings.CutPrefix(text, t); ok && (rest == "." || strings.HasPrefix(rest, ". ") || strings.HasPrefix(rest, ": ")) {
			return true
		}
	}
	return false
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	// An acronym or a name keeps its capital: "KSQL", "ONNX", "Gaussian".
	if n < len(s) {
		if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
			return s
		}
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// TestSolutionsHoldOnlyEditedFiles: a lab's solution folder holds exactly the
// files lab.yaml says a learner edits, each different from its starter, and
// every Go file there starts with SolutionTag.
func TestSolutionsHoldOnlyEditedFiles(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Labs() {
		solved, err := c.SolutionFiles(l)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for name := range solved {
			got = append(got, name)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(l.Files))
		if !slices.Equal(got, want) {
			t.Errorf("solutions/%s holds %v; lab.yaml's files (the ones a learner edits) are %v", l.Folder, got, want)
		}
		for _, name := range got {
			starter, err := c.StarterFile(l, name)
			if err != nil {
				t.Errorf("solutions/%s/%s has no starter in labs/%s: %v", l.Folder, name, l.Folder, err)
			} else if string(starter) == string(solved[name]) {
				t.Errorf("solutions/%s/%s is the same as its starter: a file a learner does not edit belongs in labs/ only", l.Folder, name)
			}
			raw, err := os.ReadFile(filepath.Join("..", "..", "solutions", l.Folder, name))
			if err != nil {
				t.Fatal(err)
			}
			if path.Ext(name) == ".go" && !strings.HasPrefix(string(raw), SolutionTag+"\n\n") {
				t.Errorf("solutions/%s/%s must start with %q and a blank line: a solution folder does not compile on its own", l.Folder, name, SolutionTag)
			}
		}
	}
}

// TestSolutionOverlay checks solutions/overlay.json, the `go build -overlay`
// file that builds each lab folder with its solution in place (`go vet -tags
// grading,solution -overlay solutions/overlay.json ./labs/...`, run from the
// repository's root): it maps every Go file of solutions/ onto the lab
// folder, and nothing else.
func TestSolutionOverlay(t *testing.T) {
	root := filepath.Join("..", "..")
	data, err := os.ReadFile(filepath.Join(root, "solutions", "overlay.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("solutions/overlay.json: %v", err)
	}
	want := map[string]string{}
	dirs, err := os.ReadDir(filepath.Join(root, "solutions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		files, err := filepath.Glob(filepath.Join(root, "solutions", d.Name(), "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			want["labs/"+d.Name()+"/"+filepath.Base(f)] = "solutions/" + d.Name() + "/" + filepath.Base(f)
		}
	}
	if fmt.Sprint(got.Replace) != fmt.Sprint(want) {
		fixed, _ := json.MarshalIndent(map[string]any{"Replace": want}, "", " ")
		t.Errorf("solutions/overlay.json is out of date; it should read:\n%s", fixed)
	}
}

// TestGradingTestsOneFilePerExercise: each exercise's test is in
// <exercise id>_grade_test.go (dashes as underscores), which holds no other
// exercise's test; what several exercises share is in
// helpers_grade_test.go.
func TestGradingTestsOneFilePerExercise(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Labs() {
		files, err := c.GradingFiles(l)
		if err != nil {
			t.Fatal(err)
		}
		testsIn := map[string][]string{}
		fset := token.NewFileSet()
		for name, data := range files {
			f, err := parser.ParseFile(fset, name, data, parser.SkipObjectResolution)
			if err != nil {
				t.Fatalf("labs/%s/%s: %v", l.Folder, name, err)
			}
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") {
					testsIn[name] = append(testsIn[name], fn.Name.Name)
				}
			}
		}
		known := map[string]bool{"helpers_grade_test.go": true}
		for _, e := range l.Exercises {
			name := strings.ReplaceAll(e.ID, "-", "_") + "_grade_test.go"
			known[name] = true
			if !slices.Equal(testsIn[name], []string{e.Test}) {
				t.Errorf("labs/%s/%s should hold exercise %s's test, %s, and no other test; it holds %v", l.Folder, name, e.ID, e.Test, testsIn[name])
			}
		}
		for name := range files {
			if !known[name] {
				t.Errorf("labs/%s/%s is a grading file of no exercise: name it after the exercise it grades, or put shared code in helpers_grade_test.go", l.Folder, name)
			}
		}
		if len(testsIn["helpers_grade_test.go"]) > 0 {
			t.Errorf("labs/%s/helpers_grade_test.go holds tests %v: each belongs in its exercise's file", l.Folder, testsIn["helpers_grade_test.go"])
		}
	}
}
