package labs

import (
	"strings"
	"testing"
	"testing/fstest"
)

func testCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	fsys := fstest.MapFS{
		"lab01-producers/lab.yaml": {Data: []byte("id: lab1\nnumber: 1\ntitle: Producers\nexercises:\n  - {id: sync, title: S, test: TestSync, points: 10}\n  - {id: async, title: A, test: TestAsync, points: 5}\n")},
		"lab03-windows/lab.yaml":   {Data: []byte("id: lab3\nnumber: 3\ntitle: Windows\n")},
	}
	c, err := Load(fsys, fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFindLabNames(t *testing.T) {
	c := testCatalogue(t)
	for _, name := range []string{"lab1", "1", "lab01", "LAB1", "lab01-producers", " 01 "} {
		l, err := c.Find(name)
		if err != nil || l.ID != "lab1" {
			t.Errorf("Find(%q): want lab1, got %v, %v", name, l, err)
		}
	}
	for _, name := range []string{"lab2", "0", "../lab1", "labs/lab01-producers", "", "lab1; rm -rf /"} {
		_, err := c.Find(name)
		if err == nil || !strings.Contains(err.Error(), "lab1 (Producers), lab3 (Windows)") {
			t.Errorf("Find(%q): want an error listing the labs, got %v", name, err)
		}
	}
}

func TestFindExercise(t *testing.T) {
	l, _ := testCatalogue(t).Find("lab1")
	for _, name := range []string{"2", "async", "TestAsync"} {
		if e, err := l.Exercise(name); err != nil || e.ID != "async" {
			t.Errorf("Exercise(%q): want async, got %v, %v", name, e, err)
		}
	}
	if _, err := l.Exercise("3"); err == nil || !strings.Contains(err.Error(), "1/sync, 2/async") {
		t.Errorf("Exercise(3): want an error listing the exercises, got %v", err)
	}
	if l.MaxScore() != 15 {
		t.Errorf("MaxScore: want 15, got %d", l.MaxScore())
	}
}

func TestLoadRejectsBadMetadata(t *testing.T) {
	for name, yaml := range map[string]string{
		"unknown field":   "id: lab1\nnumber: 1\ntitle: T\ncolour: red\n",
		"no points":       "id: lab1\nnumber: 1\ntitle: T\nexercises:\n  - {id: a, test: TestA}\n",
		"duplicate":       "id: lab1\nnumber: 1\ntitle: T\nexercises:\n  - {id: a, test: TestA, points: 1}\n  - {id: a, test: TestB, points: 1}\n",
		"file not edited": "id: lab1\nnumber: 1\ntitle: T\nfiles: [a.go]\nexercises:\n  - {id: a, test: TestA, points: 1, file: a.go, also: [a.sql]}\n",
	} {
		_, err := Load(fstest.MapFS{"lab01-x/lab.yaml": {Data: []byte(yaml)}}, fstest.MapFS{})
		if err == nil || !strings.Contains(err.Error(), "labs/lab01-x/lab.yaml") {
			t.Errorf("%s: want an error naming the file, got %v", name, err)
		}
	}
}

func TestDefaultCatalogueIsValid(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Labs()) == 0 {
		t.Fatal("the binary carries no labs")
	}
	for _, l := range c.Labs() {
		if l.MaxScore() == 0 {
			t.Errorf("%s has no graded exercises", l.ID)
		}
		for _, f := range l.Files {
			if _, err := c.StarterFile(l, f); err != nil {
				t.Errorf("%s: starter file %s: %v", l.ID, f, err)
			}
			if _, err := c.SolutionFile(l, f); err != nil {
				t.Errorf("%s: solution file %s: %v", l.ID, f, err)
			}
		}
		for _, e := range l.Exercises {
			if len(e.Hints) < 2 {
				t.Errorf("%s/%s: every exercise needs at least two hints, has %d", l.ID, e.ID, len(e.Hints))
			}
		}
	}
}
