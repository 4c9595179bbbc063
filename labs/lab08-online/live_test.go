//go:build live

// Run this lab's stream code against the environment `mlops-lab start lab8`
// started, and watch it learn (the grader never runs this file):
//
//	go test -tags live -run TestLive/line -v -timeout 0 .    (in the lab folder)
//
//	TestLive/line  points -> lines              ApplyPoint, changelog line-state
//	TestLive/sgd   breast_cancer -> cancer-accuracy   Evaluation (writes accuracy.png on Ctrl+C)
//	TestLive/lsh   digits -> digit-predictions        DigitStream
//
// Each runs until Ctrl+C and stops cleanly then (committing its offsets).
// TestLive/line uses the same group every time, so the next run continues
// where this one stopped; sgd and lsh start from the beginning each time
// (their models live in memory only). The broker is MLOPS_LAB_BOOTSTRAP
// when set, otherwise the one `mlops-lab start` recorded in the
// workspace's .mlops-lab/env.json, otherwise localhost:9092.
package lab08

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestLive(t *testing.T) {
	bootstrap := labtest.LiveBootstrap(t)
	report := func(s stream.Skipped) { fmt.Printf("skipped %s\n", s) }
	run := func(t *testing.T, cfg stream.Config, every func()) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		cfg.Bootstrap, cfg.OnSkip = bootstrap, report
		p, err := stream.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("running against %s until Ctrl+C\n", bootstrap)
		go func() {
			for ctx.Err() == nil {
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Second):
					st := p.Stats()
					fmt.Printf("%s %d processed, %d skipped, %d written, %d changelog records\n", time.Now().Format(time.TimeOnly), st.Processed, st.Skipped, st.Written, st.Changes)
					if every != nil {
						every()
					}
				}
			}
		}()
		if err := p.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("line", func(t *testing.T) {
		show := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tbl, err := stream.ReadTable(ctx, bootstrap, "line-state")
			if err != nil {
				return
			}
			var st LineState
			if err := json.Unmarshal(tbl[LineKey], &st); err != nil {
				return
			}
			u := NewLineUpdate(&st.Line)
			if u.Intercept != nil {
				fmt.Printf("  %d live points: y = %.3f + %.4fx   (the generator's line: y = 3 + 0.5x)\n", u.N, *u.Intercept, *u.Slope)
			}
		}
		run(t, stream.Config{Group: "lab08-live-line", Inputs: []string{"points"}, Output: "lines", Changelog: "line-state", TableTransform: ApplyPoint}, show)
	})

	t.Run("sgd", func(t *testing.T) {
		d, err := Load("breast_cancer")
		if err != nil {
			t.Fatal(err)
		}
		e := NewEvaluation(d)
		group := fmt.Sprintf("lab08-live-sgd-%d", time.Now().UnixNano())
		run(t, stream.Config{Group: group, Inputs: []string{"breast_cancer"}, Output: "cancer-accuracy", Transform: e.Transform}, func() {
			if n := len(e.Curve); n > 0 {
				fmt.Printf("  %d rows: accuracy %.4f, last %d: %.4f\n", n, e.Curve[n-1].Accuracy, AccuracyWindow, e.Curve[n-1].WindowAccuracy)
			}
		})
		out := os.Getenv("LAB8_OUT")
		if out == "" {
			out = filepath.Join(os.TempDir(), "mlops-lab-lab8")
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		batch, err := BatchBaseline(d)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(e.Curve); n > 0 {
			fmt.Printf("  %d rows: accuracy %.4f (each row predicted once, before it was learned); the batch model: %.4f (held out)\n", n, e.Curve[n-1].Accuracy, batch)
		}
		path := filepath.Join(out, "accuracy.png")
		if err := PlotAccuracy(e.Curve, batch, path); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("wrote %s\n", path)
	})

	t.Run("lsh", func(t *testing.T) {
		d, err := Load("digits")
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewDigitStream(d)
		if err != nil {
			t.Fatal(err)
		}
		group := fmt.Sprintf("lab08-live-lsh-%d", time.Now().UnixNano())
		run(t, stream.Config{Group: group, Inputs: []string{"digits"}, Output: "digit-predictions", Transform: s.Transform}, func() {
			r := s.Report()
			fmt.Printf("  %d images predicted: accuracy %.4f, %.1fx fewer distances than brute force\n", r.Queries, r.Accuracy, r.SpeedUp)
		})
	})
}
