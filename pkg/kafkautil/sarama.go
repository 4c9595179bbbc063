package kafkautil

import (
	"strings"

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
