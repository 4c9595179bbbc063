//go:build grading

package lab07

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

func TestHotSwap(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { (&ModelHolder{}).Current(); return nil },
		func() error { return (&ModelHolder{}).Apply(stream.Record{}) })
	art := map[int]*scoring.Artifact{1: grArtifact(t, "trades", 1, 1), 2: grArtifact(t, "trades", 2, 2), 3: grArtifact(t, "trades", 3, 3)}
	value := func(v int) []byte {
		b, err := art[v].Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rec := func(offset int64, key string, v []byte) stream.Record {
		return stream.Record{Topic: "models", Partition: 0, Offset: offset, Key: []byte(key), Value: v}
	}
	apply := func(t *testing.T, h *ModelHolder, r stream.Record, what string) (err error, ok bool) {
		t.Helper()
		ok = labtest.Guard(t, fmt.Sprintf("Apply(%s)", what), func() { err = h.Apply(r) })
		return err, ok
	}
	current := func(t *testing.T, h *ModelHolder) (d *Deployed, ok bool) {
		t.Helper()
		ok = labtest.Guard(t, "Current()", func() { d = h.Current() })
		return d, ok
	}
	row := []float64{1, 0.3, -1.2, 0.5, 2}
	refProb := map[int]float64{}
	for v := 1; v <= 3; v++ {
		d, err := Deploy(art[v])
		if err != nil {
			t.Fatal(err)
		}
		p, _ := d.Model.Predict(row)
		refProb[v] = *p.Probability
	}
	// scoresLike checks that d is a whole version v: its card and its weights.
	scoresLike := func(d *Deployed, v int) bool {
		if d == nil || d.Model == nil || d.Artifact == nil || d.Version() != v {
			return false
		}
		p, err := d.Model.Predict(row)
		return err == nil && p.Probability != nil && *p.Probability == refProb[v]
	}

	t.Run("the newest record wins, whatever its version: a rollback is a republish", func(t *testing.T) {
		h := &ModelHolder{Name: "trades"}
		if d, ok := current(t, h); !ok || d != nil {
			t.Fatalf("Current() of a new holder: want nil (no model yet), got %v", d)
		}
		steps := []struct {
			offset  int64
			version int
			why     string
		}{
			{0, 1, "the first model record deploys version 1"},
			{1, 3, "version 3 replaces version 1"},
			{2, 2, "version 2 published after version 3 replaces it: that is how a rollback works (republish the older artifact); never compare version numbers"},
			{3, 3, "and version 3 again, once it is fixed"},
		}
		for _, s := range steps {
			err, ok := apply(t, h, rec(s.offset, "trades", value(s.version)), fmt.Sprintf("version %d at offset %d", s.version, s.offset))
			if !ok {
				return
			}
			if err != nil {
				t.Fatalf("Apply(version %d at offset %d) returned an error for a good artifact: %v\n  %s", s.version, s.offset, err, s.why)
			}
			d, ok := current(t, h)
			if !ok {
				return
			}
			if !scoresLike(d, s.version) {
				got := "nil"
				if d != nil && d.Artifact != nil {
					got = fmt.Sprintf("version %d", d.Version())
				}
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("Current() after the record of version %d at offset %d", s.version, s.offset), fmt.Sprintf("version %d (built from that record: Artifact and Model)", s.version), got, s.why))
			}
			if d.Topic != "models" || d.Partition != 0 || d.Offset != s.offset {
				t.Fatalf("%s", labtest.Mismatch("where the deployed model came from (Topic, Partition, Offset)", fmt.Sprintf("models/0@%d", s.offset), fmt.Sprintf("%s/%d@%d", d.Topic, d.Partition, d.Offset),
					"fill in the Deployed's Topic, Partition and Offset from the record: an operator asks which record the service is running"))
			}
		}
	})

	t.Run("a bad model record keeps the last good model", func(t *testing.T) {
		h := &ModelHolder{Name: "trades"}
		if err, ok := apply(t, h, rec(0, "trades", []byte("{not json")), "a value that is not JSON"); !ok || err == nil {
			if ok {
				t.Errorf("Apply of a record that is not an artifact, on a new holder: want an error, got none")
			}
		}
		if d, ok := current(t, h); ok && d != nil {
			t.Fatalf("after a bad first record, Current() must still be nil (no model), got version %d", d.Version())
		}
		if err, ok := apply(t, h, rec(1, "trades", value(2)), "version 2"); !ok {
			t.FailNow() // the panic is reported
		} else if err != nil {
			t.Fatalf("Apply(version 2) returned an error for a good artifact: %v", err)
		}
		wrongFormat := *art[3]
		wrongFormat.Format = "pmml"
		wrongFeatures := *art[3]
		wrongFeatures.Card.Features = TradeFeatures[:4]
		wrongName := *art[3]
		wrongName.Card.Name = "orders-model"
		marshal := func(a scoring.Artifact) []byte { b, _ := a.Marshal(); return b }
		bad := []struct {
			what  string
			value []byte
		}{
			{"a value that is not JSON", []byte("{not json")},
			{"a tombstone (null value)", nil},
			{"an artifact of an unknown format", marshal(wrongFormat)},
			{"a card listing 4 features for a model of 5", marshal(wrongFeatures)},
			{"an artifact whose card names another model than its key", marshal(wrongName)},
		}
		for i, b := range bad {
			err, ok := apply(t, h, rec(int64(2+i), "trades", b.value), b.what)
			if !ok {
				continue
			}
			if err == nil {
				t.Errorf("Apply(%s): want an error (FollowModels reports it with its offset), got none", b.what)
			}
			if d, ok := current(t, h); ok && !scoresLike(d, 2) {
				got := "nil"
				if d != nil && d.Artifact != nil {
					got = fmt.Sprintf("version %d", d.Version())
				}
				t.Errorf("%s", labtest.Mismatch("Current() after "+b.what, "version 2, the last good model", got,
					"decode and Build the artifact first, and only swap when both worked: a bad publish must never take scoring down"))
				return
			}
		}
	})

	t.Run("records of other models are none of the holder's business", func(t *testing.T) {
		h := &ModelHolder{Name: "trades"}
		if err, ok := apply(t, h, rec(0, "trades", value(1)), "version 1"); !ok {
			t.FailNow() // the panic is reported
		} else if err != nil {
			t.Fatalf("Apply(version 1) returned an error for a good artifact: %v", err)
		}
		other := *art[3]
		other.Card.Name = "orders-model"
		b, _ := other.Marshal()
		err, ok := apply(t, h, rec(1, "orders-model", b), "a good artifact of the model orders-model")
		if !ok {
			return
		}
		if err != nil {
			t.Errorf("Apply of another model's record returned an error (%v): a models topic holds every model; a record keyed by another name is not a bad record, it is someone else's (return nil)", err)
		}
		if d, ok := current(t, h); ok && !scoresLike(d, 1) {
			t.Errorf("after a record of the model orders-model, the holder of trades no longer serves its version 1: compare the record's key with h.Name first")
		}
	})

	t.Run("Current is safe to call while models are swapped", func(t *testing.T) {
		h := &ModelHolder{Name: "trades"}
		values := map[int][]byte{1: value(1), 2: value(2), 3: value(3)}
		var done atomic.Bool
		var torn atomic.Int64
		var firstTorn atomic.Value
		var wg sync.WaitGroup
		panicked := make(chan any, 8)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if r := recover(); r != nil {
						panicked <- r
					}
				}()
				for !done.Load() {
					d := h.Current()
					if d == nil {
						continue
					}
					v := 0
					if d.Artifact != nil {
						v = d.Version()
					}
					if !scoresLike(d, v) {
						if torn.Add(1) == 1 {
							firstTorn.Store(fmt.Sprintf("a model labelled version %d that does not score like version %d", v, v))
						}
					}
				}
			}()
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					panicked <- r
				}
			}()
			for i := range 300 {
				_ = h.Apply(rec(int64(i), "trades", values[i%3+1]))
			}
		}()
		done.Store(true)
		wg.Wait()
		close(panicked)
		for r := range panicked {
			t.Fatalf("Apply or Current panicked while models were swapped: %v", r)
		}
		if n := torn.Load(); n > 0 {
			t.Fatalf("while 300 models were swapped in, 4 readers got %d times %v: keep the whole Deployed behind one atomic.Pointer[Deployed], Store a new one, and Load it once", n, firstTorn.Load())
		}
		if d := h.Current(); !scoresLike(d, 3) {
			t.Fatalf("after 300 swaps ending with version 3, Current() is not version 3")
		}
	})

	t.Run("swaps on a live models topic, under load: every record scored once, by the version current when it was read", func(t *testing.T) {
		bootstrap := labtest.Bootstrap(t)
		models, input, output := labtest.Topic(t, "models"), labtest.Topic(t, "trades"), labtest.Topic(t, "scores")
		ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 30*time.Second))
		if err := kafkautil.EnsureTopics(ctx, bootstrap, []kafkautil.TopicSpec{{Name: models, Partitions: 1, Compacted: true}}); err != nil {
			t.Fatalf("creating the models topic: %v", err)
		}
		cancel()
		labtest.CreateTopic(t, bootstrap, input, 1)
		labtest.CreateTopic(t, bootstrap, output, 1)
		const n = 1200
		records := grTradeRecords(t, 46, n, input)
		var msgs []*sarama.ProducerMessage
		for _, r := range records {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: input, Key: sarama.ByteEncoder(r.Key), Value: sarama.ByteEncoder(r.Value)})
		}
		labtest.Produce(t, bootstrap, msgs...)

		cfg := kafkautil.NewConfig("mlops-lab-test-publisher")
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Return.Successes = true
		publisher, err := sarama.NewSyncProducer(kafkautil.SplitBootstrap(bootstrap), cfg)
		if err != nil {
			t.Fatalf("test producer: %v", err)
		}
		defer publisher.Close()
		publish := func(v []byte) (int64, error) {
			m := &sarama.ProducerMessage{Topic: models, Key: sarama.StringEncoder("trades")}
			if v != nil {
				m.Value = sarama.ByteEncoder(v)
			}
			_, off, err := publisher.SendMessage(m)
			return off, err
		}
		if _, err := publish(value(1)); err != nil {
			t.Fatalf("publishing version 1: %v", err)
		}

		h := &ModelHolder{Name: "trades"}
		var rejMu sync.Mutex
		var rejected []scoring.Rejected
		var applyPanic atomic.Value
		followCtx, stopFollow := context.WithCancel(context.Background())
		followed := make(chan error, 1)
		go func() {
			followed <- FollowModels(followCtx, bootstrap, models, func(r stream.Record) (err error) {
				defer func() {
					if p := recover(); p != nil {
						applyPanic.Store(fmt.Sprint(p))
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				return h.Apply(r)
			}, func(r scoring.Rejected) {
				rejMu.Lock()
				rejected = append(rejected, r)
				rejMu.Unlock()
			})
		}()
		defer func() {
			stopFollow()
			<-followed
		}()
		if !labtest.Eventually(labtest.Budget(t, grSwapWait), 10*time.Millisecond, func() bool { return scoresLike(h.Current(), 1) }) {
			if p := applyPanic.Load(); p != nil {
				t.Fatalf("Apply panicked on the models topic's first record: %v", p)
			}
			t.Fatalf("version 1 was published on the models topic, and %v later Current() still does not hold it: FollowModels hands every record to Apply, which must decode, build and store it", grSwapWait)
		}

		// The swaps happen while the stream is being scored: when the
		// record at offset `at` comes, the test publishes the next model
		// and waits until the holder has it, so every record from `at` on
		// must be scored by it, and every record before by the one before.
		plan := []struct {
			at      int64
			version int
			bad     bool // a bad record is published first
		}{{200, 2, false}, {450, 3, true}, {700, 2, false}, {950, 3, false}}
		expected := func(offset int64) int {
			v := 1
			for _, s := range plan {
				if offset >= s.at {
					v = s.version
				}
			}
			return v
		}
		var badOffset atomic.Int64
		badOffset.Store(-1)
		var swapProblem atomic.Value
		transform := func(in stream.Record) ([]stream.Record, error) {
			for _, s := range plan {
				if in.Offset != s.at {
					continue
				}
				if s.bad {
					off, err := publish([]byte(`{"card":{"name":"trades","version":9},"format":"mlkit","model":{"type":"no_such_model"}}`))
					if err == nil {
						badOffset.Store(off)
					}
				}
				if _, err := publish(value(s.version)); err != nil {
					return nil, err
				}
				deadline := time.Now().Add(grSwapWait)
				for !scoresLike(h.Current(), s.version) && time.Now().Before(deadline) {
					time.Sleep(2 * time.Millisecond) // polling the holder, up to the deadline
				}
				if !scoresLike(h.Current(), s.version) && swapProblem.Load() == nil {
					swapProblem.Store(fmt.Sprintf("version %d was published when the record at offset %d came, and %v later Current() did not hold it", s.version, s.at, grSwapWait))
				}
			}
			// The grader's own scoring: one Load per record.
			d := h.Current()
			x, err := scoring.Features(in.Value, TradeFeatures)
			if err != nil {
				return nil, err
			}
			p, err := d.Model.Predict(x)
			if err != nil {
				return nil, err
			}
			out, _ := json.Marshal(Score{Key: string(in.Key), Prediction: p.Value, Probability: p.Probability, ModelVersion: d.Version()})
			return []stream.Record{{Key: in.Key, Value: out}}, nil
		}
		run := labtest.RunStream(t, stream.Config{Bootstrap: bootstrap, Group: labtest.Group(t, "swap"), Inputs: []string{input}, Output: output, Transform: transform}, n, grStreamWait, 0)
		if p := run.Problem(n); p != "" {
			t.Fatalf("scoring %d records while models were swapped: %s", n, p)
		}
		if p := swapProblem.Load(); p != nil {
			t.Fatalf("%v: did Apply take the newest record even when its version is older (a rollback)?", p)
		}
		refs := map[int]*Deployed{}
		for v := 1; v <= 3; v++ {
			refs[v], _ = Deploy(art[v])
		}
		byKey := map[string]Score{}
		for _, o := range labtest.ReadStream(t, bootstrap, output) {
			s, err := DecodeScore(o.Value)
			if err != nil {
				t.Fatal(err)
			}
			if _, dup := byKey[s.Key]; dup {
				t.Fatalf("the record with key %s was scored twice", s.Key)
			}
			byKey[s.Key] = s
		}
		for _, r := range records {
			s, ok := byKey[string(r.Key)]
			if !ok {
				t.Fatalf("the record at offset %d was not scored", r.Offset)
			}
			if want := expected(r.Offset); s.ModelVersion != want {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the version that scored the record at offset %d (swaps at offsets 200 -> v2, 450 -> v3, 700 -> v2, 950 -> v3)", r.Offset), want, s.ModelVersion,
					"the model current when a record is read scores it: a swap takes effect from the next record on, never later, never halfway"))
			}
			want := grRefScore(t, refs[s.ModelVersion], r.Value)
			if s.Probability == nil || *s.Probability != *want.Probability {
				t.Fatalf("the record at offset %d is labelled version %d but was not scored by version %d's weights: keep model and version together in one Deployed behind one pointer", r.Offset, s.ModelVersion, s.ModelVersion)
			}
		}
		bad := badOffset.Load()
		if !labtest.Eventually(labtest.Budget(t, 10*time.Second), 10*time.Millisecond, func() bool {
			rejMu.Lock()
			defer rejMu.Unlock()
			for _, r := range rejected {
				if r.Offset == bad && r.Topic == models {
					return true
				}
			}
			return false
		}) {
			rejMu.Lock()
			defer rejMu.Unlock()
			t.Fatalf("the bad model record at offset %d of the models topic was not reported (reported: %v): Apply must return an error for it, which FollowModels reports with its offset", bad, rejected)
		}
	})
}
