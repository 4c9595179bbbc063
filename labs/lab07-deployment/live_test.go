//go:build live

// Run this lab's code on the live topics of `mlops-lab start lab7`, and
// watch it work (the grader never runs this file):
//
//	go test -tags live -run TestLive/statement -v ./labs/lab07-deployment/
//
//	TestLive/statement   prints score_orders.sql's statement, written by your KSQLExpression
//	TestLive/save        trains the trade model (versions 1 and 2) and saves trade-model-v1.json, -v2.json
//	TestLive/serve       trades -> scores: your ScoringService with your ModelHolder on the models topic
//	TestLive/trades      trades -> trades_scored: your ScoreTrade with your ModelHolder, for daily.sql
//
// serve and trades run until Ctrl+C and follow the models topic, so
// `mlops-lab ml publish --model trade-model-v2.json` swaps the model while
// they run. The broker is MLOPS_LAB_BOOTSTRAP when set, otherwise
// localhost:9092.
package lab07

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

func TestLive(t *testing.T) {
	bootstrap := os.Getenv("MLOPS_LAB_BOOTSTRAP")
	if bootstrap == "" {
		bootstrap = "localhost:9092"
	}

	t.Run("statement", func(t *testing.T) {
		expr, err := KSQLExpression(ReturnModel, ReturnColumns)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("CREATE STREAM orders_scored WITH (KAFKA_TOPIC = 'orders_scored', VALUE_FORMAT = 'JSON') AS\n  SELECT orderkey, orderid,\n         %s AS p_return\n  FROM orders\n  EMIT CHANGES;\n", expr)
	})

	t.Run("save", func(t *testing.T) {
		for v := 1; v <= 2; v++ {
			a, err := TrainTradeModel("trades", v, uint64(v), 2000)
			if err != nil {
				t.Fatal(err)
			}
			data, err := a.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("trade-model-v%d.json", v)
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
			fmt.Printf("wrote %s: held-out accuracy %.3f; publish it with: mlops-lab ml publish --model %s\n", name, a.Card.Metrics["accuracy"], name)
		}
	})

	// follow runs a ModelHolder on the models topic and a processor until Ctrl+C.
	follow := func(t *testing.T, what string, cfg func(h *ModelHolder) stream.Config) {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		h := &ModelHolder{Name: "trades"}
		go func() {
			_ = FollowModels(ctx, bootstrap, "models", func(r stream.Record) error {
				err := h.Apply(r)
				if err == nil && string(r.Key) == h.Name {
					fmt.Printf("models/%d@%d: now serving version %d\n", r.Partition, r.Offset, h.Current().Version())
				}
				return err
			}, func(r scoring.Rejected) { fmt.Println(r) })
		}()
		fmt.Printf("%s against %s until Ctrl+C; waiting for a model named trades on the models topic (mlops-lab ml publish --model trade-model-v1.json)\n", what, bootstrap)
		for h.Current() == nil && ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond)
		}
		c := cfg(h)
		var skipped atomic.Int64
		c.OnSkip = func(s stream.Skipped) { skipped.Add(1); fmt.Printf("skipped %s\n", s) }
		c.Group = fmt.Sprintf("lab07-live-%d", time.Now().UnixNano())
		p, err := stream.New(c)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for ctx.Err() == nil {
				time.Sleep(5 * time.Second)
				fmt.Printf("%s: %d records scored, %d skipped\n", time.Now().Format(time.TimeOnly), p.Stats().Written, skipped.Load())
			}
		}()
		if err := p.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("serve", func(t *testing.T) {
		follow(t, "trades -> scores", func(h *ModelHolder) stream.Config {
			return ScoringService(ServiceSettings{Bootstrap: bootstrap, Input: "trades", Output: "scores", Current: h.Current, Now: time.Now})
		})
	})

	t.Run("trades", func(t *testing.T) {
		follow(t, "trades -> trades_scored", func(h *ModelHolder) stream.Config {
			return stream.Config{Bootstrap: bootstrap, Inputs: []string{"trades"}, Output: "trades_scored",
				Transform: func(in stream.Record) ([]stream.Record, error) {
					out, err := ScoreTrade(h.Current(), in)
					if err != nil {
						return nil, err
					}
					return []stream.Record{out}, nil
				}}
		})
	})
}
