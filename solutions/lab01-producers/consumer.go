//go:build solution

package lab01

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"
)

// Exercise 5: a consumer-group member that resumes where it stopped.

// RunMember joins consumer group group, reading topics, and calls handle
// for every record of the partitions it is given, committing each record's
// offset once handle has returned. It blocks until ctx ends, then leaves the
// group and returns nil; it returns an error only when it cannot consume.
//
// A group that has committed nothing starts at the beginning of each
// partition; after a restart it resumes after the last committed record.
func RunMember(ctx context.Context, bootstrap, group string, topics []string, handle Handler) (err error) {
	g, err := sarama.NewConsumerGroup(brokers(bootstrap), group, memberConfig("lab01-member"))
	if err != nil {
		return fmt.Errorf("joining group %s at %s: %w", group, bootstrap, err)
	}
	// Close leaves the group and commits what is marked but not yet
	// committed: skip it and the next run reprocesses up to a second of
	// records.
	defer func() {
		if cerr := g.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("leaving group %s: %w", group, cerr)
		}
	}()
	return consumeUntilDone(ctx, g, topics, &claimHandler{handle: handle})
}

// memberConfig is the configuration of a consumer-group member.
func memberConfig(clientID string) *sarama.Config {
	cfg := newConfig(clientID)
	// Where a group with no committed offset starts. sarama's default is
	// OffsetNewest: only records written after the member joined.
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	// Commit marked offsets every second, and once more when a partition is
	// given up (a rebalance) or the group is closed. (This is the default;
	// it is spelled out because everything else depends on it.)
	cfg.Consumer.Offsets.AutoCommit.Enable = true
	cfg.Consumer.Offsets.AutoCommit.Interval = time.Second
	// A member learns that the group is rebalancing from a heartbeat
	// answer: beat every second rather than every three to notice sooner.
	cfg.Consumer.Group.Heartbeat.Interval = time.Second
	return cfg
}

// consumeUntilDone calls Consume until ctx ends. With the default (eager)
// rebalancing every rebalance ends a session and its Consume call; the next
// call joins again and gets the new assignment.
func consumeUntilDone(ctx context.Context, g sarama.ConsumerGroup, topics []string, h sarama.ConsumerGroupHandler) error {
	for {
		err := g.Consume(ctx, topics, h)
		if ctx.Err() != nil || errors.Is(err, sarama.ErrClosedConsumerGroup) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("consuming %v: %w", topics, err)
		}
	}
}

// claimHandler is the sarama.ConsumerGroupHandler of a member.
type claimHandler struct {
	handle Handler
}

func (h *claimHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *claimHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

// ConsumeClaim runs, in its own goroutine, for as long as the member owns
// one partition.
func (h *claimHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil // the partition was taken away
			}
			h.handle(msg)
			// Mark after handling, not before: a crash in between means the
			// record is handled again (at least once), never skipped.
			sess.MarkMessage(msg, "")
		case <-sess.Context().Done():
			// The session is ending (rebalance or shutdown): return promptly
			// so the group can move on.
			return nil
		}
	}
}
