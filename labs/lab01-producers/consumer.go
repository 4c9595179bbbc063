package lab01

import (
	"context"
	"errors"
	"fmt"

	"github.com/IBM/sarama"
)

// Exercise 5: a consumer-group member that resumes where it stopped.
//
// RunMember joins a consumer group and hands every record of the partitions
// it is given to a Handler. It must:
//   - start at the beginning of each partition when the group has never
//     committed anything;
//   - commit each record's offset once the handler has returned for it, so
//     that after a restart it resumes right after the last handled record,
//     without handling anything twice;
//   - run until ctx ends, then leave the group and return nil.

// RunMember joins consumer group group, reading topics, and calls handle
// for every record of the partitions it is given, committing each record's
// offset once handle has returned. It blocks until ctx ends, then leaves the
// group and returns nil; it returns an error only when it cannot consume.
func RunMember(ctx context.Context, bootstrap, group string, topics []string, handle Handler) (err error) {
	g, err := sarama.NewConsumerGroup(brokers(bootstrap), group, memberConfig("lab01-member"))
	if err != nil {
		return fmt.Errorf("joining group %s at %s: %w", group, bootstrap, err)
	}
	// Close leaves the group and commits the offsets marked since the last
	// automatic commit.
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
	// TODO(exercise 5): where does a group that has never committed an
	// offset start reading? sarama's default (cfg.Consumer.Offsets.Initial)
	// is OffsetNewest: only records written after the member joined.
	//
	// Automatic commits (cfg.Consumer.Offsets.AutoCommit) are on by
	// default: every second sarama commits the offsets you marked, and once
	// more when a session ends or the group is closed. Leave them on.
	return cfg
}

// consumeUntilDone calls g.Consume until ctx ends.
func consumeUntilDone(ctx context.Context, g sarama.ConsumerGroup, topics []string, h sarama.ConsumerGroupHandler) error {
	// TODO(exercise 5): Consume joins the group, runs one session (h's
	// ConsumeClaim once per partition it was given) and returns when the
	// session ends: at every rebalance, and when ctx ends. So call it in a
	// loop. Return nil once ctx is done (or Consume says
	// sarama.ErrClosedConsumerGroup), and any other error wrapped.
	return errors.New("TODO(exercise 5): call Consume in a loop until ctx ends")
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
	// TODO(exercise 5): loop, selecting between
	//   - a record from claim.Messages(): call h.handle, then
	//     sess.MarkMessage(msg, "") (after handling, so a crash in between
	//     means handling again, never skipping); a closed channel means the
	//     partition was taken away: return nil;
	//   - sess.Context().Done(): the session is ending, return nil promptly.
	return errors.New("TODO(exercise 5): handle the claim's records")
}
