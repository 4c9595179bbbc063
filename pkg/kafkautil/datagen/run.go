package datagen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// flushTimeout bounds the wait for the outcome of the records sent when Run
// stops.
const flushTimeout = 30 * time.Second

// RunOptions say how fast and how long to generate.
type RunOptions struct {
	// Rate is the number of records per second; 0 means as fast as possible.
	Rate float64
	// Count stops after this many records; 0 means until ctx ends (or a
	// Finite generator runs out).
	Count int
	// Progress receives a line every ProgressInterval with the records sent
	// so far and the current rate; nil means no progress lines.
	Progress io.Writer
	// ProgressInterval is how often progress is reported; 5s when zero.
	ProgressInterval time.Duration
	// Config is the sarama configuration of Run's producer; nil means the
	// course defaults with the Java client's murmur2 partitioner, so records
	// land in the partitions a Java producer (ksql-datagen) would pick.
	Config *sarama.Config
}

func (o RunOptions) validate() error {
	if o.Rate < 0 || math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) {
		return fmt.Errorf("rate must be a positive number of records per second, or 0 for as fast as possible (got %v)", o.Rate)
	}
	if o.Count < 0 {
		return fmt.Errorf("count must be 0 (no limit) or more (got %d)", o.Count)
	}
	return nil
}

// NewProducerConfig returns the sarama configuration Run uses by default: the
// course defaults (kafkautil.NewConfig), the murmur2 partitioner of the Java
// client, and timeouts short enough that a vanished broker is reported within
// seconds rather than minutes.
func NewProducerConfig(clientID string) *sarama.Config {
	cfg := kafkautil.NewConfig(clientID)
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Net.ReadTimeout = 10 * time.Second
	cfg.Net.WriteTimeout = 10 * time.Second
	cfg.Metadata.Retry.Max = 3
	return cfg
}

