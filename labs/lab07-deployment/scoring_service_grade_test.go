//go:build grading

package lab07

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

func TestScoringService(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { _, err := ScoreRecord(nil, stream.Record{}, time.Time{}); return err },
		func() error { ScoringService(ServiceSettings{}); return nil })
	d := grDeployed(t, "trades", 3, 3)
	now := time.Date(2026, time.December, 6, 10, 15, 2, 500_000_001, time.FixedZone("CET", 3600))

	t.Run("a classifier's Score: key, prediction, probability, model_version, scored_at", func(t *testing.T) {
		for i, in := range grTradeRecords(t, 41, 5, "in") {
			var out stream.Record
			var err error
			if !labtest.Guard(t, "ScoreRecord", func() { out, err = ScoreRecord(d, in, now) }) {
				return
			}
			if err != nil {
				t.Fatalf("ScoreRecord(trade model v3, %s, now) returned an error for a good trade: %v", in.Value, err)
			}
			want := grRefScore(t, d, in.Value)
			if string(out.Key) != string(in.Key) {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the key of the Score record of trade %d", i), string(in.Key), string(out.Key), "keep the input's key: the score of a record goes where the record's key sends it"))
			}
			got := grDecodeScoreStrict(t, out.Value)
			if got.Key != string(in.Key) {
				t.Errorf("%s", labtest.Mismatch("the Score's key field", string(in.Key), got.Key, "key is the input record's key, as a string"))
			}
			if got.Prediction != want.Value {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the prediction for %s", in.Value), want.Value, got.Prediction, "prediction is the model's Prediction.Value (the predicted class, 0 or 1)"))
			}
			if got.Probability == nil || !labtest.Close(*want.Probability, *got.Probability, 1e-12) {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("the probability for %s", in.Value), *want.Probability, grFmtPtr(got.Probability), "probability is the model's Prediction.Probability, the probability of the positive class"))
			}
			if got.ModelVersion != 3 {
				t.Errorf("%s", labtest.Mismatch("model_version", 3, got.ModelVersion, "the version on the deployed model's card: d.Version()"))
			}
			if want := now.UTC().Format(time.RFC3339Nano); got.ScoredAt != want {
				t.Errorf("%s", labtest.Mismatch("scored_at, with now = "+now.String(), want, got.ScoredAt, "now.UTC().Format(time.RFC3339Nano): in UTC, to the nanosecond"))
			}
			if t.Failed() {
				return
			}
		}
	})

	t.Run("a regressor's Score has a null probability", func(t *testing.T) {
		reg := grRegressor(t)
		in := grTradeRecords(t, 42, 1, "in")[0]
		var out stream.Record
		var err error
		if !labtest.Guard(t, "ScoreRecord", func() { out, err = ScoreRecord(reg, in, now) }) {
			return
		}
		if err != nil {
			t.Fatalf("ScoreRecord(a linear regression, %s) returned an error: %v", in.Value, err)
		}
		got := grDecodeScoreStrict(t, out.Value)
		want := grRefScore(t, reg, in.Value)
		if !labtest.Close(want.Value, got.Prediction, 1e-12) {
			t.Errorf("%s", labtest.Mismatch("the regressor's prediction", want.Value, got.Prediction, "prediction is the model's Prediction.Value"))
		}
		if got.Probability != nil {
			t.Errorf("%s", labtest.Mismatch("the regressor's probability", "null", *got.Probability, "a regressor has no probability: keep the model's nil Probability, so the JSON says null"))
		}
		if got.ModelVersion != 1 {
			t.Errorf("%s", labtest.Mismatch("model_version", 1, got.ModelVersion, "the version on the deployed model's card"))
		}
	})

	t.Run("a record that cannot be scored is an error, never a panic", func(t *testing.T) {
		good := grTradeRecords(t, 43, 1, "in")[0]
		cases := []struct {
			what  string
			d     *Deployed
			value []byte
			names string // a word the error should contain
		}{
			{"a value that is not JSON", d, []byte("date=3;weight=0.5"), ""},
			{"a trade without feature_3", d, grWithout(t, good.Value, "feature_3"), "feature_3"},
			{"feature_2 as a string", d, grWith(t, good.Value, "feature_2", "high"), "feature_2"},
			{"feature_1 null", d, grWith(t, good.Value, "feature_1", nil), "feature_1"},
			{"a tombstone (no value)", d, nil, ""},
			{"no model in service yet", nil, good.Value, ""},
		}
		for _, c := range cases {
			in := good
			in.Value = c.value
			var err error
			if !labtest.Guard(t, "ScoreRecord with "+c.what, func() { _, err = ScoreRecord(c.d, in, now) }) {
				continue
			}
			switch {
			case err == nil:
				t.Errorf("ScoreRecord with %s: want an error (the processor then skips and reports the record), got none", c.what)
			case c.names != "" && !strings.Contains(err.Error(), c.names):
				t.Errorf("ScoreRecord with %s: the error %q does not name %s; whoever reads the skip report needs to know which field was wrong", c.what, err, c.names)
			}
		}
	})

	t.Run("a service over a topic: every good record scored once, the bad ones skipped and reported", func(t *testing.T) {
		bootstrap := labtest.Bootstrap(t)
		input, output := labtest.Topic(t, "trades"), labtest.Topic(t, "scores")
		labtest.CreateTopic(t, bootstrap, input, 1)
		labtest.CreateTopic(t, bootstrap, output, 1)
		records := grTradeRecords(t, 44, 40, input)
		bad := map[int64]string{5: "not json at all", 12: `{"date":1,"weight":0.5}`, 25: `{"date":1,"feature_0":1,"feature_1":"x","feature_2":0,"feature_3":0,"feature_4":0}`, 33: `[1,2,3]`}
		var msgs []*sarama.ProducerMessage
		for i, r := range records {
			v := r.Value
			if b, ok := bad[int64(i)]; ok {
				v = []byte(b)
			}
			msgs = append(msgs, &sarama.ProducerMessage{Topic: input, Key: sarama.ByteEncoder(r.Key), Value: sarama.ByteEncoder(v)})
		}
		labtest.Produce(t, bootstrap, msgs...)
		var cfg stream.Config
		if !labtest.Guard(t, "ScoringService", func() {
			cfg = ScoringService(ServiceSettings{Bootstrap: bootstrap, Group: labtest.Group(t, "scoring"), Input: input, Output: output,
				Current: func() *Deployed { return d }, Now: time.Now})
		}) {
			return
		}
		if cfg.Transform == nil {
			t.Fatalf("ScoringService returned a stream.Config with no Transform: set Transform to a function that scores the record with s.Current() and returns the Score record")
		}
		run := labtest.RunStream(t, cfg, int64(len(records)), grStreamWait, 0)
		if p := run.Problem(int64(len(records))); p != "" {
			t.Fatalf("the scoring service over %d records (4 of them malformed): %s", len(records), p)
		}
		outs := labtest.ReadStream(t, bootstrap, output)
		scored := map[string]int{}
		for _, o := range outs {
			s, err := DecodeScore(o.Value)
			if err != nil {
				t.Fatalf("a record on the output topic is not a Score: %s", o.Value)
			}
			scored[s.Key]++
		}
		for i, r := range records {
			n := scored[string(r.Key)]
			_, isBad := bad[int64(i)]
			switch {
			case isBad && n > 0:
				t.Errorf("the malformed record at offset %d (%s) was scored: it should have been skipped", i, bad[int64(i)])
			case !isBad && n == 0:
				t.Errorf("the trade at offset %d (key %s) was not scored (did the service use Input %q and Output %q?)", i, r.Key, "the settings' Input", "Output")
			case n > 1:
				t.Errorf("the trade at offset %d (key %s) was scored %d times, want once", i, r.Key, n)
			}
		}
		var offsets []int64
		for _, s := range run.Skipped {
			if s.Topic != input {
				t.Errorf("a skipped record was reported on topic %q, want the input topic", s.Topic)
			}
			offsets = append(offsets, s.Offset)
		}
		sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
		if !slices.Equal(offsets, []int64{5, 12, 25, 33}) {
			t.Errorf("%s", labtest.Mismatch("the offsets of the records the service skipped (the stream helper reports a record when the transform returns an error for it)", []int64{5, 12, 25, 33}, offsets,
				"return the error of ScoreRecord from the transform: the processor then skips the record, counts it and reports it with its topic, partition and offset"))
		}
		if run.Stats.Skipped != 4 {
			t.Errorf("%s", labtest.Mismatch("Stats().Skipped", 4, run.Stats.Skipped, ""))
		}
	})
}

