package kafkautil

// Topic administration, in the spirit of kafka-topics: create, list,
// describe and delete topics, and read partition offsets.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/IBM/sarama"
)

// TopicSpec describes a topic to create.
type TopicSpec struct {
	Name       string `yaml:"name" json:"name"`
	Partitions int32  `yaml:"partitions" json:"partitions"`
	// Compacted sets cleanup.policy=compact (a table's changelog).
	Compacted bool `yaml:"compacted" json:"compacted,omitempty"`
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

// CreateTopic creates a topic. Config names are checked against Kafka's topic
// configs first, so a typo is reported rather than silently kept. An
// existing topic is a *TopicExistsError (ErrTopicExists), unless
// opts.IfNotExists.
func (c *Client) CreateTopic(ctx context.Context, topic string, opts CreateTopicOptions) error {
	detail, err := topicDetail(topic, opts)
	if err != nil {
		return err
	}
	err = callWithContext(ctx, func() error { return c.admin.CreateTopic(topic, detail, false) })
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

// topicDetail checks what CreateTopic is asked for and turns it into
// sarama's request.
func topicDetail(topic string, opts CreateTopicOptions) (*sarama.TopicDetail, error) {
	if err := ValidateTopicName(topic); err != nil {
		return nil, err
	}
	if opts.Partitions < 0 {
		return nil, fmt.Errorf("a topic needs at least 1 partition (got %d)", opts.Partitions)
	}
	if opts.ReplicationFactor < 0 {
		return nil, fmt.Errorf("the replication factor must be at least 1 (got %d)", opts.ReplicationFactor)
	}
	configs := make(map[string]*string, len(opts.Configs)+1)
	for k, v := range opts.Configs {
		if err := ValidateTopicConfig(k); err != nil {
			return nil, err
		}
		configs[k] = &v
	}
	if opts.Compact {
		if p := configs["cleanup.policy"]; p != nil && !strings.Contains(*p, "compact") {
			return nil, fmt.Errorf("compact contradicts cleanup.policy=%s: drop one of them", *p)
		}
		policy := "compact"
		if p := configs["cleanup.policy"]; p != nil {
			policy = *p
		}
		configs["cleanup.policy"] = &policy
	}
	detail := &sarama.TopicDetail{NumPartitions: opts.Partitions, ReplicationFactor: opts.ReplicationFactor, ConfigEntries: configs}
	// -1 asks the broker for its default.
	if detail.NumPartitions == 0 {
		detail.NumPartitions = -1
	}
	if detail.ReplicationFactor == 0 {
		detail.ReplicationFactor = -1
	}
	return detail, nil
}

// EnsureTopics creates the topics that do not exist yet (one replica each,
// at least one partition); existing topics are left as they are.
func (c *Client) EnsureTopics(ctx context.Context, topics []TopicSpec) error {
	for _, t := range topics {
		opts := CreateTopicOptions{Partitions: max(t.Partitions, 1), ReplicationFactor: 1, Compact: t.Compacted, IfNotExists: true}
		if err := c.CreateTopic(ctx, t.Name, opts); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTopic deletes a topic and all its records. A topic that does not
// exist is an *UnknownTopicError (ErrUnknownTopic).
func (c *Client) DeleteTopic(ctx context.Context, topic string) error {
	if err := ValidateTopicName(topic); err != nil {
		return err
	}
	err := callWithContext(ctx, func() error { return c.admin.DeleteTopic(topic) })
	if errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		return &UnknownTopicError{Topic: topic}
	}
	if err != nil {
		return fmt.Errorf("deleting topic %s: %w", topic, err)
	}
	return nil
}

// ListTopics lists the cluster's topics, Kafka's internal ones included,
// sorted by name.
func (c *Client) ListTopics(ctx context.Context) ([]TopicInfo, error) {
	var details map[string]sarama.TopicDetail
	err := callWithContext(ctx, func() (err error) {
		details, err = c.admin.ListTopics()
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

// DescribeTopic reports a topic's partitions (leader, replicas, earliest and
// latest offsets) and configuration. A topic that does not exist is an
// *UnknownTopicError (ErrUnknownTopic).
func (c *Client) DescribeTopic(ctx context.Context, topic string) (TopicDescription, error) {
	if err := ValidateTopicName(topic); err != nil {
		return TopicDescription{}, err
	}
	desc := TopicDescription{Name: topic}
	err := callWithContext(ctx, func() error {
		meta, err := c.admin.DescribeTopics([]string{topic})
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
			if pd.Earliest, err = c.client.GetOffset(topic, p.ID, sarama.OffsetOldest); err != nil {
				return fmt.Errorf("partition %d: earliest offset: %w", p.ID, err)
			}
			if pd.Latest, err = c.client.GetOffset(topic, p.ID, sarama.OffsetNewest); err != nil {
				return fmt.Errorf("partition %d: latest offset: %w", p.ID, err)
			}
			desc.Partitions = append(desc.Partitions, pd)
		}
		slices.SortFunc(desc.Partitions, func(a, b PartitionDescription) int { return int(a.Partition - b.Partition) })
		results, err := c.admin.DescribeConfigs([]*sarama.ConfigResource{{Type: sarama.TopicResource, Name: topic}}, sarama.DescribeConfigsOptions{})
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
	if errors.Is(err, ErrUnknownTopic) {
		return TopicDescription{}, err
	}
	if err != nil {
		return TopicDescription{}, fmt.Errorf("describing topic %s: %w", topic, err)
	}
	return desc, nil
}

// Partitions returns the partition ids of topic, in order. A topic that does
// not exist is an *UnknownTopicError (ErrUnknownTopic), unless the client's
// configuration lets the broker create it on first sight (NewConfig does,
// NewConsoleConfig does not).
func (c *Client) Partitions(ctx context.Context, topic string) ([]int32, error) {
	if err := ValidateTopicName(topic); err != nil {
		return nil, err
	}
	var parts []int32
	err := callWithContext(ctx, func() (err error) {
		parts, err = c.client.Partitions(topic)
		return err
	})
	if errors.Is(err, sarama.ErrUnknownTopicOrPartition) || (err == nil && len(parts) == 0) {
		return nil, &UnknownTopicError{Topic: topic}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the partitions of %s: %w", topic, err)
	}
	parts = slices.Clone(parts)
	slices.Sort(parts)
	return parts, nil
}

// EndOffsets returns the offset the next record of every partition of topic
// will get: on a topic nothing has been deleted from, the number of records
// each partition holds.
func (c *Client) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return c.offsets(ctx, topic, sarama.OffsetNewest)
}

// StartOffsets returns the first offset still stored in every partition of
// topic.
func (c *Client) StartOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	return c.offsets(ctx, topic, sarama.OffsetOldest)
}

func (c *Client) offsets(ctx context.Context, topic string, which int64) (map[int32]int64, error) {
	parts, err := c.Partitions(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := make(map[int32]int64, len(parts))
	err = callWithContext(ctx, func() error {
		for _, p := range parts {
			off, err := c.client.GetOffset(topic, p, which)
			if err != nil {
				return fmt.Errorf("reading the offsets of %s partition %d: %w", topic, p, err)
			}
			out[p] = off
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CommittedOffsets returns the offset group has committed in every
// partition of topic (the next offset it will read); -1 marks a partition
// without a commit, and every partition has -1 for a group that does not
// exist.
func (c *Client) CommittedOffsets(ctx context.Context, group, topic string) (map[int32]int64, error) {
	if group == "" {
		return nil, errors.New("no consumer group given: committed offsets belong to a group")
	}
	parts, err := c.Partitions(ctx, topic)
	if err != nil {
		return nil, err
	}
	var resp *sarama.OffsetFetchResponse
	err = callWithContext(ctx, func() (err error) {
		resp, err = c.admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: parts})
		return err
	})
	if errors.Is(err, sarama.ErrGroupIDNotFound) {
		resp, err = &sarama.OffsetFetchResponse{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the offsets group %s committed on %s: %w", group, topic, err)
	}
	out := make(map[int32]int64, len(parts))
	for _, p := range parts {
		out[p] = -1
		if block := resp.GetBlock(topic, p); block != nil && block.Err == sarama.ErrNoError {
			out[p] = block.Offset
		}
	}
	return out, nil
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

func checkPartition(topic string, parts []int32, p int32) error {
	if slices.Contains(parts, p) {
		return nil
	}
	return fmt.Errorf("topic %s has no partition %d: its partitions are 0 to %d", topic, p, len(parts)-1)
}
