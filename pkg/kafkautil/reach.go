package kafkautil

// Reaching a broker: sarama's constructors and admin calls take no context,
// so the helpers here run them beside the caller's context and give up when
// it ends.

import (
	"context"
	"io"
	"time"

	"github.com/IBM/sarama"
)

// connectContext runs connect and returns its result, or ctx's error when ctx
// ends first: sarama's constructors take no context, and one talking to a
// listener that accepts and never answers waits out its own timeouts. A
// connection that arrives after the caller gave up is closed.
func connectContext[T io.Closer](ctx context.Context, connect func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	type result struct {
		c   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := connect()
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.err == nil {
				_ = r.c.Close()
			}
		}()
		return zero, ctx.Err()
	}
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

// Probe asks the broker at bootstrap for metadata once, within a few seconds
// or until ctx ends.
func Probe(ctx context.Context, bootstrap string) error {
	cfg := newProbeConfig("mlops-lab-probe")
	client, err := connectContext(ctx, func() (sarama.Client, error) {
		return sarama.NewClient(SplitBootstrap(bootstrap), cfg)
	})
	if err != nil {
		return err
	}
	return client.Close()
}

// WaitReachable returns once a broker at bootstrap answers a metadata
// request. When ctx ends first it returns an *UnreachableError naming the
// address, how long it waited and the last attempt's error.
func WaitReachable(ctx context.Context, bootstrap string) error {
	started := time.Now()
	var last error
	for {
		err := Probe(ctx, bootstrap)
		if err == nil {
			return nil
		}
		if ctx.Err() == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return &UnreachableError{Bootstrap: bootstrap, Waited: time.Since(started), Last: last, Cause: ctx.Err()}
		case <-time.After(200 * time.Millisecond):
		}
	}
}
