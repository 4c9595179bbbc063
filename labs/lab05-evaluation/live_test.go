//go:build live

// Run this lab's code against the topics `mlops-lab start lab5` fills, and
// read the evaluation reports (the grader never runs this file):
//
//	go test -tags live -run TestLive -v ./labs/lab05-evaluation/
//
// It loads the heart and breast_cancer topics with your LoadTopic, splits
// each with your RandomHoldout and StratifiedHoldout (25% test, seed 7), and
// prints your Evaluate of a few of the library's models on them. The broker
// is the running `mlops-lab start`'s (see labtest.LiveBootstrap).
package lab05

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestLive(t *testing.T) {
	bootstrap := labtest.LiveBootstrap(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	for _, src := range []struct {
		topic  string
		opts   mlkit.LoadOptions
		models func() []mlkit.Classifier
	}{
		{HeartTopic, mlkit.LoadOptions{Label: HeartLabel, Features: HeartFeatures}, func() []mlkit.Classifier {
			return []mlkit.Classifier{mlkit.NewKNN(3, mlkit.Euclidean, mlkit.Uniform), &mlkit.GaussianNB{}}
		}},
		{BreastCancerTopic, mlkit.LoadOptions{Label: BreastCancerLabel}, func() []mlkit.Classifier {
			return []mlkit.Classifier{mlkit.NewKNN(5, mlkit.Euclidean, mlkit.Uniform), &mlkit.GaussianNB{}}
		}},
	} {
		d, err := LoadTopic(ctx, bootstrap, src.topic, src.opts)
		if err != nil {
			t.Fatalf("loading %s: %v", src.topic, err)
		}
		fmt.Printf("=== %s: %d rows, %d features, label %s\n\n", src.topic, d.Rows(), d.Cols(), d.Label)
		for _, split := range []struct {
			name string
			fn   func(*mlkit.Dataset, float64, uint64) (*Holdout, error)
		}{{"random", RandomHoldout}, {"stratified", StratifiedHoldout}} {
			h, err := split.fn(d, 0.25, 7)
			if err != nil {
				t.Fatalf("%s split of %s: %v", split.name, src.topic, err)
			}
			for _, m := range src.models() {
				e, err := Evaluate(m, h)
				if err != nil {
					t.Fatalf("evaluating %s on %s: %v", m.Type(), src.topic, err)
				}
				fmt.Printf("--- %s split\n%s\n", split.name, e)
			}
		}
	}
}
