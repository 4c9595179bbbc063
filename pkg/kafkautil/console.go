package kafkautil

// The logic of the console tools, in the spirit of kafka-topics,
// kafka-console-producer and kafka-console-consumer: list, describe, create
// and delete topics; produce records parsed from lines of text; consume
// records and print them as text or JSON. The CLI's `topic` command is a thin
// layer over these functions.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
)

// UnknownTopicError says that a topic does not exist.
type UnknownTopicError struct {
	Topic string
}

func (e *UnknownTopicError) Error() string { return fmt.Sprintf("topic %q does not exist", e.Topic) }

// TopicExistsError says that a topic to be created exists already.
type TopicExistsError struct {
	Topic string
}

func (e *TopicExistsError) Error() string { return fmt.Sprintf("topic %q already exists", e.Topic) }

// consoleConfig is the sarama configuration of the console tools: the course
// defaults, short network timeouts (a console tool should fail within seconds
// when the broker is gone) and no automatic topic creation, so that looking at
// a topic that does not exist does not create it.
func consoleConfig(clientID string) *sarama.Config {
	cfg := NewConfig(clientID)
	cfg.Metadata.AllowAutoTopicCreation = false
	cfg.Metadata.Retry.Max = 2
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Net.ReadTimeout = 10 * time.Second
	cfg.Net.WriteTimeout = 10 * time.Second
	cfg.Admin.Timeout = 10 * time.Second
	return cfg
}

