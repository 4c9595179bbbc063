package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// Table is the state of a stateful processor: the latest value of each key.
// The processor gives its TableTransform a Table restored from the
// changelog topic, and writes every Put and Delete the transform makes to
// that topic (key, then the new value or a tombstone) along with the
// transform's outputs.
//
// Values are bytes, as in Kafka: encode them however you like (JSON in the
// labs). A Table is safe for concurrent use; the processor calls its
// transform from one goroutine at a time.
//
// NewTable makes a free-standing Table, for testing a transform without a
// broker: its changes are kept in memory only.
type Table struct {
	mu     sync.RWMutex
	values map[string][]byte

	// Inside a processor, the changes not yet written to the changelog, and
	// the values the current record's changes replaced (to undo them when
	// its transform fails).
	tracking bool
	pending  []change
	undo     map[string]undoEntry
}

// change is one update of a Table, to be written to its changelog; a nil
// value deletes the key.
type change struct {
	key   string
	value []byte
}

type undoEntry struct {
	value   []byte
	existed bool
}

// NewTable returns an empty Table.
func NewTable() *Table {
	return &Table{values: map[string][]byte{}}
}

// Get returns the value of key, and whether the table holds it. The value is
// a copy: changing it does not change the table.
func (t *Table) Get(key string) ([]byte, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	v, ok := t.values[key]
	return bytes.Clone(v), ok
}

// Put sets the value of key (a copy of value is kept). Put with a nil value
// deletes the key, like Delete.
func (t *Table) Put(key string, value []byte) {
	if value == nil {
		t.Delete(key)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.remember(key)
	v := bytes.Clone(value)
	t.values[key] = v
	if t.tracking {
		t.pending = append(t.pending, change{key: key, value: v})
	}
}

// Delete removes key; its changelog gets a tombstone (a record with the key
// and a nil value), which is how a compacted topic forgets a key.
func (t *Table) Delete(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.remember(key)
	delete(t.values, key)
	if t.tracking {
		t.pending = append(t.pending, change{key: key})
	}
}

// Len is the number of keys.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.values)
}

// Keys returns the keys, sorted.
func (t *Table) Keys() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	keys := make([]string, 0, len(t.values))
	for k := range t.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// remember keeps the value key had before the current record changed it.
// Callers hold t.mu.
func (t *Table) remember(key string) {
	if !t.tracking {
		return
	}
	if _, seen := t.undo[key]; seen {
		return
	}
	old, ok := t.values[key]
	t.undo[key] = undoEntry{value: old, existed: ok}
}

// track makes the table keep its changes for the changelog.
func (t *Table) track() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tracking = true
	t.undo = map[string]undoEntry{}
}

// begin starts one record's changes and returns the mark to roll back to.
func (t *Table) begin() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.undo)
	return len(t.pending)
}

// rollback undoes the changes made since begin returned mark.
func (t *Table) rollback(mark int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, u := range t.undo {
		if u.existed {
			t.values[k] = u.value
		} else {
			delete(t.values, k)
		}
	}
	clear(t.undo)
	t.pending = t.pending[:mark]
}

// takePending returns the changes since the last call, for the changelog.
func (t *Table) takePending() []change {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pending
	t.pending = nil
	return p
}

// ReadTable reads a topic as a table: the latest value of each key, where a
// tombstone (nil value) deletes its key. It reads every partition up to the
// end it had when ReadTable was called, and returns: a snapshot, not a
// subscription. Records without a key are ignored (a table has none).
func ReadTable(ctx context.Context, bootstrap, topic string) (map[string][]byte, error) {
	kc, err := dialReader(ctx, bootstrap, topic)
	if err != nil {
		return nil, err
	}
	defer kc.Close()
	return readTable(ctx, kc, topic)
}

