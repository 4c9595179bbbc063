package ksqlkafka

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/engine"
)

// producer is the engine's Producer: an asynchronous sarama producer
// (so a query does not wait a round trip per output record) that numbers
// every record it sends, so the runner can wait until everything sent
// before a point has been acknowledged (flush) before it commits the
// input offsets that produced it.
type producer struct {
	ap sarama.AsyncProducer

	mu      sync.Mutex
	cond    *sync.Cond
	next    uint64 // sequence number of the next record sent
	base    uint64 // sequence number of acked[0]
	acked   []bool // acknowledgement of base, base+1, ...
	closed  bool
	lastErr error

	// onError reports a record the broker refused.
	onError func(msg *sarama.ProducerMessage, err error)

	done chan struct{}
}

var _ engine.Producer = (*producer)(nil)

// msgMeta travels with every record through the async producer.
type msgMeta struct {
	seq    uint64
	waiter *ackWaiter // nil unless a request waits for this record
}

// ackWaiter collects the broker's answers to the records produced with a
// context carrying it (withAckWaiter): a request that writes records on a
// client's behalf (INSERT VALUES, /inserts-stream) waits for them and
// reports the first one the producer or the broker refused, instead of
// answering before the records are written.
type ackWaiter struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	n   int
	err error
}

type ackWaiterKey struct{}

func withAckWaiter(ctx context.Context, w *ackWaiter) context.Context {
	return context.WithValue(ctx, ackWaiterKey{}, w)
}

func (w *ackWaiter) add() {
	w.mu.Lock()
	w.n++
	w.mu.Unlock()
	w.wg.Add(1)
}

func (w *ackWaiter) done(err error) {
	if err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
	w.wg.Done()
}

// count is the number of records produced with the waiter.
func (w *ackWaiter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// wait waits for the answers to every record produced with the waiter
// and returns the first refusal (or ctx's error).
func (w *ackWaiter) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func newProducer(client sarama.Client) (*producer, error) {
	ap, err := sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		return nil, err
	}
	p := &producer{ap: ap, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for msg := range ap.Successes() {
			m := msg.Metadata.(msgMeta)
			p.ack(m.seq)
			if m.waiter != nil {
				m.waiter.done(nil)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for perr := range ap.Errors() {
			p.mu.Lock()
			p.lastErr = perr.Err
			p.mu.Unlock()
			m := perr.Msg.Metadata.(msgMeta)
			if p.onError != nil {
				p.onError(perr.Msg, perr.Err)
			}
			p.ack(m.seq)
			if m.waiter != nil {
				m.waiter.done(perr.Err)
			}
		}
	}()
	go func() { wg.Wait(); close(p.done) }()
	return p, nil
}

func (p *producer) ack(seq uint64) {
	p.mu.Lock()
	if i := seq - p.base; seq >= p.base && i < uint64(len(p.acked)) {
		p.acked[i] = true
	}
	n := 0
	for n < len(p.acked) && p.acked[n] {
		n++
	}
	if n > 0 {
		p.acked = p.acked[n:]
		p.base += uint64(n)
		if cap(p.acked) > 4096 && len(p.acked) < cap(p.acked)/4 {
			p.acked = append(make([]bool, 0, 2*len(p.acked)+64), p.acked...)
		}
		p.cond.Broadcast()
	}
	p.mu.Unlock()
}

var errProducerClosed = errors.New("producer closed")

// Produce sends a record asynchronously. When ctx carries an ackWaiter,
// the record's answer is reported to it.
func (p *producer) Produce(ctx context.Context, rec engine.Record) error {
	msg := &sarama.ProducerMessage{Topic: rec.Topic}
	if rec.Key != nil {
		msg.Key = sarama.ByteEncoder(rec.Key)
	}
	if rec.Value != nil {
		msg.Value = sarama.ByteEncoder(rec.Value)
	}
	if rec.Timestamp > 0 {
		msg.Timestamp = time.UnixMilli(rec.Timestamp)
	}
	for _, h := range rec.Headers {
		msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errProducerClosed
	}
	meta := msgMeta{seq: p.next}
	if w, ok := ctx.Value(ackWaiterKey{}).(*ackWaiter); ok {
		meta.waiter = w
	}
	msg.Metadata = meta
	p.next++
	p.acked = append(p.acked, false)
	// Sending under the lock keeps sequence numbers in send order.
	if meta.waiter != nil {
		meta.waiter.add()
	}
	select {
	case p.ap.Input() <- msg:
		p.mu.Unlock()
		return nil
	default:
	}
	p.mu.Unlock()
	// The input channel is full: wait outside the lock (acks need it).
	select {
	case p.ap.Input() <- msg:
		return nil
	case <-ctx.Done():
		p.ack(meta.seq)
		if meta.waiter != nil {
			meta.waiter.done(ctx.Err())
		}
		return ctx.Err()
	}
}

// mark returns the sequence number the next record will get: flushing up
// to it covers everything sent so far.
func (p *producer) mark() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next
}

// waitAcked waits until every record numbered below upTo has been
// acknowledged (or refused), or ctx ends.
func (p *producer) waitAcked(ctx context.Context, upTo uint64) error {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.base < upTo && len(p.acked) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.cond.Wait()
	}
	return nil
}

// flush waits until everything sent so far is acknowledged.
func (p *producer) flush(ctx context.Context) error { return p.waitAcked(ctx, p.mark()) }

// close flushes and stops the producer.
func (p *producer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = p.flush(ctx)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	p.ap.AsyncClose()
	<-p.done
}
