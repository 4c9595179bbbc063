package stream

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// TransformFunc turns one input record into zero or more output records. An
// error means the record cannot be processed (it is malformed): the processor
// skips and reports it, and goes on.
type TransformFunc func(in Record) ([]Record, error)

// TableFunc is a stateful transform: it may read and change table, the
// processor's state, as well as return output records. When it returns an
// error its changes to the table are undone.
type TableFunc func(in Record, table *Table) ([]Record, error)

// Config describes a processor.
type Config struct {
	// Bootstrap is the cluster's address, "host:9092[,host2:9092]".
	Bootstrap string
	// Group is the consumer group id. The group's committed offsets are
	// where the processor resumes: keep it the same across restarts.
	Group string
	// Inputs are the topics to read. A group that has committed nothing
	// starts at the beginning of each partition.
	Inputs []string
	// Output is the topic of output records that name none.
	Output string

	// Transform is a stateless transform. Set it or TableTransform.
	Transform TransformFunc
	// TableTransform is a stateful transform; it needs a Changelog.
	TableTransform TableFunc
	// Changelog is the compacted topic that backs TableTransform's Table.
	// The processor creates it (compacted, with as many partitions as the
	// first input topic) when it does not exist.
	Changelog string

	// OnSkip, when set, is called for each input record the transform
	// returned an error for. It is called from the processing goroutine:
	// keep it short.
	OnSkip func(Skipped)
	// ClientID names the processor's connections in the broker's logs;
	// "mlops-lab-stream" when empty.
	ClientID string
	// BatchSize is the most input records processed between two writes;
	// 500 when zero. Larger batches mean fewer round trips to the broker.
	BatchSize int
	// SessionTimeout is how long the group waits for a member that stopped
	// answering (a crashed process) before giving its partitions to another;
	// 10 s (sarama's default) when zero. Shorter means a faster take-over
	// after a crash, and more false alarms on a busy machine.
	SessionTimeout time.Duration
}

// Stats are a processor's counters.
type Stats struct {
	// Processed is the number of input records done with: their outputs
	// and table changes acknowledged (or the record skipped), and their
	// offsets marked for the next commit. It counts skipped records too.
	Processed int64
	// Skipped is the number of input records the transform returned an
	// error for.
	Skipped int64
	// Written is the number of output records acknowledged.
	Written int64
	// Changes is the number of changelog records acknowledged.
	Changes int64
}

// Processor runs a transform over input topics. Make one with New; Run it.
type Processor struct {
	cfg Config

	processed, skipped, written, changes atomic.Int64

	// mu makes processing one batch at a time across all partitions, so
	// the changelog receives each key's changes in the order they were made.
	mu sync.Mutex
	// table is the state of the current Run (nil when stateless).
	table atomic.Pointer[Table]
}