// consoleClient opens a sarama client on bootstrap, giving up when ctx ends.
func consoleClient(ctx context.Context, bootstrap string, cfg *sarama.Config) (sarama.Client, error) {
	client, err := connectContext(ctx, func() (sarama.Client, error) {
		return sarama.NewClient(SplitBootstrap(bootstrap), cfg)
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}
	return client, nil
}

// callWithContext runs fn, returning early with ctx's error when ctx ends first
// (sarama's admin calls take no context; fn then finishes in the background
// within sarama's own timeouts).
func callWithContext(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

var legalTopicName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// ValidateTopicName checks a topic name against Kafka's rules, with an error
// that says what is allowed.
func ValidateTopicName(name string) error {
	switch {
	case name == "":
		return errors.New("the topic name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("topic name %q is not allowed", name)
	case len(name) > 249:
		return fmt.Errorf("topic name %.20q... is %d characters long; Kafka allows at most 249", name, len(name))
	case !legalTopicName.MatchString(name):
		return fmt.Errorf("topic name %q is not valid: use only letters, digits, '.', '_' and '-'", name)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Topics

// TopicInfo is one line of a topic listing.
type TopicInfo struct {
	Name       string
	Partitions int
	// ReplicationFactor is the number of replicas of each partition.
	ReplicationFactor int
	// Compacted says cleanup.policy includes compact (a table's changelog).
	Compacted bool
	// Internal topics are Kafka's own (__consumer_offsets, ...).
	Internal bool
}

// ListTopics lists the cluster's topics, sorted by name.
func ListTopics(ctx context.Context, bootstrap string) ([]TopicInfo, error) {
	client, err := consoleClient(ctx, bootstrap, consoleConfig("mlops-lab-topics"))
	if err != nil {
		return nil, err
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}
	defer admin.Close()
	var details map[string]sarama.TopicDetail
	err = callWithContext(ctx, func() (err error) {
		details, err = admin.ListTopics()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing topics: %w", err)
	}
	topics := make([]TopicInfo, 0, len(details))
	for name, d := range details {
		info := TopicInfo{
			Name:              name,
			Partitions:        int(d.NumPartitions),
			ReplicationFactor: int(d.ReplicationFactor),
			Internal:          strings.HasPrefix(name, "__"),
		}
		if policy := d.ConfigEntries["cleanup.policy"]; policy != nil {
			info.Compacted = strings.Contains(*policy, "compact")
		}
		topics = append(topics, info)
	}
	sort.Slice(topics, func(i, j int) bool { return topics[i].Name < topics[j].Name })
	return topics, nil
}

// TopicDescription is what DescribeTopic reports.
type TopicDescription struct {
	Name       string
	Partitions []PartitionDescription
	// Configs are the topic's configuration entries, sorted by name.
	Configs []TopicConfig
}

// PartitionDescription describes one partition of a topic.
type PartitionDescription struct {
	Partition int32
	// Leader is the id of the broker leading the partition.
	Leader   int32
	Replicas []int32
	ISR      []int32
	// Earliest is the first offset still stored, Latest the offset the next
	// record will get (the high watermark): the partition holds
	// Latest-Earliest records, fewer when compacted.
	Earliest int64
	Latest   int64
}

// TopicConfig is one configuration entry of a topic.
type TopicConfig struct {
	Name  string
	Value string
	// Default says the value is the broker's default, not set on the topic.
	Default bool
}

// Compacted says cleanup.policy includes compact.
func (d TopicDescription) Compacted() bool {
	for _, c := range d.Configs {
		if c.Name == "cleanup.policy" {
			return strings.Contains(c.Value, "compact")
		}
	}
	return false
}

// Records is the number of records stored, summed over partitions (an upper
// bound for compacted topics).
func (d TopicDescription) Records() int64 {
	var n int64
	for _, p := range d.Partitions {
		n += p.Latest - p.Earliest
	}
	return n
}

// DescribeTopic reports a topic's partitions (leader, replicas, earliest and
// latest offsets) and configuration.
func DescribeTopic(ctx context.Context, bootstrap, topic string) (TopicDescription, error) {
	if err := ValidateTopicName(topic); err != nil {
		return TopicDescription{}, err
	}
	client, err := consoleClient(ctx, bootstrap, consoleConfig("mlops-lab-topics"))
	if err != nil {
		return TopicDescription{}, err
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return TopicDescription{}, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}
	defer admin.Close()

	desc := TopicDescription{Name: topic}
	err = callWithContext(ctx, func() error {
		meta, err := admin.DescribeTopics([]string{topic})
		if err != nil {
			return err
		}
		if len(meta) != 1 || errors.Is(meta[0].Err, sarama.ErrUnknownTopicOrPartition) {
			return &UnknownTopicError{Topic: topic}
		}
		if meta[0].Err != sarama.ErrNoError {
			return meta[0].Err
		}
		for _, p := range meta[0].Partitions {
			pd := PartitionDescription{Partition: p.ID, Leader: p.Leader, Replicas: p.Replicas, ISR: p.Isr}
			if pd.Earliest, err = client.GetOffset(topic, p.ID, sarama.OffsetOldest); err != nil {
				return fmt.Errorf("partition %d: earliest offset: %w", p.ID, err)
			}
			if pd.Latest, err = client.GetOffset(topic, p.ID, sarama.OffsetNewest); err != nil {
				return fmt.Errorf("partition %d: latest offset: %w", p.ID, err)
			}
			desc.Partitions = append(desc.Partitions, pd)
		}
		slices.SortFunc(desc.Partitions, func(a, b PartitionDescription) int { return int(a.Partition - b.Partition) })
		results, err := admin.DescribeConfigs([]*sarama.ConfigResource{{Type: sarama.TopicResource, Name: topic}}, sarama.DescribeConfigsOptions{})
		if err != nil {
			return fmt.Errorf("reading its configuration: %w", err)
		}
		for _, r := range results {
			if r.ErrorCode != sarama.ErrNoError {
				return fmt.Errorf("reading its configuration: %w", r.ErrorCode)
			}
			for _, e := range r.Configs {
				if !e.Sensitive {
					desc.Configs = append(desc.Configs, TopicConfig{Name: e.Name, Value: e.Value, Default: e.Default})
				}
			}
		}
		slices.SortFunc(desc.Configs, func(a, b TopicConfig) int { return strings.Compare(a.Name, b.Name) })
		return nil
	})
	if err != nil {
		var unknown *UnknownTopicError
		if errors.As(err, &unknown) {
			return TopicDescription{}, err
		}
		return TopicDescription{}, fmt.Errorf("describing topic %s: %w", topic, err)
	}
	return desc, nil
}

// CreateTopicOptions describe a topic to create.
type CreateTopicOptions struct {
	// Partitions is the partition count; 0 means the broker's default
	// (num.partitions).
	Partitions int32
	// ReplicationFactor is the number of copies of each partition; 0 means
	// the broker's default (default.replication.factor).
	ReplicationFactor int16
	// Configs are topic configs (retention.ms, cleanup.policy, ...).
	Configs map[string]string
	// Compact sets cleanup.policy=compact: the topic keeps the latest record
	// per key, as a table's changelog does.
	Compact bool
	// IfNotExists makes an existing topic a success rather than an error.
	IfNotExists bool
}

// CreateTopic creates a topic. Config names are checked against Kafka's topic
// configs first, so a typo is reported rather than silently kept.
func CreateTopic(ctx context.Context, bootstrap, topic string, opts CreateTopicOptions) error {
	if err := ValidateTopicName(topic); err != nil {
		return err
	}
	if opts.Partitions < 0 {
		return fmt.Errorf("a topic needs at least 1 partition (got %d)", opts.Partitions)
	}
	if opts.ReplicationFactor < 0 {
		return fmt.Errorf("the replication factor must be at least 1 (got %d)", opts.ReplicationFactor)
	}
	configs := make(map[string]*string, len(opts.Configs)+1)
	for k, v := range opts.Configs {
		if err := ValidateTopicConfig(k); err != nil {
			return err
		}
		configs[k] = &v
	}
	if opts.Compact {
		if p := configs["cleanup.policy"]; p != nil && !strings.Contains(*p, "compact") {
			return fmt.Errorf("compact contradicts cleanup.policy=%s: drop one of them", *p)
		}
		policy := "compact"
		if p := configs["cleanup.policy"]; p != nil {
			policy = *p
		}
		configs["cleanup.policy"] = &policy
	}
	detail := &sarama.TopicDetail{NumPartitions: opts.Partitions, ReplicationFactor: opts.ReplicationFactor, ConfigEntries: configs}
	if detail.NumPartitions == 0 {
		detail.NumPartitions = -1
	}
	if detail.ReplicationFactor == 0 {
		detail.ReplicationFactor = -1
	}
	admin, err := NewAdminContext(ctx, bootstrap)
	if err != nil {
		return err
	}
	defer admin.Close()
	err = callWithContext(ctx, func() error { return admin.CreateTopic(topic, detail, false) })
	var topicErr *sarama.TopicError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &topicErr) && topicErr.Err == sarama.ErrTopicAlreadyExists:
		if opts.IfNotExists {
			return nil
		}
		return &TopicExistsError{Topic: topic}
	case errors.As(err, &topicErr) && topicErr.Err == sarama.ErrInvalidReplicationFactor:
		return fmt.Errorf("creating topic %s: replication factor %d is more than the cluster's brokers", topic, opts.ReplicationFactor)
	}
	return fmt.Errorf("creating topic %s: %w", topic, err)
}

// DeleteTopic deletes a topic and all its records.
func DeleteTopic(ctx context.Context, bootstrap, topic string) error {
	if err := ValidateTopicName(topic); err != nil {
		return err
	}
	admin, err := NewAdminContext(ctx, bootstrap)
	if err != nil {
		return err
	}
	defer admin.Close()
	err = callWithContext(ctx, func() error { return admin.DeleteTopic(topic) })
	if errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		return &UnknownTopicError{Topic: topic}
	}
	if err != nil {
		return fmt.Errorf("deleting topic %s: %w", topic, err)
	}
	return nil
}

// ParseConfigs turns "key=value" pairs (a --config flag repeated) into a map.
func ParseConfigs(pairs []string) (map[string]string, error) {
	out := make(map[string]string, len(pairs))
	for _, pair := range pairs {
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("config %q is not KEY=VALUE (for example retention.ms=60000)", pair)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// topicConfigNames are Kafka's topic-level configs (Kafka 3.x and 4.x).
var topicConfigNames = []string{
	"cleanup.policy", "compression.gzip.level", "compression.lz4.level", "compression.type",
	"compression.zstd.level", "delete.retention.ms", "file.delete.delay.ms", "flush.messages",
	"flush.ms", "follower.replication.throttled.replicas", "index.interval.bytes",
	"leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
	"max.compaction.lag.ms", "max.message.bytes", "message.downconversion.enable",
	"message.format.version", "message.timestamp.after.max.ms", "message.timestamp.before.max.ms",
	"message.timestamp.difference.max.ms", "message.timestamp.type", "min.cleanable.dirty.ratio",
	"min.compaction.lag.ms", "min.insync.replicas", "preallocate", "remote.log.copy.disable",
	"remote.log.delete.on.disable", "remote.storage.enable", "retention.bytes", "retention.ms",
	"segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms",
	"unclean.leader.election.enable",
}

// ValidateTopicConfig checks that name is one of Kafka's topic configs (or a
// vendor's, prefixed "confluent."), suggesting the closest one when not.
func ValidateTopicConfig(name string) error {
	if slices.Contains(topicConfigNames, name) || strings.HasPrefix(name, "confluent.") {
		return nil
	}
	best, bestDist := "", 4
	for _, known := range topicConfigNames {
		if d := editDistance(name, known); d < bestDist {
			best, bestDist = known, d
		}
	}
	if best != "" {
		return fmt.Errorf("unknown topic config %q: did you mean %s?", name, best)
	}
	return fmt.Errorf("unknown topic config %q: topic configs include retention.ms, cleanup.policy, segment.ms, max.message.bytes", name)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// topicPartitions returns the partitions of an existing topic, or an
// UnknownTopicError.
func topicPartitions(client sarama.Client, topic string) ([]int32, error) {
	parts, err := client.Partitions(topic)
	if errors.Is(err, sarama.ErrUnknownTopicOrPartition) || (err == nil && len(parts) == 0) {
		return nil, &UnknownTopicError{Topic: topic}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the partitions of %s: %w", topic, err)
	}
	return parts, nil
}

func checkPartition(topic string, parts []int32, p int32) error {
	if slices.Contains(parts, p) {
		return nil
	}
	return fmt.Errorf("topic %s has no partition %d: its partitions are 0 to %d", topic, p, len(parts)-1)
}

// ---------------------------------------------------------------------------
// Producing lines

// ProduceOptions say how lines of input become records, in the manner of
// kafka-console-producer's parse.key, key.separator, parse.headers and
// null.marker properties.
type ProduceOptions struct {
	// KeySeparator, when set, splits each line at its first occurrence into
	// KEY and VALUE (parse.key=true). A line without it is an error.
	KeySeparator string
	// Partition, when set, sends every record to that partition; otherwise
	// the key picks it with the Java client's murmur2 hash (records without
	// a key are spread at random).
	Partition *int32
	// ValueFormat is "string" (the default: any text) or "json": each value
	// must then be valid JSON.
	ValueFormat string
	// NullMarker, when set, is the text that stands for null: a key equal to
	// it is no key, a value equal to it a tombstone (a delete in a
	// compacted topic).
	NullMarker string
	// ParseHeaders reads headers before the key and value: with the default
	// separators, `h1:v1,h2:v2<TAB>key<TAB>value`.
	ParseHeaders bool
	// HeadersDelimiter ends the headers part of a line ("\t" when empty),
	// HeadersSeparator separates headers ("," when empty) and
	// HeadersKeySeparator a header's key from its value (":" when empty).
	HeadersDelimiter    string
	HeadersSeparator    string
	HeadersKeySeparator string
	// Config is the producer's sarama configuration; nil means the course
	// defaults with the Java client's partitioner.
	Config *sarama.Config
}

// Value formats of ProduceOptions.
const (
	ValueFormatString = "string"
	ValueFormatJSON   = "json"
)

func (o ProduceOptions) validate() error {
	switch o.ValueFormat {
	case "", ValueFormatString, ValueFormatJSON:
	default:
		return fmt.Errorf("unknown value format %q: use %s or %s", o.ValueFormat, ValueFormatString, ValueFormatJSON)
	}
	if o.Partition != nil && *o.Partition < 0 {
		return fmt.Errorf("partition %d does not exist: partitions are numbered from 0", *o.Partition)
	}
	return nil
}

// LineRecord is a record parsed from a line of input.
type LineRecord struct {
	// Key is nil when the record has no key.
	Key []byte
	// Value is nil for a tombstone.
	Value   []byte
	Headers []sarama.RecordHeader
}

// LineError is an error in a given line of input (counted from 1).
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ParseLine turns one line of input into a record. Its errors say what is
// wrong with the line, without the line number (Produce adds it).
func ParseLine(line string, opts ProduceOptions) (LineRecord, error) {
	var rec LineRecord
	rest := line
	if opts.ParseHeaders {
		delim := orDefault(opts.HeadersDelimiter, "\t")
		headers, after, ok := strings.Cut(rest, delim)
		if !ok {
			return rec, fmt.Errorf("no headers delimiter %s found: with headers, a line starts with HEADERS%s", quoteSep(delim), delim)
		}
		rest = after
		if headers != "" {
			sep, keySep := orDefault(opts.HeadersSeparator, ","), orDefault(opts.HeadersKeySeparator, ":")
			for _, h := range strings.Split(headers, sep) {
				k, v, ok := strings.Cut(h, keySep)
				if !ok || k == "" {
					return rec, fmt.Errorf("header %q is not KEY%sVALUE", h, keySep)
				}
				hdr := sarama.RecordHeader{Key: []byte(k), Value: []byte(v)}
				if opts.NullMarker != "" && v == opts.NullMarker {
					hdr.Value = nil
				}
				rec.Headers = append(rec.Headers, hdr)
			}
		}
	}
	value := rest
	if opts.KeySeparator != "" {
		key, v, ok := strings.Cut(rest, opts.KeySeparator)
		if !ok {
			return rec, fmt.Errorf("no key separator %s found: each line must be a key, the separator, then the value (got %s)", quoteSep(opts.KeySeparator), quoteShort(rest))
		}
		value = v
		if opts.NullMarker == "" || key != opts.NullMarker {
			rec.Key = []byte(key)
		}
	}
	if opts.NullMarker != "" && value == opts.NullMarker {
		return rec, nil
	}
	if opts.ValueFormat == ValueFormatJSON {
		if err := checkJSON(value); err != nil {
			return rec, fmt.Errorf("value is not valid JSON: %v", err)
		}
	}
	rec.Value = []byte(value)
	return rec, nil
}

// checkJSON reports why text is not one JSON value.
func checkJSON(text string) error {
	dec := json.NewDecoder(strings.NewReader(text))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fmt.Errorf("%v (at character %d of %s)", syntax, syntax.Offset, quoteShort(text))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("it ends too early: %s", quoteShort(text))
		}
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one JSON value in %s (one record per line)", quoteShort(text))
	}
	var trailing json.RawMessage
	if err := dec.Decode(&trailing); !errors.Is(err, io.EOF) {
		return fmt.Errorf("unexpected text after the JSON value in %s", quoteShort(text))
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// quoteSep shows a separator readably: tabs and spaces are invisible.
func quoteSep(sep string) string {
	switch sep {
	case "\t":
		return `"\t" (a tab)`
	case " ":
		return `" " (a space)`
	}
	return strconv.Quote(sep)
}

// abbreviate quotes s, shortened when long.
func quoteShort(s string) string {
	if len(s) > 60 {
		return strconv.Quote(s[:57]) + "..."
	}
	return strconv.Quote(s)
}

// ProduceResult counts what Produce did.
type ProduceResult struct {
	// Sent is the number of records the broker acknowledged.
	Sent int
	// Failed is the number of records the broker refused.
	Failed int
	// Partitions counts the acknowledged records per partition.
	Partitions map[int32]int
}

// maxInputLine is the longest line Produce reads, a little above Kafka's default
// maximum message size.
const maxInputLine = 4 << 20

// Produce reads records from in, one per line, and writes them to topic. It
// stops at the first line it cannot parse and returns a *LineError naming it;
// every record of the lines before it is still sent (Produce flushes before
// returning). Empty lines are skipped. The end of ctx stops reading, which is
// how an interactive session ends: it is not an error.
//
// Produce checks first that the topic exists (and the partition, if one is
// given): typing a topic name wrong should not create a new topic.
func Produce(ctx context.Context, bootstrap, topic string, in io.Reader, opts ProduceOptions) (ProduceResult, error) {
	result := ProduceResult{Partitions: map[int32]int{}}
	if err := opts.validate(); err != nil {
		return result, err
	}
	if err := ValidateTopicName(topic); err != nil {
		return result, err
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = consoleConfig("mlops-lab-console-producer")
		cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
		cfg.Producer.Retry.Max = 3
	}
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	if opts.Partition != nil {
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
	}
	client, err := consoleClient(ctx, bootstrap, cfg)
	if err != nil {
		return result, err
	}
	defer client.Close()
	parts, err := topicPartitions(client, topic)
	if err != nil {
		return result, err
	}
	if opts.Partition != nil {
		if err := checkPartition(topic, parts, *opts.Partition); err != nil {
			return result, err
		}
	}
	producer, err := sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		return result, fmt.Errorf("starting a producer: %w", err)
	}

	var (
		mu       sync.Mutex
		firstErr error
		drained  sync.WaitGroup
		flight   = newInFlight()
	)
	drained.Add(2)
	go func() {
		defer drained.Done()
		for msg := range producer.Successes() {
			mu.Lock()
			result.Sent++
			result.Partitions[msg.Partition]++
			mu.Unlock()
			flight.done()
		}
	}()
	go func() {
		defer drained.Done()
		for perr := range producer.Errors() {
			mu.Lock()
			result.Failed++
			if firstErr == nil {
				line, _ := perr.Msg.Metadata.(int)
				firstErr = &LineError{Line: line, Err: fmt.Errorf("the broker refused the record: %w", perr.Err)}
			}
			mu.Unlock()
			flight.done()
		}
	}()

	lines, stopReading := readLines(in)
	defer stopReading()
	var inputErr error
read:
	for {
		var l inputLine
		var ok bool
		select {
		case <-ctx.Done():
			break read
		case l, ok = <-lines:
			if !ok {
				break read
			}
		}
		if l.err != nil {
			inputErr = l.err
			break
		}
		if strings.TrimSpace(l.text) == "" {
			continue
		}
		rec, err := ParseLine(l.text, opts)
		if err != nil {
			inputErr = &LineError{Line: l.number, Err: err}
			break
		}
		msg := &sarama.ProducerMessage{Topic: topic, Value: nullableEncoder(rec.Value), Key: nullableEncoder(rec.Key), Headers: rec.Headers, Metadata: l.number}
		if opts.Partition != nil {
			msg.Partition = *opts.Partition
		}
		select {
		case producer.Input() <- msg:
			flight.add()
		case <-ctx.Done():
			break read
		}
	}
	// sarama's AsyncClose fails the records it is still retrying (a new
	// topic's first records often are, while its leader is elected), so
	// wait for every record's outcome first, within a bound.
	flight.wait(flushTimeout)
	producer.AsyncClose()
	drained.Wait()

	switch {
	case inputErr != nil:
		return result, inputErr
	case result.Failed > 0:
		return result, fmt.Errorf("%d record(s) could not be written to %s; the first: %w", result.Failed, topic, firstErr)
	}
	return result, nil
}

// flushTimeout bounds the wait for the outcome of the records sent before an
// async producer is closed.
const flushTimeout = 30 * time.Second

// inFlight counts an async producer's records that have no outcome yet.
type inFlight struct {
	sent     int64 // written by the producing goroutine only
	finished atomic.Int64
	ping     chan struct{}
}

func newInFlight() *inFlight { return &inFlight{ping: make(chan struct{}, 1)} }

// add counts a record handed to the producer.
func (f *inFlight) add() { f.sent++ }

// done counts a record acknowledged or refused.
func (f *inFlight) done() {
	f.finished.Add(1)
	select {
	case f.ping <- struct{}{}:
	default:
	}
}

// wait returns once every record added has an outcome, or after timeout.
func (f *inFlight) wait(timeout time.Duration) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for f.finished.Load() < f.sent {
		select {
		case <-f.ping:
		case <-deadline.C:
			return
		}
	}
}

// nullableEncoder keeps nil as nil: a nil key is no key, a nil value a tombstone.
func nullableEncoder(b []byte) sarama.Encoder {
	if b == nil {
		return nil
	}
	return sarama.ByteEncoder(b)
}

type inputLine struct {
	number int
	text   string
	err    error
}

// readLines reads in line by line in a goroutine, so that the end of the
// caller's context is noticed even while a terminal waits for input. The
// returned stop function releases the goroutine once its current read ends.
func readLines(in io.Reader) (<-chan inputLine, func()) {
	out := make(chan inputLine)
	stop := make(chan struct{})
	go func() {
		defer close(out)
		scanner := bufio.NewScanner(in)
		scanner.Buffer(make([]byte, 0, 64<<10), maxInputLine)
		n := 0
		for scanner.Scan() {
			n++
			text := strings.TrimSuffix(scanner.Text(), "\r")
			select {
			case out <- inputLine{number: n, text: text}:
			case <-stop:
				return
			}
		}
		if err := scanner.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = &LineError{Line: n + 1, Err: fmt.Errorf("longer than %d MiB", maxInputLine>>20)}
			} else {
				err = fmt.Errorf("reading input: %w", err)
			}
			select {
			case out <- inputLine{err: err}:
			case <-stop:
			}
		}
	}()
	var once sync.Once
	return out, func() { once.Do(func() { close(stop) }) }
}

// ---------------------------------------------------------------------------
// Consuming

// StartFrom says where a consumer starts reading.
type StartFrom int

const (
	// FromBeginning reads every record still stored.
	FromBeginning StartFrom = iota
	// FromLatest reads only records produced from now on.
	FromLatest
	// FromOffset starts at ConsumeOptions.Offset.
	FromOffset
)

// ConsumeOptions say what Consume reads and when it stops.
type ConsumeOptions struct {
	// From is where to start; with a Group, it applies only to partitions
	// where the group has no committed offset yet.
	From StartFrom
	// Offset is the offset to start at with FromOffset, in every partition
	// read.
	Offset int64
	// Partitions limits reading to these partitions; nil reads all of them.
	Partitions []int32
	// Group, when set, consumes as a member of this consumer group: the
	// partitions are shared with the group's other members and the offsets
	// of the records handled are committed. Partitions and FromOffset cannot
	// be combined with a group.
	Group string
	// MaxMessages stops after this many records; 0 means no limit.
	MaxMessages int
	// Timeout stops when no record arrived for this long; 0 waits forever.
	Timeout time.Duration
	// Config is the consumer's sarama configuration; nil means the course
	// defaults.
	Config *sarama.Config
}

// ConsumerRecord is a record read by Consume.
type ConsumerRecord struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time
	// Key is nil when the record has none; Value is nil for a tombstone.
	Key     []byte
	Value   []byte
	Headers []sarama.RecordHeader
}

// Consume reads records of topic and passes them to handle, one at a time,
// until MaxMessages were handled, no record came for Timeout, handle returns
// an error, or ctx ends (which is how an open-ended consumer is stopped, not
// an error). It returns the number of records handled.
//
// Without a group, records of different partitions interleave in arrival
// order; within a partition they come in offset order.
func Consume(ctx context.Context, bootstrap, topic string, opts ConsumeOptions, handle func(ConsumerRecord) error) (int, error) {
	if err := ValidateTopicName(topic); err != nil {
		return 0, err
	}
	if opts.MaxMessages < 0 {
		return 0, fmt.Errorf("max messages must be 0 (no limit) or more (got %d)", opts.MaxMessages)
	}
	if opts.Timeout < 0 {
		return 0, fmt.Errorf("timeout must be 0 (wait forever) or more (got %v)", opts.Timeout)
	}
	if opts.From == FromOffset && opts.Offset < 0 {
		return 0, fmt.Errorf("offset %d is negative: offsets count from 0", opts.Offset)
	}
	if handle == nil {
		handle = func(ConsumerRecord) error { return nil }
	}
	if opts.Group != "" && len(opts.Partitions) > 0 {
		return 0, errors.New("a consumer group decides which partitions each member reads: choose partitions or a group, not both")
	}
	if opts.Group != "" && opts.From == FromOffset {
		return 0, errors.New("a consumer group starts from its committed offsets: choose an offset or a group, not both")
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = consoleConfig("mlops-lab-console-consumer")
	}
	cfg.Consumer.Return.Errors = true
	if opts.From == FromLatest {
		cfg.Consumer.Offsets.Initial = sarama.OffsetNewest
	} else {
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	}
	client, err := consoleClient(ctx, bootstrap, cfg)
	if err != nil {
		return 0, err
	}
	defer client.Close()
	parts, err := topicPartitions(client, topic)
	if err != nil {
		return 0, err
	}
	for _, p := range opts.Partitions {
		if err := checkPartition(topic, parts, p); err != nil {
			return 0, err
		}
	}
	if len(opts.Partitions) > 0 {
		parts = opts.Partitions
	}

	ctx, cancel := context.WithCancel(ctx)
	deliveries := make(chan consumerDelivery)
	var (
		fetchErrs = make(chan error, len(parts)+1)
		stopFetch func()
	)
	if opts.Group != "" {
		stopFetch, err = consumeGroup(ctx, client, topic, opts.Group, deliveries, fetchErrs)
	} else {
		stopFetch, err = consumePartitions(ctx, client, topic, parts, opts, deliveries, fetchErrs)
	}
	if err != nil {
		cancel()
		return 0, err
	}
	defer func() {
		cancel()
		stopFetch()
	}()

	var idle <-chan time.Time
	var idleTimer *time.Timer
	if opts.Timeout > 0 {
		idleTimer = time.NewTimer(opts.Timeout)
		defer idleTimer.Stop()
		idle = idleTimer.C
	}
	n := 0
	for opts.MaxMessages == 0 || n < opts.MaxMessages {
		select {
		case <-ctx.Done():
			return n, nil
		case <-idle:
			return n, nil
		case err := <-fetchErrs:
			return n, fmt.Errorf("reading %s: %w", topic, err)
		case d := <-deliveries:
			m := d.msg
			rec := ConsumerRecord{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp, Key: m.Key, Value: m.Value}
			for _, h := range m.Headers {
				rec.Headers = append(rec.Headers, *h)
			}
			if err := handle(rec); err != nil {
				return n, err
			}
			if d.session != nil {
				d.session.MarkMessage(m, "")
			}
			n++
			if idleTimer != nil {
				idleTimer.Reset(opts.Timeout)
			}
		}
	}
	return n, nil
}

// consumerDelivery is a fetched record on its way to the handler; session is set for
// group consumers, to mark the record once handled.
type consumerDelivery struct {
	msg     *sarama.ConsumerMessage
	session sarama.ConsumerGroupSession
}

// consumePartitions starts one partition consumer per partition, feeding out.
func consumePartitions(ctx context.Context, client sarama.Client, topic string, parts []int32, opts ConsumeOptions, out chan<- consumerDelivery, errs chan<- error) (func(), error) {
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return nil, fmt.Errorf("starting a consumer: %w", err)
	}
	var pcs []sarama.PartitionConsumer
	stop := func() {
		for _, pc := range pcs {
			pc.AsyncClose()
		}
		consumer.Close()
	}
	for _, p := range parts {
		offset := sarama.OffsetOldest
		switch opts.From {
		case FromLatest:
			offset = sarama.OffsetNewest
		case FromOffset:
			offset = opts.Offset
			earliest, err1 := client.GetOffset(topic, p, sarama.OffsetOldest)
			latest, err2 := client.GetOffset(topic, p, sarama.OffsetNewest)
			if err := errors.Join(err1, err2); err != nil {
				stop()
				return nil, fmt.Errorf("reading the offsets of partition %d: %w", p, err)
			}
			if offset < earliest || offset > latest {
				stop()
				return nil, fmt.Errorf("offset %d is out of range for partition %d of %s: it holds offsets %d to %d (the next record gets %d)", offset, p, topic, earliest, latest-1, latest)
			}
		}
		pc, err := consumer.ConsumePartition(topic, p, offset)
		if err != nil {
			stop()
			return nil, fmt.Errorf("reading partition %d of %s: %w", p, topic, err)
		}
		pcs = append(pcs, pc)
		go func() {
			for m := range pc.Messages() {
				select {
				case out <- consumerDelivery{msg: m}:
				case <-ctx.Done():
					return
				}
			}
		}()
		go func() {
			for e := range pc.Errors() {
				select {
				case errs <- e:
				default:
				}
			}
		}()
	}
	return stop, nil
}

