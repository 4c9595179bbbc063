package kafkautil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// BrokerOptions configures an embedded broker.
type BrokerOptions struct {
	// Listen is the address to listen on, "127.0.0.1:0" (any free port) when empty.
	Listen string
	// Advertise is the HOST:PORT given to clients in metadata answers, when it
	// differs from the listening address (a broker inside a container that is
	// reached through a mapped port). Empty means the listening address.
	Advertise string
	// DataDir keeps topics, offsets and groups on disk so a restart loses
	// nothing. Empty means in memory only.
	DataDir string
	// DefaultPartitions is the partition count of auto-created topics (Kafka's
	// num.partitions); 1 when zero.
	DefaultPartitions int
	// Topics are created at start with DefaultPartitions partitions.
	Topics []string
	// GroupMinSessionTimeout is the shortest consumer-group session the
	// broker accepts (Kafka's group.min.session.timeout.ms); 6 s, Kafka's
	// default, when zero. Crash tests lower it so that a killed member's
	// partitions move on quickly.
	GroupMinSessionTimeout time.Duration
}

// Broker is a single-node Kafka broker running in this process. It speaks the
// Kafka protocol over TCP, so sarama, franz-go and librdkafka clients connect
// to it exactly as they would to a real cluster.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// ErrAddressInUse is returned by StartBroker when the requested port is taken.
var ErrAddressInUse = errors.New("address already in use")

// StartBroker starts an embedded broker and returns once it accepts connections.
func StartBroker(ctx context.Context, opts BrokerOptions) (*Broker, error) {
	listen := opts.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	_, portText, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: listen address %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("embedded broker: listen address %q: port must be a number from 0 to 65535", listen)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	partitions := opts.DefaultPartitions
	if partitions <= 0 {
		partitions = 1
	}
	listenFn := func(network, _ string) (net.Listener, error) {
		ln, err := net.Listen(network, listen)
		if err != nil {
			return nil, err
		}
		if opts.Advertise != "" {
			return advertisedListener{Listener: ln, addr: advertisedAddr(opts.Advertise)}, nil
		}
		return ln, nil
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.ListenFn(listenFn),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(partitions),
		kfake.ClusterID("mlops-lab"),
	}
	if opts.DataDir != "" {
		kopts = append(kopts, kfake.DataDir(opts.DataDir))
	}
	if opts.GroupMinSessionTimeout > 0 {
		kopts = append(kopts, kfake.GroupMinSessionTimeout(opts.GroupMinSessionTimeout))
	}
	if len(opts.Topics) > 0 {
		kopts = append(kopts, kfake.SeedTopics(int32(partitions), opts.Topics...))
	}
	cluster, err := kfake.NewCluster(kopts...)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("embedded broker: cannot listen on %s: %w (pick another port, or stop whatever uses it)", listen, ErrAddressInUse)
		}
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	addrs := cluster.ListenAddrs()
	b := &Broker{cluster: cluster, addr: addrs[0]}
	return b, nil
}

// Addr is the bootstrap address clients connect to (HOST:PORT).
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker; with a data folder its state is flushed to disk first.
func (b *Broker) Close() { b.cluster.Close() }

// advertisedListener reports a different address than the one it listens on,
// which is what kfake puts into metadata answers.
type advertisedListener struct {
	net.Listener
	addr net.Addr
}

func (l advertisedListener) Addr() net.Addr { return l.addr }

type advertisedAddr string

func (a advertisedAddr) Network() string { return "tcp" }
func (a advertisedAddr) String() string  { return string(a) }

// RedirectDialer dials the addresses in redirect (advertised HOST:PORT) at
// their replacement (a local HOST:PORT) and every other address as is. A
// client running beside a broker that advertises an address it cannot reach
// itself (inside a container, the host's mapped port) uses it through
// sarama's Config.Net.Proxy.Dialer.
type RedirectDialer struct {
	Redirect map[string]string
	Dialer   net.Dialer
}

// Dial connects to addr, or to its replacement.
func (d *RedirectDialer) Dial(network, addr string) (net.Conn, error) {
	if to, ok := d.Redirect[addr]; ok {
		addr = to
	}
	return d.Dialer.Dial(network, addr)
}