// New checks cfg and returns a processor; it connects to nothing yet.
func New(cfg Config) (*Processor, error) {
	switch {
	case strings.TrimSpace(cfg.Bootstrap) == "":
		return nil, errors.New("stream: Config.Bootstrap is empty")
	case cfg.Group == "":
		return nil, errors.New("stream: Config.Group is empty: the group's committed offsets are how a processor resumes")
	case len(cfg.Inputs) == 0:
		return nil, errors.New("stream: Config.Inputs names no topic to read")
	case cfg.Transform == nil && cfg.TableTransform == nil:
		return nil, errors.New("stream: set Config.Transform (stateless) or Config.TableTransform (stateful)")
	case cfg.Transform != nil && cfg.TableTransform != nil:
		return nil, errors.New("stream: set Config.Transform or Config.TableTransform, not both")
	case cfg.TableTransform != nil && cfg.Changelog == "":
		return nil, errors.New("stream: Config.TableTransform needs a Config.Changelog topic to keep its table in")
	case slices.Contains(cfg.Inputs, cfg.Output) && cfg.Output != "":
		return nil, fmt.Errorf("stream: Config.Output %q is also an input: the processor would read its own output forever", cfg.Output)
	case slices.Contains(cfg.Inputs, cfg.Changelog) && cfg.Changelog != "":
		return nil, fmt.Errorf("stream: Config.Changelog %q is also an input", cfg.Changelog)
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "mlops-lab-stream"
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	cfg.Inputs = slices.Clone(cfg.Inputs)
	return &Processor{cfg: cfg}, nil
}

// Run is New followed by Processor.Run.
func Run(ctx context.Context, cfg Config) error {
	p, err := New(cfg)
	if err != nil {
		return err
	}
	return p.Run(ctx)
}

// Stats returns the processor's counters, added up over all its runs.
func (p *Processor) Stats() Stats {
	return Stats{
		Processed: p.processed.Load(),
		Skipped:   p.skipped.Load(),
		Written:   p.written.Load(),
		Changes:   p.changes.Load(),
	}
}

// Table returns the state of the current or last Run of a stateful
// processor (nil before the first Run, and for a stateless one). Reading it
// while the processor runs is safe; changing it is not a good idea.
func (p *Processor) Table() *Table { return p.table.Load() }

// connectWait bounds how long Run waits for the broker to answer at start.
const connectWait = 10 * time.Second

// Run processes records until ctx ends, then commits what it has processed,
// leaves the group and returns nil. It returns an error when it cannot
// connect, restore its table or write its outputs, or when the transform
// panics; what it processed before is committed, the rest will come again.
//
// Every Run starts afresh: it restores the table from the changelog and
// resumes the inputs from the group's committed offsets, exactly as a
// restarted process would. Run one Run of a Processor at a time.
func (p *Processor) Run(ctx context.Context) (err error) {
	brokers := kafkautil.SplitBootstrap(p.cfg.Bootstrap)
	// sarama's constructors do not take a context: a dead address would
	// hold them (and a Ctrl+C) for half a minute or more. Ask first, for at
	// most connectWait, giving up at once when ctx ends.
	waitCtx, cancelWait := context.WithTimeout(ctx, connectWait)
	err = kafkautil.WaitReachable(waitCtx, p.cfg.Bootstrap)
	cancelWait()
	if err != nil {
		if ctx.Err() != nil {
			return nil // asked to stop before it started
		}
		return fmt.Errorf("stream: %w", err)
	}

	var table *Table
	if p.cfg.TableTransform != nil {
		if table, err = p.restore(ctx); err != nil {
			if ctx.Err() != nil {
				return nil // asked to stop while restoring
			}
			return err
		}
		table.track()
		p.table.Store(table)
	}

	producer, err := sarama.NewSyncProducer(brokers, p.producerConfig())
	if err != nil {
		return fmt.Errorf("stream: connecting a producer to %s: %w", p.cfg.Bootstrap, err)
	}
	defer func() {
		if cerr := producer.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("stream: closing the producer: %w", cerr)
		}
	}()

	group, err := sarama.NewConsumerGroup(brokers, p.cfg.Group, p.consumerConfig())
	if err != nil {
		return fmt.Errorf("stream: joining group %s at %s: %w", p.cfg.Group, p.cfg.Bootstrap, err)
	}
	// Closing the group commits the offsets marked since the last commit.
	defer func() {
		if cerr := group.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("stream: leaving group %s: %w", p.cfg.Group, cerr)
		}
	}()

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	h := &handler{p: p, producer: producer, table: table, stop: stop}
	for {
		// With sarama's default (eager) rebalancing every rebalance ends
		// Consume; call it again to get the new assignment.
		cerr := group.Consume(runCtx, p.cfg.Inputs, h)
		if ferr := h.failure(); ferr != nil {
			return ferr
		}
		if runCtx.Err() != nil || errors.Is(cerr, sarama.ErrClosedConsumerGroup) {
			return nil
		}
		if cerr != nil {
			return fmt.Errorf("stream: consuming %v: %w", p.cfg.Inputs, cerr)
		}
	}
}

// restore makes sure the changelog exists (compacted) and reads it back.
func (p *Processor) restore(ctx context.Context) (*Table, error) {
	// One client creates the changelog and reads it back.
	cfg := kafkautil.NewConsoleConfig(p.cfg.ClientID)
	cfg.Consumer.MaxWaitTime = followWait
	kc, err := kafkautil.Dial(ctx, p.cfg.Bootstrap, cfg)
	if err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	defer kc.Close()
	// A new changelog gets the first input's partition count (1 when the
	// input does not exist yet): state keyed like the input spreads like it.
	partitions := int32(1)
	parts, err := kc.Partitions(ctx, p.cfg.Inputs[0])
	switch {
	case err == nil:
		partitions = int32(len(parts))
	case !errors.Is(err, kafkautil.ErrUnknownTopic):
		return nil, fmt.Errorf("stream: describing %s: %w", p.cfg.Inputs[0], err)
	}
	spec := kafkautil.TopicSpec{Name: p.cfg.Changelog, Partitions: partitions, Compacted: true}
	if err := kc.EnsureTopics(ctx, []kafkautil.TopicSpec{spec}); err != nil {
		return nil, fmt.Errorf("stream: creating the changelog: %w", err)
	}
	values, err := readTable(ctx, kc, p.cfg.Changelog)
	if err != nil {
		return nil, fmt.Errorf("stream: restoring the table from its changelog: %w", err)
	}
	table := NewTable()
	table.values = values
	return table, nil
}

