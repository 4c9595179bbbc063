// Package labs is the course's lab catalogue: each lab's metadata (lab.yaml),
// its starter files, grading tests and reference solution, as the binary
// carries them.
package labs

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	courselabs "github.com/mlops-lab/mlops-lab/labs"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	coursesolutions "github.com/mlops-lab/mlops-lab/solutions"
)

// Lab is one lab's metadata, read from labs/<folder>/lab.yaml.
type Lab struct {
	// ID is the short name, "lab1".
	ID string `yaml:"id"`
	// Number orders the labs.
	Number int    `yaml:"number"`
	Title  string `yaml:"title"`
	// Summary is one sentence on what the learner will be able to do.
	Summary string `yaml:"summary"`
	// Services the lab needs: "kafka", "ksql".
	Services []string `yaml:"services"`
	// Topics created when the lab starts.
	Topics []kafkautil.TopicSpec `yaml:"topics"`
	// Datagen lists the data generators `start` runs.
	Datagen []Generator `yaml:"datagen"`
	// Files are the files a learner edits: each has a starter in labs/ and
	// a solved version in solutions/. The lab's other files (shared types,
	// helpers) exist only in labs/ and serve the solution too.
	Files []string `yaml:"files"`
	// Exercises in the order the learner does them.
	Exercises []Exercise `yaml:"exercises"`

	// Folder is the lab's folder name, e.g. "lab01-producers".
	Folder string `yaml:"-"`
}

// Generator is a data generator started with the lab.
type Generator struct {
	// Name is a generator known to `mlops-lab datagen` (orders, pageviews,
	// users, or dataset:<name>).
	Name  string  `yaml:"name"`
	Topic string  `yaml:"topic"`
	Rate  float64 `yaml:"rate"`
	// Count stops the generator after this many records (0: run until stopped).
	Count int `yaml:"count"`
}

// Exercise is one graded unit of a lab.
type Exercise struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Test is the top-level Go test function that grades it. When it has
	// subtests, each passing subtest earns its share of the points.
	Test   string `yaml:"test"`
	Points int    `yaml:"points"`
	// File is the learner's file the exercise lives in.
	File string `yaml:"file"`
	// Also lists other files the exercise has the learner edit (the SQL
	// script that deploys what File builds, say).
	Also  []string `yaml:"also"`
	Hints []string `yaml:"hints"`
}

// EditedFiles lists the files the exercise has the learner edit, File first.
func (e *Exercise) EditedFiles() []string {
	return append([]string{e.File}, e.Also...)
}

// NeedsKafka reports whether the lab uses a Kafka broker.
func (l *Lab) NeedsKafka() bool { return l.needs("kafka") }

// NeedsKSQL reports whether the lab uses ksqlDB.
func (l *Lab) NeedsKSQL() bool { return l.needs("ksql") }

func (l *Lab) needs(s string) bool {
	for _, v := range l.Services {
		if v == s {
			return true
		}
	}
	return false
}

// MaxScore is the sum of the exercises' points.
func (l *Lab) MaxScore() int {
	total := 0
	for _, e := range l.Exercises {
		total += e.Points
	}
	return total
}

// Exercise finds an exercise by id, by its 1-based position, or by its test name.
func (l *Lab) Exercise(name string) (*Exercise, error) {
	if n, err := strconv.Atoi(name); err == nil && n >= 1 && n <= len(l.Exercises) {
		return &l.Exercises[n-1], nil
	}
	for i := range l.Exercises {
		e := &l.Exercises[i]
		if strings.EqualFold(e.ID, name) || e.Test == name {
			return e, nil
		}
	}
	var ids []string
	for i, e := range l.Exercises {
		ids = append(ids, fmt.Sprintf("%d/%s", i+1, e.ID))
	}
	return nil, fmt.Errorf("%s has no exercise %q; its exercises are: %s", l.ID, name, strings.Join(ids, ", "))
}

// Catalogue is the set of labs the binary carries.
type Catalogue struct {
	labs      []*Lab
	labFS     fs.FS
	solutions fs.FS
}

// Default is the catalogue embedded in the binary.
func Default() (*Catalogue, error) {
	return Load(courselabs.Files, coursesolutions.Files)
}

// Load reads a catalogue from a labs tree and a solutions tree (each holding
// one folder per lab).
func Load(labFS, solutionFS fs.FS) (*Catalogue, error) {
	entries, err := fs.ReadDir(labFS, ".")
	if err != nil {
		return nil, err
	}
	c := &Catalogue{labFS: labFS, solutions: solutionFS}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(labFS, path.Join(e.Name(), "lab.yaml"))
		if err != nil {
			continue
		}
		lab := &Lab{Folder: e.Name()}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(lab); err != nil {
			return nil, fmt.Errorf("labs/%s/lab.yaml: %w", e.Name(), err)
		}
		if err := lab.validate(); err != nil {
			return nil, fmt.Errorf("labs/%s/lab.yaml: %w", e.Name(), err)
		}
		c.labs = append(c.labs, lab)
	}
	sort.Slice(c.labs, func(i, j int) bool { return c.labs[i].Number < c.labs[j].Number })
	return c, nil
}