// consumeGroup joins the consumer group and feeds its claims to out.
func consumeGroup(ctx context.Context, client sarama.Client, topic, group string, out chan<- consumerDelivery, errs chan<- error) (func(), error) {
	cg, err := sarama.NewConsumerGroupFromClient(group, client)
	if err != nil {
		return nil, fmt.Errorf("joining consumer group %s: %w", group, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		handler := groupHandler{out: out}
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, handler); err != nil {
				if errors.Is(err, sarama.ErrClosedConsumerGroup) || ctx.Err() != nil {
					return
				}
				select {
				case errs <- err:
				default:
				}
				return
			}
		}
	}()
	go func() {
		for e := range cg.Errors() {
			select {
			case errs <- e:
			default:
			}
		}
	}()
	return func() {
		// Closing the group commits the offsets of the records handled.
		cg.Close()
		<-done
	}, nil
}

type groupHandler struct {
	out chan<- consumerDelivery
}

func (groupHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (groupHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h groupHandler) ConsumeClaim(session sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		select {
		case m, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			select {
			case h.out <- consumerDelivery{msg: m, session: session}:
			case <-session.Context().Done():
				return nil
			}
		case <-session.Context().Done():
			return nil
		}
	}
}

// ---------------------------------------------------------------------------
// Printing records