func (p *Processor) producerConfig() *sarama.Config {
	// An output counts once every in-sync replica has it: only then is it
	// safe to commit the input it came from. Idempotence lets the broker
	// drop a batch a retry sends twice, and with one request in flight
	// retries cannot reorder a key's changes.
	cfg := kafkautil.NewIdempotentConfig(p.cfg.ClientID)
	cfg.Producer.Retry.Max = 5
	// The Java client's partitioner: the same key lands in the same
	// partition as with Kafka Streams or ksqlDB.
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	cfg.Net.DialTimeout = 5 * time.Second
	return cfg
}

func (p *Processor) consumerConfig() *sarama.Config {
	cfg := kafkautil.NewConfig(p.cfg.ClientID)
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	// Offsets are marked only after a batch's outputs are acknowledged;
	// sarama commits the marks every second and when the group is closed.
	cfg.Consumer.Offsets.AutoCommit.Enable = true
	cfg.Consumer.Offsets.AutoCommit.Interval = time.Second
	cfg.Consumer.Group.Heartbeat.Interval = time.Second
	if t := p.cfg.SessionTimeout; t > 0 {
		// Heartbeats at a fifth of the session, and fetches that wait less
		// than one: the broker answers a connection's requests in order.
		cfg.Consumer.Group.Session.Timeout = t
		cfg.Consumer.Group.Heartbeat.Interval = max(t/5, 10*time.Millisecond)
		cfg.Consumer.MaxWaitTime = min(cfg.Consumer.MaxWaitTime, t/5)
	}
	cfg.ChannelBufferSize = max(256, p.cfg.BatchSize)
	cfg.Net.DialTimeout = 5 * time.Second
	if consumerConfigHook != nil {
		consumerConfigHook(cfg)
	}
	return cfg
}

// Fault-injection points for this package's tests, nil otherwise: a test
// that kills the processor between writing a batch and committing it sets
// them (in a child process it then ends without any clean shutdown).
var (
	// afterWriteHook runs once a batch's outputs and changelog records are
	// acknowledged, before its offsets are marked.
	afterWriteHook func(sess sarama.ConsumerGroupSession, batch []*sarama.ConsumerMessage)
	// afterMarkHook runs once a batch's offsets are marked.
	afterMarkHook func(sess sarama.ConsumerGroupSession, batch []*sarama.ConsumerMessage)
	// consumerConfigHook adjusts the consumer group's configuration.
	consumerConfigHook func(cfg *sarama.Config)
)

// handler is the processor's sarama.ConsumerGroupHandler for one Run.
type handler struct {
	p        *Processor
	producer sarama.SyncProducer
	table    *Table
	stop     context.CancelFunc

	mu  sync.Mutex
	err error // the first fatal error
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

// fail records a fatal error and stops the run.
func (h *handler) fail(err error) {
	h.mu.Lock()
	if h.err == nil {
		h.err = err
	}
	h.mu.Unlock()
	h.stop()
}

func (h *handler) failure() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// ConsumeClaim processes one partition, a batch at a time: whatever has
// arrived, up to BatchSize records.
func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	batch := make([]*sarama.ConsumerMessage, 0, h.p.cfg.BatchSize)
	for {
		batch = batch[:0]
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil // the partition was taken away
			}
			batch = append(batch, msg)
		case <-sess.Context().Done():
			return nil
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case msg, ok := <-claim.Messages():
				if !ok {
					break more
				}
				batch = append(batch, msg)
			default:
				break more
			}
		}
		if err := h.process(sess, batch); err != nil {
			h.fail(err)
			return err
		}
	}
}

