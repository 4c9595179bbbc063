//go:build grading

package lab07

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/datagen"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
)

func TestDailyScore(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { Action(0.5); return nil },
		func() error { _, err := ScoreTrade(nil, stream.Record{}); return err },
		func() error { NewDailyScorer().Add(ScoredTrade{}); return nil },
		func() error { NewDailyScorer().Dropped(); return nil },
		sqlProbe("daily.sql"))
	d := grDeployed(t, "trades", 3, 3)

	t.Run("ScoreTrade: the trade carried over, the model's probability, the action, the version", func(t *testing.T) {
		for p, want := range map[float64]int{0.5: 0, 0.5000001: 1, 0.2: 0, 0.97: 1} {
			var got int
			if labtest.Guard(t, "Action", func() { got = Action(p) }) && got != want {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("Action(%v)", p), want, got, "trade (1) when the probability of profit is above one half, strictly; pass (0) otherwise"))
			}
		}
		for _, in := range grTradeRecords(t, 51, 30, "trades") {
			var out stream.Record
			var err error
			if !labtest.Guard(t, "ScoreTrade", func() { out, err = ScoreTrade(d, in) }) {
				return
			}
			if err != nil {
				t.Fatalf("ScoreTrade(trade model v3, %s) returned an error for a good trade: %v", in.Value, err)
			}
			var src struct {
				Date   int     `json:"date"`
				TsID   int64   `json:"ts_id"`
				Weight float64 `json:"weight"`
				Resp   float64 `json:"resp"`
			}
			_ = json.Unmarshal(in.Value, &src)
			var got ScoredTrade
			if err := json.Unmarshal(out.Value, &got); err != nil {
				t.Fatalf("ScoreTrade's record value is not a ScoredTrade: %q", out.Value)
			}
			ref := grRefScore(t, d, in.Value)
			wantAction := 0
			if *ref.Probability > 0.5 {
				wantAction = 1
			}
			want := ScoredTrade{Date: src.Date, TsID: src.TsID, Weight: src.Weight, Resp: src.Resp, Probability: ref.Probability, Action: wantAction, ModelVersion: 3}
			if got.Date != want.Date || got.TsID != want.TsID || got.Weight != want.Weight || got.Resp != want.Resp || got.Action != want.Action ||
				got.ModelVersion != 3 || got.Probability == nil || !labtest.Close(*want.Probability, *got.Probability, 1e-12) {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("ScoreTrade of %s", in.Value), grFmtScored(want), grFmtScored(got),
					"carry date, ts_id, weight and resp over from the trade; probability is the model's; action = Action(probability); model_version = d.Version()"))
			}
			if string(out.Key) != string(in.Key) {
				t.Fatalf("%s", labtest.Mismatch("the key of a scored trade", string(in.Key), string(out.Key), "keep the trade's key (its ts_id)"))
			}
		}
		good := grTradeRecords(t, 52, 1, "trades")[0]
		for what, value := range map[string][]byte{
			"a value that is not JSON":  []byte("12,0.5,0.01"),
			"a trade with no date":      grWithout(t, good.Value, "date"),
			"a trade with no weight":    grWithout(t, good.Value, "weight"),
			"a trade with no resp":      grWithout(t, good.Value, "resp"),
			"a trade with no feature_4": grWithout(t, good.Value, "feature_4"),
		} {
			in := good
			in.Value = value
			var err error
			if labtest.Guard(t, "ScoreTrade with "+what, func() { _, err = ScoreTrade(d, in) }) && err == nil {
				t.Errorf("ScoreTrade with %s: want an error, got none (a trade with no date or weight would count as day 0 or weigh nothing: decode into pointers, or check the fields are there)", what)
			}
		}
	})

	trades := grScoredTrades()

	t.Run("DailyScorer: one update per trade, the day's running score", func(t *testing.T) {
		var s *DailyScorer
		if !labtest.Guard(t, "NewDailyScorer", func() { s = NewDailyScorer() }) {
			return
		}
		ref := &grDaily{}
		for i, tr := range trades.inOrder {
			var got DailyEmitted
			if !labtest.Guard(t, "Add", func() { got = s.Add(tr) }) {
				return
			}
			want := ref.add(tr)
			if want.Update == nil {
				continue // the late trade: the next subtest's business
			}
			if got.Update == nil || got.Update.Date != want.Update.Date || got.Update.Trades != want.Update.Trades || !labtest.Close(want.Update.Score, got.Update.Score, 1e-12) {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the update of trade %d (day %d, weight %.4g, resp %.4g, action %d)", i, tr.Date, tr.Weight, tr.Resp, tr.Action), grFmtDay(want.Update), grFmtDay(got.Update),
					"the update is the day's whole running total: score += weight * resp * action, trades += 1"))
			}
		}
	})

	t.Run("DailyScorer: a day's final comes once, when a later day starts; a trade of a closed day is dropped", func(t *testing.T) {
		var s *DailyScorer
		if !labtest.Guard(t, "NewDailyScorer", func() { s = NewDailyScorer() }) {
			return
		}
		ref := &grDaily{}
		for i, tr := range trades.inOrder {
			var got DailyEmitted
			if !labtest.Guard(t, "Add", func() { got = s.Add(tr) }) {
				return
			}
			want := ref.add(tr)
			if want.Update == nil && got.Update != nil {
				t.Fatalf("trade %d is of day %d, which closed when the first trade of day %d came; it must be dropped (no update), got %s", i, tr.Date, trades.inOrder[i-1].Date, grFmtDay(got.Update))
			}
			if len(got.Finals) != len(want.Finals) || (len(want.Finals) == 1 && (got.Finals[0].Date != want.Finals[0].Date || got.Finals[0].Trades != want.Finals[0].Trades || !labtest.Close(want.Finals[0].Score, got.Finals[0].Score, 1e-12))) {
				why := "a day closes when a trade of a later day arrives: its final is the complete day, once"
				if len(want.Finals) == 0 {
					why = "no day closed with this trade: finals only come when the date moves on"
				}
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the finals of trade %d (day %d)", i, tr.Date), grFmtDays(want.Finals), grFmtDays(got.Finals), why))
			}
		}
		var dropped int
		if labtest.Guard(t, "Dropped", func() { dropped = s.Dropped() }) && dropped != 1 {
			t.Errorf("%s", labtest.Mismatch("Dropped() after one trade of a closed day", 1, dropped, ""))
		}
	})

	ksql := func(t *testing.T) (*labtest.Ksql, *labtest.KsqlScript) {
		t.Helper()
		k := labtest.NewKsql(t, []string{"TRADES_SCORED", "DAILY_SCORE", "DAILY_SCORE_FINAL"}, []string{"trades_scored", "daily_score", "daily_score_final"})
		k.CreateTopic("trades_scored", 1)
		k.Exec(grTradesScoredDDL)
		k.Produce("trades_scored", trades.records...)
		sc := k.Load("daily.sql")
		k.Run(sc)
		if sc.Problem != "" {
			t.Fatal(sc.Problem)
		}
		return k, sc
	}
	readTable := func(t *testing.T, k *labtest.Ksql, table string) []DayScore {
		t.Helper()
		writer := k.WaitWriter(table, grWriterWait)
		if writer == "" {
			if _, ok := k.Describe(table); !ok {
				t.Fatalf("daily.sql ran, but there is no table named %s", table)
			}
			t.Fatalf("no persistent query writes %s within %v: CREATE TABLE %s AS SELECT ...", table, grWriterWait, strings.ToLower(table))
		}
		if !k.WaitProcessed(writer, grProcessWait, "trades_scored") {
			t.Fatalf("the query writing %s did not get through the %d test trades within %v", table, len(trades.inOrder), grProcessWait)
		}
		var out []DayScore
		for _, rec := range k.ReadSink(table) {
			date, ok := grDateKey(rec.Key)
			if !ok {
				t.Fatalf("a record of %s has the key %x, which is not a date: GROUP BY date makes the date the table's key", table, rec.Key)
			}
			var v map[string]any
			if err := json.Unmarshal(rec.Value, &v); err != nil || v == nil {
				t.Fatalf("a record of %s is not a JSON object: %q", table, rec.Value)
			}
			score, ok1 := grNumber(v["SCORE"])
			n, ok2 := grNumber(v["TRADES"])
			if !ok1 || !ok2 {
				t.Fatalf("a record of %s is %s: want the columns SCORE (SUM(weight * resp * action)) and TRADES (COUNT(*))", table, rec.Value)
			}
			out = append(out, DayScore{Date: date, Score: score, Trades: int(n)})
		}
		return out
	}

	t.Run("daily_score in KSQL: EMIT CHANGES, one update per trade", func(t *testing.T) {
		k, _ := ksql(t)
		got := readTable(t, k, "DAILY_SCORE")
		// Without windows nothing is ever late: every trade updates its day.
		var want []DayScore
		totals := map[int]*DayScore{}
		for _, tr := range trades.inOrder {
			day := totals[tr.Date]
			if day == nil {
				day = &DayScore{Date: tr.Date}
				totals[tr.Date] = day
			}
			day.Score += tr.Weight * tr.Resp * float64(tr.Action)
			day.Trades++
			want = append(want, *day)
		}
		if !grSameDays(want, got) {
			t.Fatalf("%s", labtest.Mismatch("the records of DAILY_SCORE, in order", grFmtDays(want), grFmtDays(got),
				"CREATE TABLE daily_score AS SELECT date, SUM(weight * resp * action) AS score, COUNT(*) AS trades FROM trades_scored GROUP BY date EMIT CHANGES: one record per trade, its day's totals so far"))
		}
	})

	t.Run("daily_score_final in KSQL: EMIT FINAL, one record per closed day", func(t *testing.T) {
		k, _ := ksql(t)
		got := readTable(t, k, "DAILY_SCORE_FINAL")
		ref := &grDaily{}
		var want []DayScore
		for _, tr := range trades.inOrder {
			want = append(want, ref.add(tr).Finals...)
		}
		if !grSameDays(want, got) {
			hint := "a tumbling window of 1 day with GRACE PERIOD 0 SECONDS, GROUP BY date, EMIT FINAL: each day comes out once, complete, when the first trade of a later day arrives; the last day is still open and writes nothing"
			if len(got) > len(want) {
				hint = "more records than closed days: is it EMIT CHANGES, or is the grace period longer than 0 (the late trade of day 1 would still count)? " + hint
			}
			t.Fatalf("%s", labtest.Mismatch("the records of DAILY_SCORE_FINAL, in order", grFmtDays(want), grFmtDays(got), hint))
		}
	})
}

