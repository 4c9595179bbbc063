package engine

import (
	"context"
	"sort"
	"sync"
)

// Header is a Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Record is a Kafka record as the engine sees it: the boundary between the
// engine and the Kafka layer. A nil Value is a tombstone.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Timestamp int64 // milliseconds since the epoch
	Headers   []Header
}

// Producer writes the records that queries and INSERT statements produce.
// The Kafka layer implements it with a real producer; tests use an
// in-memory log.
type Producer interface {
	Produce(ctx context.Context, rec Record) error
}

// ProducerFunc adapts a function to Producer.
type ProducerFunc func(ctx context.Context, rec Record) error

// Produce calls f.
func (f ProducerFunc) Produce(ctx context.Context, rec Record) error { return f(ctx, rec) }

// TopicInfo describes a topic.
type TopicInfo struct {
	Name       string
	Partitions int
	Replicas   int
}

// TopicAdmin creates, deletes and lists topics for CREATE, DROP ... DELETE
// TOPIC and SHOW TOPICS.
type TopicAdmin interface {
	// CreateTopic creates a topic; an existing topic is not an error.
	CreateTopic(ctx context.Context, name string, partitions, replicas int) error
	DeleteTopic(ctx context.Context, name string) error
	ListTopics(ctx context.Context) ([]TopicInfo, error)
	// DescribeTopic returns a topic's details and whether it exists.
	DescribeTopic(ctx context.Context, name string) (TopicInfo, bool, error)
}

// ProcessingLogEntry reports a record that a query could not process
// (bad JSON, wrong types, bad CSV, a failing expression). The record is
// skipped and the query keeps running, as in ksqlDB; the Kafka layer may
// write these entries to the KSQL_PROCESSING_LOG stream.
type ProcessingLogEntry struct {
	QueryID   string
	Message   string
	Topic     string
	Partition int32
	Offset    int64
	Timestamp int64
}

// MemoryTopics is an in-memory TopicAdmin and Producer: every produced
// record is appended to its topic's log (one partition per topic) and
// handed to OnProduce. It is what tests and the conformance suite run on.
type MemoryTopics struct {
	mu     sync.Mutex
	topics map[string]*memTopic
	// OnProduce, when set, is called after each record is appended
	// (outside the lock) with the record and its offset filled in.
	OnProduce func(rec Record)
}

type memTopic struct {
	info    TopicInfo
	records []Record
}

// NewMemoryTopics returns an empty in-memory topic store.
func NewMemoryTopics() *MemoryTopics { return &MemoryTopics{topics: map[string]*memTopic{}} }

// CreateTopic implements TopicAdmin.
func (m *MemoryTopics) CreateTopic(_ context.Context, name string, partitions, replicas int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.topics[name]; !ok {
		m.topics[name] = &memTopic{info: TopicInfo{Name: name, Partitions: max(partitions, 1), Replicas: max(replicas, 1)}}
	}
	return nil
}

// DeleteTopic implements TopicAdmin.
func (m *MemoryTopics) DeleteTopic(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.topics, name)
	return nil
}

// ListTopics implements TopicAdmin.
func (m *MemoryTopics) ListTopics(context.Context) ([]TopicInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]TopicInfo, 0, len(m.topics))
	for _, t := range m.topics {
		out = append(out, t.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DescribeTopic implements TopicAdmin.
func (m *MemoryTopics) DescribeTopic(_ context.Context, name string) (TopicInfo, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.topics[name]
	if !ok {
		return TopicInfo{}, false, nil
	}
	return t.info, true, nil
}

// Produce implements Producer: the record is appended (creating the topic
// if needed) and passed to OnProduce.
func (m *MemoryTopics) Produce(_ context.Context, rec Record) error {
	m.mu.Lock()
	t, ok := m.topics[rec.Topic]
	if !ok {
		t = &memTopic{info: TopicInfo{Name: rec.Topic, Partitions: 1, Replicas: 1}}
		m.topics[rec.Topic] = t
	}
	rec.Partition = 0
	rec.Offset = int64(len(t.records))
	t.records = append(t.records, rec)
	cb := m.OnProduce
	m.mu.Unlock()
	if cb != nil {
		cb(rec)
	}
	return nil
}

// ReadTopic implements TopicReader: the topic's records so far (fn runs
// outside the lock, so it may produce).
func (m *MemoryTopics) ReadTopic(_ context.Context, topic string, fn func(Record) bool) error {
	for _, r := range m.Records(topic) {
		if !fn(r) {
			break
		}
	}
	return nil
}

// Records returns a copy of a topic's log.
func (m *MemoryTopics) Records(topic string) []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.topics[topic]
	if !ok {
		return nil
	}
	return append([]Record(nil), t.records...)
}