// process transforms a batch, writes its outputs and table changes, waits
// for them to be acknowledged and only then marks the batch's offsets.
func (h *handler) process(sess sarama.ConsumerGroupSession, batch []*sarama.ConsumerMessage) error {
	h.p.mu.Lock()
	defer h.p.mu.Unlock()

	var (
		out             []*sarama.ProducerMessage
		outputs, change int
		skipped         []Skipped
	)
	for _, msg := range batch {
		in := recordOf(msg)
		mark := 0
		if h.table != nil {
			mark = h.table.begin()
		}
		records, err := h.transform(in)
		var pe *panicError
		if errors.As(err, &pe) {
			return err
		}
		if err != nil {
			if h.table != nil {
				h.table.rollback(mark)
			}
			skipped = append(skipped, Skipped{Topic: in.Topic, Partition: in.Partition, Offset: in.Offset, Key: in.Key, Err: err})
			continue
		}
		for _, r := range records {
			pm, err := h.outputMessage(in, r)
			if err != nil {
				return err
			}
			out = append(out, pm)
			outputs++
		}
		if h.table != nil {
			for _, c := range h.table.takePending() {
				out = append(out, h.changelogMessage(in, c))
				change++
			}
		}
	}

	if len(out) > 0 {
		if err := h.producer.SendMessages(out); err != nil {
			return fmt.Errorf("stream: writing %d records (outputs and changelog) for %s partition %d offsets %d..%d: %w",
				len(out), batch[0].Topic, batch[0].Partition, batch[0].Offset, batch[len(batch)-1].Offset, err)
		}
	}
	if afterWriteHook != nil {
		afterWriteHook(sess, batch)
	}
	// Everything the batch produced is stored: now its offsets may be
	// committed. (Marking the last marks all before it.)
	sess.MarkMessage(batch[len(batch)-1], "")
	if afterMarkHook != nil {
		afterMarkHook(sess, batch)
	}

	h.p.written.Add(int64(outputs))
	h.p.changes.Add(int64(change))
	h.p.skipped.Add(int64(len(skipped)))
	for _, s := range skipped {
		if h.p.cfg.OnSkip != nil {
			h.p.cfg.OnSkip(s)
		}
	}
	h.p.processed.Add(int64(len(batch)))
	return nil
}

// panicError is a transform's panic, which stops the processor.
type panicError struct {
	in    Record
	value any
	stack string
}

func (e *panicError) Error() string {
	return fmt.Sprintf("stream: the transform panicked on %s: %v%s", e.in, e.value, e.stack)
}

// panicSite picks out of a goroutine's stack the frames between the panic
// and the processor: where the transform went wrong, without the noise.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	var out []string
	inside := false
	for i := 0; i+1 < len(lines); i++ {
		fn, loc := lines[i], lines[i+1]
		if !strings.HasPrefix(loc, "\t") {
			continue
		}
		i++
		switch {
		case strings.HasPrefix(fn, "panic("):
			inside = true
		case !inside || strings.HasPrefix(fn, "runtime."):
		case strings.Contains(fn, "pkg/kafkautil/stream."):
			return strings.Join(out, "")
		default:
			loc = strings.TrimSpace(loc)
			if at := strings.LastIndex(loc, " +0x"); at > 0 {
				loc = loc[:at]
			}
			if at := strings.LastIndex(fn, "("); at > 0 {
				fn = fn[:at]
			}
			out = append(out, "\n    at "+fn+" ("+loc+")")
		}
	}
	return strings.Join(out, "")
}

// transform calls the configured transform, turning a panic into an error.
func (h *handler) transform(in Record) (out []Record, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, &panicError{in: in, value: v, stack: panicSite(debug.Stack())}
		}
	}()
	if h.table != nil {
		return h.p.cfg.TableTransform(in, h.table)
	}
	return h.p.cfg.Transform(in)
}

func (h *handler) outputMessage(in, r Record) (*sarama.ProducerMessage, error) {
	topic := r.Topic
	if topic == "" {
		topic = h.p.cfg.Output
	}
	switch {
	case topic == "":
		return nil, fmt.Errorf("stream: the transform returned a record without a Topic for %s, and Config.Output is empty", in)
	case slices.Contains(h.p.cfg.Inputs, topic):
		return nil, fmt.Errorf("stream: the transform returned a record for %s, one of the processor's own inputs (for %s); leave Record.Topic empty to write to Config.Output (%q)", topic, in, h.p.cfg.Output)
	case topic == h.p.cfg.Changelog:
		return nil, fmt.Errorf("stream: the transform returned a record for the changelog %s (for %s); change the table instead", topic, in)
	}
	ts := r.Timestamp
	if ts.IsZero() {
		ts = in.Timestamp
	}
	pm := &sarama.ProducerMessage{Topic: topic, Timestamp: ts}
	if r.Key != nil {
		pm.Key = sarama.ByteEncoder(r.Key)
	}
	if r.Value != nil {
		pm.Value = sarama.ByteEncoder(r.Value)
	}
	return pm, nil
}

func (h *handler) changelogMessage(in Record, c change) *sarama.ProducerMessage {
	pm := &sarama.ProducerMessage{Topic: h.p.cfg.Changelog, Key: sarama.StringEncoder(c.key), Timestamp: in.Timestamp}
	if c.value != nil {
		pm.Value = sarama.ByteEncoder(c.value)
	}
	return pm
}
