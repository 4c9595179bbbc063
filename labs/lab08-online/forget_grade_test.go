//go:build grading

package lab08

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func g8Bad(key, raw string) g8Input { return g8Input{key: key, raw: raw} }

// g8Sent is an input as written: where it landed.
type g8Sent struct {
	in        g8Input
	partition int32
	offset    int64
}

// g8Produce writes inputs to topic, each key always to the same partition.
func g8Produce(t *testing.T, bootstrap, topic string, partitions int32, inputs []g8Input) []g8Sent {
	t.Helper()
	msgs := make([]*sarama.ProducerMessage, len(inputs))
	for i, in := range inputs {
		var h uint32
		for _, c := range []byte(in.key) {
			h = h*31 + uint32(c)
		}
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(in.key), Partition: int32(h % uint32(partitions))}
		if v := in.value(); v != nil {
			msgs[i].Value = sarama.ByteEncoder(v)
		}
	}
	labtest.Produce(t, bootstrap, msgs...)
	out := make([]g8Sent, len(inputs))
	for i, m := range msgs {
		out[i] = g8Sent{inputs[i], m.Partition, m.Offset}
	}
	return out
}

// g8ForgetInputs: n records of new points, updates and deletes.
func g8ForgetInputs(seed uint64, from, n int) []g8Input {
	r := rand.New(rand.NewPCG(seed, 3))
	var all []g8Input
	live := []string{}
	for i := range n {
		switch {
		case len(live) > 4 && i%7 == 3:
			k := live[r.IntN(len(live))]
			all = append(all, g8Val(k, r.Float64()*20, r.Float64()*40)) // update
		case len(live) > 4 && i%9 == 5:
			j := r.IntN(len(live))
			all = append(all, g8Tomb(live[j]))
			live = slices.Delete(live, j, j+1)
		default:
			k := "p-" + strconv.Itoa(from+i)
			x := r.Float64() * 20
			all = append(all, g8Val(k, x, 1.5+2*x+r.NormFloat64()))
			live = append(live, k)
		}
	}
	return all
}

// g8WithBad inserts bad records among inputs and returns where each one
// is, with why it is bad. deleted is a key deleted in inputs before the
// last quarter of them.
func g8WithBad(inputs []g8Input, deleted string) ([]g8Input, map[int]string) {
	bads := []struct {
		in  g8Input
		why string
	}{
		{g8Bad("p-bad-1", `{"x":"twelve","y":3}`), "x is not a number"},
		{g8Bad("p-bad-2", `{"x":4}`), "y is missing"},
		{g8Bad("p-bad-3", `{"y":4}`), "x is missing"},
		{g8Bad("p-bad-4", `not json`), "not JSON"},
		{g8Tomb("p-never-sent"), "a tombstone for a point never seen"},
		{g8Tomb(deleted), "a second tombstone for " + deleted + ", deleted before"},
		{g8Bad("p-bad-5", `{"x":1e999,"y":2}`), "x is not finite"},
	}
	out := slices.Clone(inputs)
	whys := make([]string, len(out))
	// From the end backwards, every third position: after the tombstone of
	// deleted, which is early in the inputs.
	for i, b := range bads {
		pos := len(inputs) - 2 - 3*i
		out = slices.Insert(out, pos, b.in)
		whys = slices.Insert(whys, pos, b.why)
	}
	where := map[int]string{}
	for i, why := range whys {
		if why != "" {
			where[i] = why
		}
	}
	return out, where
}

// g8Changelog reads the changelog as a table.
func g8Changelog(t *testing.T, bootstrap, topic string) map[string][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 30*time.Second))
	defer cancel()
	tbl, err := stream.ReadTable(ctx, bootstrap, topic)
	if err != nil && !errors.Is(err, stream.ErrUnknownTopic) {
		t.Fatalf("reading the changelog %s: %v", topic, err)
	}
	return tbl
}

// g8LineOf reads the LineState in a changelog table.
func g8LineOf(t *testing.T, tbl map[string][]byte) (LineState, bool) {
	t.Helper()
	raw, ok := tbl[LineKey]
	if !ok {
		return LineState{}, false
	}
	var st LineState
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("the changelog's %q entry is not a LineState: %v: %s", LineKey, err, raw)
	}
	return st, true
}

func g8LastUpdate(t *testing.T, recs []stream.Record) (LineUpdate, int) {
	t.Helper()
	var last LineUpdate
	n := 0
	for _, r := range recs {
		var u LineUpdate
		if err := json.Unmarshal(r.Value, &u); err != nil {
			t.Fatalf("an output record is not a LineUpdate: %v: %s", err, r.Value)
		}
		last, n = u, n+1
	}
	return last, n
}

