//go:build grading

package lab07

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestShadow(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { ShadowTransform(nil, nil, "", nil); return nil },
		func() error { Agreement(nil, nil); return nil },
		func() error { Decide(ShadowReport{}, PromotionPolicy{}); return nil })
	champion, challenger := grDeployed(t, "trades", 1, 1), grDeployed(t, "trades", 2, 2)
	now := func() time.Time { return time.Date(2026, time.December, 6, 11, 0, 0, 0, time.UTC) }
	same := func(d *Deployed) func() *Deployed { return func() *Deployed { return d } }

	t.Run("both models score every record: the champion's to the output, the challenger's to the shadow topic", func(t *testing.T) {
		var tf stream.TransformFunc
		if !labtest.Guard(t, "ShadowTransform", func() { tf = ShadowTransform(same(champion), same(challenger), "shadow", now) }) {
			return
		}
		if tf == nil {
			t.Fatalf("ShadowTransform returned no function")
		}
		for _, in := range grTradeRecords(t, 71, 20, "trades") {
			var outs []stream.Record
			var err error
			if !labtest.Guard(t, "the shadow transform", func() { outs, err = tf(in) }) {
				return
			}
			if err != nil {
				t.Fatalf("the shadow transform returned an error for a good trade %s: %v", in.Value, err)
			}
			if len(outs) != 2 {
				t.Fatalf("the shadow transform wrote %d records for one trade: want 2, the champion's score (Topic \"\": the output) and the challenger's (Topic \"shadow\")", len(outs))
			}
			for _, c := range []struct {
				topic, who string
				d          *Deployed
				version    int
			}{{"", "champion", champion, 1}, {"shadow", "challenger", challenger, 2}} {
				var found *stream.Record
				for i := range outs {
					if outs[i].Topic == c.topic {
						found = &outs[i]
					}
				}
				if found == nil {
					t.Fatalf("no record for topic %q among the transform's outputs (topics %q and %q): the %s's score goes there", c.topic, outs[0].Topic, outs[1].Topic, c.who)
				}
				s, err := DecodeScore(found.Value)
				if err != nil {
					t.Fatalf("the %s's record is not a Score: %s", c.who, found.Value)
				}
				want := grRefScore(t, c.d, in.Value)
				if s.ModelVersion != c.version || s.Probability == nil || !labtest.Close(*want.Probability, *s.Probability, 1e-12) || s.Key != string(in.Key) {
					t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the %s's score on topic %q", c.who, c.topic), fmt.Sprintf("version %d, probability %g, key %s", c.version, *want.Probability, in.Key),
						fmt.Sprintf("version %d, probability %s, key %s", s.ModelVersion, grFmtPtr(s.Probability), s.Key), "score the record with champion() for the output and challenger() for the shadow topic (ScoreRecord of exercise 2)"))
				}
			}
		}
		in := grTradeRecords(t, 72, 1, "trades")[0]
		var outs []stream.Record
		var err error
		if labtest.Guard(t, "the shadow transform", func() { outs, err = ShadowTransform(same(champion), same(nil), "shadow", now)(in) }) {
			if err != nil || len(outs) != 1 || outs[0].Topic != "" {
				t.Errorf("with no challenger in service, the shadow transform returned %d records and %s: want the champion's score alone, and no error (a shadow must never hurt the service)", len(outs), labtest.ErrText(err))
			}
		}
		if labtest.Guard(t, "the shadow transform", func() { _, err = ShadowTransform(same(nil), same(challenger), "shadow", now)(in) }) && err == nil {
			t.Errorf("with no champion in service, the shadow transform returned no error: the record cannot be served, so it must be skipped and reported")
		}
	})

	t.Run("over topics: the shadow topic gets a score for every record served", func(t *testing.T) {
		bootstrap := labtest.Bootstrap(t)
		input, served, shadow := labtest.Topic(t, "trades"), labtest.Topic(t, "served"), labtest.Topic(t, "shadow")
		for _, topic := range []string{input, served, shadow} {
			labtest.CreateTopic(t, bootstrap, topic, 1)
		}
		records := grTradeRecords(t, 73, 120, input)
		var msgs []*sarama.ProducerMessage
		for _, r := range records {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: input, Key: sarama.ByteEncoder(r.Key), Value: sarama.ByteEncoder(r.Value)})
		}
		labtest.Produce(t, bootstrap, msgs...)
		var tf stream.TransformFunc
		if !labtest.Guard(t, "ShadowTransform", func() { tf = ShadowTransform(same(champion), same(challenger), shadow, time.Now) }) || tf == nil {
			t.Fatalf("ShadowTransform returned no function")
		}
		run := labtest.RunStream(t, stream.Config{Bootstrap: bootstrap, Group: labtest.Group(t, "shadow"), Inputs: []string{input}, Output: served, Transform: tf}, int64(len(records)), grStreamWait, 0)
		if p := run.Problem(int64(len(records))); p != "" {
			t.Fatalf("the shadow service over %d records: %s", len(records), p)
		}
		count := func(topic string, version int) map[string]int {
			out := map[string]int{}
			for _, r := range labtest.ReadStream(t, bootstrap, topic) {
				s, err := DecodeScore(r.Value)
				if err == nil && s.ModelVersion == version {
					out[s.Key]++
				}
			}
			return out
		}
		servedKeys, shadowKeys := count(served, 1), count(shadow, 2)
		for _, r := range records {
			if servedKeys[string(r.Key)] != 1 || shadowKeys[string(r.Key)] != 1 {
				t.Fatalf("the trade with key %s has %d champion scores (version 1) on the output topic and %d challenger scores (version 2) on the shadow topic: want one each", r.Key, servedKeys[string(r.Key)], shadowKeys[string(r.Key)])
			}
		}
	})

	t.Run("the agreement of the two models, joined by key", func(t *testing.T) {
		var served, shadow []Score
		for i := 0; i < 50; i++ {
			served = append(served, Score{Key: fmt.Sprintf("t%d", i), Prediction: float64(i % 2)})
			if i%10 == 9 {
				continue // the challenger failed on it
			}
			p := float64(i % 2)
			if i%6 == 0 {
				p = 1 - p
			}
			shadow = append(shadow, Score{Key: fmt.Sprintf("t%d", i), Prediction: p})
		}
		shadow = append(shadow, Score{Key: "only-in-shadow", Prediction: 1})
		slices.Reverse(shadow)
		wantAgreed, wantCompared := 0, 0
		for i := 0; i < 50; i++ {
			if i%10 == 9 {
				continue
			}
			wantCompared++
			if i%6 != 0 {
				wantAgreed++
			}
		}
		var agreed, compared int
		if !labtest.Guard(t, "Agreement", func() { agreed, compared = Agreement(served, shadow) }) {
			return
		}
		if agreed != wantAgreed || compared != wantCompared {
			t.Fatalf("%s", labtest.Mismatch("Agreement(50 served scores, 46 shadow scores in another order, one of a key never served)", fmt.Sprintf("agreed %d of %d compared", wantAgreed, wantCompared), fmt.Sprintf("agreed %d of %d compared", agreed, compared),
				"join by key, not by position: only keys both models scored are compared; agreed counts equal predictions"))
		}
	})

	t.Run("the promotion decision", func(t *testing.T) {
		policy := PromotionPolicy{MinCompared: 1000, MinLabelled: 200, MinGain: 0.02}
		cases := []struct {
			r    ShadowReport
			want string
			why  string
		}{
			{ShadowReport{Compared: 400, Agreed: 380, Labelled: 300, ChampionCorrect: 200, ChallengerCorrect: 280}, Wait, "400 records compared, the policy wants 1000 before deciding, however good the challenger looks"},
			{ShadowReport{Compared: 5000, Agreed: 4000, Labelled: 150, ChampionCorrect: 90, ChallengerCorrect: 140}, Wait, "only 150 labelled records, the policy wants 200"},
			{ShadowReport{Compared: 5000, Agreed: 4500, Labelled: 1000, ChampionCorrect: 700, ChallengerCorrect: 731}, Promote, "challenger 0.731 >= champion 0.700 + 0.02"},
			{ShadowReport{Compared: 5000, Agreed: 4900, Labelled: 1000, ChampionCorrect: 700, ChallengerCorrect: 712}, Keep, "challenger 0.712 is better, but by less than the 0.02 the policy asks: not worth a change"},
			{ShadowReport{Compared: 5000, Agreed: 3000, Labelled: 1000, ChampionCorrect: 700, ChallengerCorrect: 650}, Keep, "the challenger is worse"},
		}
		for _, c := range cases {
			var got Decision
			if !labtest.Guard(t, "Decide", func() { got = Decide(c.r, policy) }) {
				return
			}
			if got.Action != c.want {
				t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("Decide(%+v, %+v)", c.r, policy), c.want, got.Action, c.why))
			} else if got.Reason == "" {
				t.Errorf("Decide(%+v) decided %q with no Reason: the person who promotes a model wants to read why", c.r, got.Action)
			}
		}
	})
}