// readTable is ReadTable on a client already connected.
func readTable(ctx context.Context, kc *kafkautil.Client, topic string) (map[string][]byte, error) {
	table := map[string][]byte{}
	err := readWith(ctx, kc, topic, true, func(r Record) error {
		if r.Key == nil {
			return nil
		}
		if r.IsTombstone() {
			delete(table, string(r.Key))
		} else {
			table[string(r.Key)] = r.Value
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return table, nil
}

// ErrUnknownTopic is returned (wrapped) by Scan and ReadTable for a topic the
// cluster does not have. It is kafkautil.ErrUnknownTopic: one error for a
// missing topic, whichever package reports it.
var ErrUnknownTopic = kafkautil.ErrUnknownTopic

// Scan calls fn for every record topic holds when Scan is called. Records
// of one partition come in offset order (the order that matters: a key's
// records share a partition); partitions are read side by side, so their
// records interleave, but fn is never called concurrently. Scan returns when
// it has reached the end every partition had when Scan was called, when fn
// returns an error (which Scan returns), or when ctx ends.
func Scan(ctx context.Context, bootstrap, topic string, fn func(Record) error) error {
	return read(ctx, bootstrap, topic, true, fn)
}

// Follow is Scan that does not stop at the end: it calls fn for every
// record topic holds and then for every record written to it, until fn
// returns an error (which Follow returns) or ctx ends (Follow then returns
// nil). It is how a service keeps up with a compacted topic of settings,
// such as a models topic, or learns from a stream as it flows.
func Follow(ctx context.Context, bootstrap, topic string, fn func(Record) error) error {
	err := read(ctx, bootstrap, topic, false, fn)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// read reads every partition of topic from its first record, to the end it
// has now (untilEnd) or on.
func read(ctx context.Context, bootstrap, topic string, untilEnd bool, fn func(Record) error) error {
	kc, err := dialReader(ctx, bootstrap, topic)
	if err != nil {
		return err
	}
	defer kc.Close()
	return readWith(ctx, kc, topic, untilEnd, fn)
}

// dialReader connects a client for reading topic (Scan, Follow, ReadTable).
func dialReader(ctx context.Context, bootstrap, topic string) (*kafkautil.Client, error) {
	// The tools' configuration: reading a table that is not there must not
	// create an empty one, and a dead broker is reported within seconds.
	cfg := kafkautil.NewConsoleConfig("mlops-lab-stream-scan")
	// Follow closely: a record written now should reach fn within
	// milliseconds, not after a fetch's default half-second wait.
	cfg.Consumer.MaxWaitTime = followWait
	kc, err := kafkautil.Dial(ctx, bootstrap, cfg)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", topic, err)
	}
	return kc, nil
}

// followWait is how long a reader's fetch waits for new records.
const followWait = 50 * time.Millisecond

// readWith is read on a client already connected.
func readWith(ctx context.Context, kc *kafkautil.Client, topic string, untilEnd bool, fn func(Record) error) error {
	partitions, err := kc.Partitions(ctx, topic)
	if err != nil {
		return fmt.Errorf("reading %s: %w", topic, err)
	}
	client := kc.Sarama()
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return fmt.Errorf("reading %s: %w", topic, err)
	}
	defer consumer.Close()

	// Start every partition before reading any: sarama gathers the
	// partitions it is asked for into one fetch session.
	type span struct {
		pc        sarama.PartitionConsumer
		partition int32
		end       int64 // -1: no end
	}
	var spans []span
	defer func() {
		for _, s := range spans {
			s.pc.AsyncClose()
		}
	}()
	for _, p := range partitions {
		// The first offset still stored (retention and compaction remove
		// records from the front) and the next offset to be written.
		first, err := client.GetOffset(topic, p, sarama.OffsetOldest)
		if err != nil {
			return fmt.Errorf("reading %s partition %d: its first offset: %w", topic, p, err)
		}
		end := int64(-1)
		if untilEnd {
			if end, err = client.GetOffset(topic, p, sarama.OffsetNewest); err != nil {
				return fmt.Errorf("reading %s partition %d: its end offset: %w", topic, p, err)
			}
			if first >= end {
				continue // empty
			}
		}
		pc, err := consumer.ConsumePartition(topic, p, first)
		if err != nil {
			return fmt.Errorf("reading %s partition %d: %w", topic, p, err)
		}
		spans = append(spans, span{pc: pc, partition: p, end: end})
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex // serialises fn
		wg       sync.WaitGroup
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	for _, s := range spans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := readPartition(ctx, s.pc, topic, s.partition, s.end, &mu, fn); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// readPartition calls fn for one partition's records, up to end (or on,
// when end is -1).
func readPartition(ctx context.Context, pc sarama.PartitionConsumer, topic string, p int32, end int64, mu *sync.Mutex, fn func(Record) error) error {
	for {
		select {
		case msg, ok := <-pc.Messages():
			if !ok {
				return fmt.Errorf("reading %s partition %d: the consumer stopped before offset %d", topic, p, end)
			}
			mu.Lock()
			err := ctx.Err()
			if err == nil {
				err = fn(recordOf(msg))
			}
			mu.Unlock()
			if err != nil {
				return err
			}
			// The last offset is always there to read: compaction keeps the
			// latest record of a partition.
			if end >= 0 && msg.Offset >= end-1 {
				return nil
			}
		case cerr := <-pc.Errors():
			return fmt.Errorf("reading %s partition %d: %w", topic, p, cerr)
		case <-ctx.Done():
			if end < 0 {
				return fmt.Errorf("reading %s partition %d: %w", topic, p, ctx.Err())
			}
			return fmt.Errorf("reading %s partition %d up to offset %d: %w", topic, p, end, ctx.Err())
		}
	}
}

// recordOf turns what sarama read into a Record.
func recordOf(msg *sarama.ConsumerMessage) Record {
	return Record{
		Topic:     msg.Topic,
		Partition: msg.Partition,
		Offset:    msg.Offset,
		Key:       msg.Key,
		Value:     msg.Value,
		Timestamp: msg.Timestamp,
	}
}
