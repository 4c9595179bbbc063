//go:build live

// Run this lab's windows on the live orders of `mlops-lab start lab3`, and
// watch them work (the grader never runs this file):
//
//	go test -tags live -run TestLive/tumbling -v -timeout 0 ./labs/lab03-windows/
//
//	TestLive/tumbling  orders -> units-per-minute-go (+ -final)       1-minute tumbling windows, grace 10 s
//	TestLive/hopping   orders -> units-last-5-minutes-go (+ -final)   NewHoppingUnits
//
// Each runs until Ctrl+C. The windows live in memory, so every run starts
// from the beginning of orders (a consumer group of its own) and writes
// every window again; the chart takes the latest update of each window. The
// broker is the running `mlops-lab start`'s (see labtest.LiveBootstrap).
package lab03

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestLive(t *testing.T) {
	bootstrap := labtest.LiveBootstrap(t)
	// The aggregator is made inside the subtest, so that -run TestLive/tumbling
	// does not call NewHoppingUnits (exercise 6) too.
	live := func(name, updates string, newAgg func() Aggregator) func(t *testing.T) {
		return func(t *testing.T) {
			var agg Aggregator
			if !labtest.Guard(t, "making the "+name+" aggregator", func() { agg = newAgg() }) {
				return
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			counter := &countingAggregator{Aggregator: agg}
			go func() {
				for ctx.Err() == nil {
					time.Sleep(5 * time.Second)
					fmt.Printf("%s: %d orders in, %d updates, %d finals\n", time.Now().Format(time.TimeOnly),
						counter.records.Load(), counter.updates.Load(), counter.finals.Load())
				}
			}()
			fmt.Printf("running against %s until Ctrl+C: orders -> %s, %s-final\n", bootstrap, updates, updates)
			err := RunWindows(ctx, Settings{
				Bootstrap: bootstrap, Group: fmt.Sprintf("lab03-live-%s-%d", name, time.Now().UnixNano()),
				Orders: "orders", Updates: updates, Finals: updates + "-final", Aggregator: counter,
				OnSkip: func(s stream.Skipped) { fmt.Printf("skipped %s\n", s) },
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("tumbling", live("tumbling", "units-per-minute-go", func() Aggregator { return NewTimeAggregator(Tumbling{Size: time.Minute}, 10*time.Second) }))
	t.Run("hopping", live("hopping", "units-last-5-minutes-go", func() Aggregator { return NewHoppingUnits() }))
}

// countingAggregator counts what goes through an aggregator.
type countingAggregator struct {
	Aggregator
	records, updates, finals atomic.Int64
}

func (c *countingAggregator) Add(r Record) Emitted {
	e := c.Aggregator.Add(r)
	c.records.Add(1)
	c.updates.Add(int64(len(e.Updates)))
	c.finals.Add(int64(len(e.Finals)))
	return e
}
