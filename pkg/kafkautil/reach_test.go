package kafkautil

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestUnreachableBroker(t *testing.T) {
	// No deadline on the call: it must give up by itself.
	errc := make(chan error, 1)
	go func() {
		_, err := ListTopics(context.Background(), "127.0.0.1:1")
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(hangLimit):
		t.Fatalf("ListTopics against nothing did not give up within %v", hangLimit)
	}
	if err == nil || !strings.Contains(err.Error(), "connecting to Kafka at 127.0.0.1:1") {
		t.Fatalf("ListTopics against nothing: %v", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
}
