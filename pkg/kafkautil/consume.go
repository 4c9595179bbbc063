package kafkautil

// Consuming: records of a topic handed to a function one at a time, read
// partition by partition or as a member of a consumer group.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"
)

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
func (c *Client) Consume(ctx context.Context, topic string, opts ConsumeOptions, handle func(ConsumerRecord) error) (int, error) {
	if err := ValidateTopicName(topic); err != nil {
		return 0, err
	}
	if opts.MaxMessages < 0 {
		return 0, fmt.Errorf("max messages must be 0 (no limit) or more (got %d)", opts.MaxMessages)
	}
	if opts.Timeout < 0 {
		return 0, fmt.Errorf("timeout must be 0 (wait forever) or more (got %v)", opts.Timeout)
	}
	if opts.From < FromBeginning || opts.From > FromOffset {
		return 0, fmt.Errorf("unknown start %d: use FromBeginning, FromLatest or FromOffset", opts.From)
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
	parts, err := c.Partitions(ctx, topic)
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
		stopFetch, err = c.consumeGroup(ctx, topic, opts, deliveries, fetchErrs)
	} else {
		stopFetch, err = c.consumePartitions(ctx, topic, parts, opts, deliveries, fetchErrs)
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
func (c *Client) consumePartitions(ctx context.Context, topic string, parts []int32, opts ConsumeOptions, out chan<- consumerDelivery, errs chan<- error) (func(), error) {
	consumer, err := sarama.NewConsumerFromClient(c.client)
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
			earliest, err1 := c.client.GetOffset(topic, p, sarama.OffsetOldest)
			latest, err2 := c.client.GetOffset(topic, p, sarama.OffsetNewest)
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

// consumeGroup joins the consumer group and feeds its claims to out. A group
// cannot share a sarama client (sarama's rule), and where it starts is a
// setting of its client's configuration, so it gets a client of its own,
// with the configuration of c.
func (c *Client) consumeGroup(ctx context.Context, topic string, opts ConsumeOptions, out chan<- consumerDelivery, errs chan<- error) (func(), error) {
	cfg := *c.cfg
	cfg.Consumer.Return.Errors = true
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	if opts.From == FromLatest {
		cfg.Consumer.Offsets.Initial = sarama.OffsetNewest
	}
	client, err := connectContext(ctx, func() (sarama.Client, error) {
		return sarama.NewClient(SplitBootstrap(c.bootstrap), &cfg)
	})
	if err != nil {
		return nil, fmt.Errorf("joining consumer group %s: connecting to Kafka at %s: %w", opts.Group, c.bootstrap, err)
	}
	group := opts.Group
	cg, err := sarama.NewConsumerGroupFromClient(group, client)
	if err != nil {
		client.Close()
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
		client.Close()
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
