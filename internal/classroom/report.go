package classroom

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/grader"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// Row is one line of a class report: a student's result on one exercise,
// or, in a summary (Summarize), on a whole lab (Exercise empty).
type Row struct {
	Student  string  `json:"student"`
	Lab      string  `json:"lab"`
	Exercise string  `json:"exercise,omitempty"`
	Status   string  `json:"status"`
	Score    float64 `json:"score"`
	MaxScore float64 `json:"max_score"`
	// Message says why an exercise failed or could not be graded.
	Message string `json:"message,omitempty"`
}

// ReportOptions configures a class report.
type ReportOptions struct {
	Catalogue *labs.Catalogue
	// Labs to grade; every lab of the catalogue when empty.
	Labs []*labs.Lab
	// Env, Timeout and Parallel are passed to the grader as `grade` does
	// (Env holds the Kafka and ksqlDB addresses of the labs that need them).
	Env      map[string]string
	Timeout  time.Duration
	Parallel int
	// OnStatus, when set, receives a line per student and lab graded.
	OnStatus func(string)
}

// Report grades every workspace (a student's clone or `mlops-lab init`
// folder; the student is named after the folder) with the grader, lab by
// lab as `mlops-lab grade --all` does, and returns a row per student and
// exercise. A workspace that cannot be graded gives rows with status
// "error" and the reason, and the others are still graded; only a
// cancelled context stops the report. Students' progress files are left
// untouched.
func Report(ctx context.Context, workspaces []string, opts ReportOptions) ([]Row, error) {
	if opts.Catalogue == nil {
		return nil, errors.New("classroom report: no lab catalogue")
	}
	if len(workspaces) == 0 {
		return nil, errors.New("classroom report: name at least one student workspace folder")
	}
	selected := opts.Labs
	if len(selected) == 0 {
		selected = opts.Catalogue.Labs()
	}
	students := map[string]string{}
	var rows []Row
	for _, dir := range workspaces {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("classroom report: %s: %w", dir, err)
		}
		student := filepath.Base(abs)
		if prev, ok := students[student]; ok {
			return nil, fmt.Errorf("classroom report: %s and %s would both be student %q: give the folders different names", prev, dir, student)
		}
		students[student] = dir
		ws, werr := studentWorkspace(abs)
		for _, l := range selected {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if werr != nil {
				rows = append(rows, labErrorRows(student, l, werr)...)
				continue
			}
			if opts.OnStatus != nil {
				opts.OnStatus(fmt.Sprintf("grading %s: %s", student, l.ID))
			}
			results, err := grader.GradeLab(ctx, grader.Options{
				Workspace: ws,
				Catalogue: opts.Catalogue,
				Env:       opts.Env,
				Timeout:   opts.Timeout,
				Parallel:  opts.Parallel,
			}, l)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err != nil {
				rows = append(rows, labErrorRows(student, l, err)...)
				continue
			}
			for _, r := range results {
				rows = append(rows, Row{Student: student, Lab: r.Lab, Exercise: r.Exercise, Status: r.Status,
					Score: r.Score, MaxScore: r.MaxScore, Message: r.Message})
			}
		}
	}
	return rows, nil
}

// studentWorkspace accepts a folder only when it is itself a workspace root,
// so that a stray folder inside another workspace is not graded as that one.
func studentWorkspace(abs string) (workspace.Workspace, error) {
	st, err := os.Stat(abs)
	if err != nil {
		return workspace.Workspace{}, err
	}
	if !st.IsDir() {
		return workspace.Workspace{}, fmt.Errorf("%s is a file, not a workspace folder", abs)
	}
	ws, err := workspace.Find(abs)
	if err != nil || ws.Root != abs {
		return workspace.Workspace{}, fmt.Errorf("%s is not a course workspace (it needs go.mod and labs/, as `mlops-lab init` writes them)", abs)
	}
	return ws, nil
}

func labErrorRows(student string, l *labs.Lab, err error) []Row {
	var rows []Row
	for _, ex := range l.Exercises {
		rows = append(rows, Row{Student: student, Lab: l.ID, Exercise: ex.ID, Status: grader.StatusError,
			MaxScore: float64(ex.Points), Message: err.Error()})
	}
	return rows
}

// Summarize adds up a report's rows per student and lab: Exercise empty,
// Status "pass" when every exercise passed, "error" when one could not be
// graded, "fail" otherwise. Rows keep the order of their first appearance.
func Summarize(rows []Row) []Row {
	type key struct{ student, lab string }
	index := map[key]int{}
	var out []Row
	for _, r := range rows {
		k := key{r.Student, r.Lab}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, Row{Student: r.Student, Lab: r.Lab, Status: grader.StatusPass})
		}
		s := &out[i]
		s.Score += r.Score
		s.MaxScore += r.MaxScore
		switch {
		case r.Status == grader.StatusError:
			s.Status = grader.StatusError
			if s.Message == "" {
				s.Message = r.Message
			}
		case r.Status != grader.StatusPass && s.Status == grader.StatusPass:
			s.Status = grader.StatusFail
		}
	}
	return out
}

// WriteCSV writes rows with a header: student, lab, exercise, status,
// score, max_score, message.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"student", "lab", "exercise", "status", "score", "max_score", "message"}); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{r.Student, r.Lab, r.Exercise, r.Status, number(r.Score), number(r.MaxScore), r.Message}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes rows as one JSON array.
func WriteJSON(w io.Writer, rows []Row) error {
	if rows == nil {
		rows = []Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// Students lists the students of a report, sorted.
func Students(rows []Row) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if !seen[r.Student] {
			seen[r.Student] = true
			out = append(out, r.Student)
		}
	}
	sort.Strings(out)
	return out
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
