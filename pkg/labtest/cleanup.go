package labtest

// Cleaning up a shared broker. A grading test that runs against the
// grader's or `mlops-lab start`'s broker (MLOPS_LAB_BOOTSTRAP is set) shares
// it with the learner, who lists and consumes its topics: whatever the test
// creates there must go when the test ends, passed or failed. Every name
// Topic and Group hand out is written down for the test, and
// a cleanup deletes, once the test's own cleanups have stopped what used
// them, every topic named so (or starting with such a name and a
// separator, as a topic derived from it would) and every consumer group.
// A test with a broker of its own needs none of this: the broker goes with
// the test.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
)

// leftovers are the names one test has used on a shared broker.
type leftovers struct {
	bootstrap string

	mu     sync.Mutex
	topics map[string]bool // topic names, and prefixes of derived ones
	groups map[string]bool
	// marks are parts of names (a ksqlDB service id, a session's suffix):
	// every topic and group whose name holds one, in any case, is the
	// test's.
	marks map[string]bool
}

// registry holds each running test's leftovers (testing.TB -> *leftovers).
var registry sync.Map

// sharedBroker returns the broker a test shares with others, or "" when
// the test gets a broker of its own.
func sharedBroker() string { return os.Getenv(EnvBootstrap) }

// track returns t's leftovers on the shared broker, registering their
// removal at the end of t on first use; nil when there is no shared broker.
func track(t testing.TB) *leftovers {
	bootstrap := sharedBroker()
	if bootstrap == "" {
		return nil
	}
	l, loaded := registry.LoadOrStore(t, &leftovers{bootstrap: bootstrap,
		topics: map[string]bool{}, groups: map[string]bool{}, marks: map[string]bool{}})
	if !loaded {
		t.Cleanup(func() {
			registry.Delete(t)
			if err := l.(*leftovers).remove(); err != nil {
				t.Logf("cleaning up the test's topics and groups on %s: %v", bootstrap, err)
			}
		})
	}
	return l.(*leftovers)
}

func (l *leftovers) addTopic(name string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.topics[name] = true
	l.mu.Unlock()
}

func (l *leftovers) addGroup(name string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.groups[name] = true
	l.mu.Unlock()
}

func (l *leftovers) addMark(mark string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.marks[strings.ToLower(mark)] = true
	l.mu.Unlock()
}

// marked reports whether name holds one of the test's marks.
func (l *leftovers) marked(name string) bool {
	lower := strings.ToLower(name)
	for m := range l.marks {
		if strings.Contains(lower, m) {
			return true
		}
	}
	return false
}

// ownsTopic reports whether topic is one of the test's, or derived from
// one.
func (l *leftovers) ownsTopic(topic string) bool {
	if l.marked(topic) {
		return true
	}
	for name := range l.topics {
		if topic == name {
			return true
		}
		if rest, ok := strings.CutPrefix(topic, name); ok && strings.ContainsAny(rest[:1], "-_.") {
			return true
		}
	}
	return false
}

// cleanupTimeout bounds the whole cleanup of one test: a broker that does
// not answer must not hold the test (or the grader) up for long.
const cleanupTimeout = 30 * time.Second

// remove deletes the test's topics and consumer groups. Names that were
// never created (a group that never committed, a topic the learner's code
// did not write) are no error.
func (l *leftovers) remove() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.topics) == 0 && len(l.groups) == 0 && len(l.marks) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	kc, err := kafkautil.Dial(ctx, l.bootstrap, testClientConfig())
	if err != nil {
		return err
	}
	defer kc.Close()
	var errs []error
	topics, err := kc.ListTopics(ctx)
	if err != nil {
		return err
	}
	for _, tp := range topics {
		if tp.Internal || !l.ownsTopic(tp.Name) {
			continue
		}
		if err := kc.DeleteTopic(ctx, tp.Name); err != nil && !errors.Is(err, kafkautil.ErrUnknownTopic) {
			errs = append(errs, err)
		}
	}
	// Not admin.Close: it would close the client, which kc closes.
	admin, err := sarama.NewClusterAdminFromClient(kc.Sarama())
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	groups := maps.Clone(l.groups)
	if len(l.marks) > 0 {
		all, err := admin.ListConsumerGroups()
		if err != nil {
			errs = append(errs, fmt.Errorf("listing consumer groups: %w", err))
		}
		for g := range all {
			if l.marked(g) {
				groups[g] = true
			}
		}
	}
	for g := range groups {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		// A group that never committed does not exist: no error.
		if err := admin.DeleteConsumerGroup(g); err != nil && !errors.Is(err, sarama.ErrGroupIDNotFound) {
			errs = append(errs, fmt.Errorf("deleting consumer group %s: %w", g, err))
		}
	}
	return errors.Join(errs...)
}
