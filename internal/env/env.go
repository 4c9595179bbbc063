// Package env provides the environments labs run in: a Kafka bootstrap address
// and, for labs that need it, a ksqlDB URL. Three runtimes provide them behind
// one interface: embedded (in this process), docker (testcontainers) and
// external (clusters the user already runs). Labs, the grader and the CLI only
// ever see addresses, so every lab works the same on all three.
package env

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/ksqlclient"
)

// Runtime names.
const (
	Embedded = "embedded"
	Docker   = "docker"
	External = "external"
)

// Needs says which services a lab uses.
type Needs struct {
	Kafka bool
	KSQL  bool
}

// Spec is what to start.
type Spec struct {
	Needs
	// Topics are created once the broker is up.
	Topics []kafkautil.TopicSpec
	// DataDir (embedded) keeps the broker's topics on disk across restarts.
	DataDir string
	// KafkaListen (embedded) is the broker's listen address; a free loopback
	// port when empty.
	KafkaListen string
	// KafkaImage and KsqlImage (docker) override the default images.
	KafkaImage string
	KsqlImage  string
	// Bootstrap and KsqlURL (external) are the user's own services.
	Bootstrap string
	KsqlURL   string
	// Progress receives human-readable progress lines; nil discards them.
	Progress io.Writer
}

// Environment is a running set of services.
type Environment interface {
	// Runtime is embedded, docker or external.
	Runtime() string
	// Bootstrap is the Kafka bootstrap address, HOST:PORT.
	Bootstrap() string
	// KsqlURL is the ksqlDB REST endpoint, or "" when not running.
	KsqlURL() string
	// Close stops whatever this environment started.
	Close(ctx context.Context) error
}

// Start brings up an environment on the named runtime and creates the spec's
// topics.
func Start(ctx context.Context, runtime string, spec Spec) (Environment, error) {
	var (
		e   Environment
		err error
	)
	switch runtime {
	case "", Embedded:
		e, err = startEmbedded(ctx, spec)
	case Docker:
		e, err = startDocker(ctx, spec)
	case External:
		e, err = startExternal(ctx, spec)
	default:
		return nil, fmt.Errorf("unknown runtime %q: use embedded, docker or external", runtime)
	}
	if err != nil {
		return nil, err
	}
	if err := kafkautil.EnsureTopics(ctx, e.Bootstrap(), spec.Topics); err != nil {
		_ = e.Close(context.Background())
		return nil, err
	}
	return e, nil
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// external is an environment someone else runs.
type external struct {
	runtime   string
	bootstrap string
	ksqlURL   string
}

func (e *external) Runtime() string                 { return e.runtime }
func (e *external) Bootstrap() string               { return e.bootstrap }
func (e *external) KsqlURL() string                 { return e.ksqlURL }
func (e *external) Close(ctx context.Context) error { return nil }

// ConnectTimeout bounds the wait for services someone else runs (--bootstrap,
// --ksql-url): an address where nothing answers fails the command within
// seconds instead of hanging it.
const ConnectTimeout = 10 * time.Second

func startExternal(ctx context.Context, spec Spec) (Environment, error) {
	if spec.Bootstrap == "" {
		if spec.KsqlURL != "" {
			return nil, fmt.Errorf("--ksql-url %s needs --bootstrap HOST:PORT too: the Kafka cluster that ksqlDB server reads", spec.KsqlURL)
		}
		return nil, fmt.Errorf("the external runtime needs --bootstrap HOST:PORT of your Kafka cluster")
	}
	if spec.KSQL && spec.KsqlURL == "" {
		return nil, fmt.Errorf("this lab needs ksqlDB: pass --ksql-url http://HOST:PORT of your ksqlDB server")
	}
	progressf(spec.Progress, "connecting to Kafka at %s", spec.Bootstrap)
	if err := WaitKafka(ctx, spec.Bootstrap, ConnectTimeout); err != nil {
		return nil, err
	}
	ksqlURL := strings.TrimRight(spec.KsqlURL, "/")
	if ksqlURL != "" {
		progressf(spec.Progress, "connecting to ksqlDB at %s", ksqlURL)
		if err := WaitKsql(ctx, ksqlURL, ConnectTimeout); err != nil {
			return nil, err
		}
	}
	return &external{runtime: External, bootstrap: spec.Bootstrap, ksqlURL: ksqlURL}, nil
}

// WaitKafka waits up to timeout for a broker at bootstrap to answer, with an
// error that names the address and what to check. When ctx ends first (Ctrl+C)
// the error says so.
func WaitKafka(ctx context.Context, bootstrap string, timeout time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := kafkautil.WaitReachable(wctx, bootstrap)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("stopped while connecting to Kafka at %s", bootstrap)
	}
	return fmt.Errorf("%v: is it running? check --bootstrap", err)
}

// WaitKsql waits up to timeout for a ksqlDB server at url to answer GET /info.
func WaitKsql(ctx context.Context, url string, timeout time.Duration) error {
	started := time.Now()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := ksqlclient.New(url)
	var last error
	for {
		_, err := c.Info(wctx)
		if err == nil {
			return nil
		}
		if wctx.Err() == nil {
			last = err
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return fmt.Errorf("stopped while connecting to ksqlDB at %s", url)
			}
			msg := fmt.Sprintf("no ksqlDB server answered at %s within %s", url, time.Since(started).Round(100*time.Millisecond))
			if last != nil {
				msg += " (" + last.Error() + ")"
			}
			return fmt.Errorf("%s: is it running? check --ksql-url", msg)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Attach returns the environment that another process recorded (a running
// `mlops-lab start`), without starting anything.
func Attach(r Record) Environment {
	return &external{runtime: r.Runtime, bootstrap: r.Bootstrap, ksqlURL: r.KsqlURL}
}
