package ksqlkafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
)

// feed consumes one query's source topics and hands the records to the
// query, in order per partition, from a single goroutine. Persistent
// queries commit the offsets they have processed under their own
// consumer group, after flushing the output those records produced.
type feed struct {
	r     *Runtime
	q     *engine.Query
	group string // "" for push queries and materialized source tables

	client   sarama.Client
	consumer sarama.Consumer
	parts    []*feedPartition

	// initialCommit: commit the starting offsets at once (a new
	// persistent query reading from "latest").
	initialCommit bool

	stop     chan struct{}
	stopOnce sync.Once
}

type feedPartition struct {
	topic string
	id    int32
	pc    sarama.PartitionConsumer
	// restoreUntil is the committed offset: records below it were
	// processed before a restart and only rebuild state (their output
	// was written then). Each partition leaves restoring on its own
	// record: new records of a partition produce output at once, even
	// while another partition still restores.
	restoreUntil int64
	next         int64 // next offset to commit (-1: nothing processed)
	committed    int64
	// origin is the first offset the query ever read (-1: unknown, the
	// oldest). It travels in the commit metadata so that a restart
	// rebuilds state from exactly the records the query processed, also
	// when it started at "latest".
	origin int64
}

// originMeta encodes and parses the commit metadata holding a
// partition's origin.
const originPrefix = "origin="

func originMeta(origin int64) string {
	if origin < 0 {
		return ""
	}
	return originPrefix + strconv.FormatInt(origin, 10)
}

func parseOrigin(meta string) int64 {
	if v, ok := strings.CutPrefix(meta, originPrefix); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return n
		}
	}
	return -1
}

// committedOffset is a partition's committed position and origin.
type committedOffset struct {
	offset int64
	origin int64
}

func (f *feed) signalStop() { f.stopOnce.Do(func() { close(f.stop) }) }

// queryStarted is the engine's QueryStarted hook. It runs while the
// statement (or StartQuery) is executing, so for a push query reading
// from "latest" the starting offsets are fixed before the client sees
// the header: a record produced after that reaches the query.
func (r *Runtime) queryStarted(q *engine.Query) {
	if r.closed.Load() {
		return
	}
	f := &feed{r: r, q: q, stop: make(chan struct{})}
	if q.Persistent && !strings.HasPrefix(q.ID, "MATERIALIZE_") {
		r.mu.Lock()
		canon := r.replayID
		if canon == "" {
			canon = q.ID
			for n := 2; r.usedCanon[strings.ToUpper(canon)]; n++ {
				canon = q.ID + "_" + strconv.Itoa(n)
			}
		}
		r.usedCanon[strings.ToUpper(canon)] = true
		r.canon[strings.ToUpper(q.ID)] = canon
		r.started = append(r.started, q)
		r.mu.Unlock()
		f.group = GroupID(r.opts.ServiceID, canon)
	}
	if err := f.open(); err != nil {
		r.opts.Logf("ksql: starting query %s: %v", q.ID, err)
		f.closeClients()
		return
	}
	r.mu.Lock()
	r.feeds[q] = f
	r.mu.Unlock()
	r.feedsWG.Add(1)
	go f.run()
}

// queryStopped is the engine's QueryStopped hook. It may be called with
// the query's lock held (LIMIT reached inside Process), so it only
// signals; the feed's goroutine commits and disconnects.
func (r *Runtime) queryStopped(q *engine.Query) {
	r.mu.Lock()
	f := r.feeds[q]
	r.mu.Unlock()
	if f != nil {
		f.signalStop()
	}
}

func (f *feed) consumerConfig() *sarama.Config {
	cfg := f.r.opts.config("ksql-" + f.q.ID)
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.Offsets.Initial = sarama.OffsetNewest
	if strings.EqualFold(f.q.OffsetReset, "earliest") {
		cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	}
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cfg.Consumer.Fetch.Default = 4 << 20
	cfg.ChannelBufferSize = 1024
	cfg.Metadata.Retry.Backoff = 50 * time.Millisecond
	return cfg
}

