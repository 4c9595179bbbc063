package env

import (
	"context"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
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
	return &embedded{broker: broker}, nil
}
