package kafkautil

// Every sarama configuration the course's own code starts from lives here:
// a base (NewConfig) and documented variants. Code that tunes one further
// (batch sizes, session timeouts) starts from one of these, so a change of
// protocol version or of a default reaches every client.

import (
	"strings"
	"time"

	"github.com/IBM/sarama"
)

// KafkaVersion is the protocol version the course's sarama clients announce.
// The embedded broker, confluent-local and apache/kafka all speak it; sarama
// needs 0.11 or newer for headers, idempotence and transactions.
var KafkaVersion = sarama.V3_6_0_0

// NewConfig returns a sarama configuration with the course's defaults: a
// recent protocol version, a client id, and producers that report successes
// (so synchronous sends and delivery counts work).
func NewConfig(clientID string) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = KafkaVersion
	if clientID != "" {
		cfg.ClientID = clientID
	}
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	return cfg
}

// NewIdempotentConfig is NewConfig for a producer whose retries must not
// write a record twice (every in-sync replica acknowledges; one request in
// flight; the broker drops a batch it already has). Tests that count
// records exactly produce their input with it.
func NewIdempotentConfig(clientID string) *sarama.Config {
	cfg := NewConfig(clientID)
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	return cfg
}

// NewConsoleConfig is NewConfig for tools a person waits on (topic
// administration, the console producer and consumer) and the default of
// Dial:
//   - short network timeouts, so a tool fails within seconds when the broker
//     is gone;
//   - no automatic topic creation, so looking at (or producing to) a topic
//     that does not exist reports it instead of creating it;
//   - the Java client's murmur2 partitioner, so a key lands in the partition
//     kafka-console-producer, Kafka Streams or ksqlDB would choose;
//   - consumer errors returned, so a failing read ends the tool with its
//     reason.
func NewConsoleConfig(clientID string) *sarama.Config {
	cfg := NewConfig(clientID)
	cfg.Metadata.AllowAutoTopicCreation = false
	cfg.Metadata.Retry.Max = 2
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Net.ReadTimeout = 10 * time.Second
	cfg.Net.WriteTimeout = 10 * time.Second
	cfg.Admin.Timeout = 10 * time.Second
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	cfg.Producer.Retry.Max = 3
	cfg.Consumer.Return.Errors = true
	return cfg
}

// probeTimeout bounds one reachability probe: dial, API versions, metadata.
const probeTimeout = 2 * time.Second

// newProbeConfig is the configuration of one reachability probe (Probe):
// every step within probeTimeout, no retries, and no metadata refresh
// later, as a probe that learns nothing should not keep asking.
func newProbeConfig(clientID string) *sarama.Config {
	cfg := NewConfig(clientID)
	cfg.Net.DialTimeout = probeTimeout
	cfg.Net.ReadTimeout = probeTimeout
	cfg.Net.WriteTimeout = probeTimeout
	cfg.Metadata.Retry.Max = 0
	cfg.Metadata.RefreshFrequency = 0
	return cfg
}

// SplitBootstrap turns "host1:9092,host2:9092" into a broker list.
func SplitBootstrap(bootstrap string) []string {
	var out []string
	for _, part := range strings.Split(bootstrap, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
