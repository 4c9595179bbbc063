package datagen

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trade is one record of the trades generator, every field required.
type trade struct {
	Date     *int64   `json:"date"`
	TsID     *int64   `json:"ts_id"`
	Weight   *float64 `json:"weight"`
	Resp     *float64 `json:"resp"`
	Feature0 *float64 `json:"feature_0"`
	Feature1 *float64 `json:"feature_1"`
	Feature2 *float64 `json:"feature_2"`
	Feature3 *float64 `json:"feature_3"`
	Feature4 *float64 `json:"feature_4"`
}

func TestTradesFollowJaneStreetSchema(t *testing.T) {
	const n = 3000
	recs := take(t, "trades", Options{Seed: 11}, n)
	zeroWeights, positives := 0, 0
	var sumXY, sumXX float64 // resp against the signal feature_1
	for i, r := range recs {
		var v trade
		dec := json.NewDecoder(strings.NewReader(r.value))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("record %d: %v: %s", i, err, r.value)
		}
		if v.Date == nil || v.TsID == nil || v.Weight == nil || v.Resp == nil || v.Feature0 == nil ||
			v.Feature1 == nil || v.Feature2 == nil || v.Feature3 == nil || v.Feature4 == nil {
			t.Fatalf("record %d lacks a field: %s", i, r.value)
		}
		if *v.TsID != int64(i) || r.key != strconv.Itoa(i) {
			t.Fatalf("record %d: ts_id %d, key %q; want both %d", i, *v.TsID, r.key, i)
		}
		if want := int64(i / TradesPerDay); *v.Date != want {
			t.Fatalf("record %d: date %d, want %d (%d trades a day)", i, *v.Date, want, TradesPerDay)
		}
		dayStart := TradesDay0.Add(time.Duration(*v.Date) * 24 * time.Hour)
		if r.ts.Before(dayStart) || !r.ts.Before(dayStart.Add(24*time.Hour)) {
			t.Fatalf("record %d: timestamp %v is not inside day %d [%v, +24h)", i, r.ts, *v.Date, dayStart)
		}
		if i > 0 && !r.ts.After(recs[i-1].ts) {
			t.Fatalf("record %d: timestamp %v is not after the one before, %v", i, r.ts, recs[i-1].ts)
		}
		if *v.Feature0 != 1 && *v.Feature0 != -1 {
			t.Fatalf("record %d: feature_0 is %v, want -1 or 1", i, *v.Feature0)
		}
		if *v.Weight < 0 || math.Abs(*v.Resp) > 0.2 {
			t.Fatalf("record %d: weight %v, resp %v; want weight >= 0 and a small resp", i, *v.Weight, *v.Resp)
		}
		if *v.Weight == 0 {
			zeroWeights++
		}
		if *v.Resp > 0 {
			positives++
		}
		sumXY += *v.Feature1 * *v.Resp
		sumXX += *v.Feature1 * *v.Feature1
	}
	if share := float64(zeroWeights) / n; share < 0.1 || share > 0.25 {
		t.Errorf("%.2f of the trades have weight 0, want about one in six", share)
	}
	if share := float64(positives) / n; share < 0.4 || share > 0.6 {
		t.Errorf("%.2f of the trades have a positive resp, want about half", share)
	}
	// The features must carry a signal for a model to find.
	if slope := sumXY / sumXX; slope < 0.004 || slope > 0.008 {
		t.Errorf("resp rises by %.4f per unit of feature_1, want about 0.006", slope)
	}
}

func TestTradesDeterministicWithSeed(t *testing.T) {
	a := take(t, "trades", Options{Seed: 42}, 300)
	b := take(t, "trades", Options{Seed: 42}, 300)
	c := take(t, "trades", Options{Seed: 43}, 300)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("record %d differs between two runs with seed 42:\n%+v\n%+v", i, a[i], b[i])
		}
		if a[i].value == c[i].value {
			same++
		}
	}
	if same == len(a) {
		t.Errorf("seeds 42 and 43 gave the same %d trades", len(a))
	}
}
