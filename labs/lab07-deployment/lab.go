// Package lab07 is lab 7 of mlops-lab: deploying models on streams.
//
// A fitted model leaves the notebook: as a KSQL expression inside a
// persistent query, embedded in a Go stream processor that hot-swaps models
// from a compacted models topic, and as ONNX and PMML files any runtime can
// read. Then it is watched: scores per trading day, drift of its inputs,
// accuracy once the labels come, and a challenger scored in its shadow.
// Each exercise lives in its own file: README.md lists them, with their
// files and points.
//
// This file holds what they share. You do not need to change it.
package lab07

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/datagen"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// Deployed is a model in service: the model (Model.Predict scores a row of
// its Model.Features()), the artifact it was built from (Artifact.Card
// names its version), and where on the models topic it came from.
// Name() and Version() read its card.
type Deployed = scoring.Deployed

// Deploy builds an artifact into a model in service (not from a topic:
// Topic is empty and Offset -1). It is what a service does with a fixed
// model, and what the tests use to give your code a model.
func Deploy(a *scoring.Artifact) (*Deployed, error) {
	m, err := a.Build()
	if err != nil {
		return nil, err
	}
	return &Deployed{Model: m, Artifact: a, Offset: -1, Since: time.Now()}, nil
}

// Score is the record a scoring service writes for every input record it
// scores, keyed like its input:
//
//	{"key":"1234","prediction":1,"probability":0.5731,"model_version":3,"scored_at":"2026-12-06T09:15:02.5Z"}
//
// Prediction is the predicted class of a classifier (the number of its
// label) or the predicted number of a regressor; Probability is the
// probability of the positive class of a two-class classifier, and null for
// a regressor. ModelVersion is the version on the card of the model that
// scored it; ScoredAt the time of scoring in RFC 3339 (UTC, with
// nanoseconds as time.RFC3339Nano writes them).
type Score struct {
	Key          string   `json:"key"`
	Prediction   float64  `json:"prediction"`
	Probability  *float64 `json:"probability"`
	ModelVersion int      `json:"model_version"`
	ScoredAt     string   `json:"scored_at"`
}

// DecodeScore reads a Score record's value.
func DecodeScore(value []byte) (Score, error) {
	var s Score
	if err := json.Unmarshal(value, &s); err != nil {
		return Score{}, fmt.Errorf("not a score record: %w", err)
	}
	return s, nil
}

// ---------------------------------------------------------------------------
// The order-return model (exercise 1).

// LinearModel is a fitted linear model written out over the raw features:
// the score is Intercept + Coef[0]*x0 + Coef[1]*x1 + ...; a linear
// regression predicts the score itself, a logistic regression (Logistic)
// the probability 1/(1+exp(-score)) of its positive class.
type LinearModel struct {
	Intercept float64
	Coef      []float64
	Logistic  bool
}

// ReturnModel is the model score_orders.sql deploys: a logistic regression
// that gives the probability that an order will be sent back, from its
// units and its zipcode (large orders to some regions come back more
// often). Its features, in order, are ReturnColumns.
var ReturnModel = LinearModel{Intercept: -2.75, Coef: []float64{0.3125, -1.5e-05}, Logistic: true}

// ReturnColumns are the KSQL column expressions of ReturnModel's features
// on the ORDERS stream, in the model's order.
var ReturnColumns = []string{"ORDERUNITS", "ADDRESS->ZIPCODE"}

// ---------------------------------------------------------------------------
// The trades (exercises 2, 3, 5 and 7).

// TradeFeatures are the inputs of the trade models, in order: the fields
// of a trades record (`mlops-lab datagen trades --print`).
var TradeFeatures = []string{"feature_0", "feature_1", "feature_2", "feature_3", "feature_4"}

// TradeLabel is what the trade models predict: 1 when the trade's resp is
// positive (it made money), 0 otherwise.
const TradeLabel = "profitable"

// TrainTradeModel fits the trade model that the course saves and deploys:
// a logistic regression (C = 1, features standardized) on `rows` trades of
// the trades generator with the given seed, 75% to train and 25% held out
// for the card's accuracy, packed as an artifact (model card + mlkit JSON)
// named name with the given version. Different seeds give different
// weights; the same seed the same model.
func TrainTradeModel(name string, version int, seed uint64, rows int) (*scoring.Artifact, error) {
	gen, err := datagen.New("trades", datagen.Options{Seed: seed})
	if err != nil {
		return nil, err
	}
	X := mat.NewDense(rows, len(TradeFeatures), nil)
	y := make([]float64, rows)
	for i := 0; i < rows; i++ {
		_, value, _ := gen.Next()
		x, err := scoring.Features(value, TradeFeatures)
		if err != nil {
			return nil, err
		}
		X.SetRow(i, x)
		resp, err := scoring.Features(value, []string{"resp"})
		if err != nil {
			return nil, err
		}
		if resp[0] > 0 {
			y[i] = 1
		}
	}
	data, err := mlkit.NewDataset(X, TradeFeatures, TradeLabel, y, nil)
	if err != nil {
		return nil, err
	}
	split, err := mlkit.StratifiedSplit(data, 0.25, seed)
	if err != nil {
		return nil, err
	}
	scaler := &mlkit.StandardScaler{}
	Xs, err := scaler.FitTransform(split.Train.X)
	if err != nil {
		return nil, err
	}
	model := mlkit.NewLogisticRegression(1)
	if err := model.Fit(Xs, split.Train.Y); err != nil {
		return nil, err
	}
	Xt, err := scaler.Transform(split.Test.X)
	if err != nil {
		return nil, err
	}
	pred, err := model.Predict(Xt)
	if err != nil {
		return nil, err
	}
	acc, err := mlkit.Accuracy(split.Test.Y, pred)
	if err != nil {
		return nil, err
	}
	card := mlkit.ModelCard{
		Name: name, Version: version, Features: TradeFeatures, Label: TradeLabel,
		Classes: split.Train.ClassNames(), Metrics: map[string]float64{"accuracy": acc},
		TrainRows: split.Train.Rows(), TestRows: split.Test.Rows(),
		DataFingerprint: mlkit.DatasetFingerprint(split.Train),
		Created:         time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(version) * time.Hour),
	}
	return scoring.NewArtifact(card, model, scaler)
}

