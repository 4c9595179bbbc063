//go:build solution

package lab07

// Exercise 7: a challenger in the champion's shadow.

import (
	"fmt"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// ShadowTransform scores every record with both models: the champion's
// Score goes to the processor's Output (what the business uses), the
// challenger's to shadowTopic (what nobody acts on yet). Both see the same
// record at the same moment, so their answers can be compared one by one.
// A record the champion cannot score is an error (skipped and reported);
// one only the challenger fails on is still served by the champion: a
// shadow must never hurt the service.
func ShadowTransform(champion, challenger func() *Deployed, shadowTopic string, now func() time.Time) stream.TransformFunc {
	return func(in stream.Record) ([]stream.Record, error) {
		at := now()
		served, err := ScoreRecord(champion(), in, at)
		if err != nil {
			return nil, err
		}
		out := []stream.Record{served}
		if shadow, err := ScoreRecord(challenger(), in, at); err == nil {
			shadow.Topic = shadowTopic
			out = append(out, shadow)
		}
		return out, nil
	}
}

// Agreement compares the champion's scores with the challenger's, record
// by record (joined by key): compared counts the keys both scored, agreed
// those with the same prediction.
func Agreement(served, shadow []Score) (agreed, compared int) {
	byKey := make(map[string]float64, len(shadow))
	for _, s := range shadow {
		byKey[s.Key] = s.Prediction
	}
	for _, s := range served {
		p, ok := byKey[s.Key]
		if !ok {
			continue
		}
		compared++
		if p == s.Prediction {
			agreed++
		}
	}
	return agreed, compared
}

// Decide says whether the challenger replaces the champion:
//   - wait while fewer than MinCompared records were compared or fewer than
//     MinLabelled have a label: too little evidence either way;
//   - promote when the challenger's accuracy on the labelled records is at
//     least the champion's plus MinGain;
//   - keep the champion otherwise (a challenger that is merely as good is
//     not worth a change).
func Decide(r ShadowReport, p PromotionPolicy) Decision {
	if r.Compared < p.MinCompared {
		return Decision{Wait, fmt.Sprintf("%d records compared, the policy wants %d", r.Compared, p.MinCompared)}
	}
	if r.Labelled < p.MinLabelled {
		return Decision{Wait, fmt.Sprintf("%d records labelled, the policy wants %d", r.Labelled, p.MinLabelled)}
	}
	champion := float64(r.ChampionCorrect) / float64(r.Labelled)
	challenger := float64(r.ChallengerCorrect) / float64(r.Labelled)
	agreement := float64(r.Agreed) / float64(max(r.Compared, 1))
	// A hair of tolerance: 0.80 + 0.05 is 0.8500000000000001 in floating
	// point, and a gain of exactly MinGain must count.
	if challenger-champion >= p.MinGain-1e-12 {
		return Decision{Promote, fmt.Sprintf("challenger accuracy %.3f >= champion %.3f + %.3f (agreement %.3f)", challenger, champion, p.MinGain, agreement)}
	}
	return Decision{Keep, fmt.Sprintf("challenger accuracy %.3f < champion %.3f + %.3f (agreement %.3f)", challenger, champion, p.MinGain, agreement)}
}
