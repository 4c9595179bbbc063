package datagen

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// TestPointsStream checks the points stream: new points around the line,
// updates and tombstones of live keys only, in the documented shares, and
// the same records for the same seed.
func TestPointsStream(t *testing.T) {
	const n = 5000
	gen := func(seed uint64) Generator {
		g, err := New("points", Options{Seed: seed, Clock: stepClock(epoch, time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	a, b, c := gen(7), gen(7), gen(8)
	live := map[string]bool{}
	var adds, updates, deletes, sameAsOther int
	var sx, sy, sxy, sxx, cnt float64
	for i := range n {
		k, v, ts := a.Next()
		k2, v2, ts2 := b.Next()
		_, v3, _ := c.Next()
		if !bytes.Equal(k, k2) || !bytes.Equal(v, v2) || !ts.Equal(ts2) || (v == nil) != (v2 == nil) {
			t.Fatalf("record %d differs between two generators with seed 7: %s=%s and %s=%s", i, k, v, k2, v2)
		}
		if bytes.Equal(v, v3) {
			sameAsOther++
		}
		key := string(k)
		if !strings.HasPrefix(key, "p-") {
			t.Fatalf("record %d: key %q, want p-<id>", i, key)
		}
		if v == nil {
			if !live[key] {
				t.Fatalf("record %d deletes %s, which is not live", i, key)
			}
			delete(live, key)
			deletes++
			continue
		}
		var p struct{ X, Y *float64 }
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil || p.X == nil || p.Y == nil {
			t.Fatalf("record %d: value %s is not {\"x\":..,\"y\":..} (%v)", i, v, err)
		}
		if *p.X < 0 || *p.X >= 100 {
			t.Fatalf("record %d: x = %v, want [0, 100)", i, *p.X)
		}
		if live[key] {
			updates++
		} else {
			adds++
		}
		live[key] = true
		sx, sy, sxy, sxx, cnt = sx+*p.X, sy+*p.Y, sxy+*p.X**p.Y, sxx+*p.X**p.X, cnt+1
	}
	if sameAsOther > n/10 {
		t.Errorf("seeds 7 and 8 gave %d equal values of %d: the seed is not used", sameAsOther, n)
	}
	if share := float64(deletes) / n; share < 0.03 || share > 0.07 {
		t.Errorf("%d deletes in %d records (%.3f), want about %.2f", deletes, n, share, PointsDeleteShare)
	}
	if share := float64(updates) / n; share < 0.07 || share > 0.13 {
		t.Errorf("%d updates in %d records (%.3f), want about %.2f", updates, n, share, PointsUpdateShare)
	}
	// Every value ever sent lies around the line: least squares over them
	// finds it.
	slope := (cnt*sxy - sx*sy) / (cnt*sxx - sx*sx)
	intercept := (sy - slope*sx) / cnt
	if math.Abs(slope-PointsSlope) > 0.02 || math.Abs(intercept-PointsIntercept) > 0.5 {
		t.Errorf("least squares over the points: y = %.3f + %.3fx, want about %v + %vx", intercept, slope, PointsIntercept, PointsSlope)
	}
	t.Logf("%d adds, %d updates, %d deletes; %d live; fitted y = %.3f + %.4fx", adds, updates, deletes, len(live), intercept, slope)
}

// TestRunSendsTombstones checks that a generator's nil value reaches the
// topic as a tombstone (a null value), not as an empty value: consumers of
// a compacted topic tell the two apart.
func TestRunSendsTombstones(t *testing.T) {
	bootstrap := startBroker(t, "points")
	gen, _ := NewPoints(Options{Seed: 3, Clock: stepClock(epoch, time.Second)})
	const n = 400
	sent, err := Run(context.Background(), bootstrap, "points", gen, RunOptions{Count: n})
	if err != nil || sent != n {
		t.Fatalf("Run = %d, %v; want %d sent", sent, err, n)
	}
	msgs := readAll(t, bootstrap, "points", n)
	tombstones := 0
	for _, m := range msgs {
		if m.Value == nil {
			tombstones++
		} else if len(m.Value) == 0 {
			t.Fatalf("record %s at offset %d has an empty value: a tombstone must be null", m.Key, m.Offset)
		}
	}
	if tombstones == 0 {
		t.Fatalf("none of %d records came back as a tombstone (a null value); the generator deletes about 5%% of points", n)
	}
	t.Logf("%d tombstones in %d records", tombstones, n)
}

// TestPrintShowsTombstonesAsNull checks that --print --format json writes a
// tombstone's value as null, as the topic holds it.
func TestPrintShowsTombstonesAsNull(t *testing.T) {
	gen, _ := NewPoints(Options{Seed: 3, Clock: stepClock(epoch, time.Second)})
	var out bytes.Buffer
	if _, err := Print(context.Background(), &out, FormatJSON, gen, RunOptions{Count: 400}); err != nil {
		t.Fatal(err)
	}
	nulls := 0
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var rec struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		switch string(rec.Value) {
		case "null":
			nulls++
		case `""`:
			t.Fatalf("a tombstone of %s printed as an empty string: %s", rec.Key, line)
		}
	}
	if nulls == 0 {
		t.Fatalf("no tombstone printed as null in 400 records:\n%s", out.String())
	}
}