// ---------------------------------------------------------------------------
// Following a models topic (exercise 3).

// FollowModels reads a models topic from its beginning and then follows it
// until ctx ends, handing every record to apply, in offset order per
// partition, one at a time. A record apply refuses (an error) is reported
// to onReject with its topic, partition and offset; it never stops the
// follower. The topic must exist. It returns nil when ctx ends.
func FollowModels(ctx context.Context, bootstrap, topic string, apply func(stream.Record) error, onReject func(scoring.Rejected)) error {
	// stream.Follow reads every partition from its first record on and
	// calls its function one record at a time, in offset order per
	// partition.
	err := stream.Follow(ctx, bootstrap, topic, func(r stream.Record) error {
		if err := apply(r); err != nil && onReject != nil {
			onReject(scoring.Rejected{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Err: err})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("models topic %s: %w", topic, err)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Trades by day (exercise 5).

// ScoredTrade is a trade after the model has decided on it: its day, its
// weight and return, and the action taken (1: trade, 0: pass). The
// trades_scored topic holds these as JSON, keyed by ts_id:
//
//	{"date":12,"ts_id":1234,"weight":0.8731,"resp":0.00412,"probability":0.61,"action":1,"model_version":3}
type ScoredTrade struct {
	Date         int      `json:"date"`
	TsID         int64    `json:"ts_id"`
	Weight       float64  `json:"weight"`
	Resp         float64  `json:"resp"`
	Probability  *float64 `json:"probability"`
	Action       int      `json:"action"`
	ModelVersion int      `json:"model_version"`
}

// DayScore is the utility score of one trading day: Score is the sum of
// weight * resp * action over the day's trades, Trades how many there were.
type DayScore struct {
	Date   int     `json:"date"`
	Score  float64 `json:"score"`
	Trades int     `json:"trades"`
}

// DailyEmitted is what adding one scored trade to a DailyScorer produces.
type DailyEmitted struct {
	// Update is the trade's day with the trade counted (EMIT CHANGES:
	// one update per trade); nil when the trade was dropped.
	Update *DayScore
	// Finals are the days this trade closed, each with its complete score
	// (EMIT FINAL: one record per day, once).
	Finals []DayScore
}

// ---------------------------------------------------------------------------
// Monitoring (exercise 6).

// Observation is one scored record as the monitor sees it: its key, the
// class the model predicted (1 is positive), and the value of the live
// feature being watched for drift.
type Observation struct {
	Key       string
	Predicted float64
	Feature   float64
}

// WindowStats describe one window of observations.
type WindowStats struct {
	// Window counts the windows from 0; Count is how many observations it holds.
	Window int
	Count  int
	// PositiveShare is the share of observations predicted positive (1).
	PositiveShare float64
	// PSI is the population stability index of the window's feature
	// values against the training reference.
	PSI float64
}

// Alert is the record written when a window's PSI is above the threshold:
//
//	{"window":3,"feature":"feature_1","psi":0.41,"threshold":0.25}
type Alert struct {
	Window    int     `json:"window"`
	Feature   string  `json:"feature"`
	PSI       float64 `json:"psi"`
	Threshold float64 `json:"threshold"`
}

// Label is the true class of a scored record, known later than the
// prediction (a trade's return is known at the end of the day, a loan's
// default after months).
type Label struct {
	Key    string
	Actual float64
}

// AccuracyPoint is the accuracy of one window of predictions, over the
// ones whose label has arrived.
type AccuracyPoint struct {
	Window   int
	Labelled int
	Accuracy float64
}

// ---------------------------------------------------------------------------
// Shadow scoring and promotion (exercise 7).

// ShadowReport sums up a shadow run: how many records both models scored,
// on how many they agreed, and, of those whose label came, how many each
// got right.
type ShadowReport struct {
	Compared, Agreed                   int
	Labelled                           int
	ChampionCorrect, ChallengerCorrect int
}

// PromotionPolicy says when a challenger replaces the champion.
type PromotionPolicy struct {
	// MinCompared and MinLabelled are the evidence needed before deciding.
	MinCompared, MinLabelled int
	// MinGain is how much higher the challenger's accuracy must be (0.01:
	// one point of accuracy).
	MinGain float64
}

// Actions of a Decision.
const (
	Wait    = "wait"    // not enough evidence yet: keep both running
	Promote = "promote" // publish the challenger as the new version
	Keep    = "keep"    // the champion stays; retire the challenger
)

// Decision is what the promotion check concluded, and why.
type Decision struct {
	Action string
	Reason string
}
