package kafkautil

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/IBM/sarama"
)

// ErrUnknownTopic is the error every function of this package and of
// package stream returns (wrapped) for a topic the cluster does not have:
// test for it with errors.Is. The error itself, an *UnknownTopicError,
// also names the topic.
var ErrUnknownTopic = errors.New("topic does not exist")

// ErrTopicExists is returned (wrapped, as a *TopicExistsError) when a topic
// to be created exists already; test for it with errors.Is.
var ErrTopicExists = errors.New("topic already exists")

// UnknownTopicError says that a topic does not exist. It is ErrUnknownTopic
// for errors.Is.
type UnknownTopicError struct {
	Topic string
}

func (e *UnknownTopicError) Error() string { return fmt.Sprintf("topic %q does not exist", e.Topic) }

// Is makes errors.Is(err, ErrUnknownTopic) hold.
func (e *UnknownTopicError) Is(target error) bool { return target == ErrUnknownTopic }

// TopicExistsError says that a topic to be created exists already. It is
// ErrTopicExists for errors.Is.
type TopicExistsError struct {
	Topic string
}

func (e *TopicExistsError) Error() string { return fmt.Sprintf("topic %q already exists", e.Topic) }

// Is makes errors.Is(err, ErrTopicExists) hold.
func (e *TopicExistsError) Is(target error) bool { return target == ErrTopicExists }

// UnreachableError says that no broker answered at an address for as long as
// a caller was willing to wait.
type UnreachableError struct {
	Bootstrap string
	// Waited is how long the caller waited.
	Waited time.Duration
	// Last is the last failed attempt's error, if one ended before the wait.
	Last error
	// Cause is why the wait ended (the context's error).
	Cause error
}

func (e *UnreachableError) Error() string {
	msg := fmt.Sprintf("no Kafka broker answered at %s within %s", e.Bootstrap, e.Waited.Round(100*time.Millisecond))
	if e.Last != nil {
		// sarama's "run out of available brokers" says nothing the
		// sentence does not: keep the reason behind it.
		last := strings.TrimPrefix(e.Last.Error(), sarama.ErrOutOfBrokers.Error()+": ")
		msg += " (" + last + ")"
	}
	return msg
}

func (e *UnreachableError) Unwrap() error { return e.Cause }
