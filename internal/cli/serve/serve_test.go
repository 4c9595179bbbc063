package serve

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/internal/cli/cmdutil"
	"github.com/mlops-lab/mlops-lab/internal/iostreams"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// serveBuffer is an output stream that serve writes while the test reads.
type serveBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *serveBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *serveBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runServeCmd runs `serve args...` until ctx ends and returns its error.
func runServeCmd(ctx context.Context, out, errOut *serveBuffer, args ...string) error {
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(""), out, errOut))
	cmd := NewCmdServe(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	return cmd.ExecuteContext(ctx)
}

// stopLimit bounds every wait of these tests for serve to get ready or
// to stop: generous, as a loaded machine may be slow; the tests check
// that it happens, not how fast.
const stopLimit = 60 * time.Second

// waitKafkaLine waits for serve's "kafka: HOST:PORT" line.
func waitKafkaLine(t *testing.T, out *serveBuffer, done <-chan error) string {
	t.Helper()
	addr, err := kafkaLineOrEnd(t, out, done)
	if err != nil {
		t.Fatalf("serve ended before it was ready: %v", err)
	}
	return addr
}

// kafkaLineOrEnd waits for serve's "kafka: HOST:PORT" line, or returns
// the error serve ended with before printing it.
func kafkaLineOrEnd(t *testing.T, out *serveBuffer, done <-chan error) (string, error) {
	t.Helper()
	deadline := time.After(stopLimit)
	for {
		for _, line := range strings.Split(out.String(), "\n") {
			if addr, ok := strings.CutPrefix(line, "kafka: "); ok {
				return addr, nil
			}
		}
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("no error")
			}
			return "", err
		case <-deadline:
			t.Fatalf("serve printed no kafka line within %v; output %q", stopLimit, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// freeTestPort returns a port that was free a moment ago; another
// process may take it before serve binds it, so its user retries on
// "already in use".
func freeTestPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestServeRunsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut serveBuffer
	done := make(chan error, 1)
	go func() { done <- runServeCmd(ctx, &out, &errOut, "--kafka-listen", "127.0.0.1:0") }()
	addr := waitKafkaLine(t, &out, done)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("kafka line %q; want a loopback address", addr)
	}

	// The broker works: produce and read back a message.
	producer, err := sarama.NewSyncProducer([]string{addr}, kafkautil.NewConfig("serve-test"))
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	partition, offset, err := producer.SendMessage(&sarama.ProducerMessage{Topic: "serve-test", Value: sarama.StringEncoder("hello")})
	producer.Close()
	if err != nil {
		t.Fatal(err)
	}
	consumer, err := sarama.NewConsumer([]string{addr}, kafkautil.NewConfig("serve-test"))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := consumer.ConsumePartition("serve-test", partition, offset)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-pc.Messages():
		if string(m.Value) != "hello" {
			t.Errorf("consumed %q; want hello", m.Value)
		}
	case <-time.After(stopLimit):
		t.Error("no message consumed")
	}
	pc.Close()
	consumer.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve ended with %v; want a clean exit", err)
		}
	case <-time.After(stopLimit):
		t.Fatal("serve did not stop when its context was cancelled")
	}
}

func TestServeAdvertises(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The advertised port must be the one listened on, so serve gets a
	// fixed port: picked free, and picked again if something took it
	// before serve bound it.
	var (
		port, advertise string
		out, errOut     serveBuffer
		done            = make(chan error, 1)
	)
	for attempt := 1; ; attempt++ {
		port = strconv.Itoa(freeTestPort(t))
		advertise = "localhost:" + port
		out, errOut = serveBuffer{}, serveBuffer{}
		go func() {
			done <- runServeCmd(ctx, &out, &errOut, "--kafka-listen", "127.0.0.1:"+port, "--kafka-advertise", advertise)
		}()
		addr, err := kafkaLineOrEnd(t, &out, done)
		if err != nil && strings.Contains(err.Error(), "already in use") && attempt < 10 {
			continue
		}
		if err != nil {
			t.Fatalf("serve ended before it was ready: %v", err)
		}
		if addr != advertise {
			t.Errorf("kafka line %q; want the advertised %q", addr, advertise)
		}
		break
	}
	client, err := sarama.NewClient([]string{"127.0.0.1:" + port}, kafkautil.NewConfig("serve-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if brokers := client.Brokers(); len(brokers) != 1 || brokers[0].Addr() != advertise {
		t.Errorf("metadata gives %d brokers, first %v; want %s", len(brokers), brokers, advertise)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(stopLimit):
		t.Fatal("serve did not stop when its context was cancelled")
	}
}

func TestServeBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	var out, errOut serveBuffer
	err = runServeCmd(context.Background(), &out, &errOut, "--kafka-listen", "127.0.0.1:"+port)
	if err == nil {
		t.Fatal("serve started on a busy port")
	}
	msg := err.Error()
	if !strings.Contains(msg, "port "+port+" is already in use") || !strings.Contains(msg, "--kafka-listen") || strings.Contains(msg, "\n") {
		t.Errorf("error %q; want one line naming port %s and --kafka-listen", msg, port)
	}
}

// runServeFlags parses `serve args...` with a runF that captures the
// options instead of starting anything.
func runServeFlags(args ...string) (*ServeOptions, error) {
	f := cmdutil.NewFactory(iostreams.New(strings.NewReader(""), &serveBuffer{}, &serveBuffer{}))
	var got *ServeOptions
	cmd := NewCmdServe(f, func(o *ServeOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&serveBuffer{})
	cmd.SetErr(&serveBuffer{})
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.ExecuteContext(context.Background())
	return got, err
}

func TestServeFlags(t *testing.T) {
	opts, err := runServeFlags()
	if err != nil {
		t.Fatal(err)
	}
	if opts.KafkaListen != "127.0.0.1:9092" || opts.KafkaAdvertise != "" || opts.DataDir != "" || opts.KsqlListen != "" || opts.Ctx == nil {
		t.Errorf("defaults: %+v; want --kafka-listen 127.0.0.1:9092, the rest empty, and a context", opts)
	}
	opts, err = runServeFlags("--kafka-listen", "0.0.0.0:9092", "--kafka-advertise", "localhost:19092", "--data-dir", "d", "--ksql-listen", ":8088")
	if err != nil {
		t.Fatal(err)
	}
	if opts.KafkaListen != "0.0.0.0:9092" || opts.KafkaAdvertise != "localhost:19092" || opts.DataDir != "d" || opts.KsqlListen != ":8088" {
		t.Errorf("flags: %+v", opts)
	}
}

func TestServeFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--kafka-listen", "9092"}, "--kafka-listen \"9092\": want HOST:PORT"},
		{[]string{"--kafka-listen", "127.0.0.1:99999"}, "port must be a number"},
		{[]string{"--kafka-listen", "127.0.0.1:x"}, "--kafka-listen \"127.0.0.1:x\": the port must be a number from 0 to 65535"},
		{[]string{"--kafka-listen", "127.0.0.1:0", "--kafka-advertise", "nohost"}, "--kafka-advertise"},
		{[]string{"--kafka-listen", "127.0.0.1:0", "--ksql-listen", "8088"}, "--ksql-listen \"8088\": want HOST:PORT"},
		{[]string{"extra"}, "unknown command"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
	} {
		opts, err := runServeFlags(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
		if opts != nil {
			t.Errorf("serve %v: the command ran despite the error", tc.args)
		}
	}
}