func (l *Lab) validate() error {
	if l.ID == "" || l.Number <= 0 || l.Title == "" {
		return fmt.Errorf("id, number and title are required")
	}
	seen := map[string]bool{}
	for _, e := range l.Exercises {
		if e.ID == "" || e.Test == "" || e.Points <= 0 {
			return fmt.Errorf("exercise %q: id, test and positive points are required", e.ID)
		}
		if seen[e.ID] {
			return fmt.Errorf("exercise %q is listed twice", e.ID)
		}
		seen[e.ID] = true
		for _, f := range e.EditedFiles() {
			if f != "" && !slices.Contains(l.Files, f) {
				return fmt.Errorf("exercise %q: %s is not in files, the files a learner edits", e.ID, f)
			}
		}
	}
	return nil
}

// Labs lists the labs in course order.
func (c *Catalogue) Labs() []*Lab { return c.labs }

var labName = regexp.MustCompile(`^(?i:lab)?0*([0-9]+)$`)

// Find resolves a lab name: "lab1", "1", "lab01" or the folder name.
func (c *Catalogue) Find(name string) (*Lab, error) {
	trimmed := strings.TrimSpace(name)
	if m := labName.FindStringSubmatch(trimmed); m != nil {
		n, _ := strconv.Atoi(m[1])
		for _, l := range c.labs {
			if l.Number == n {
				return l, nil
			}
		}
	}
	for _, l := range c.labs {
		if strings.EqualFold(trimmed, l.Folder) || strings.EqualFold(trimmed, l.ID) {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no lab named %q; the labs are: %s", name, c.names())
}

func (c *Catalogue) names() string {
	var names []string
	for _, l := range c.labs {
		names = append(names, fmt.Sprintf("%s (%s)", l.ID, l.Title))
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

// StarterFile returns the starter version of one of the lab's files.
func (c *Catalogue) StarterFile(l *Lab, name string) ([]byte, error) {
	return fs.ReadFile(c.labFS, path.Join(l.Folder, name))
}

// SolutionTag is the build constraint every Go file of solutions/ starts
// with. A solution folder holds only the files a learner edits, so it is not
// a package that compiles on its own: the constraint keeps it out of `go
// build ./...`, and the catalogue removes it, so learners and the grader see
// the file as it belongs in the lab folder.
const SolutionTag = "//go:build solution"

// SolutionFile returns the reference solution of one of the lab's files.
func (c *Catalogue) SolutionFile(l *Lab, name string) ([]byte, error) {
	data, err := fs.ReadFile(c.solutions, path.Join(l.Folder, name))
	if err != nil {
		return nil, err
	}
	return stripSolutionTag(name, data), nil
}

// stripSolutionTag removes SolutionTag and the blank line after it from the
// top of a Go file.
func stripSolutionTag(name string, data []byte) []byte {
	if path.Ext(name) != ".go" {
		return data
	}
	rest, ok := bytes.CutPrefix(data, []byte(SolutionTag+"\n"))
	if !ok {
		return data
	}
	return bytes.TrimLeft(rest, "\n")
}

// README returns the lab's instructions (Markdown).
func (c *Catalogue) README(l *Lab) ([]byte, error) {
	return fs.ReadFile(c.labFS, path.Join(l.Folder, "README.md"))
}

// GradingFiles returns the lab's grading tests (files ending in
// _grade_test.go, or grade_test.go), by file name.
func (c *Catalogue) GradingFiles(l *Lab) (map[string][]byte, error) {
	return c.filesMatching(c.labFS, l, func(name string) bool {
		return name == "grade_test.go" || strings.HasSuffix(name, "_grade_test.go")
	})
}

// SolutionFiles returns the solved versions of the files a learner edits,
// by name, as they belong in the lab folder. Tests kept beside a solution
// (benchmarks of it) are not part of it and are left out.
func (c *Catalogue) SolutionFiles(l *Lab) (map[string][]byte, error) {
	files, err := c.filesMatching(c.solutions, l, func(name string) bool { return !strings.HasSuffix(name, "_test.go") })
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		files[name] = stripSolutionTag(name, data)
	}
	return files, nil
}

// SolvedFiles returns the lab folder as a learner who solved every exercise
// has it: the starter files with the solution's in place of the ones a
// learner edits (the grader's --solution mode builds and runs this).
func (c *Catalogue) SolvedFiles(l *Lab) (map[string][]byte, error) {
	files, err := c.StarterFiles(l)
	if err != nil {
		return nil, err
	}
	solved, err := c.SolutionFiles(l)
	if err != nil {
		return nil, err
	}
	for name, data := range solved {
		files[name] = data
	}
	return files, nil
}

// StarterFiles returns every file the learner gets for the lab (starter
// files, README, test data), by path relative to the lab folder. The lab's
// metadata file and the grading tests are left out: the binary carries those.
func (c *Catalogue) StarterFiles(l *Lab) (map[string][]byte, error) {
	return c.filesMatching(c.labFS, l, func(name string) bool {
		return name != "lab.yaml" && name != "grade_test.go" && !strings.HasSuffix(name, "_grade_test.go")
	})
}

func (c *Catalogue) filesMatching(fsys fs.FS, l *Lab, keep func(string) bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	root := l.Folder
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, root+"/")
		if !keep(path.Base(rel)) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out[rel] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", l.Folder, err)
	}
	return out, nil
}
