package kafkautil

// Producing: records parsed from lines of text (lines.go), written with an
// async producer on the client's connection.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
)

// ProduceResult counts what Produce did.
type ProduceResult struct {
	// Sent is the number of records the broker acknowledged.
	Sent int
	// Failed is the number of records the broker refused.
	Failed int
	// Partitions counts the acknowledged records per partition.
	Partitions map[int32]int
}

// Produce reads records from in, one per line, and writes them to topic. It
// stops at the first line it cannot parse and returns a *LineError naming it;
// every record of the lines before it is still sent (Produce flushes before
// returning). Empty lines are skipped. The end of ctx stops reading, which is
// how an interactive session ends: it is not an error.
//
// Produce checks first that the topic exists (and the partition, if one is
// given): typing a topic name wrong should not create a new topic.
func (c *Client) Produce(ctx context.Context, topic string, in io.Reader, opts ProduceOptions) (ProduceResult, error) {
	result := ProduceResult{Partitions: map[int32]int{}}
	if err := opts.validate(); err != nil {
		return result, err
	}
	if in == nil {
		return result, errors.New("no input to read records from")
	}
	parts, err := c.Partitions(ctx, topic)
	if err != nil {
		return result, err
	}
	if opts.Partition != nil {
		if err := checkPartition(topic, parts, *opts.Partition); err != nil {
			return result, err
		}
	}
	producer, err := sarama.NewAsyncProducerFromClient(c.client)
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
				line, _ := perr.Msg.Metadata.(producedLine)
				firstErr = &LineError{Line: line.number, Err: fmt.Errorf("the broker refused the record: %w", perr.Err)}
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
		msg := &sarama.ProducerMessage{Topic: topic, Value: nullableEncoder(rec.Value), Key: nullableEncoder(rec.Key), Headers: rec.Headers}
		meta := producedLine{number: l.number}
		if opts.Partition != nil {
			msg.Partition, meta.fixed = *opts.Partition, true
		}
		msg.Metadata = meta
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

// producedLine is the metadata of a record Produce sends: the input line it
// came from, and whether it names its own partition.
type producedLine struct {
	number int
	fixed  bool
}

// fixedPartitionOr is Dial's partitioner: a record Produce sends to a
// partition of the user's choice (ProduceOptions.Partition) goes there, any
// other where next puts it. The producer's partitioner is a setting of the
// shared client, not of one call, so the choice travels with the record.
func fixedPartitionOr(next sarama.PartitionerConstructor) sarama.PartitionerConstructor {
	if next == nil {
		next = sarama.NewHashPartitioner
	}
	return func(topic string) sarama.Partitioner { return fixedOr{next(topic)} }
}

type fixedOr struct{ next sarama.Partitioner }

func (p fixedOr) Partition(msg *sarama.ProducerMessage, numPartitions int32) (int32, error) {
	if line, ok := msg.Metadata.(producedLine); ok && line.fixed {
		return msg.Partition, nil
	}
	return p.next.Partition(msg, numPartitions)
}

func (p fixedOr) RequiresConsistency() bool { return p.next.RequiresConsistency() }

// MessageRequiresConsistency keeps a chosen partition through retries.
func (p fixedOr) MessageRequiresConsistency(msg *sarama.ProducerMessage) bool {
	if line, ok := msg.Metadata.(producedLine); ok && line.fixed {
		return true
	}
	if d, ok := p.next.(sarama.DynamicConsistencyPartitioner); ok {
		return d.MessageRequiresConsistency(msg)
	}
	return p.next.RequiresConsistency()
}
