// Package services runs the embedded Kafka broker, and optionally the
// embedded ksqlDB engine with its REST API, as a headless server: what
// `mlops-lab serve` (and so the project's container image) runs.
package services

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlkafka"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlserver"
)

// Config says where the services listen.
type Config struct {
	// KafkaListen is the broker's HOST:PORT (0.0.0.0:PORT for all
	// interfaces).
	KafkaListen string
	// KafkaAdvertise is the HOST:PORT the broker gives clients, when it
	// differs from KafkaListen (a container reached through a mapped port).
	KafkaAdvertise string
	// DataDir keeps topics and offsets across restarts; in memory when
	// empty.
	DataDir string
	// KsqlListen is the HOST:PORT of the ksqlDB REST API.
	KsqlListen string
	// Log receives the ksqlDB engine's log lines; discarded when nil.
	Log io.Writer
}

// Server is the running services.
type Server struct {
	cfg      Config
	broker   *kafkautil.Broker
	stopKSQL func()
}

// infoWait bounds the wait for the REST API's first answer.
const infoWait = 30 * time.Second

// StartKafka starts the broker and returns once it accepts connections. A
// port already taken is an error wrapping kafkautil.ErrAddressInUse.
func StartKafka(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{
		Listen:    cfg.KafkaListen,
		Advertise: cfg.KafkaAdvertise,
		DataDir:   cfg.DataDir,
	})
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, broker: broker}, nil
}

// KafkaAddr is the address the broker gives clients.
func (s *Server) KafkaAddr() string { return s.broker.Addr() }

// StartKSQL starts the ksqlDB engine over the broker and its REST API on
// Config.KsqlListen, and returns the API's URL once /info answers. Close
// stops them.
//
// The engine reaches the broker at its listen address; when the broker
// advertises another address (inside a container, the host's mapped port,
// which the container itself may not reach), the engine's connections to it
// go to the listen address instead.
func (s *Server) StartKSQL(ctx context.Context) (url string, err error) {
	advertised := s.broker.Addr()
	local := localBrokerAddr(s.cfg.KafkaListen, advertised)
	ropts := ksqlkafka.Options{Bootstrap: local,
		Logf: func(format string, args ...any) { fmt.Fprintf(s.cfg.Log, format+"\n", args...) }}
	if advertised != local {
		dialer := &kafkautil.RedirectDialer{Redirect: map[string]string{advertised: local}}
		ropts.Configure = func(cfg *sarama.Config) {
			cfg.Net.Proxy.Enable = true
			cfg.Net.Proxy.Dialer = dialer
		}
	}
	rt, err := ksqlkafka.Open(ctx, ropts)
	if err != nil {
		return "", fmt.Errorf("starting the ksqlDB engine: %w", err)
	}
	srv := ksqlserver.New(rt)
	if err := srv.Start(s.cfg.KsqlListen); err != nil {
		_ = rt.Close()
		return "", err
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(sctx)
		_ = rt.Close()
	}
	ictx, cancel := context.WithTimeout(ctx, infoWait)
	defer cancel()
	if _, err := ksqlclient.New(srv.URL()).Info(ictx); err != nil {
		stop()
		return "", fmt.Errorf("the ksqlDB REST API on %s does not answer: %w", s.cfg.KsqlListen, err)
	}
	s.stopKSQL = stop
	return srv.URL(), nil
}

// Close stops the ksqlDB server and engine, then the broker.
func (s *Server) Close() {
	if s.stopKSQL != nil {
		s.stopKSQL()
		s.stopKSQL = nil
	}
	s.broker.Close()
}

// localBrokerAddr is where a client in this process reaches the broker:
// the listen address, with a wildcard host made loopback.
func localBrokerAddr(listen, advertised string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "0" {
		return advertised
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