const grTradesScoredDDL = `CREATE STREAM trades_scored (tradekey VARCHAR KEY, date INT, ts_id BIGINT, weight DOUBLE, resp DOUBLE,
  probability DOUBLE, action INT, model_version INT) WITH (kafka_topic='trades_scored', value_format='JSON');`

type grScored struct {
	inOrder []ScoredTrade
	records []labtest.Record
}

// grScoredTrades are scored trades of days 0 to 3 in arrival order, each
// stamped inside its day, with one trade of day 1 arriving after day 2 began.
func grScoredTrades() grScored {
	r := rand.New(rand.NewPCG(5, 5))
	plan := []int{0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 2, 2, 3, 3}
	var out grScored
	within := map[int]int{}
	for i, day := range plan {
		weight := 0.0
		if i%5 != 2 {
			weight = math.Round(r.Float64()*2000) / 1000
		}
		tr := ScoredTrade{Date: day, TsID: int64(i), Weight: weight, Resp: math.Round(r.NormFloat64()*20000) / 1e6, Action: 1}
		if i%4 == 3 {
			tr.Action = 0 // the model passed on it: it counts as a trade, and adds nothing
		}
		p := 0.25 + 0.5*float64(tr.Action)
		tr.Probability = &p
		tr.ModelVersion = 3
		within[day]++
		at := datagen.TradesDay0.Add(time.Duration(day)*24*time.Hour + time.Duration(within[day])*time.Hour)
		v, _ := json.Marshal(tr)
		out.inOrder = append(out.inOrder, tr)
		out.records = append(out.records, labtest.Record{Key: []byte(strconv.Itoa(i)), Value: v, Timestamp: at})
	}
	return out
}

