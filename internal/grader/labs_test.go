package grader

import (
	"context"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

// TestEveryLabGradesBothWays is the course's own check of its grading tests:
// every reference solution scores full points, and every untouched starter
// scores zero on every exercise. A grading test that cannot fail, or that the
// solution cannot pass, is a defect.
func TestEveryLabGradesBothWays(t *testing.T) {
	if testing.Short() {
		t.Skip("grades every lab twice; skipped with -short")
	}
	ws, err := workspace.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := labs.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	needs := env.Needs{Kafka: true}
	for _, l := range cat.Labs() {
		needs.KSQL = needs.KSQL || l.NeedsKSQL()
	}
	e, err := env.Start(ctx, env.Embedded, env.Spec{Needs: needs})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	testEnv := map[string]string{labcontract.EnvBootstrap: e.Bootstrap()}
	if e.KsqlURL() != "" {
		testEnv[labcontract.EnvKsqlURL] = e.KsqlURL()
	}

	for _, lab := range cat.Labs() {
		t.Run(lab.ID, func(t *testing.T) {
			opts := Options{Workspace: ws, Catalogue: cat, Env: testEnv, Timeout: 90 * time.Second}

			opts.Solution = true
			start := time.Now()
			results, err := GradeLab(ctx, opts, lab)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				if r.Status != StatusPass || r.Score != r.MaxScore {
					t.Errorf("solution, %s: want %v points, got %v (%s)\n%s", r.Exercise, r.MaxScore, r.Score, r.Status, r.Message)
				}
			}
			t.Logf("solution graded in %v", time.Since(start).Round(time.Millisecond))

			opts.Solution = false
			results, err = GradeLab(ctx, opts, lab)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				if r.Score != 0 || r.SubtestsPassed != 0 || r.Status == StatusPass {
					t.Errorf("starter, %s: an untouched starter must score zero on every check, got %v points (%d of %d checks passed)", r.Exercise, r.Score, r.SubtestsPassed, r.Subtests)
				}
				// An untouched exercise must read as not started: its test
				// stops at the stub's own TODO, with nothing computed from
				// the stub after it.
				if n := exerciseNumber(cat, r); n == 0 || !notStarted(r, n) {
					t.Errorf("starter, %s: the message is not only exercise %d's own TODO:\n%s", r.Exercise, n, r.Message)
				}
			}
		})
	}
}