// Run produces gen's records into topic on the Kafka cluster at bootstrap,
// through a sarama async producer, until opts.Count records were sent, a
// Finite generator runs out, or ctx ends. It flushes and closes the producer
// before returning, so every record it reports as sent was acknowledged by
// the broker.
//
// The end of ctx is how a running generator is stopped, not an error: Run then
// returns the number sent and a nil error. A record the broker refuses stops
// the run; the error says how many failed and why.
func Run(ctx context.Context, bootstrap, topic string, gen Generator, opts RunOptions) (sent int, err error) {
	if err := opts.validate(); err != nil {
		return 0, err
	}
	if topic == "" {
		return 0, errors.New("datagen: no topic to produce to")
	}
	cfg := opts.Config // Run needs successes and errors reported, whatever it says
	if cfg == nil {
		cfg = NewProducerConfig("mlops-lab-datagen")
	}
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	producer, err := sarama.NewAsyncProducer(kafkautil.SplitBootstrap(bootstrap), cfg)
	if err != nil {
		return 0, fmt.Errorf("connecting to Kafka at %s: %w", bootstrap, err)
	}

	// Stop generating at the first refused record: the rest would most
	// likely fail the same way.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var (
		acked    atomic.Int64
		failed   atomic.Int64
		enqueued int64                    // records handed to the producer
		outcome  = make(chan struct{}, 1) // pinged on every ack or failure
		firstErr error
		errOnce  sync.Once
		drained  sync.WaitGroup
	)
	ping := func() {
		select {
		case outcome <- struct{}{}:
		default:
		}
	}
	drained.Add(2)
	go func() {
		defer drained.Done()
		for range producer.Successes() {
			acked.Add(1)
			ping()
		}
	}()
	go func() {
		defer drained.Done()
		for perr := range producer.Errors() {
			failed.Add(1)
			errOnce.Do(func() {
				firstErr = perr.Err
				cancel(perr.Err)
			})
			ping()
		}
	}()

	input := producer.Input()
	_, loopErr := emit(ctx, gen, opts, func() int64 { return acked.Load() }, func(key, value []byte, ts time.Time) error {
		msg := &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(value), Timestamp: ts}
		if key != nil {
			msg.Key = sarama.ByteEncoder(key)
		}
		select {
		case input <- msg:
			enqueued++
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	// sarama's AsyncClose fails the records it is still retrying (a new
	// topic's first records often are, while its leader is elected), so
	// wait for every record's outcome first, within a bound.
	deadline := time.NewTimer(flushTimeout)
	for waiting := true; waiting && acked.Load()+failed.Load() < enqueued; {
		select {
		case <-outcome:
		case <-deadline.C:
			waiting = false
		}
	}
	deadline.Stop()
	producer.AsyncClose()
	drained.Wait()

	sent = int(acked.Load())
	if n := failed.Load(); n > 0 {
		return sent, fmt.Errorf("%d record(s) could not be written to topic %s: %w", n, topic, firstErr)
	}
	if loopErr != nil && !errors.Is(loopErr, context.Canceled) && !errors.Is(loopErr, context.DeadlineExceeded) {
		return sent, loopErr
	}
	return sent, nil
}

// The formats of Print.
const (
	// FormatText writes KEY<TAB>VALUE per record, the input format of
	// `mlops-lab topic produce --key-separator '\t'`.
	FormatText = "text"
	// FormatJSON writes one JSON object per record:
	// {"timestamp":MS,"key":"...","value":{...}}.
	FormatJSON = "json"
)

// Print writes gen's records to w instead of Kafka, paced and bounded like
// Run. It returns the number of records written. As with Run, the end of ctx
// is not an error.
func Print(ctx context.Context, w io.Writer, format string, gen Generator, opts RunOptions) (int, error) {
	if err := opts.validate(); err != nil {
		return 0, err
	}
	if format == "" {
		format = FormatText
	}
	if format != FormatText && format != FormatJSON {
		return 0, fmt.Errorf("unknown format %q: use %s or %s", format, FormatText, FormatJSON)
	}
	var (
		written atomic.Int64
		line    []byte
	)
	_, err := emit(ctx, gen, opts, func() int64 { return written.Load() }, func(key, value []byte, ts time.Time) error {
		line = line[:0]
		switch format {
		case FormatText:
			line = append(line, key...)
			line = append(line, '\t')
			line = append(line, value...)
		case FormatJSON:
			line = append(line, `{"timestamp":`...)
			line = strconv.AppendInt(line, ts.UnixMilli(), 10)
			line = append(line, `,"key":`...)
			if key == nil {
				line = append(line, "null"...)
			} else {
				k, _ := json.Marshal(string(key))
				line = append(line, k...)
			}
			line = append(line, `,"value":`...)
			if value == nil {
				line = append(line, "null"...) // a tombstone
			} else if json.Valid(value) {
				line = append(line, value...)
			} else {
				v, _ := json.Marshal(string(value))
				line = append(line, v...)
			}
			line = append(line, '}')
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
		written.Add(1)
		return nil
	})
	n := int(written.Load())
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return n, err
	}
	return n, nil
}

// emit is the pacing loop shared by Run and Print: it takes records from gen
// and hands them to send, opts.Rate per second, until opts.Count records, the
// end of a Finite generator, an error from send, or the end of ctx. done
// reports how many records are through (acknowledged, written), for progress
// lines. emit returns the number handed to send.
func emit(ctx context.Context, gen Generator, opts RunOptions, done func() int64, send func(key, value []byte, ts time.Time) error) (int, error) {
	if opts.Progress != nil {
		stop := reportProgress(opts.Progress, gen.Name(), opts.ProgressInterval, done)
		defer stop()
	}
	finite, _ := gen.(Finite)
	var (
		start    = time.Now()
		interval float64 // seconds between records
		timer    *time.Timer
	)
	if opts.Rate > 0 {
		interval = 1 / opts.Rate
		timer = time.NewTimer(time.Hour)
		timer.Stop()
		defer timer.Stop()
	}
	for i := 0; opts.Count == 0 || i < opts.Count; i++ {
		if finite != nil && !finite.More() {
			return i, nil
		}
		if interval > 0 {
			// Record i is due at start + i*interval. Waiting for due times
			// rather than sleeping an interval after each record keeps the
			// average rate exact even when a sleep overshoots.
			due := start.Add(time.Duration(float64(i) * interval * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				timer.Reset(wait)
				select {
				case <-ctx.Done():
					return i, ctx.Err()
				case <-timer.C:
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return i, err
		}
		key, value, ts := gen.Next()
		if err := send(key, value, ts); err != nil {
			return i, err
		}
	}
	return opts.Count, nil
}

// reportProgress writes a progress line every interval until the returned
// function is called; that function returns once the reporter has stopped,
// so no line is written after it.
func reportProgress(w io.Writer, name string, interval time.Duration, done func() int64) (stop func()) {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		last, lastAt := int64(0), time.Now()
		for {
			select {
			case <-quit:
				return
			case now := <-ticker.C:
				n := done()
				rate := float64(n-last) / now.Sub(lastAt).Seconds()
				fmt.Fprintf(w, "%s: %d records sent (%.0f/s)\n", name, n, rate)
				last, lastAt = n, now
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}
