//go:build live

// Run this lab's processors against the environment `mlops-lab start lab2`
// started, and watch them work (the grader never runs this file):
//
//	go test -tags live -run TestLive/filter -v -timeout 0 ./labs/lab02-streams/
//
//	TestLive/filter   orders -> orders-large      FilterLarge
//	TestLive/rekey    orders -> orders-by-state   RekeyByState
//	TestLive/totals   orders -> units-by-state    RunTotals (CountUnitsOnce)
//	TestLive/table    prints LoadTotals(units-by-state) every 5 seconds
//
// Each runs until Ctrl+C, and stops cleanly then (committing its offsets),
// so the next run continues where this one stopped. The broker is
// the running `mlops-lab start`'s (see labtest.LiveBootstrap).
package lab02

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestLive(t *testing.T) {
	bootstrap := labtest.LiveBootstrap(t)
	report := func(s stream.Skipped) { fmt.Printf("skipped %s\n", s) }
	live := func(t *testing.T, run func(ctx context.Context) error) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		fmt.Printf("running against %s until Ctrl+C\n", bootstrap)
		if err := run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stateless := func(name, output string, transform stream.TransformFunc) func(t *testing.T) {
		return func(t *testing.T) {
			live(t, func(ctx context.Context) error {
				p, err := stream.New(stream.Config{
					Bootstrap: bootstrap, Group: "lab02-live-" + name, Inputs: []string{"orders"}, Output: output,
					Transform: transform, OnSkip: report,
				})
				if err != nil {
					return err
				}
				go func() {
					for ctx.Err() == nil {
						time.Sleep(5 * time.Second)
						st := p.Stats()
						fmt.Printf("%s: %d processed, %d skipped, %d written, %d changelog records\n", name, st.Processed, st.Skipped, st.Written, st.Changes)
					}
				}()
				return p.Run(ctx)
			})
		}
	}

	t.Run("filter", stateless("filter", "orders-large", FilterLarge))
	t.Run("rekey", stateless("rekey", "orders-by-state", RekeyByState))
	t.Run("totals", func(t *testing.T) {
		live(t, func(ctx context.Context) error {
			return RunTotals(ctx, Settings{Bootstrap: bootstrap, Group: "lab02-live-totals", Orders: "orders", Totals: "units-by-state", OnSkip: report})
		})
	})
	t.Run("table", func(t *testing.T) {
		live(t, func(ctx context.Context) error {
			for ctx.Err() == nil {
				totals, err := LoadTotals(ctx, bootstrap, "units-by-state")
				if ctx.Err() != nil {
					return nil // Ctrl+C
				}
				if err != nil {
					return err
				}
				states := make([]string, 0, len(totals))
				for s := range totals {
					states = append(states, s)
				}
				sort.Strings(states)
				fmt.Printf("%s: %d states\n", time.Now().Format(time.TimeOnly), len(states))
				for _, s := range states {
					fmt.Printf("  %-10s %6d orders %10.2f units\n", s, totals[s].Orders, totals[s].Units)
				}
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Second):
				}
			}
			return nil
		})
	})
}
