package lab07

// Exercise 7: a challenger in the champion's shadow.

import (
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// ShadowTransform scores every record with both models and returns a
// transform for the stream helper.
//
// Contract:
//   - the champion's Score (ScoreRecord of exercise 2, with now()) goes to
//     the processor's Output (Topic ""): it is what the business uses;
//   - the challenger's Score of the same record goes to shadowTopic;
//   - a record the champion cannot score is an error (skipped and
//     reported); one only the challenger cannot score is still served by
//     the champion, with no error and no shadow record.
func ShadowTransform(champion, challenger func() *Deployed, shadowTopic string, now func() time.Time) stream.TransformFunc {
	// TODO(exercise 7)
	panic("TODO(exercise 7): ShadowTransform is not written yet")
}

// Agreement compares the champion's scores with the challenger's, joined
// by key (they may come in any order, and either side may lack some):
// compared counts the keys both scored, agreed those with equal
// predictions.
func Agreement(served, shadow []Score) (agreed, compared int) {
	// TODO(exercise 7)
	panic("TODO(exercise 7): Agreement is not written yet")
}

// Decide says whether the challenger replaces the champion, with a Reason
// a person can read:
//   - Wait while r.Compared < p.MinCompared or r.Labelled < p.MinLabelled;
//   - Promote when the challenger's accuracy on the labelled records
//     (ChallengerCorrect / Labelled) is at least the champion's plus
//     p.MinGain;
//   - Keep otherwise.
func Decide(r ShadowReport, p PromotionPolicy) Decision {
	// TODO(exercise 7)
	panic("TODO(exercise 7): Decide is not written yet")
}
