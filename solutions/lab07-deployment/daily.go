//go:build solution

package lab07

// Exercise 5: scoring trades, the score per day, updates and finals.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// Action is the decision on a trade of the given probability of profit:
// 1 (trade) when it is above one half, 0 (pass) otherwise.
func Action(probability float64) int {
	if probability > 0.5 {
		return 1
	}
	return 0
}

// ScoreTrade scores one record of the trades topic with the trade model d
// and returns the ScoredTrade to write to trades_scored, keyed like the
// input: the trade's date, ts_id, weight and resp carried over, the model's
// probability of profit, the Action it leads to, and the model's version.
func ScoreTrade(d *Deployed, in stream.Record) (stream.Record, error) {
	if d == nil || d.Model == nil {
		return stream.Record{}, errors.New("no model in service")
	}
	// Pointers tell a missing field from a zero: a trade without a date is
	// broken, a trade on day 0 is not.
	var t struct {
		Date   *int     `json:"date"`
		TsID   *int64   `json:"ts_id"`
		Weight *float64 `json:"weight"`
		Resp   *float64 `json:"resp"`
	}
	if err := json.NewDecoder(bytes.NewReader(in.Value)).Decode(&t); err != nil {
		return stream.Record{}, fmt.Errorf("not a trade: %w", err)
	}
	switch {
	case t.Date == nil:
		return stream.Record{}, errors.New("the trade has no date")
	case t.TsID == nil:
		return stream.Record{}, errors.New("the trade has no ts_id")
	case t.Weight == nil:
		return stream.Record{}, errors.New("the trade has no weight")
	case t.Resp == nil:
		return stream.Record{}, errors.New("the trade has no resp")
	}
	x, err := scoring.Features(in.Value, d.Model.Features())
	if err != nil {
		return stream.Record{}, err
	}
	p, err := d.Model.Predict(x)
	if err != nil {
		return stream.Record{}, err
	}
	if p.Probability == nil {
		return stream.Record{}, fmt.Errorf("model %s v%d gives no probability: the trade model is a classifier", d.Name(), d.Version())
	}
	value, err := json.Marshal(ScoredTrade{
		Date: *t.Date, TsID: *t.TsID, Weight: *t.Weight, Resp: *t.Resp,
		Probability: p.Probability, Action: Action(*p.Probability), ModelVersion: d.Version(),
	})
	if err != nil {
		return stream.Record{}, err
	}
	// The output keeps the input's timestamp (Timestamp zero): the trade's
	// event time, which the daily windows in KSQL go by.
	return stream.Record{Key: in.Key, Value: value}, nil
}

// DailyScorer adds up scored trades per trading day, as ksqlDB's
// daily_score (every update) and daily_score_final (one final per day)
// do. Days are windows of event time with no grace period: a day closes
// when a trade of a later day arrives, and a trade of a closed day is too
// late and dropped.
type DailyScorer struct {
	open    *DayScore // the day still taking trades; nil before the first
	dropped int
}

// NewDailyScorer returns a scorer with no day open.
func NewDailyScorer() *DailyScorer { return &DailyScorer{} }

// Add counts one scored trade: its weight * resp * action goes into its
// day's score. The Update is the day's new total; Finals hold the day it
// closed, if any.
func (s *DailyScorer) Add(t ScoredTrade) DailyEmitted {
	var out DailyEmitted
	switch {
	case s.open != nil && t.Date < s.open.Date:
		// Stream time is already past this day's end: its final is out
		// and will never be revised.
		s.dropped++
		return out
	case s.open == nil || t.Date > s.open.Date:
		if s.open != nil {
			out.Finals = append(out.Finals, *s.open)
		}
		s.open = &DayScore{Date: t.Date}
	}
	s.open.Score += t.Weight * t.Resp * float64(t.Action)
	s.open.Trades++
	update := *s.open // a copy: the open day keeps changing
	out.Update = &update
	return out
}

// Dropped counts the trades that came after their day had closed.
func (s *DailyScorer) Dropped() int { return s.dropped }
