//go:build grading

package lab02

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestLoadTotals(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	topic := labtest.Topic(t, "units-by-state")
	createCompacted(t, bootstrap, topic)

	// Each state lives in one partition, as a changelog's keys do.
	put := func(p int32, state string, orders int, units float64) *sarama.ProducerMessage {
		v, _ := json.Marshal(StateTotal{State: state, Orders: orders, Units: units})
		return &sarama.ProducerMessage{Topic: topic, Partition: p, Key: sarama.StringEncoder(state), Value: sarama.ByteEncoder(v)}
	}
	del := func(p int32, state string) *sarama.ProducerMessage {
		return &sarama.ProducerMessage{Topic: topic, Partition: p, Key: sarama.StringEncoder(state)} // nil value: a tombstone
	}
	labtest.Produce(t, bootstrap,
		put(0, "State_1", 1, 1.5), put(1, "State_2", 1, 2.0), put(2, "State_3", 1, 0.5),
		put(0, "State_1", 2, 3.75), put(1, "State_4", 1, 1.0), del(1, "State_2"),
		del(0, "State_5"), put(2, "State_3", 2, 1.5), put(1, "State_4", 2, 2.5),
		del(2, "State_3"), put(0, "State_1", 3, 4.25), put(2, "State_3", 1, 7.0),
		put(2, "State_6", 1, 9.0),
	)
	const history = "the topic holds, in order: State_1 three totals (last 3 orders, 4.25 units); State_2 a total then a tombstone; " +
		"State_3 two totals, a tombstone, then a new total (1 order, 7 units); State_4 two totals (last 2 orders, 2.5 units); " +
		"State_5 only a tombstone; State_6 one total"
	first, firstErr := loadTotals(t, bootstrap, topic)

	t.Run("the latest value of each state wins", func(t *testing.T) {
		if firstErr != nil {
			t.Fatalf("LoadTotals(%s) returned an error: %v", topic, firstErr)
		}
		for _, w := range []StateTotal{{State: "State_1", Orders: 3, Units: 4.25}, {State: "State_4", Orders: 2, Units: 2.5}, {State: "State_6", Orders: 1, Units: 9}} {
			g, ok := first[w.State]
			switch {
			case !ok:
				t.Errorf("LoadTotals has no %s; %s.\n  read every partition from its first offset to its end", w.State, history)
			case g.Orders == 1 && w.Orders > 1:
				t.Errorf("%s", labtest.Mismatch(w.State, fmtTotal(w), fmtTotal(g), "that is the state's first total: later records of a key replace earlier ones"))
			case g.Orders != w.Orders || !near(g.Units, w.Units) || g.State != w.State:
				t.Errorf("%s", labtest.Mismatch(w.State+" (the last total written for it)", fmtTotal(w), fmtTotal(g), history))
			}
		}
	})

	t.Run("a tombstone deletes its state", func(t *testing.T) {
		if firstErr != nil {
			t.Fatalf("LoadTotals(%s) returned an error: %v", topic, firstErr)
		}
		if first == nil {
			t.Fatalf("LoadTotals returned a nil map and no error")
		}
		for _, gone := range []string{"State_2", "State_5"} {
			if g, ok := first[gone]; ok {
				hint := "a record with a nil value (a tombstone) deletes its key: delete(totals, key)"
				if g.State == "" && g.Orders == 0 && g.Units == 0 {
					hint = "you stored an empty total for the tombstone; a tombstone means the key is gone: delete it from the map"
				}
				t.Errorf("%s is in the table (%s), but its last record is a tombstone.\n  %s", gone, fmtTotal(g), hint)
			}
		}
		want := StateTotal{State: "State_3", Orders: 1, Units: 7}
		if g, ok := first["State_3"]; !ok {
			t.Errorf("State_3 is missing: it was deleted by a tombstone but written again afterwards, so it exists with %s. A tombstone deletes what came before it, not what comes after", fmtTotal(want))
		} else if g.Orders != want.Orders || !near(g.Units, want.Units) {
			t.Errorf("%s", labtest.Mismatch("State_3 (deleted, then written again)", fmtTotal(want), fmtTotal(g), ""))
		}
	})

	t.Run("each call reads the whole topic again", func(t *testing.T) {
		labtest.Produce(t, bootstrap, put(1, "State_4", 3, 3.0), put(1, "State_2", 1, 6.0), put(0, "State_7", 1, 1.0))
		second, err := loadTotals(t, bootstrap, topic)
		if err != nil {
			t.Fatalf("the second LoadTotals(%s) returned an error: %v", topic, err)
		}
		want := map[string]StateTotal{
			"State_1": {State: "State_1", Orders: 3, Units: 4.25}, "State_2": {State: "State_2", Orders: 1, Units: 6},
			"State_3": {State: "State_3", Orders: 1, Units: 7}, "State_4": {State: "State_4", Orders: 3, Units: 3},
			"State_6": {State: "State_6", Orders: 1, Units: 9}, "State_7": {State: "State_7", Orders: 1, Units: 1},
		}
		if _, ok := second["State_1"]; !ok && len(second) > 0 {
			t.Errorf("the second call has %d states but not State_1, which was written before the first call and not since: read from the beginning every time (a consumer group would resume where the last read stopped, but a table is rebuilt from the whole changelog)", len(second))
		}
		checkTotals(t, "the table after three more records (State_4 updated, State_2 written again, State_7 new)", want, second)
	})

	t.Run("a value that is not a total is an error naming its key", func(t *testing.T) {
		broken := labtest.Topic(t, "units-by-state")
		createCompacted(t, bootstrap, broken)
		labtest.Produce(t, bootstrap, &sarama.ProducerMessage{Topic: broken, Partition: 0, Key: sarama.StringEncoder("State_1"), Value: sarama.StringEncoder(`{"state":"State_1","orders":2,"units":3.5}`)},
			&sarama.ProducerMessage{Topic: broken, Partition: 1, Key: sarama.StringEncoder("State_8"), Value: sarama.StringEncoder(`{"state":"State_8","orders":"many"}`)})
		got, err := loadTotals(t, bootstrap, broken)
		switch {
		case err == nil:
			t.Errorf("LoadTotals returned no error (and %v) for a topic where the value of State_8 is {\"state\":\"State_8\",\"orders\":\"many\"}: return an error when a value does not decode", got)
		case !strings.Contains(err.Error(), "State_8"):
			t.Errorf("LoadTotals returned %q for a topic where the value of State_8 does not decode; say which key it was (wrap the error: fmt.Errorf(\"... %%s ...: %%w\", key, err))", err)
		}
	})
}

func createCompacted(t *testing.T, bootstrap, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 30*time.Second))
	defer cancel()
	if err := kafkautil.EnsureTopics(ctx, bootstrap, []kafkautil.TopicSpec{{Name: topic, Partitions: 3, Compacted: true}}); err != nil {
		t.Fatalf("creating the compacted topic %s: %v", topic, err)
	}
}

// loadHung is set once a LoadTotals call has not returned in time: the
// later calls are not made, to keep the test within its deadline.
var loadHung bool

// loadWait is how long one LoadTotals call may take: reading a few records
// takes milliseconds, so only a call that waits for more records than the
// topic holds comes near it.
const loadWait = 30 * time.Second

func loadTotals(t *testing.T, bootstrap, topic string) (got map[string]StateTotal, err error) {
	t.Helper()
	if loadHung {
		return nil, errors.New("not called again: an earlier LoadTotals call did not return")
	}
	err = fmt.Errorf("LoadTotals did not return within %v: return once every partition has been read to the end it had when you started (a snapshot), rather than waiting for more records", loadWait)
	if !labtest.Within(t, loadWait, "LoadTotals", func(ctx context.Context) {
		got, err = LoadTotals(ctx, bootstrap, topic)
	}) {
		loadHung = true
	}
	return got, err
}
