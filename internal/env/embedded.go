package env

import (
	"context"

	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
)

type embedded struct {
	broker  *kafkautil.Broker
	ksqlURL string
	closers []func()
}

func (e *embedded) Runtime() string   { return Embedded }
func (e *embedded) Bootstrap() string { return e.broker.Addr() }
func (e *embedded) KsqlURL() string   { return e.ksqlURL }

func (e *embedded) Close(ctx context.Context) error {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.broker.Close()
	return nil
}

func startEmbedded(ctx context.Context, spec Spec) (Environment, error) {
	broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{Listen: spec.KafkaListen, DataDir: spec.DataDir})
	if err != nil {
		return nil, err
	}
	e := &embedded{broker: broker}
	if spec.KSQL {
		if err := e.startKSQL(ctx, spec); err != nil {
			_ = e.Close(context.Background())
			return nil, err
		}
	}
	return e, nil
}

// startKSQL runs the embedded ksqlDB engine over the broker and serves its
// REST API on a free loopback port. With a data folder the engine's
// command topic lives in the broker's persisted topics, so a restart gets
// the streams, tables and persistent queries back.
func (e *embedded) startKSQL(ctx context.Context, spec Spec) error {
	progressf(spec.Progress, "starting the embedded ksqlDB engine")
	rt, err := ksqlkafka.Open(ctx, ksqlkafka.Options{Bootstrap: e.broker.Addr()})
	if err != nil {
		return err
	}
	e.closers = append(e.closers, func() { _ = rt.Close() })
	srv := ksqlserver.New(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return err
	}
	// Closers run in reverse: the server stops before the engine.
	e.closers = append(e.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	e.ksqlURL = srv.URL()
	return nil
}
