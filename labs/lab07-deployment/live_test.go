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
// they run. save also writes trade-model-v1.onnx and .pmml with your
// ExportONNX and ExportPMML once exercise 4 passes.
//
// The broker is MLOPS_LAB_BOOTSTRAP when set, otherwise the one
// `mlops-lab start` recorded in the workspace's .mlops-lab/env.json (it
// picks another port when 9092 is taken), otherwise localhost:9092.
package lab07

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// requireBroker fails at once when no Kafka answers at bootstrap, instead
// of waiting on a model that can never come.
func requireBroker(t *testing.T, bootstrap, from string) {
	t.Helper()
	cfg := kafkautil.NewConfig("mlops-lab-lab07-live")
	cfg.Net.DialTimeout = 3 * time.Second
	cfg.Net.ReadTimeout = 3 * time.Second
	cfg.Net.WriteTimeout = 3 * time.Second
	cfg.Metadata.Retry.Max = 0
	client, err := sarama.NewClient(kafkautil.SplitBootstrap(bootstrap), cfg)
	if err != nil {
		t.Fatalf("no Kafka answers at %s (%s): run `mlops-lab start lab7` in another terminal, and when it prints another address (kafka: HOST:PORT), export MLOPS_LAB_BOOTSTRAP=HOST:PORT here (%v)", bootstrap, from, err)
	}
	client.Close()
}

func TestLive(t *testing.T) {
	bootstrap, from := labtest.LiveAddress()

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
			if v == 1 {
				saveExports(a)
			}
		}
	})

	// follow runs a ModelHolder on the models topic and a processor until Ctrl+C.
	follow := func(t *testing.T, what string, cfg func(h *ModelHolder) stream.Config) {
		requireBroker(t, bootstrap, from)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		h := &ModelHolder{Name: "trades"}
		go func() {
			err := FollowModels(ctx, bootstrap, "models", func(r stream.Record) error {
				err := h.Apply(r)
				if err == nil && string(r.Key) == h.Name {
					if d := h.Current(); d != nil {
						fmt.Printf("models/%d@%d: now serving version %d\n", r.Partition, r.Offset, d.Version())
					} else {
						fmt.Printf("models/%d@%d: Apply returned no error, yet Current() is nil: exercise 3 is not done yet\n", r.Partition, r.Offset)
					}
				}
				return err
			}, func(r scoring.Rejected) { fmt.Println(r) })
			if err != nil {
				// Without the models topic no model can ever come: stop.
				fmt.Printf("following the models topic: %v\n", err)
				stop()
			}
		}()
		fmt.Printf("%s against %s (%s) until Ctrl+C; waiting for a model named trades on the models topic (mlops-lab ml publish --model trade-model-v1.json)\n", what, bootstrap, from)
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

// saveExports writes the trade model as trade-model-v1.onnx and .pmml with
// the functions of exercise 4, to open in an ONNX viewer and read.
func saveExports(a *scoring.Artifact) {
	m, err := mlkit.LoadModel(a.Model)
	if err != nil {
		fmt.Printf("no ONNX or PMML written: %v\n", err)
		return
	}
	for _, f := range []struct {
		name, yours string
		export      func(mlkit.Model, *mlkit.StandardScaler, mlkit.ModelCard) ([]byte, error)
	}{{"trade-model-v1.onnx", "ExportONNX", ExportONNX}, {"trade-model-v1.pmml", "ExportPMML", ExportPMML}} {
		data, err := f.export(m, a.Scaler, a.Card)
		switch {
		case err != nil:
			fmt.Printf("%s not written: %v\n", f.name, err)
		case len(data) == 0:
			fmt.Printf("%s not written: the export returned nothing (exercise 4)\n", f.name)
		default:
			if err := os.WriteFile(f.name, data, 0o644); err != nil {
				fmt.Printf("%s not written: %v\n", f.name, err)
				continue
			}
			fmt.Printf("wrote %s with your %s\n", f.name, f.yours)
		}
	}
}
