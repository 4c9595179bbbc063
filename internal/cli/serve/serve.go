// Package serve is the `mlops-lab serve` command: the embedded services
// (internal/services) as a headless server process.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/internal/services"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// ServeOptions is what `serve` needs.
type ServeOptions struct {
	IO  *iostreams.IOStreams
	Ctx context.Context

	KafkaListen    string
	KafkaAdvertise string
	DataDir        string
	KsqlListen     string
}

// NewCmdServe returns the serve command. It is what the project's own
// container image runs (the docker runtime starts it with --kafka-listen
// 0.0.0.0:PORT and --kafka-advertise HOST:PORT), and it serves anyone who
// wants a broker without a lab attached. runF, when not nil, runs instead of
// the command once the flags are checked (for tests).
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IOStreams}
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
			opts.Ctx = cmd.Context()
			if err := checkAddr("--kafka-listen", opts.KafkaListen); err != nil {
				return err
			}
			if opts.KafkaAdvertise != "" {
				if err := checkAddr("--kafka-advertise", opts.KafkaAdvertise); err != nil {
					return err
				}
			}
			if opts.KsqlListen != "" {
				if err := checkAddr("--ksql-listen", opts.KsqlListen); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.KafkaListen, "kafka-listen", "127.0.0.1:9092", "HOST:PORT the Kafka broker listens on (0.0.0.0:PORT for all interfaces)")
	fl.StringVar(&opts.KafkaAdvertise, "kafka-advertise", "", "HOST:PORT the broker tells clients to connect to, when it differs from --kafka-listen (a container reached through a mapped port)")
	fl.StringVar(&opts.DataDir, "data-dir", "", "folder that keeps topics and offsets across restarts (in memory when empty)")
	fl.StringVar(&opts.KsqlListen, "ksql-listen", "", "HOST:PORT the ksqlDB REST API listens on (not served when empty)")
	return cmd
}

func serveRun(opts *ServeOptions) error {
	ctx := opts.Ctx
	srv, err := services.StartKafka(ctx, services.Config{
		KafkaListen:    opts.KafkaListen,
		KafkaAdvertise: opts.KafkaAdvertise,
		DataDir:        opts.DataDir,
		KsqlListen:     opts.KsqlListen,
		Log:            opts.IO.ErrOut,
	})
	if errors.Is(err, kafkautil.ErrAddressInUse) {
		_, port, _ := net.SplitHostPort(opts.KafkaListen)
		return fmt.Errorf("port %s is already in use (--kafka-listen %s): stop whatever uses it, or pick another port with --kafka-listen HOST:PORT", port, opts.KafkaListen)
	}
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Fprintf(opts.IO.Out, "kafka: %s\n", srv.KafkaAddr())
	if opts.KafkaAdvertise != "" {
		fmt.Fprintf(opts.IO.ErrOut, "listening on %s, advertising %s\n", opts.KafkaListen, opts.KafkaAdvertise)
	}
	if opts.KsqlListen != "" {
		url, err := srv.StartKSQL(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "ksql: %s\n", url)
	}
	<-ctx.Done()
	fmt.Fprintln(opts.IO.ErrOut, "stopping")
	return nil
}

// checkAddr validates a HOST:PORT flag value (the host may be empty).
func checkAddr(flag, value string) error {
	_, port, err := net.SplitHostPort(value)
	if err != nil {
		return fmt.Errorf("%s %q: want HOST:PORT, e.g. 127.0.0.1:9092", flag, value)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%s %q: the port must be a number from 0 to 65535", flag, value)
	}
	return nil
}