func TestForgetOnStream(t *testing.T) {
	labtest.StopIfNotStarted(t, func() error { _, err := ApplyPoint(stream.Record{}, nil); return err })
	bootstrap := labtest.Bootstrap(t)
	points := labtest.Topic(t, "points")
	lines := labtest.Topic(t, "lines")
	changelog := labtest.Topic(t, "line-state")
	group := labtest.Group(t, "line")
	labtest.CreateTopic(t, bootstrap, points, 3)
	labtest.CreateTopic(t, bootstrap, lines, 1)

	good1 := g8ForgetInputs(11, 0, 60)
	deleted := ""
	for _, in := range good1 {
		if in.tomb {
			deleted = in.key
			break
		}
	}
	batch1, badAt := g8WithBad(good1, deleted)
	sent1 := g8Produce(t, bootstrap, points, 3, batch1)
	cfg := stream.Config{Bootstrap: bootstrap, Group: group, Inputs: []string{points}, Output: lines, Changelog: changelog, TableTransform: ApplyPoint}
	run1 := labtest.RunStream(t, cfg, int64(len(batch1)), 90*time.Second, 0)
	var outputs1 int
	// lineRight1 says the first run's line was right, so that a wrong line
	// after the restart can be blamed on the replay rather than on updates.
	lineRight1 := false

	t.Run("updates and deletes: the line equals batch least squares over the live points", func(t *testing.T) {
		if p := run1.Problem(int64(len(batch1))); p != "" {
			t.Fatalf("%s", p)
		}
		liveMap, live := g8Live(batch1)
		tbl := g8Changelog(t, bootstrap, changelog)
		st, ok := g8LineOf(t, tbl)
		if !ok {
			t.Fatalf("the changelog %s has no %q entry after %d records: Put the LineState under LineKey for every record applied", changelog, LineKey, len(batch1))
		}
		if st.Line.N != len(live) {
			hint := "an update replaces its key's point (forget the old value, learn the new one); a tombstone forgets it"
			if st.Line.N > len(live) {
				hint = "N counts more points than are alive: are updates learned without forgetting the old value, or tombstones ignored?"
			}
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the line's N after %d records (%d skipped as bad)", len(batch1), len(badAt)), len(live), st.Line.N, hint))
		}
		before := t.Failed()
		g8CheckLine(t, "the line in the changelog", &st.Line, live, "")
		lineRight1 = st.Line.N == len(live) && t.Failed() == before
		// The table holds the live points and nothing else.
		for k, p := range liveMap {
			raw, ok := tbl[PointPrefix+k]
			var got Point
			if !ok || json.Unmarshal(raw, &got) != nil || got.X != p.x || got.Y != p.y {
				t.Errorf("the changelog's %q is %s, want {\"x\":%v,\"y\":%v}: the table keeps each live point's latest value", PointPrefix+k, raw, p.x, p.y)
				break
			}
		}
		for k := range tbl {
			if id, ok := strings.CutPrefix(k, PointPrefix); ok {
				if _, live := liveMap[id]; !live {
					t.Errorf("the changelog still holds %q, a point that was deleted or never valid: a tombstone must Delete its entry (GDPR's right to be forgotten reaches the changelog too)", k)
					break
				}
			}
		}
		recs := labtest.ReadStream(t, bootstrap, lines)
		last, n := g8LastUpdate(t, recs)
		outputs1 = n
		if want := len(batch1) - len(badAt); n != want {
			t.Errorf("the output topic holds %d LineUpdates for %d good records: return one per record applied, none for a skipped one", n, want)
		}
		wantA, wantB := g8BatchLine(t, live)
		if last.N != len(live) || last.Intercept == nil || last.Slope == nil || !g8Close(wantA, *last.Intercept, g8Tol) || !g8Close(wantB, *last.Slope, g8Tol) {
			hint := "return NewLineUpdate(&state.Line) after the change"
			if last.N == st.Line.N && !lineRight1 {
				hint = "it shows the line of the changelog, which is wrong (above): fix that, and this follows"
			}
			t.Errorf("%s", labtest.Mismatch("the last LineUpdate on the output topic", fmt.Sprintf("n %d, intercept %.10g, slope %.10g", len(live), wantA, wantB), g8FmtUpdate(last), hint))
		}
	})

	t.Run("bad records are skipped and reported with topic, partition and offset", func(t *testing.T) {
		if p := run1.Problem(int64(len(batch1))); p != "" {
			t.Fatalf("%s", p)
		}
		g8CheckSkipped(t, g8WhereInputs(sent1), badAt, run1.Skipped, points)
		if run1.Stats.Processed-run1.Stats.Skipped < int64(len(batch1)-len(badAt)) || outputs1 == 0 {
			t.Errorf("only %d of %d good records were applied", run1.Stats.Processed-run1.Stats.Skipped, len(batch1)-len(badAt))
		}
		for _, s := range run1.Skipped {
			if s.Key != nil && strings.HasPrefix(string(s.Key), "p-never") && !errors.Is(s.Err, mlkit.ErrUnknownKey) {
				t.Errorf("the tombstone for p-never-sent was skipped with %q; want an error wrapping mlkit.ErrUnknownKey, so readers can tell a delete of nothing from bad data", s.Err)
			}
		}
	})

	t.Run("a restart after a crash does not count records twice", func(t *testing.T) {
		if run1.Problem(int64(len(batch1))) != "" || outputs1 == 0 {
			t.Fatalf("cannot test a restart: the first run did not apply the records (see the first subtest)")
		}
		good2 := g8ForgetInputs(12, 1000, 30)
		// Updates and deletes of points of the first batch, too.
		liveMap1, _ := g8Live(batch1)
		var keys1 []string
		for k := range liveMap1 {
			keys1 = append(keys1, k)
		}
		slices.Sort(keys1)
		good2 = append(good2, g8Val(keys1[0], 7, 7), g8Tomb(keys1[1]), g8Val(keys1[2], 9.5, 20))
		// A crash right after the changelog was written and before the
		// commit: the group is back at the start of every partition.
		labtest.CommitOffsets(t, bootstrap, group, points, map[int32]int64{0: 0, 1: 0, 2: 0})
		g8Produce(t, bootstrap, points, 3, good2)
		all := append(slices.Clone(batch1), good2...)
		run2 := labtest.RunStream(t, cfg, int64(len(all)), 90*time.Second, 0)
		if p := run2.Problem(int64(len(all))); p != "" {
			t.Fatalf("the restarted processor: %s", p)
		}
		_, live := g8Live(all)
		st, ok := g8LineOf(t, g8Changelog(t, bootstrap, changelog))
		if !ok {
			t.Fatalf("the changelog has no %q entry", LineKey)
		}
		if st.Line.N != len(live) {
			hint := "skip a record when state.Counted.Covers(in): the changelog already holds its effect"
			if !lineRight1 {
				hint = "the line was wrong before the crash already (see the first check): make updates and tombstones right first, then this check tells whether a replay counts twice"
			}
			t.Errorf("%s", labtest.Mismatch("the line's N after a crash replayed the first run's records", len(live), st.Line.N, hint))
		}
		g8CheckLine(t, "the line after a crash, a replay and more records", &st.Line, live, "")
		recs := labtest.ReadStream(t, bootstrap, lines)
		if _, n := g8LastUpdate(t, recs); n-outputs1 != len(good2) {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("LineUpdates written by the restarted processor, which read %d old records again and %d new ones", len(batch1), len(good2)), len(good2), n-outputs1,
				"the replayed records were applied again: check state.Counted.Covers(in) first and return nothing for those; Advance the positions in the same Put as the sums"))
		}
		replayedSkips := 0
		for _, s := range run2.Skipped {
			if s.Offset >= 0 && g8IsOld(sent1, s) {
				replayedSkips++
			}
		}
		if replayedSkips > len(badAt) {
			t.Errorf("the restarted processor skipped %d replayed records (only %d of them are bad): a replayed tombstone was applied again and found no point", replayedSkips, len(badAt))
		}
	})
}

func g8WhereInputs(sent []g8Sent) []g8Where {
	out := make([]g8Where, len(sent))
	for i, x := range sent {
		out[i] = g8Where{x.partition, x.offset, x.in.String()}
	}
	return out
}

func g8IsOld(sent []g8Sent, s stream.Skipped) bool {
	for _, x := range sent {
		if x.partition == s.Partition && x.offset == s.Offset {
			return true
		}
	}
	return false
}

func g8FmtUpdate(u LineUpdate) string {
	f := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%.10g", *p)
	}
	return fmt.Sprintf("n %d, intercept %s, slope %s", u.N, f(u.Intercept), f(u.Slope))
}
