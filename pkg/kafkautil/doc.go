// Package kafkautil holds the Kafka pieces the course builds on.
//
// A Client (Dial) is one connection to a cluster, made once and used for
// everything below; every method takes a context first:
//
//   - admin.go: create, list, describe and delete topics; partitions, end
//     and committed offsets (in the spirit of kafka-topics);
//   - produce.go: records parsed from lines of text (lines.go holds the line
//     formats, as kafka-console-producer reads them);
//   - consume.go: records read partition by partition or in a consumer group;
//   - print.go: consumed records printed as text or JSON (as
//     kafka-console-consumer prints them).
//
// oneshot.go offers each of these as one call that dials and disconnects.
// config.go holds every sarama configuration the course starts from (a base
// and documented variants); errors.go the errors callers test for, among
// them ErrUnknownTopic, the one error for a topic that does not exist;
// reach.go the reachability probes; broker.go the embedded broker (an
// in-process Kafka on kfake). The data generators that feed the labs are in
// the datagen package, the stream processor in stream.
//
// sarama is the client throughout: it is what the labs teach, and sharing
// it keeps one connection and one configuration per Client. franz-go's kadm
// would give the admin calls a context of their own, but it would be a
// second connection beside sarama's with a configuration of its own (the
// ksqlDB runtime's dialer hook, for one, is a sarama setting), so the
// Client runs sarama's admin calls beside the caller's context instead.
package kafkautil
