package coursestatus

import (
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/progress"
)

func catalogue(t *testing.T) *labs.Catalogue {
	t.Helper()
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// graded records a lab graded at minute m with the first `passed` exercises
// passed and the others failed.
func graded(cat *labs.Catalogue, prog *progress.File, id string, passed int, m int) {
	l, _ := cat.Find(id)
	var rs []progress.Result
	for i, e := range l.Exercises {
		r := progress.Result{Lab: l.ID, Exercise: e.ID, Status: "fail", MaxScore: float64(e.Points)}
		if i < passed {
			r.Status, r.Score = "pass", float64(e.Points)
		}
		rs = append(rs, r)
	}
	prog.Record(rs, time.Date(2026, 1, 1, 10, m, 0, 0, time.UTC))
	prog.SetMax(l.ID, float64(l.MaxScore()))
}

func TestLabStatus(t *testing.T) {
	cat := catalogue(t)
	prog := &progress.File{Labs: map[string]*progress.Lab{}}
	l := cat.Labs()[0]
	if got := LabStatus(l, nil); got != NotGraded {
		t.Errorf("never graded: %q", got)
	}
	graded(cat, prog, l.ID, 0, 0)
	if got := LabStatus(l, prog.Labs[l.ID]); got != NotStarted {
		t.Errorf("an untouched starter graded: %q, want %q", got, NotStarted)
	}
	graded(cat, prog, l.ID, 1, 1)
	if got := LabStatus(l, prog.Labs[l.ID]); got != InProgress {
		t.Errorf("one exercise passed: %q", got)
	}
	graded(cat, prog, l.ID, len(l.Exercises), 2)
	if got := LabStatus(l, prog.Labs[l.ID]); got != Done {
		t.Errorf("all passed: %q", got)
	}
}

func TestLocate(t *testing.T) {
	cat := catalogue(t)
	type want struct{ lab, next string }
	cases := []struct {
		name    string
		setup   func(p *progress.File)
		running *env.Record
		want    want
	}{
		{"fresh workspace", func(p *progress.File) {}, nil, want{"lab1", cat.Labs()[0].Exercises[0].ID}},
		{"latest graded lab, first exercise not passed", func(p *progress.File) {
			graded(cat, p, "lab1", len(cat.Labs()[0].Exercises), 1)
			graded(cat, p, "lab3", 2, 5)
			graded(cat, p, "lab2", 1, 3)
		}, nil, want{"lab3", cat.Labs()[2].Exercises[2].ID}},
		{"latest lab done: the next one", func(p *progress.File) {
			graded(cat, p, "lab4", len(cat.Labs()[3].Exercises), 9)
		}, nil, want{"lab5", cat.Labs()[4].Exercises[0].ID}},
		{"the running lab wins", func(p *progress.File) {
			graded(cat, p, "lab3", 2, 5)
		}, &env.Record{Lab: "lab6", Bootstrap: "127.0.0.1:9092"}, want{"lab6", cat.Labs()[5].Exercises[0].ID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog := &progress.File{Labs: map[string]*progress.Lab{}}
			c.setup(prog)
			pos := Locate(cat, prog, c.running)
			if pos.Lab == nil || pos.Lab.ID != c.want.lab || pos.Next == nil || pos.Next.ID != c.want.next {
				t.Fatalf("Locate = lab %v next %v, want %s %s", pos.Lab, pos.Next, c.want.lab, c.want.next)
			}
			var out strings.Builder
			Render(&out, pos, cat)
			for _, s := range []string{"you are on " + c.want.lab, "--exercise " + c.want.next, "mlops-lab hint " + c.want.lab, "mlops-lab instructions " + c.want.lab + " "} {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			if c.running != nil && strings.Contains(out.String(), "mlops-lab start "+c.want.lab+"  ") {
				t.Errorf("suggests starting the lab that runs:\n%s", out.String())
			}
		})
	}
}

func TestEverythingDone(t *testing.T) {
	cat := catalogue(t)
	prog := &progress.File{Labs: map[string]*progress.Lab{}}
	for i, l := range cat.Labs() {
		graded(cat, prog, l.ID, len(l.Exercises), i)
	}
	pos := Locate(cat, prog, nil)
	if !pos.Finished {
		t.Fatalf("all labs done but Finished is false: %+v", pos)
	}
	var out strings.Builder
	Render(&out, pos, cat)
	if !strings.Contains(out.String(), "every lab is done") {
		t.Errorf("output: %s", out.String())
	}
}