// Record output formats.
const (
	RecordFormatText = "text"
	RecordFormatJSON = "json"
)

// RecordPrinter writes consumed records, one per line, as
// kafka-console-consumer's formatter does (text) or as JSON objects.
type RecordPrinter struct {
	// Format is RecordFormatText (the default) or RecordFormatJSON.
	Format string
	// The text format prints the value alone, preceded by what these ask
	// for, in this order: CreateTime:MS, Partition:N, Offset:N, headers
	// (k:v,k:v or NO_HEADERS), key. The JSON format always has them all.
	PrintTimestamp bool
	PrintPartition bool
	PrintOffset    bool
	PrintHeaders   bool
	PrintKey       bool
	// Separator goes between the text format's fields; "\t" when empty.
	Separator string
}

// Validate checks the format name.
func (p RecordPrinter) Validate() error {
	switch p.Format {
	case "", RecordFormatText, RecordFormatJSON:
		return nil
	}
	return fmt.Errorf("unknown format %q: use %s or %s", p.Format, RecordFormatText, RecordFormatJSON)
}

// Print writes one record.
func (p RecordPrinter) Print(w io.Writer, r ConsumerRecord) error {
	var b []byte
	if p.Format == RecordFormatJSON {
		var err error
		if b, err = RecordJSON(r); err != nil {
			return err
		}
	} else {
		b = p.appendText(nil, r)
	}
	b = append(b, '\n')
	_, err := w.Write(b)
	return err
}

