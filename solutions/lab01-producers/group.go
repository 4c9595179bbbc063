//go:build solution

package lab01

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/IBM/sarama"
)

// Exercise 6: two members sharing partitions through a rebalance.

// Member is a consumer-group member running in the background: it consumes
// like RunMember, and can say at any moment which partitions it owns.
type Member struct {
	group  sarama.ConsumerGroup
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed, and by the first Stop

	stopOnce sync.Once

	mu    sync.Mutex
	owned map[string]map[int32]bool // topic -> partitions being consumed now
}

// StartMember joins consumer group group, reading topics, and returns once
// the member is running; records go to handle as in RunMember. The member
// runs until Stop is called or ctx ends.
func StartMember(ctx context.Context, bootstrap, group string, topics []string, handle Handler) (*Member, error) {
	g, err := sarama.NewConsumerGroup(brokers(bootstrap), group, memberConfig("lab01-group-member"))
	if err != nil {
		return nil, fmt.Errorf("joining group %s at %s: %w", group, bootstrap, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	m := &Member{group: g, cancel: cancel, done: make(chan struct{}), owned: map[string]map[int32]bool{}}
	go func() {
		defer close(m.done)
		m.err = consumeUntilDone(ctx, g, topics, &trackingHandler{claimHandler: claimHandler{handle: handle}, member: m})
	}()
	return m, nil
}

// Assignment returns the partitions the member is consuming now, by topic,
// in increasing order. It is empty while the group is rebalancing.
func (m *Member) Assignment() map[string][]int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string][]int32, len(m.owned))
	for topic, parts := range m.owned {
		for p := range parts {
			out[topic] = append(out[topic], p)
		}
		slices.Sort(out[topic])
	}
	return out
}

// Stop ends consumption, commits what was handled and leaves the group, so
// the others take over its partitions at once rather than after a session
// timeout. Calling it again returns the same result.
func (m *Member) Stop() error {
	m.stopOnce.Do(func() {
		m.cancel()
		<-m.done
		if err := m.group.Close(); err != nil && m.err == nil {
			m.err = fmt.Errorf("leaving the group: %w", err)
		}
	})
	return m.err
}

// trackingHandler records ownership around claimHandler's ConsumeClaim. A
// partition is the member's from the moment its ConsumeClaim starts until it
// returns; that holds for eager and cooperative rebalancing alike (Setup and
// Cleanup do not run at every rebalance with cooperative strategies).
type trackingHandler struct {
	claimHandler
	member *Member
}

func (h *trackingHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	h.member.setOwned(claim.Topic(), claim.Partition(), true)
	defer h.member.setOwned(claim.Topic(), claim.Partition(), false)
	return h.claimHandler.ConsumeClaim(sess, claim)
}

func (m *Member) setOwned(topic string, partition int32, owned bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if owned {
		if m.owned[topic] == nil {
			m.owned[topic] = map[int32]bool{}
		}
		m.owned[topic][partition] = true
		return
	}
	delete(m.owned[topic], partition)
	if len(m.owned[topic]) == 0 {
		delete(m.owned, topic)
	}
}