// open connects the query's own client (so its long-polling fetches do not
// queue behind other queries') and positions every source partition.
func (f *feed) open() error {
	cfg := f.consumerConfig()
	client, err := sarama.NewClient(f.r.brokers, cfg)
	if err != nil {
		return err
	}
	f.client = client
	if f.consumer, err = sarama.NewConsumerFromClient(client); err != nil {
		return err
	}
	committed := map[string]map[int32]committedOffset{}
	if f.group != "" {
		if committed, err = f.fetchCommitted(); err != nil {
			return fmt.Errorf("committed offsets of %s: %w", f.group, err)
		}
	}
	for _, topic := range f.q.SourceTopics {
		if err := client.RefreshMetadata(topic); err != nil {
			return fmt.Errorf("metadata of %s: %w", topic, err)
		}
		ids, err := client.Partitions(topic)
		if err != nil {
			return fmt.Errorf("partitions of %s: %w", topic, err)
		}
		for _, id := range ids {
			p := &feedPartition{topic: topic, id: id, restoreUntil: -1, next: -1, committed: -1, origin: -1}
			start := cfg.Consumer.Offsets.Initial
			if f.group != "" {
				c, ok := committed[topic][id]
				switch {
				case ok && c.offset >= 0:
					// Committed before: rebuild state from the query's
					// first record (its origin, else the oldest), then
					// continue at the committed offset.
					off := c.offset
					p.committed, p.origin = off, c.origin
					oldest, err := client.GetOffset(topic, id, sarama.OffsetOldest)
					if err != nil {
						return fmt.Errorf("offsets of %s/%d: %w", topic, id, err)
					}
					from := max(oldest, c.origin)
					start = off
					if from < off {
						p.restoreUntil = off
						start = from
					}
				case start == sarama.OffsetNewest:
					// auto.offset.reset=latest: fix the start now and
					// commit it, so that a restart resumes here (and
					// rebuilds no state from earlier records).
					newest, err := client.GetOffset(topic, id, sarama.OffsetNewest)
					if err != nil {
						return fmt.Errorf("offsets of %s/%d: %w", topic, id, err)
					}
					start, p.origin, p.next = newest, newest, newest
					f.initialCommit = true
				}
			}
			p.pc, err = f.consumer.ConsumePartition(topic, id, start)
			if errors.Is(err, sarama.ErrOffsetOutOfRange) {
				p.pc, err = f.consumer.ConsumePartition(topic, id, sarama.OffsetOldest)
			}
			if err != nil {
				return fmt.Errorf("consuming %s/%d: %w", topic, id, err)
			}
			f.parts = append(f.parts, p)
		}
	}
	return nil
}

func (f *feed) closeClients() {
	for _, p := range f.parts {
		if p.pc != nil {
			p.pc.AsyncClose()
		}
	}
	if f.consumer != nil {
		f.consumer.Close()
	}
	if f.client != nil {
		f.client.Close()
	}
}

type partMessage struct {
	p *feedPartition
	m *sarama.ConsumerMessage
}

func (f *feed) run() {
	defer f.r.feedsWG.Done()
	defer func() {
		f.r.mu.Lock()
		delete(f.r.feeds, f.q)
		f.r.mu.Unlock()
		f.closeClients()
	}()
	if f.initialCommit {
		f.commit()
	}

	// One partition: read its channel directly; more: fan them in.
	var in <-chan partMessage
	single := len(f.parts) == 1
	var singleCh <-chan *sarama.ConsumerMessage
	if single {
		singleCh = f.parts[0].pc.Messages()
	} else {
		ch := make(chan partMessage, 1024)
		in = ch
		for _, p := range f.parts {
			go func() {
				for m := range p.pc.Messages() {
					select {
					case ch <- partMessage{p, m}:
					case <-f.stop:
						return
					}
				}
			}()
		}
	}
	ticker := time.NewTicker(f.r.opts.CommitInterval)
	defer ticker.Stop()
	dirty := false
	for {
		var pm partMessage
		select {
		case m, ok := <-singleCh:
			if !ok {
				singleCh = nil
				continue
			}
			pm = partMessage{f.parts[0], m}
		case pm = <-in:
		case <-ticker.C:
			if dirty {
				f.commit()
				dirty = false
			}
			continue
		case <-f.stop:
			f.commit()
			return
		}
		f.process(pm)
		dirty = true
	}
}