func (p RecordPrinter) appendText(b []byte, r ConsumerRecord) []byte {
	sep := orDefault(p.Separator, "\t")
	if p.PrintTimestamp {
		b = append(b, "CreateTime:"...)
		b = strconv.AppendInt(b, r.Timestamp.UnixMilli(), 10)
		b = append(b, sep...)
	}
	if p.PrintPartition {
		b = append(b, "Partition:"...)
		b = strconv.AppendInt(b, int64(r.Partition), 10)
		b = append(b, sep...)
	}
	if p.PrintOffset {
		b = append(b, "Offset:"...)
		b = strconv.AppendInt(b, r.Offset, 10)
		b = append(b, sep...)
	}
	if p.PrintHeaders {
		if len(r.Headers) == 0 {
			b = append(b, "NO_HEADERS"...)
		}
		for i, h := range r.Headers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, h.Key...)
			b = append(b, ':')
			b = appendNullable(b, h.Value)
		}
		b = append(b, sep...)
	}
	if p.PrintKey {
		b = appendNullable(b, r.Key)
		b = append(b, sep...)
	}
	return appendNullable(b, r.Value)
}

func appendNullable(b, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return append(b, v...)
}

// recordJSON is the JSON shape of a consumed record.
type recordJSON struct {
	Topic     string            `json:"topic"`
	Partition int32             `json:"partition"`
	Offset    int64             `json:"offset"`
	Timestamp int64             `json:"timestamp"`
	Key       *string           `json:"key"`
	Value     json.RawMessage   `json:"value"`
	Headers   map[string]string `json:"headers,omitempty"`
}

// RecordJSON renders a record as one JSON object: topic, partition, offset,
// timestamp (milliseconds), key (a string or null), value (the JSON value
// itself when the value is valid JSON, else a string; null for a tombstone)
// and headers when there are any.
func RecordJSON(r ConsumerRecord) ([]byte, error) {
	out := recordJSON{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli()}
	if r.Key != nil {
		k := string(r.Key)
		out.Key = &k
	}
	switch {
	case r.Value == nil:
		out.Value = json.RawMessage("null")
	case json.Valid(r.Value):
		var buf bytes.Buffer
		if err := json.Compact(&buf, r.Value); err != nil {
			return nil, err
		}
		out.Value = buf.Bytes()
	default:
		s, err := json.Marshal(string(r.Value))
		if err != nil {
			return nil, err
		}
		out.Value = s
	}
	if len(r.Headers) > 0 {
		out.Headers = make(map[string]string, len(r.Headers))
		for _, h := range r.Headers {
			out.Headers[string(h.Key)] = string(h.Value)
		}
	}
	return json.Marshal(out)
}
