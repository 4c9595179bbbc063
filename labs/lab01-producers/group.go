package lab01

import (
	"context"
	"errors"
)

// Exercise 6: two members sharing partitions through a rebalance.
//
// Run two members of one group and they split the topic's partitions; start
// a second while the first is running and the group rebalances: the first
// gives some partitions up, the second takes them over from the offsets the
// first committed. Member is a consumer-group member running in the
// background that can say, at any moment, which partitions it owns.
//
//   - StartMember starts a member and returns at once; records go to the
//     handler as in RunMember (exercise 5).
//   - Assignment() returns the partitions it is consuming right now, by
//     topic; safe to call from any goroutine, while the member runs.
//   - Stop() ends consumption, commits, leaves the group and returns.

// Member is a consumer-group member running in the background.
type Member struct {
	// TODO(exercise 6): the sarama.ConsumerGroup; a way to stop the
	// consume loop (context.CancelFunc) and to know it has ended (a channel
	// closed by its goroutine) with its error; and the partitions owned now,
	// map[string]map[int32]bool, guarded by a sync.Mutex.
}

// StartMember joins consumer group group, reading topics, and returns once
// the member is running; records go to handle as in RunMember. The member
// runs until Stop is called or ctx ends.
func StartMember(ctx context.Context, bootstrap, group string, topics []string, handle Handler) (*Member, error) {
	// TODO(exercise 6): create the group as RunMember does, derive a
	// cancellable context, and run consumeUntilDone (exercise 5) in a
	// goroutine. For Assignment, wrap your claimHandler: a partition is the
	// member's from the moment its ConsumeClaim starts until it returns, so
	// record it on the way in and forget it on the way out (defer).
	return nil, errors.New("TODO(exercise 6): start the member")
}

// Assignment returns the partitions the member is consuming now, by topic,
// in increasing order. It is empty while the group is rebalancing.
func (m *Member) Assignment() map[string][]int32 {
	// TODO(exercise 6): copy the owned partitions out under the mutex and
	// sort them (slices.Sort).
	return nil
}

// Stop ends consumption, commits what was handled and leaves the group, so
// the others take over its partitions at once rather than after a session
// timeout. Calling it again returns the same result.
func (m *Member) Stop() error {
	// TODO(exercise 6): cancel, wait for the consume goroutine to end, then
	// Close the consumer group (that commits and leaves); sync.Once makes a
	// second call harmless.
	return errors.New("TODO(exercise 6): stop the member")
}
