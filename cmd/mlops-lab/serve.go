package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	ksqlclient "github.com/mlops-lab/mlops-lab/pkg/ksql/client"
	ksqlkafka "github.com/mlops-lab/mlops-lab/pkg/ksql/kafka"
	ksqlserver "github.com/mlops-lab/mlops-lab/pkg/ksql/server"
)

// serveOptions are the flags of `mlops-lab serve`.
type serveOptions struct {
	kafkaListen    string
	kafkaAdvertise string
	dataDir        string
	ksqlListen     string
}

// newServeCmd is `mlops-lab serve`: the embedded services as a headless
// server process. It is what the project's own container image runs (the
// docker runtime starts it with --kafka-listen 0.0.0.0:PORT and
// --kafka-advertise HOST:PORT), and it serves anyone who wants a broker
// without a lab attached.
func newServeCmd(app *App) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the embedded Kafka broker (and ksqlDB engine) as a server until interrupted",
		Long: `serve runs the embedded Kafka broker as a server process, without a lab: it
prints "kafka: HOST:PORT" once clients can connect and runs until interrupted
(Ctrl-C, SIGTERM).

Inside a container, listen on all interfaces and advertise the address clients
use from outside:

  mlops-lab serve --kafka-listen 0.0.0.0:9092 --kafka-advertise 127.0.0.1:9092`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), app, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.kafkaListen, "kafka-listen", "127.0.0.1:9092", "HOST:PORT the Kafka broker listens on (0.0.0.0:PORT for all interfaces)")
	fl.StringVar(&opts.kafkaAdvertise, "kafka-advertise", "", "HOST:PORT the broker tells clients to connect to, when it differs from --kafka-listen (a container reached through a mapped port)")
	fl.StringVar(&opts.dataDir, "data-dir", "", "folder that keeps topics and offsets across restarts (in memory when empty)")
	fl.StringVar(&opts.ksqlListen, "ksql-listen", "", "HOST:PORT the ksqlDB REST API listens on (not served when empty)")
	return cmd
}

func runServe(ctx context.Context, app *App, opts *serveOptions) error {
	if err := checkServeAddr("--kafka-listen", opts.kafkaListen); err != nil {
		return err
	}
	if opts.kafkaAdvertise != "" {
		if err := checkServeAddr("--kafka-advertise", opts.kafkaAdvertise); err != nil {
			return err
		}
	}
	if opts.ksqlListen != "" {
		if err := checkServeAddr("--ksql-listen", opts.ksqlListen); err != nil {
			return err
		}
	}
	broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{
		Listen:    opts.kafkaListen,
		Advertise: opts.kafkaAdvertise,
		DataDir:   opts.dataDir,
	})
	if errors.Is(err, kafkautil.ErrAddressInUse) {
		_, port, _ := net.SplitHostPort(opts.kafkaListen)
		return fmt.Errorf("port %s is already in use (--kafka-listen %s): stop whatever uses it, or pick another port with --kafka-listen HOST:PORT", port, opts.kafkaListen)
	}
	if err != nil {
		return err
	}
	defer broker.Close()

	fmt.Fprintf(app.Out, "kafka: %s\n", broker.Addr())
	if opts.kafkaAdvertise != "" {
		fmt.Fprintf(app.Err, "listening on %s, advertising %s\n", opts.kafkaListen, opts.kafkaAdvertise)
	}
	if opts.ksqlListen != "" {
		stop, err := serveKSQL(ctx, app, broker.Addr(), localBrokerAddr(opts.kafkaListen, broker.Addr()), opts.ksqlListen)
		if err != nil {
			return err
		}
		defer stop()
	}
	<-ctx.Done()
	fmt.Fprintln(app.Err, "stopping")
	return nil
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

// serveKSQL starts the embedded ksqlDB engine over the broker at
// bootstrap and its REST API on listen, and prints "ksql: http://HOST:PORT"
// once /info answers. stop shuts down the server, then the engine.
//
// The engine reaches the broker at local; when the broker advertises another
// address (inside a container, the host's mapped port, which the container
// itself may not reach), the engine's connections to it go to local instead.
func serveKSQL(ctx context.Context, app *App, advertised, local, listen string) (stop func(), err error) {
	ropts := ksqlkafka.Options{Bootstrap: local,
		Logf: func(format string, args ...any) { fmt.Fprintf(app.Err, format+"\n", args...) }}
	if advertised != local {
		dialer := &kafkautil.RedirectDialer{Redirect: map[string]string{advertised: local}}
		ropts.Configure = func(cfg *sarama.Config) {
			cfg.Net.Proxy.Enable = true
			cfg.Net.Proxy.Dialer = dialer
		}
	}
	rt, err := ksqlkafka.Open(ctx, ropts)
	if err != nil {
		return nil, fmt.Errorf("starting the ksqlDB engine: %w", err)
	}
	srv := ksqlserver.New(rt)
	if err := srv.Start(listen); err != nil {
		_ = rt.Close()
		return nil, err
	}
	stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(sctx)
		_ = rt.Close()
	}
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := ksqlclient.New(srv.URL()).Info(ictx); err != nil {
		stop()
		return nil, fmt.Errorf("the ksqlDB REST API on %s does not answer: %w", listen, err)
	}
	fmt.Fprintf(app.Out, "ksql: %s\n", srv.URL())
	return stop, nil
}

// checkServeAddr validates a HOST:PORT flag value (the host may be empty).
func checkServeAddr(flag, value string) error {
	_, port, err := net.SplitHostPort(value)
	if err != nil {
		return fmt.Errorf("%s %q: want HOST:PORT, e.g. 127.0.0.1:9092", flag, value)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%s %q: the port must be a number from 0 to 65535", flag, value)
	}
	return nil
}
