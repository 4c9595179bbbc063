// Package progress keeps the learner's progress in a small JSON file in the
// workspace (.mlops-lab/progress.json) that they can read and commit: per lab,
// the latest and best score and each exercise's latest status.
package progress

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/workspace"
)

// FileName is the progress file inside the workspace's state folder.
const FileName = "progress.json"

// File is the whole progress file.
type File struct {
	Labs map[string]*Lab `json:"labs"`
	// Hints counts the hints shown per "lab/exercise", so each `hint` call
	// reveals the next one.
	Hints map[string]int `json:"hints,omitempty"`
}

// Lab is one lab's progress.
type Lab struct {
	Score     float64              `json:"score"`
	BestScore float64              `json:"best_score"`
	MaxScore  float64              `json:"max_score"`
	GradedAt  time.Time            `json:"graded_at"`
	Exercises map[string]*Exercise `json:"exercises"`
}

// Exercise is one exercise's latest result.
type Exercise struct {
	Status string  `json:"status"`
	Score  float64 `json:"score"`
}

// Result is what a grading run reports for one exercise.
type Result struct {
	Lab, Exercise, Status string
	Score, MaxScore       float64
}

// Load reads the progress file; a missing file is an empty progress.
func Load(ws workspace.Workspace) (*File, error) {
	f := &File{Labs: map[string]*Lab{}, Hints: map[string]int{}}
	data, err := os.ReadFile(ws.State(FileName))
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, f); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (%v): fix or delete it (it only records grades)", ws.State(FileName), err)
	}
	if f.Labs == nil {
		f.Labs = map[string]*Lab{}
	}
	if f.Hints == nil {
		f.Hints = map[string]int{}
	}
	return f, nil
}

// Record adds a grading run's results for the labs it covered, at time now.
func (f *File) Record(results []Result, now time.Time) {
	touched := map[string]*Lab{}
	for _, r := range results {
		lab := touched[r.Lab]
		if lab == nil {
			lab = f.Labs[r.Lab]
			if lab == nil {
				lab = &Lab{}
				f.Labs[r.Lab] = lab
			}
			if lab.Exercises == nil {
				lab.Exercises = map[string]*Exercise{}
			}
			lab.GradedAt = now.UTC().Truncate(time.Second)
			touched[r.Lab] = lab
		}
		lab.Exercises[r.Exercise] = &Exercise{Status: r.Status, Score: r.Score}
	}
	// A lab's score is the sum over all its exercises' latest results, so
	// grading one exercise updates the total rather than replacing it.
	for _, lab := range touched {
		lab.Score = 0
		for _, e := range lab.Exercises {
			lab.Score += e.Score
		}
		lab.BestScore = max(lab.BestScore, lab.Score)
	}
}

// SetMax records a lab's maximum score.
func (f *File) SetMax(lab string, maxScore float64) {
	if l := f.Labs[lab]; l != nil {
		l.MaxScore = maxScore
	}
}

// Save writes the progress file atomically: a new file under a fresh name,
// renamed over the old one, so a reader never sees half a file and nothing
// that was written to the old file (or to a guessable temporary name)
// survives.
func (f *File) Save(ws workspace.Workspace) error {
	if err := ws.EnsureState(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(ws.State(FileName)), FileName+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // once renamed, there is nothing left to remove
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), ws.State(FileName))
}