// grRegressor is a linear regression of resp on the trade features.
func grRegressor(t *testing.T) *Deployed {
	t.Helper()
	X := mat.NewDense(300, len(TradeFeatures), nil)
	y := make([]float64, 300)
	for i, r := range grTradeRecords(t, 45, 300, "x") {
		x, _ := scoring.Features(r.Value, TradeFeatures)
		X.SetRow(i, x)
		resp, _ := scoring.Features(r.Value, []string{"resp"})
		y[i] = resp[0]
	}
	m := &mlkit.LinearRegression{}
	if err := m.Fit(X, y); err != nil {
		t.Fatal(err)
	}
	card := mlkit.ModelCard{Name: "resp", Version: 1, Features: TradeFeatures, Label: "resp", Metrics: map[string]float64{}}
	a, err := scoring.NewArtifact(card, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Deploy(a)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// grDecodeScoreStrict reads a Score and checks that every field is there.
func grDecodeScoreStrict(t *testing.T, value []byte) Score {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(value, &fields); err != nil {
		t.Fatalf("the Score record's value is not a JSON object: %q (json.Marshal a Score)", value)
	}
	for _, f := range []string{"key", "prediction", "probability", "model_version", "scored_at"} {
		if _, ok := fields[f]; !ok {
			t.Fatalf("the Score record %s has no field %q: marshal the lab's Score type, whose JSON names are key, prediction, probability, model_version, scored_at", value, f)
		}
	}
	s, err := DecodeScore(value)
	if err != nil {
		t.Fatalf("%v: %s", err, value)
	}
	return s
}

// grWith returns the JSON object value with field set to v.
func grWith(t *testing.T, value []byte, field string, v any) []byte {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(value, &obj); err != nil {
		t.Fatal(err)
	}
	obj[field] = v
	b, _ := json.Marshal(obj)
	return b
}
