package grader

import (
	"context"
	"testing"

	"github.com/mlops-lab/mlops-lab/internal/env"
	"github.com/mlops-lab/mlops-lab/internal/labs"
	"github.com/mlops-lab/mlops-lab/internal/workspace"
	"github.com/mlops-lab/mlops-lab/pkg/labcontract"
)

// BenchmarkGradeLab1Solution measures `mlops-lab grade lab1 --solution` end
// to end: an embedded environment, compiling the lab with its grading tests,
// and running every exercise (goal: under 20 s).
func BenchmarkGradeLab1Solution(b *testing.B) {
	ws, err := workspace.Find(".")
	if err != nil {
		b.Fatal(err)
	}
	cat, err := labs.Default()
	if err != nil {
		b.Fatal(err)
	}
	lab, err := cat.Find("lab1")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		e, err := env.Start(ctx, env.Embedded, env.Spec{Needs: env.Needs{Kafka: true}})
		if err != nil {
			b.Fatal(err)
		}
		results, err := GradeLab(ctx, Options{Workspace: ws, Catalogue: cat, Solution: true, Env: map[string]string{labcontract.EnvBootstrap: e.Bootstrap()}}, lab)
		_ = e.Close(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if r := NewReport(results); !r.Passed() {
			b.Fatalf("the solution did not pass: %+v", r)
		}
	}
}

// BenchmarkGradeSyntheticLab measures the grader's own cost per run: the
// synthetic lab's solution (four exercises, each in its own process), with
// the compiled packages in the build cache.
func BenchmarkGradeSyntheticLab(b *testing.B) {
	ws, cat, lab := fakeCourse(b, fakeSolution)
	ctx := context.Background()
	for b.Loop() {
		results, err := GradeLab(ctx, Options{Workspace: ws, Catalogue: cat, Solution: true}, lab)
		if err != nil {
			b.Fatal(err)
		}
		if r := NewReport(results); !r.Passed() {
			b.Fatalf("the solution did not pass: %+v", r)
		}
	}
}