func (f *feed) process(pm partMessage) {
	p, m := pm.p, pm.m
	restoring := p.restoreUntil >= 0 && m.Offset < p.restoreUntil
	rec := engine.Record{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Timestamp: m.Timestamp.UnixMilli()}
	if len(m.Headers) > 0 {
		rec.Headers = make([]engine.Header, len(m.Headers))
		for i, h := range m.Headers {
			rec.Headers[i] = engine.Header{Key: string(h.Key), Value: h.Value}
		}
	}
	if restoring {
		f.q.Restore(rec)
	} else {
		f.q.Process(rec)
	}
	p.next = m.Offset + 1
	if restoring && m.Offset+1 >= p.restoreUntil {
		p.restoreUntil = -1
	}
}

// commit flushes the output produced so far and then commits the
// offsets of the records that produced it (at-least-once).
func (f *feed) commit() {
	if f.group == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.r.prod.flush(ctx); err != nil {
		f.r.opts.Logf("ksql: query %s: flushing before commit: %v", f.q.ID, err)
		return
	}
	req := sarama.NewOffsetCommitRequest(f.client.Config(), f.group)
	var changed []*feedPartition
	for _, p := range f.parts {
		if p.next > p.committed {
			req.AddBlock(p.topic, p.id, p.next, 0, originMeta(p.origin))
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return
	}
	if err := f.sendCommit(req); err != nil {
		f.r.opts.Logf("ksql: query %s: committing offsets: %v", f.q.ID, err)
		return
	}
	for _, p := range changed {
		p.committed = p.next
	}
}

// sendCommit commits offsets outside any group membership (a "simple"
// commit, generation -1), which Kafka accepts for a group without members.
func (f *feed) sendCommit(req *sarama.OffsetCommitRequest) error {
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		coord, err := f.client.Coordinator(f.group)
		if err != nil {
			last = err
			_ = f.client.RefreshCoordinator(f.group)
			continue
		}
		resp, err := coord.CommitOffset(req)
		if err != nil {
			last = err
			_ = f.client.RefreshCoordinator(f.group)
			continue
		}
		last = nil
		for _, parts := range resp.Errors {
			for _, kerr := range parts {
				if kerr != sarama.ErrNoError {
					last = kerr
				}
			}
		}
		if last == nil {
			return nil
		}
	}
	return last
}

// fetchCommitted returns the group's committed offsets of the query's
// source partitions (none for a new group).
func (f *feed) fetchCommitted() (map[string]map[int32]committedOffset, error) {
	parts := map[string][]int32{}
	for _, topic := range f.q.SourceTopics {
		ids, err := f.client.Partitions(topic)
		if err != nil {
			return nil, err
		}
		parts[topic] = ids
	}
	req := sarama.NewOffsetFetchRequest(sarama.V2_0_0_0, f.group, parts)
	coord, err := f.client.Coordinator(f.group)
	if err != nil {
		return nil, err
	}
	resp, err := coord.FetchOffset(req)
	if err != nil {
		return nil, err
	}
	out := map[string]map[int32]committedOffset{}
	if resp.Err == sarama.ErrGroupIDNotFound || resp.Err == sarama.ErrUnknownMemberId {
		return out, nil
	}
	if resp.Err != sarama.ErrNoError {
		return nil, resp.Err
	}
	for topic, ids := range parts {
		out[topic] = map[int32]committedOffset{}
		for _, id := range ids {
			b := resp.GetBlock(topic, id)
			if b == nil || b.Err == sarama.ErrGroupIDNotFound || b.Err == sarama.ErrUnknownTopicOrPartition {
				continue
			}
			if b.Err != sarama.ErrNoError {
				return nil, b.Err
			}
			out[topic][id] = committedOffset{offset: b.Offset, origin: parseOrigin(b.Metadata)}
		}
	}
	return out, nil
}
