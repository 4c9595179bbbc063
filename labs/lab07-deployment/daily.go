package lab07

// Exercise 5: scoring trades, the score per day, updates and finals.

import (
	"errors"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Action is the decision on a trade of the given probability of profit:
// 1 (trade) when it is above one half, 0 (pass) otherwise.
func Action(probability float64) int {
	// TODO(exercise 5)
	panic("TODO(exercise 5): Action is not written yet")
}

// ScoreTrade scores one record of the trades topic with the trade model d
// and returns the ScoredTrade to write to trades_scored, keyed like the
// input.
//
// Contract:
//   - date, ts_id, weight and resp are carried over from the trade; a
//     trade missing any of them is an error (a missing date must not
//     quietly become day 0);
//   - probability is the model's Prediction.Probability on the trade's
//     features (d.Model.Features()), action is Action(probability),
//     model_version is d.Version();
//   - the output's Timestamp stays zero, so it keeps the trade's event
//     time (the daily windows in KSQL go by it);
//   - no model, a value that is not a trade, a missing feature, a model
//     that gives no probability (a regressor): an error.
func ScoreTrade(d *Deployed, in stream.Record) (stream.Record, error) {
	// TODO(exercise 5)
	return stream.Record{}, errors.New("TODO(exercise 5): ScoreTrade is not written yet")
}

// DailyScorer adds up scored trades per trading day, as ksqlDB's
// daily_score (every update) and daily_score_final (one final per day)
// do. Days are windows of event time with no grace period: a day closes
// when a trade of a later day arrives, and a trade of a closed day is too
// late and dropped.
type DailyScorer struct {
	// TODO(exercise 5): the day still open, and the count of dropped trades.
}

// NewDailyScorer returns a scorer with no day open.
func NewDailyScorer() *DailyScorer { return &DailyScorer{} }

// Add counts one scored trade: weight * resp * action goes into its day's
// score, and the day counts one trade more.
//
// Contract:
//   - Update is the day's new totals (Date, Score, Trades), a copy;
//   - a trade of a later day than the open one closes the open day: its
//     totals come out in Finals, once; the new day opens at zero;
//   - a trade of a day before the open one is dropped: no Update, no
//     Finals, and Dropped counts it.
func (s *DailyScorer) Add(t ScoredTrade) DailyEmitted {
	// TODO(exercise 5)
	panic("TODO(exercise 5): DailyScorer.Add is not written yet")
}

// Dropped counts the trades that came after their day had closed.
func (s *DailyScorer) Dropped() int {
	// TODO(exercise 5)
	panic("TODO(exercise 5): DailyScorer.Dropped is not written yet")
}
