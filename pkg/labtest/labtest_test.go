package labtest

import (
	"errors"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// deadlineTB is a testing.TB whose binary has the given deadline.
type deadlineTB struct {
	testing.TB
	deadline time.Time
}

func (d deadlineTB) Deadline() (time.Time, bool) { return d.deadline, true }

func TestBudget(t *testing.T) {
	far := deadlineTB{TB: t, deadline: time.Now().Add(time.Hour)}
	if got := Budget(far, 30*time.Second); got != 30*time.Second {
		t.Errorf("an hour before the deadline, Budget(30s) = %v, want 30s", got)
	}
	near := deadlineTB{TB: t, deadline: time.Now().Add(25 * time.Second)}
	if got := Budget(near, 30*time.Second); got > 15*time.Second || got < 14*time.Second {
		t.Errorf("25 s before the deadline, Budget(30s) = %v, want about 15 s (the deadline less the %v margin)", got, budgetMargin)
	}
	past := deadlineTB{TB: t, deadline: time.Now().Add(-time.Second)}
	if got := Budget(past, 30*time.Second); got != time.Second {
		t.Errorf("past the deadline, Budget(30s) = %v, want the 1 s minimum", got)
	}
}

// TestSentinelsRoundTrip writes sentinels to a real broker and reads them
// back: one per partition, each recognised with its token, and an ordinary
// record is not taken for one.
func TestSentinelsRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded broker")
	}
	bootstrap := Bootstrap(t)
	topic := Topic(t, "sentinels")
	CreateTopic(t, bootstrap, topic, 3)
	ordinaryRecord := &sarama.ProducerMessage{Topic: topic, Partition: 1, Key: sarama.StringEncoder("k"), Value: sarama.StringEncoder(`{"sentinel":true}`)}
	msgs := append(Sentinels(topic, 3, "tok-1"), ordinaryRecord)
	Produce(t, bootstrap, msgs...)
	got := ReadTopic(t, bootstrap, topic, 4, 30*time.Second)
	if len(got) != 4 {
		t.Fatalf("read %d records back, want 4", len(got))
	}
	seen := map[int32]bool{}
	ordinary := 0
	for _, m := range got {
		tok, ok := SentinelToken(m)
		switch {
		case !ok:
			ordinary++
		case tok != "tok-1":
			t.Errorf("sentinel in partition %d has token %q, want tok-1", m.Partition, tok)
		default:
			seen[m.Partition] = true
		}
	}
	if len(seen) != 3 || ordinary != 1 {
		t.Errorf("sentinels seen in partitions %v and %d ordinary records; want partitions 0, 1, 2 and 1", seen, ordinary)
	}
}

func TestFormatPair(t *testing.T) {
	for _, c := range []struct {
		want, got       any
		wantStr, gotStr string
	}{
		{0.9666666666666667, 0.9333333333333333, "0.9667", "0.9333"},
		{0.5, 0.5, "0.5", "0.5"},
		{0.1, 0.10000000000000002, "0.1", "0.10000000000000002"},
		{-334.56713851879, -334.5671385, "-334.567139", "-334.567138"},
		{[]float64{1, 2.5, 0.333333333333}, []float64{1, 2.5, 0.3333334}, "[1 2.5 0.3333333]", "[1 2.5 0.3333334]"},
		{3, 4, "3", "4"},
		{"a", 0.12345678, "a", "0.1235"},
	} {
		w, g := FormatPair(c.want, c.got)
		if w != c.wantStr || g != c.gotStr {
			t.Errorf("FormatPair(%v, %v) = %q, %q; want %q, %q", c.want, c.got, w, g, c.wantStr, c.gotStr)
		}
	}
}

func TestReturned(t *testing.T) {
	if got := Returned(0.7857142857142857, nil); got != "0.7857" {
		t.Errorf("Returned(0.7857142857142857, nil) = %q, want 0.7857 (no <nil>)", got)
	}
	if got := Returned(0.0, errors.New("no rows")); got != `0 and the error "no rows"` {
		t.Errorf("Returned(0, no rows) = %q", got)
	}
}