// grDaily is the reference daily scorer: days close when a later one starts.
type grDaily struct {
	open *DayScore
}

func (g *grDaily) add(t ScoredTrade) DailyEmitted {
	var out DailyEmitted
	if g.open != nil && t.Date < g.open.Date {
		return out
	}
	if g.open == nil || t.Date > g.open.Date {
		if g.open != nil {
			out.Finals = []DayScore{*g.open}
		}
		g.open = &DayScore{Date: t.Date}
	}
	g.open.Score += t.Weight * t.Resp * float64(t.Action)
	g.open.Trades++
	u := *g.open
	out.Update = &u
	return out
}

// grDateKey reads a table's key: an INT (4 bytes), a BIGINT (8), either
// with a time window's 8-byte start after it, or a number as text.
func grDateKey(key []byte) (int, bool) {
	switch len(key) {
	case 4, 12:
		return int(int32(binary.BigEndian.Uint32(key[:4]))), true
	case 8, 16:
		return int(int64(binary.BigEndian.Uint64(key[:8]))), true
	}
	n, err := strconv.Atoi(strings.Trim(string(key), `"`))
	return n, err == nil
}

func grSameDays(a, b []DayScore) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Date != b[i].Date || a[i].Trades != b[i].Trades || !labtest.Close(a[i].Score, b[i].Score, 1e-9) {
			return false
		}
	}
	return true
}

func grFmtDay(d *DayScore) string {
	if d == nil {
		return "none"
	}
	return fmt.Sprintf("day %d: score %.6g over %d trades", d.Date, d.Score, d.Trades)
}

func grFmtDays(days []DayScore) string {
	if len(days) == 0 {
		return "[]"
	}
	var s []string
	for _, d := range days {
		s = append(s, grFmtDay(&d))
	}
	return "[" + strings.Join(s, "; ") + "]"
}

func grFmtScored(s ScoredTrade) string {
	return fmt.Sprintf("{date %d, ts_id %d, weight %g, resp %g, probability %s, action %d, model_version %d}", s.Date, s.TsID, s.Weight, s.Resp, grFmtPtr(s.Probability), s.Action, s.ModelVersion)
}
