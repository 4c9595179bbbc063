package datagen

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

func init() {
	Register("trades", NewTrades)
}

// TradesPerDay is how many trades the trades generator writes for each
// trading day before the date moves on.
const TradesPerDay = 100

// TradesDay0 is the event time of the start of trading day 0: a trade of
// day d carries a timestamp within [TradesDay0 + d days, TradesDay0 + d+1
// days), so windows of one day over event time hold exactly one date.
var TradesDay0 = time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)

// Trades generates trading opportunities in the schema of the Jane Street
// Market Prediction data (Kaggle, 2020-2021), whose rows cannot be shipped
// with the course: the same field names and shapes, a subset of the
// columns, and a known relation between the features and the return.
//
//	key:   "1234" (the ts_id)
//	value: {"date":12,"ts_id":1234,"weight":0.8731,"resp":0.00412,
//	        "feature_0":1,"feature_1":-0.53,"feature_2":1.21,"feature_3":0.07,"feature_4":-1.9}
//
// As in the original:
//   - date is the trading day, a number counting up from 0; ts_id counts
//     the trades up from 0 over all days, in time order;
//   - weight is how much the trade counts in the score; about one trade in
//     six has weight 0 (it is in the data, but earns nothing);
//   - resp is the trade's return, a small number around 0;
//   - feature_0 is -1 or 1; feature_1 to feature_4 are anonymous,
//     standardized market features.
//
// The utility score of a day is sum(weight * resp * action), action being
// 1 when the model decided to trade and 0 otherwise. Here resp is
// 0.01 * (0.2*feature_0 + 0.6*feature_1 - 0.4*feature_2 + 0.1*feature_3)
// plus noise, so a model fitted to the features beats chance, but not by
// much (as on the real market). Each day has TradesPerDay trades, and each
// record's timestamp is its event time inside its day (from TradesDay0),
// not the clock: a day closes when the first trade of the next one
// arrives. The same seed gives the same trades.
type Trades struct {
	rand *rand.Rand
	next int64
}

// NewTrades returns a trades generator (opts.Clock is not used: the
// timestamps follow the trading days).
func NewTrades(opts Options) (Generator, error) {
	return &Trades{rand: newRand(opts.Seed)}, nil
}

// Name implements Generator.
func (g *Trades) Name() string { return "trades" }

// Next implements Generator.
func (g *Trades) Next() (key, value []byte, ts time.Time) {
	id := g.next
	g.next++
	date := id / TradesPerDay
	within := id % TradesPerDay
	ts = TradesDay0.Add(time.Duration(date)*24*time.Hour + time.Duration(within)*(24*time.Hour/TradesPerDay))

	r := g.rand
	f0 := 1.0
	if r.IntN(2) == 0 {
		f0 = -1
	}
	f := [5]float64{f0, r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
	resp := 0.01*(0.2*f[0]+0.6*f[1]-0.4*f[2]+0.1*f[3]) + 0.01*r.NormFloat64()
	weight := 0.0
	if r.IntN(6) != 0 {
		weight = math.Exp(r.NormFloat64()*0.8 - 0.3)
	}

	b := make([]byte, 0, 224)
	b = append(b, `{"date":`...)
	b = strconv.AppendInt(b, date, 10)
	b = append(b, `,"ts_id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"weight":`...)
	b = strconv.AppendFloat(b, roundTo(weight, 6), 'f', -1, 64)
	b = append(b, `,"resp":`...)
	b = strconv.AppendFloat(b, roundTo(resp, 6), 'f', -1, 64)
	for j, v := range f {
		b = append(b, `,"feature_`...)
		b = strconv.AppendInt(b, int64(j), 10)
		b = append(b, `":`...)
		b = strconv.AppendFloat(b, roundTo(v, 4), 'f', -1, 64)
	}
	b = append(b, '}')
	return strconv.AppendInt(nil, id, 10), b, ts
}

// roundTo keeps the records short and readable.
func roundTo(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
