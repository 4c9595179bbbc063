//go:build grading

// Grading tests of lab 7. Each exercise has one top-level test; each of its
// subtests earns a share of the exercise's points. The Go exercises call
// your functions directly, and run them over topics of the grader's broker
// (or an embedded one) where the exercise is about a stream; the KSQL
// exercises run your .sql file on a ksqlDB engine after the lab's own
// streams, on the test's own copies of the topics (see pkg/labtest/ksql.go),
// feed it known records and read what your query wrote. Every expected
// number is computed here from the course's reference code (pkg/mlkit,
// pkg/scoring): models are the ones exercise 2's trades train, or fitted on
// the shipped data sets.
//
// The tests compile into your package, so their helpers are named gr...:
// no name of yours can clash with them.
package lab07

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/datagen"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// How long a stream or a query may take to get through a test's records.
// The tests wait for what they need and go on as soon as it is there: only
// code that never gets there waits this long, so the bounds can be generous
// enough for a loaded machine.
const (
	grStreamWait  = 60 * time.Second
	grProcessWait = 45 * time.Second
	grWriterWait  = 30 * time.Second
	grSwapWait    = 20 * time.Second
)

// ---------------------------------------------------------------------------
// Exercise 1: the model as a KSQL expression, deployed as a query.

func TestKSQLExpression(t *testing.T) {
	t.Run("a linear regression is b0 + b1 * x1 + ...", func(t *testing.T) {
		d := labtest.Dataset(t, "diabetes")
		ols := &mlkit.LinearRegression{}
		if err := ols.Fit(d.X, d.Y); err != nil {
			t.Fatal(err)
		}
		form, err := mlkit.LinearFormOf(ols, nil, d.Features)
		if err != nil {
			t.Fatal(err)
		}
		grCheckExpression(t, "a linear regression fitted to diabetes.csv", form, d, 40)
	})

	t.Run("a logistic regression is 1 / (1 + EXP(-(b0 + b1 * x1 + ...)))", func(t *testing.T) {
		d := labtest.Dataset(t, "breast_cancer")
		scaler := &mlkit.StandardScaler{}
		Xs, err := scaler.FitTransform(d.X)
		if err != nil {
			t.Fatal(err)
		}
		logit := mlkit.NewLogisticRegression(1)
		if err := logit.Fit(Xs, d.Y); err != nil {
			t.Fatal(err)
		}
		// The scaler folded into the weights: the expression reads raw
		// features, and its weights span many orders of magnitude.
		form, err := mlkit.LinearFormOf(logit, scaler, d.Features)
		if err != nil {
			t.Fatal(err)
		}
		grCheckExpression(t, "a logistic regression fitted to breast_cancer.csv (standardized, folded into the weights)", form, d, 40)
	})

	t.Run("column expressions keep their meaning, negative weights too", func(t *testing.T) {
		m := LinearModel{Intercept: -0.75, Coef: []float64{0.3125, -2.5, 1.5e-05, -0.1}}
		columns := []string{"A + B", "B", "ADDRESS->ZIPCODE", "CAST(N AS DOUBLE)"}
		var expr string
		var err error
		if !labtest.Guard(t, "KSQLExpression", func() { expr, err = KSQLExpression(m, columns) }) {
			return
		}
		if err != nil {
			t.Fatalf("KSQLExpression(%+v, %q) returned an error: %v", m, columns, err)
		}
		sql := "CREATE STREAM F (ID STRING KEY, A DOUBLE, B DOUBLE, N INT, ADDRESS STRUCT<ZIPCODE BIGINT>) WITH (KAFKA_TOPIC='f', VALUE_FORMAT='JSON');\n" +
			"CREATE STREAM S AS SELECT ID, " + expr + " AS P FROM F EMIT CHANGES;"
		rows := [][4]float64{{1.5, 2.25, 98101, 7}, {-3, 0.5, 10001, -2}, {0, 0, 55555, 0}, {12.125, -7.75, 20500, 13}}
		var inputs []testrunner.Record
		want := make([]float64, len(rows))
		for i, r := range rows {
			inputs = append(inputs, testrunner.R("f", strconv.Itoa(i), map[string]any{"A": r[0], "B": r[1], "N": int(r[3]), "ADDRESS": map[string]any{"ZIPCODE": int(r[2])}}))
			want[i] = m.Intercept + m.Coef[0]*(r[0]+r[1]) + m.Coef[1]*r[1] + m.Coef[2]*r[2] + m.Coef[3]*r[3]
		}
		got := grRunExpression(t, sql, expr, inputs)
		for i := range rows {
			if i < len(got) && !labtest.Close(want[i], got[i], 1e-9) {
				hint := "a column expression such as A + B goes in brackets: 3.125E-01 * (A + B), not 3.125E-01 * A + B, which multiplies A only"
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the expression for %+v over columns %q, on row %d %v", m, columns, i, rows[i]), want[i], got[i], hint+"\n  your expression: "+expr))
			}
		}
	})

	t.Run("bad input is an error, not a panic", func(t *testing.T) {
		cases := []struct {
			name    string
			m       LinearModel
			columns []string
		}{
			{"fewer columns than coefficients", LinearModel{Intercept: 1, Coef: []float64{1, 2}}, []string{"A"}},
			{"more columns than coefficients", LinearModel{Intercept: 1, Coef: []float64{1}}, []string{"A", "B"}},
			{"an empty column expression", LinearModel{Intercept: 1, Coef: []float64{1, 2}}, []string{"A", " "}},
			{"a NaN coefficient", LinearModel{Intercept: 1, Coef: []float64{math.NaN()}}, []string{"A"}},
			{"an infinite intercept", LinearModel{Intercept: math.Inf(1), Coef: []float64{1}}, []string{"A"}},
		}
		for _, c := range cases {
			var expr string
			var err error
			if !labtest.Guard(t, "KSQLExpression with "+c.name, func() { expr, err = KSQLExpression(c.m, c.columns) }) {
				continue
			}
			if err == nil {
				t.Errorf("KSQLExpression(%+v, %q), %s: want an error, got the expression %q (a model that cannot be written must not become a query)", c.m, c.columns, c.name, expr)
			}
		}
	})

	t.Run("score_orders.sql deploys the return model as a persistent query", func(t *testing.T) {
		k := labtest.NewKsql(t, []string{"ORDERS", "ORDERS_SCORED"}, []string{"orders", "orders_scored"})
		k.CreateTopic("orders", 1)
		k.Exec(grOrdersDDL)
		before := grOrders(100, 12)
		after := grOrders(200, 6)
		k.Produce("orders", grOrderRecords(before)...)
		sc := k.Load("score_orders.sql")
		k.Run(sc)
		if sc.Problem != "" {
			t.Fatal(sc.Problem)
		}
		writer := k.WaitWriter("ORDERS_SCORED", grWriterWait)
		if writer == "" {
			d, ok := k.Describe("ORDERS_SCORED")
			switch {
			case !ok:
				t.Fatalf("score_orders.sql ran, but there is no stream named ORDERS_SCORED: CREATE STREAM orders_scored WITH (KAFKA_TOPIC='orders_scored', VALUE_FORMAT='JSON') AS SELECT ... FROM orders EMIT CHANGES;")
			case d.Type != "STREAM":
				t.Fatalf("ORDERS_SCORED is a %s: want a stream, one scored record per order (CREATE STREAM ... AS SELECT)", strings.ToLower(d.Type))
			default:
				t.Fatalf("no persistent query writes ORDERS_SCORED within %v: create it with CREATE STREAM ... AS SELECT (a stream declared over a topic scores nothing)", grWriterWait)
			}
		}
		if d, ok := k.Describe("ORDERS_SCORED"); ok && d.Topic != k.Topic("orders_scored") {
			t.Errorf("%s", labtest.Mismatch("ORDERS_SCORED's topic (DESCRIBE ORDERS_SCORED)", "orders_scored", k.Restore(d.Topic),
				"WITH (KAFKA_TOPIC='orders_scored', VALUE_FORMAT='JSON') between the stream's name and AS SELECT; without it the topic is named after the stream, in capitals"))
		}
		k.Produce("orders", grOrderRecords(after)...)
		if !k.WaitProcessed(writer, grProcessWait, "orders") {
			t.Fatalf("the query writing ORDERS_SCORED did not get through the %d test orders within %v", len(before)+len(after), grProcessWait)
		}
		sink := k.ReadSink("ORDERS_SCORED")
		seen := map[int]int{}
		for _, rec := range sink {
			var v map[string]any
			if err := json.Unmarshal(rec.Value, &v); err != nil {
				t.Fatalf("a record of orders_scored is not a JSON object: %s (keep VALUE_FORMAT='JSON')", rec.Value)
			}
			id, ok := grNumber(v["ORDERID"])
			if !ok {
				t.Fatalf("a record of orders_scored has no ORDERID: %s (select orderid)", rec.Value)
			}
			seen[int(id)]++
			o := grFindOrder(append(before, after...), int(id))
			if o == nil {
				continue
			}
			p, ok := grNumber(v["P_RETURN"])
			if !ok {
				t.Fatalf("order %d came out as %s, with no number P_RETURN: name the model's column ... AS p_return", o.ID, rec.Value)
			}
			want := 1 / (1 + math.Exp(-(ReturnModel.Intercept + ReturnModel.Coef[0]*o.Units + ReturnModel.Coef[1]*float64(o.Zip))))
			if !labtest.Close(want, p, 1e-9) {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("P_RETURN of order %d (orderunits %g, zipcode %d)", o.ID, o.Units, o.Zip), want, p,
					"P_RETURN is ReturnModel's probability: 1 / (1 + EXP(-(-2.75 + 0.3125*ORDERUNITS - 1.5e-05*ADDRESS->ZIPCODE))), with every weight a DOUBLE literal (-2.75E+00, 3.125E-01, -1.5E-05): KSQLExpression(ReturnModel, ReturnColumns) writes it"))
			}
			if string(rec.Key) != strconv.Itoa(o.ID) {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the key of order %d in orders_scored", o.ID), strconv.Itoa(o.ID), string(rec.Key), "select orderkey, the stream's key column, so every scored order keeps its key"))
			}
		}
		for _, o := range append(before, after...) {
			switch seen[o.ID] {
			case 1:
			case 0:
				late := ""
				if o.ID >= 200 {
					late = " (it was written after your statement ran: a persistent query keeps scoring new orders)"
				}
				t.Errorf("order %d was not scored%s", o.ID, late)
			default:
				t.Errorf("order %d was scored %d times, want once", o.ID, seen[o.ID])
			}
		}
	})
}

const grOrdersDDL = `CREATE STREAM orders (orderkey VARCHAR KEY, ordertime BIGINT, orderid INT, itemid VARCHAR,
  orderunits DOUBLE, address STRUCT<city VARCHAR, state VARCHAR, zipcode BIGINT>)
  WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');`

type grOrder struct {
	ID    int
	Units float64
	Zip   int
}

func grOrders(first, n int) []grOrder {
	r := rand.New(rand.NewPCG(uint64(first), 7))
	out := make([]grOrder, n)
	for i := range out {
		out[i] = grOrder{ID: first + i, Units: math.Round((0.1+r.Float64()*9.9)*1000) / 1000, Zip: 10000 + r.IntN(90000)}
	}
	return out
}

func grOrderRecords(orders []grOrder) []labtest.Record {
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var out []labtest.Record
	for i, o := range orders {
		at := base.Add(time.Duration(i) * time.Second)
		v, _ := json.Marshal(map[string]any{"ordertime": at.UnixMilli(), "orderid": o.ID, "itemid": fmt.Sprintf("Item_%d", o.ID%999+1),
			"orderunits": o.Units, "address": map[string]any{"city": "City_1", "state": "State_1", "zipcode": o.Zip}})
		out = append(out, labtest.Record{Key: []byte(strconv.Itoa(o.ID)), Value: v, Timestamp: at})
	}
	return out
}

func grFindOrder(orders []grOrder, id int) *grOrder {
	for i := range orders {
		if orders[i].ID == id {
			return &orders[i]
		}
	}
	return nil
}

// grCheckExpression runs the learner's expression of form over the first n
// rows of d on the embedded engine and compares it with the model.
func grCheckExpression(t *testing.T, what string, form *mlkit.LinearForm, d *mlkit.Dataset, n int) {
	t.Helper()
	m := LinearModel{Intercept: form.Intercept[0], Coef: form.Coef[0], Logistic: form.Link == mlkit.LinkLogistic}
	columns := make([]string, len(d.Features))
	decl := []string{"ID STRING KEY"}
	for j, f := range d.Features {
		columns[j] = strings.ToUpper(f)
		decl = append(decl, columns[j]+" DOUBLE")
	}
	var expr string
	var err error
	if !labtest.Guard(t, "KSQLExpression", func() { expr, err = KSQLExpression(m, columns) }) {
		return
	}
	if err != nil {
		t.Fatalf("KSQLExpression for %s returned an error: %v", what, err)
	}
	sql := fmt.Sprintf("CREATE STREAM F (%s) WITH (KAFKA_TOPIC='f', VALUE_FORMAT='JSON');\nCREATE STREAM S AS SELECT ID, %s AS P FROM F EMIT CHANGES;", strings.Join(decl, ", "), expr)
	var inputs []testrunner.Record
	for i := 0; i < n; i++ {
		v := map[string]any{}
		for j := range columns {
			v[columns[j]] = d.X.At(i, j)
		}
		inputs = append(inputs, testrunner.R("f", strconv.Itoa(i), v))
	}
	got := grRunExpression(t, sql, expr, inputs)
	for i := range got {
		out, _ := form.Output(mat.Row(nil, i, d.X))
		want := out[0]
		if form.Link == mlkit.LinkLogistic {
			want = out[1]
		}
		if !labtest.Close(want, got[i], 1e-9) {
			hint := "every number must read back to exactly the model's float64: %f keeps six decimals (a weight of 1.2345e-07 becomes 0.000000), %.4f four. " +
				"strconv.FormatFloat(w, 'E', -1, 64) writes the shortest form that reads back exactly, 3.125E-01, which KSQL also reads as a DOUBLE"
			if m.Logistic && math.Abs(got[i]-(1-want)) < 1e-6 {
				hint = "you computed 1 - p: the probability of the positive class is 1 / (1 + EXP(-(z))), with the minus inside EXP"
			}
			short := expr
			if len(short) > 300 {
				short = short[:300] + " ..."
			}
			t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the expression for %s, on row %d", what, i), want, got[i], hint+"\n  your expression: "+short))
		}
	}
}

// grRunExpression runs sql (a source F and a stream S with a column P) on
// the embedded engine and returns P of every output record.
func grRunExpression(t *testing.T, sql, expr string, inputs []testrunner.Record) []float64 {
	t.Helper()
	if strings.TrimSpace(expr) == "" {
		t.Fatalf("KSQLExpression returned an empty expression and no error: write the model as b0 + b1 * x1 + ... over the columns")
	}
	var exec *testrunner.Execution
	var err error
	labtest.Within(t, 60*time.Second, "running the expression on the embedded ksqlDB engine", func(ctx context.Context) {
		exec, err = (&testrunner.InProcess{}).Execute(ctx, testrunner.Case{Statements: sql, Inputs: inputs})
	})
	if err != nil {
		t.Fatalf("ksqlDB refused your expression: %v\n  the query: %s", err, sql)
	}
	if exec == nil {
		t.FailNow()
	}
	if len(exec.ProcessingErrors) > 0 {
		t.Fatalf("ksqlDB could not evaluate your expression on a record: %v\n  your expression: %s", exec.ProcessingErrors[0], expr)
	}
	out := exec.Outputs["S"]
	if len(out) != len(inputs) {
		t.Fatalf("%d of %d records came out of the query SELECT ID, <your expression> AS P", len(out), len(inputs))
	}
	got := make([]float64, len(out))
	for i, rec := range out {
		var v map[string]any
		raw, _ := rec.Value.(json.RawMessage)
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		p, ok := grNumber(v["P"])
		if !ok {
			t.Fatalf("row %d: the expression gave %v, not a number\n  your expression: %s", i, v["P"], expr)
		}
		got[i] = p
	}
	return got
}

// grNumber reads a JSON number (float64 or json.Number).
func grNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// Exercise 2: a scoring service.

func TestScoringService(t *testing.T) {
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

var grArtifacts sync.Map // "name/version/seed" -> *scoring.Artifact

// grArtifact is the trade model of lab.go's TrainTradeModel with a seed of
// its own: different seeds give different weights.
func grArtifact(t *testing.T, name string, version int, seed uint64) *scoring.Artifact {
	t.Helper()
	key := fmt.Sprintf("%s/%d/%d", name, version, seed)
	if a, ok := grArtifacts.Load(key); ok {
		return a.(*scoring.Artifact)
	}
	a, err := TrainTradeModel(name, version, seed, 800)
	if err != nil {
		t.Fatalf("training the trade model: %v", err)
	}
	grArtifacts.Store(key, a)
	return a
}

func grDeployed(t *testing.T, name string, version int, seed uint64) *Deployed {
	t.Helper()
	d, err := Deploy(grArtifact(t, name, version, seed))
	if err != nil {
		t.Fatalf("deploying the trade model: %v", err)
	}
	return d
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

// grTradeRecords are n records of the trades generator with the given seed,
// as they would be read from topic (offsets from 0).
func grTradeRecords(t *testing.T, seed uint64, n int, topic string) []stream.Record {
	t.Helper()
	gen, err := datagen.New("trades", datagen.Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]stream.Record, n)
	for i := range out {
		k, v, ts := gen.Next()
		out[i] = stream.Record{Topic: topic, Offset: int64(i), Key: k, Value: v, Timestamp: ts}
	}
	return out
}

// grRefScore is the reference model's answer for a feature record.
func grRefScore(t *testing.T, d *Deployed, value []byte) scoring.Prediction {
	t.Helper()
	x, err := scoring.Features(value, d.Model.Features())
	if err != nil {
		t.Fatalf("grading: reading %s: %v", value, err)
	}
	p, err := d.Model.Predict(x)
	if err != nil {
		t.Fatalf("grading: scoring %s: %v", value, err)
	}
	return p
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

func grFmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
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

// grWithout returns the JSON object value without field.
func grWithout(t *testing.T, value []byte, field string) []byte {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(value, &obj); err != nil {
		t.Fatal(err)
	}
	delete(obj, field)
	b, _ := json.Marshal(obj)
	return b
}

// ---------------------------------------------------------------------------
// Exercise 3: hot swap from a compacted models topic.

func TestHotSwap(t *testing.T) {
	art := map[int]*scoring.Artifact{1: grArtifact(t, "trades", 1, 1), 2: grArtifact(t, "trades", 2, 2), 3: grArtifact(t, "trades", 3, 3)}
	value := func(v int) []byte {
		b, err := art[v].Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rec := func(offset int64, key string, v []byte) stream.Record {
		return stream.Record{Topic: "models", Partition: 0, Offset: offset, Key: []byte(key), Value: v}
	}
	apply := func(t *testing.T, h *ModelHolder, r stream.Record, what string) (err error, ok bool) {
		t.Helper()
		ok = labtest.Guard(t, fmt.Sprintf("Apply(%s)", what), func() { err = h.Apply(r) })
		return err, ok
	}
	current := func(t *testing.T, h *ModelHolder) (d *Deployed, ok bool) {
		t.Helper()
		ok = labtest.Guard(t, "Current()", func() { d = h.Current() })
		return d, ok
	}
	row := []float64{1, 0.3, -1.2, 0.5, 2}
	refProb := map[int]float64{}
	for v := 1; v <= 3; v++ {
		d, err := Deploy(art[v])
		if err != nil {
			t.Fatal(err)
		}
		p, _ := d.Model.Predict(row)
		refProb[v] = *p.Probability
	}
	// scoresLike checks that d is a whole version v: its card and its weights.
	scoresLike := func(d *Deployed, v int) bool {
		if d == nil || d.Model == nil || d.Artifact == nil || d.Version() != v {
			return false
		}
		p, err := d.Model.Predict(row)
		return err == nil && p.Probability != nil && *p.Probability == refProb[v]
	}

	t.Run("the newest record wins, whatever its version: a rollback is a republish", func(t *testing.T) {
		h := &ModelHolder{Name: "trades"}
		if d, ok := current(t, h); !ok || d != nil {
			t.Fatalf("Current() of a new holder: want nil (no model yet), got %v", d)
		}
		steps := []struct {
			offset  int64
			version int
			why     string
		}{
			{0, 1, "the first model record deploys version 1"},
			{1, 3, "version 3 replaces version 1"},
			{2, 2, "version 2 published after version 3 replaces it: that is how a rollback works (republish the older artifact); never compare version numbers"},
			{3, 3, "and version 3 again, once it is fixed"},
		}
		for _, s := range steps {
			err, ok := apply(t, h, rec(s.offset, "trades", value(s.version)), fmt.Sprintf("version %d at offset %d", s.version, s.offset))
			if !ok {
				return
			}
			if err != nil {
				t.Fatalf("Apply(version %d at offset %d) returned an error for a good artifact: %v\n  %s", s.version, s.offset, err, s.why)
			}
			d, ok := current(t, h)
			if !ok {
				return
			}
			if !scoresLike(d, s.version) {
				got := "nil"
				if d != nil && d.Artifact != nil {
					got = fmt.Sprintf("version %d", d.Version())
				}
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("Current() after the record of version %d at offset %d", s.version, s.offset), fmt.Sprintf("version %d (built from that record: Artifact and Model)", s.version), got, s.why))
			}
			if d.Topic != "models" || d.Partition != 0 || d.Offset != s.offset {
				t.Fatalf("%s", labtest.Mismatch("where the deployed model came from (Topic, Partition, Offset)", fmt.Sprintf("models/0@%d", s.offset), fmt.Sprintf("%s/%d@%d", d.Topic, d.Partition, d.Offset),
					"fill in the Deployed's Topic, Partition and Offset from the record: an operator asks which record the service is running"))
			}
		}
	})

	t.Run("a bad model record keeps the last good model", func(t *testing.T) {
		h := &ModelHolder{Name: "trades"}
		if err, ok := apply(t, h, rec(0, "trades", []byte("{not json")), "a value that is not JSON"); !ok || err == nil {
			if ok {
				t.Errorf("Apply of a record that is not an artifact, on a new holder: want an error, got none")
			}
		}
		if d, ok := current(t, h); ok && d != nil {
			t.Fatalf("after a bad first record, Current() must still be nil (no model), got version %d", d.Version())
		}
		if err, ok := apply(t, h, rec(1, "trades", value(2)), "version 2"); !ok || err != nil {
			t.Fatalf("Apply(version 2) returned an error for a good artifact: %v", err)
		}
		wrongFormat := *art[3]
		wrongFormat.Format = "pmml"
		wrongFeatures := *art[3]
		wrongFeatures.Card.Features = TradeFeatures[:4]
		wrongName := *art[3]
		wrongName.Card.Name = "orders-model"
		marshal := func(a scoring.Artifact) []byte { b, _ := a.Marshal(); return b }
		bad := []struct {
			what  string
			value []byte
		}{
			{"a value that is not JSON", []byte("{not json")},
			{"a tombstone (null value)", nil},
			{"an artifact of an unknown format", marshal(wrongFormat)},
			{"a card listing 4 features for a model of 5", marshal(wrongFeatures)},
			{"an artifact whose card names another model than its key", marshal(wrongName)},
		}
		for i, b := range bad {
			err, ok := apply(t, h, rec(int64(2+i), "trades", b.value), b.what)
			if !ok {
				continue
			}
			if err == nil {
				t.Errorf("Apply(%s): want an error (FollowModels reports it with its offset), got none", b.what)
			}
			if d, ok := current(t, h); ok && !scoresLike(d, 2) {
				got := "nil"
				if d != nil && d.Artifact != nil {
					got = fmt.Sprintf("version %d", d.Version())
				}
				t.Errorf("%s", labtest.Mismatch("Current() after "+b.what, "version 2, the last good model", got,
					"decode and Build the artifact first, and only swap when both worked: a bad publish must never take scoring down"))
				return
			}
		}
	})

	t.Run("records of other models are none of the holder's business", func(t *testing.T) {
		h := &ModelHolder{Name: "trades"}
		if err, ok := apply(t, h, rec(0, "trades", value(1)), "version 1"); !ok || err != nil {
			t.Fatalf("Apply(version 1) returned an error for a good artifact: %v", err)
		}
		other := *art[3]
		other.Card.Name = "orders-model"
		b, _ := other.Marshal()
		err, ok := apply(t, h, rec(1, "orders-model", b), "a good artifact of the model orders-model")
		if !ok {
			return
		}
		if err != nil {
			t.Errorf("Apply of another model's record returned an error (%v): a models topic holds every model; a record keyed by another name is not a bad record, it is someone else's (return nil)", err)
		}
		if d, ok := current(t, h); ok && !scoresLike(d, 1) {
			t.Errorf("after a record of the model orders-model, the holder of trades no longer serves its version 1: compare the record's key with h.Name first")
		}
	})

	t.Run("Current is safe to call while models are swapped", func(t *testing.T) {
		h := &ModelHolder{Name: "trades"}
		values := map[int][]byte{1: value(1), 2: value(2), 3: value(3)}
		var done atomic.Bool
		var torn atomic.Int64
		var firstTorn atomic.Value
		var wg sync.WaitGroup
		panicked := make(chan any, 8)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if r := recover(); r != nil {
						panicked <- r
					}
				}()
				for !done.Load() {
					d := h.Current()
					if d == nil {
						continue
					}
					v := 0
					if d.Artifact != nil {
						v = d.Version()
					}
					if !scoresLike(d, v) {
						if torn.Add(1) == 1 {
							firstTorn.Store(fmt.Sprintf("a model labelled version %d that does not score like version %d", v, v))
						}
					}
				}
			}()
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					panicked <- r
				}
			}()
			for i := range 300 {
				_ = h.Apply(rec(int64(i), "trades", values[i%3+1]))
			}
		}()
		done.Store(true)
		wg.Wait()
		close(panicked)
		for r := range panicked {
			t.Fatalf("Apply or Current panicked while models were swapped: %v", r)
		}
		if n := torn.Load(); n > 0 {
			t.Fatalf("while 300 models were swapped in, 4 readers got %d times %v: keep the whole Deployed behind one atomic.Pointer[Deployed], Store a new one, and Load it once", n, firstTorn.Load())
		}
		if d := h.Current(); !scoresLike(d, 3) {
			t.Fatalf("after 300 swaps ending with version 3, Current() is not version 3")
		}
	})

	t.Run("swaps on a live models topic, under load: every record scored once, by the version current when it was read", func(t *testing.T) {
		bootstrap := labtest.Bootstrap(t)
		models, input, output := labtest.Topic(t, "models"), labtest.Topic(t, "trades"), labtest.Topic(t, "scores")
		ctx, cancel := context.WithTimeout(context.Background(), labtest.Budget(t, 30*time.Second))
		if err := kafkautil.EnsureTopics(ctx, bootstrap, []kafkautil.TopicSpec{{Name: models, Partitions: 1, Compacted: true}}); err != nil {
			t.Fatalf("creating the models topic: %v", err)
		}
		cancel()
		labtest.CreateTopic(t, bootstrap, input, 1)
		labtest.CreateTopic(t, bootstrap, output, 1)
		const n = 1200
		records := grTradeRecords(t, 46, n, input)
		var msgs []*sarama.ProducerMessage
		for _, r := range records {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: input, Key: sarama.ByteEncoder(r.Key), Value: sarama.ByteEncoder(r.Value)})
		}
		labtest.Produce(t, bootstrap, msgs...)

		cfg := kafkautil.NewConfig("mlops-lab-test-publisher")
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Return.Successes = true
		publisher, err := sarama.NewSyncProducer(kafkautil.SplitBootstrap(bootstrap), cfg)
		if err != nil {
			t.Fatalf("test producer: %v", err)
		}
		defer publisher.Close()
		publish := func(v []byte) (int64, error) {
			m := &sarama.ProducerMessage{Topic: models, Key: sarama.StringEncoder("trades")}
			if v != nil {
				m.Value = sarama.ByteEncoder(v)
			}
			_, off, err := publisher.SendMessage(m)
			return off, err
		}
		if _, err := publish(value(1)); err != nil {
			t.Fatalf("publishing version 1: %v", err)
		}

		h := &ModelHolder{Name: "trades"}
		var rejMu sync.Mutex
		var rejected []scoring.Rejected
		var applyPanic atomic.Value
		followCtx, stopFollow := context.WithCancel(context.Background())
		followed := make(chan error, 1)
		go func() {
			followed <- FollowModels(followCtx, bootstrap, models, func(r stream.Record) (err error) {
				defer func() {
					if p := recover(); p != nil {
						applyPanic.Store(fmt.Sprint(p))
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				return h.Apply(r)
			}, func(r scoring.Rejected) {
				rejMu.Lock()
				rejected = append(rejected, r)
				rejMu.Unlock()
			})
		}()
		defer func() {
			stopFollow()
			<-followed
		}()
		if !labtest.Eventually(labtest.Budget(t, grSwapWait), 10*time.Millisecond, func() bool { return scoresLike(h.Current(), 1) }) {
			if p := applyPanic.Load(); p != nil {
				t.Fatalf("Apply panicked on the models topic's first record: %v", p)
			}
			t.Fatalf("version 1 was published on the models topic, and %v later Current() still does not hold it: FollowModels hands every record to Apply, which must decode, build and store it", grSwapWait)
		}

		// The swaps happen while the stream is being scored: when the
		// record at offset `at` comes, the test publishes the next model
		// and waits until the holder has it, so every record from `at` on
		// must be scored by it, and every record before by the one before.
		plan := []struct {
			at      int64
			version int
			bad     bool // a bad record is published first
		}{{200, 2, false}, {450, 3, true}, {700, 2, false}, {950, 3, false}}
		expected := func(offset int64) int {
			v := 1
			for _, s := range plan {
				if offset >= s.at {
					v = s.version
				}
			}
			return v
		}
		var badOffset atomic.Int64
		badOffset.Store(-1)
		var swapProblem atomic.Value
		transform := func(in stream.Record) ([]stream.Record, error) {
			for _, s := range plan {
				if in.Offset != s.at {
					continue
				}
				if s.bad {
					off, err := publish([]byte(`{"card":{"name":"trades","version":9},"format":"mlkit","model":{"type":"no_such_model"}}`))
					if err == nil {
						badOffset.Store(off)
					}
				}
				if _, err := publish(value(s.version)); err != nil {
					return nil, err
				}
				deadline := time.Now().Add(grSwapWait)
				for !scoresLike(h.Current(), s.version) && time.Now().Before(deadline) {
					time.Sleep(2 * time.Millisecond) // polling the holder, up to the deadline
				}
				if !scoresLike(h.Current(), s.version) && swapProblem.Load() == nil {
					swapProblem.Store(fmt.Sprintf("version %d was published when the record at offset %d came, and %v later Current() did not hold it", s.version, s.at, grSwapWait))
				}
			}
			// The grader's own scoring: one Load per record.
			d := h.Current()
			x, err := scoring.Features(in.Value, TradeFeatures)
			if err != nil {
				return nil, err
			}
			p, err := d.Model.Predict(x)
			if err != nil {
				return nil, err
			}
			out, _ := json.Marshal(Score{Key: string(in.Key), Prediction: p.Value, Probability: p.Probability, ModelVersion: d.Version()})
			return []stream.Record{{Key: in.Key, Value: out}}, nil
		}
		run := labtest.RunStream(t, stream.Config{Bootstrap: bootstrap, Group: labtest.Group(t, "swap"), Inputs: []string{input}, Output: output, Transform: transform}, n, grStreamWait, 0)
		if p := run.Problem(n); p != "" {
			t.Fatalf("scoring %d records while models were swapped: %s", n, p)
		}
		if p := swapProblem.Load(); p != nil {
			t.Fatalf("%v: did Apply take the newest record even when its version is older (a rollback)?", p)
		}
		refs := map[int]*Deployed{}
		for v := 1; v <= 3; v++ {
			refs[v], _ = Deploy(art[v])
		}
		byKey := map[string]Score{}
		for _, o := range labtest.ReadStream(t, bootstrap, output) {
			s, err := DecodeScore(o.Value)
			if err != nil {
				t.Fatal(err)
			}
			if _, dup := byKey[s.Key]; dup {
				t.Fatalf("the record with key %s was scored twice", s.Key)
			}
			byKey[s.Key] = s
		}
		for _, r := range records {
			s, ok := byKey[string(r.Key)]
			if !ok {
				t.Fatalf("the record at offset %d was not scored", r.Offset)
			}
			if want := expected(r.Offset); s.ModelVersion != want {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the version that scored the record at offset %d (swaps at offsets 200 -> v2, 450 -> v3, 700 -> v2, 950 -> v3)", r.Offset), want, s.ModelVersion,
					"the model current when a record is read scores it: a swap takes effect from the next record on, never later, never halfway"))
			}
			want := grRefScore(t, refs[s.ModelVersion], r.Value)
			if s.Probability == nil || *s.Probability != *want.Probability {
				t.Fatalf("the record at offset %d is labelled version %d but was not scored by version %d's weights: keep model and version together in one Deployed behind one pointer", r.Offset, s.ModelVersion, s.ModelVersion)
			}
		}
		bad := badOffset.Load()
		if !labtest.Eventually(labtest.Budget(t, 10*time.Second), 10*time.Millisecond, func() bool {
			rejMu.Lock()
			defer rejMu.Unlock()
			for _, r := range rejected {
				if r.Offset == bad && r.Topic == models {
					return true
				}
			}
			return false
		}) {
			rejMu.Lock()
			defer rejMu.Unlock()
			t.Fatalf("the bad model record at offset %d of the models topic was not reported (reported: %v): Apply must return an error for it, which FollowModels reports with its offset", bad, rejected)
		}
	})
}

// ---------------------------------------------------------------------------
// Exercise 4: ONNX, PMML and the model card.

func TestExport(t *testing.T) {
	created := time.Date(2026, time.December, 6, 9, 30, 0, 0, time.UTC)
	cancer := labtest.Dataset(t, "breast_cancer")
	split, err := mlkit.StratifiedSplit(cancer, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	scaler := &mlkit.StandardScaler{}
	Xs, err := scaler.FitTransform(split.Train.X)
	if err != nil {
		t.Fatal(err)
	}
	logit := mlkit.NewLogisticRegression(1)
	if err := logit.Fit(Xs, split.Train.Y); err != nil {
		t.Fatal(err)
	}
	Xt, _ := scaler.Transform(split.Test.X)
	wantProba, _ := logit.PredictProba(Xt)
	pred, _ := logit.Predict(Xt)
	wantAcc, _ := mlkit.Accuracy(split.Test.Y, pred)

	diabetes := labtest.Dataset(t, "diabetes")
	dsplit, err := mlkit.TrainTestSplit(diabetes, 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	ols := &mlkit.LinearRegression{}
	if err := ols.Fit(dsplit.Train.X, dsplit.Train.Y); err != nil {
		t.Fatal(err)
	}

	// The card the exports are given: the reference's, so that the
	// exports are graded even when NewModelCard is not done yet.
	card := mlkit.ModelCard{Name: "cancer", Version: 2, Model: logit.Type(), Features: split.Train.Features, Label: split.Train.Label,
		Classes: split.Train.ClassNames(), Scaled: true, Metrics: map[string]float64{"accuracy": wantAcc},
		TrainRows: split.Train.Rows(), TestRows: split.Test.Rows(), DataFingerprint: mlkit.DatasetFingerprint(split.Train), Created: created}

	t.Run("the card of a classifier", func(t *testing.T) {
		var got mlkit.ModelCard
		var err error
		if !labtest.Guard(t, "NewModelCard", func() {
			got, err = NewModelCard("cancer", 2, logit, scaler, split.Train, split.Test, created)
		}) {
			return
		}
		if err != nil {
			t.Fatalf("NewModelCard for a logistic regression on breast_cancer.csv returned an error: %v", err)
		}
		grCheckCard(t, got, card, "accuracy")
	})

	t.Run("the card of a regressor", func(t *testing.T) {
		pred, _ := ols.Predict(dsplit.Test.X)
		r2, _ := mlkit.R2(dsplit.Test.Y, pred)
		rmse, _ := mlkit.RMSE(dsplit.Test.Y, pred)
		want := mlkit.ModelCard{Name: "progression", Version: 1, Model: ols.Type(), Features: dsplit.Train.Features, Label: dsplit.Train.Label,
			Metrics: map[string]float64{"r2": r2, "rmse": rmse}, TrainRows: dsplit.Train.Rows(), TestRows: dsplit.Test.Rows(),
			DataFingerprint: mlkit.DatasetFingerprint(dsplit.Train), Created: created}
		var got mlkit.ModelCard
		var err error
		if !labtest.Guard(t, "NewModelCard", func() {
			got, err = NewModelCard("progression", 1, ols, nil, dsplit.Train, dsplit.Test, created)
		}) {
			return
		}
		if err != nil {
			t.Fatalf("NewModelCard for a linear regression on diabetes.csv returned an error: %v", err)
		}
		grCheckCard(t, got, want, "r2", "rmse")
	})

	t.Run("the ONNX file scores as the model does, to 1e-6, and carries the card", func(t *testing.T) {
		var data []byte
		var err error
		if !labtest.Guard(t, "ExportONNX", func() { data, err = ExportONNX(logit, scaler, card) }) {
			return
		}
		if err != nil {
			t.Fatalf("ExportONNX(a logistic regression behind a scaler) returned an error: %v", err)
		}
		m, err := onnxmodel.Load(data)
		if err != nil {
			t.Fatalf("the ONNX runtime cannot load what ExportONNX wrote (%d bytes): %v (write it with onnxmodel.Export of the model's mlkit.LinearFormOf)", len(data), err)
		}
		if !slices.Equal(m.Features, card.Features) {
			t.Fatalf("%s", labtest.Mismatch("the ONNX model's features", card.Features, m.Features, "LinearFormOf(m, scaler, card.Features): the file reads the features in the card's order"))
		}
		got, err := m.Run(split.Test.X)
		if err != nil {
			t.Fatalf("running the ONNX model on the %d raw test rows: %v", split.Test.Rows(), err)
		}
		r, c := wantProba.Dims()
		if gr, gc := got.Dims(); gr != r || gc != c {
			t.Fatalf("the ONNX model gave %dx%d outputs for %d rows, want %dx%d (the probability of each class)", gr, gc, r, r, c)
		}
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if math.Abs(got.At(i, j)-wantProba.At(i, j)) > 1e-6 {
					t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the ONNX model's probability of class %d on raw test row %d", j, i), wantProba.At(i, j), got.At(i, j),
						"the file must read raw features: pass the scaler to mlkit.LinearFormOf, which folds it into the weights"))
				}
			}
		}
		if m.Card == nil || m.Card.Name != card.Name || m.Card.Version != card.Version {
			t.Fatalf("the ONNX file carries no model card with name %q and version %d in its metadata (got %+v): onnxmodel.Options{Card: &card}", card.Name, card.Version, m.Card)
		}
	})

	t.Run("the PMML document is a PMML 4.4 RegressionModel that scores as the model does", func(t *testing.T) {
		check := func(what string, m mlkit.Model, sc *mlkit.StandardScaler, c mlkit.ModelCard, d *mlkit.Dataset, function string) {
			t.Helper()
			var data []byte
			var err error
			if !labtest.Guard(t, "ExportPMML", func() { data, err = ExportPMML(m, sc, c) }) {
				t.FailNow()
			}
			if err != nil {
				t.Fatalf("ExportPMML(%s) returned an error: %v", what, err)
			}
			var doc mlkit.PMML
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Fatalf("ExportPMML(%s) wrote something that is not a PMML document: %v\n%.300s", what, err, data)
			}
			if doc.Version != "4.4" || doc.Regression == nil {
				t.Fatalf("ExportPMML(%s): want a PMML version 4.4 document with a RegressionModel, got version %q (use the LinearForm's WritePMML)", what, doc.Version)
			}
			if doc.Regression.FunctionName != function {
				t.Errorf("%s", labtest.Mismatch(what+": the RegressionModel's functionName", function, doc.Regression.FunctionName, ""))
			}
			if doc.Regression.ModelName != c.Name {
				t.Errorf("%s", labtest.Mismatch(what+": the RegressionModel's modelName", c.Name, doc.Regression.ModelName, "PMMLOptions{ModelName: card.Name}"))
			}
			var target string
			var fields []string
			for _, f := range doc.Regression.MiningSchema {
				if f.UsageType == "target" {
					target = f.Name
				} else {
					fields = append(fields, f.Name)
				}
			}
			if target != c.Label {
				t.Errorf("%s", labtest.Mismatch(what+": the target field of the mining schema", c.Label, target, "PMMLOptions{Target: card.Label}: the PMML names what the model predicts"))
			}
			if !slices.Equal(fields, c.Features) {
				t.Errorf("%s", labtest.Mismatch(what+": the mining schema's input fields", c.Features, fields, "the card's features, in order"))
			}
			form, _, err := mlkit.ReadPMML(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("reading the PMML back: %v", err)
			}
			X := d.X
			if sc != nil {
				X, _ = sc.Transform(d.X)
			}
			for i := 0; i < min(d.Rows(), 30); i++ {
				out, err := form.Output(mat.Row(nil, i, d.X))
				if err != nil {
					t.Fatalf("scoring the PMML's model: %v", err)
				}
				var want, got float64
				if cl, ok := m.(mlkit.Classifier); ok {
					p, _ := cl.PredictProba(X.Slice(i, i+1, 0, d.Cols()))
					want, got = p.At(0, 1), out[1]
				} else {
					y, _ := m.Predict(X.Slice(i, i+1, 0, d.Cols()))
					want, got = y[0], out[0]
				}
				if !labtest.Close(want, got, 1e-9) {
					t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("%s: the PMML model on raw row %d", what, i), want, got, "the PMML must read raw features: pass the scaler to mlkit.LinearFormOf"))
				}
			}
		}
		check("a logistic regression behind a scaler", logit, scaler, card, split.Test, "classification")
		regCard := mlkit.ModelCard{Name: "progression", Version: 1, Model: ols.Type(), Features: dsplit.Train.Features, Label: dsplit.Train.Label, Metrics: map[string]float64{}, Created: created}
		check("a linear regression", ols, nil, regCard, dsplit.Test, "regression")
	})

	t.Run("a model with no linear form is refused with an error", func(t *testing.T) {
		knn := &mlkit.KNN{K: 3}
		if err := knn.Fit(Xs, split.Train.Y); err != nil {
			t.Fatal(err)
		}
		c := card
		c.Model = knn.Type()
		for name, export := range map[string]func() ([]byte, error){
			"ExportONNX": func() ([]byte, error) { return ExportONNX(knn, scaler, c) },
			"ExportPMML": func() ([]byte, error) { return ExportPMML(knn, scaler, c) },
		} {
			var data []byte
			var err error
			if !labtest.Guard(t, name+"(a KNN model)", func() { data, err = export() }) {
				continue
			}
			if err == nil || !errors.Is(err, mlkit.ErrNotExportable) {
				t.Errorf("%s(a fitted KNN model): want an error wrapping mlkit.ErrNotExportable (a KNN has no weights to write: it is its training data), got %d bytes and error %v", name, len(data), err)
			}
		}
	})
}

// grCheckCard compares a card field by field.
func grCheckCard(t *testing.T, got, want mlkit.ModelCard, metrics ...string) {
	t.Helper()
	check := func(field string, ok bool, w, g any, hint string) {
		t.Helper()
		if !ok {
			t.Errorf("%s", labtest.Mismatch("the card's "+field, w, g, hint))
		}
	}
	check("Name", got.Name == want.Name, want.Name, got.Name, "")
	check("Version", got.Version == want.Version, want.Version, got.Version, "")
	check("Model", got.Model == want.Model, want.Model, got.Model, "the model's type tag: m.Type()")
	check("Features", slices.Equal(got.Features, want.Features), want.Features, got.Features, "the training data's feature names, in the order the model reads them")
	check("Label", got.Label == want.Label, want.Label, got.Label, "the training data's label column")
	check("Classes", slices.Equal(got.Classes, want.Classes), want.Classes, got.Classes, "a classifier's class names (train.ClassNames()); none for a regressor")
	check("Scaled", got.Scaled == want.Scaled, want.Scaled, got.Scaled, "true when the model sits behind a scaler")
	check("TrainRows", got.TrainRows == want.TrainRows, want.TrainRows, got.TrainRows, "")
	check("TestRows", got.TestRows == want.TestRows, want.TestRows, got.TestRows, "")
	check("DataFingerprint", got.DataFingerprint == want.DataFingerprint, want.DataFingerprint, got.DataFingerprint, "mlkit.DatasetFingerprint of the training rows: the data the model learned from")
	check("Created", got.Created.Equal(want.Created), want.Created, got.Created, "the time given")
	for _, m := range metrics {
		g, ok := got.Metrics[m]
		hint := "measured on the held-out test rows, never on the training rows"
		if m == "accuracy" {
			hint += "; predict on the scaled test rows (scaler.Transform) for a model behind a scaler"
		}
		check("Metrics[\""+m+"\"]", ok && labtest.Close(want.Metrics[m], g, 1e-9), want.Metrics[m], g, hint)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the card does not validate: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Exercise 5: scoring trades, the score per day, updates and finals.

func TestDailyScore(t *testing.T) {
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
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the update of trade %d (day %d, weight %g, resp %g, action %d)", i, tr.Date, tr.Weight, tr.Resp, tr.Action), grFmtDay(want.Update), grFmtDay(got.Update),
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

// ---------------------------------------------------------------------------
// Exercise 6: monitoring.

func TestMonitoring(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	train := make([]float64, 2000)
	for i := range train {
		train[i] = r.NormFloat64()
	}
	ref, err := mlkit.NewDriftReference(train, 10)
	if err != nil {
		t.Fatal(err)
	}
	// 5 windows of 100 and a last one of 30; from window 3 on the feature
	// has drifted (its mean moved by 1.2 standard deviations) and the model,
	// fooled by it, says "positive" more often.
	const size = 100
	var obs []Observation
	for i := 0; i < 530; i++ {
		x := r.NormFloat64()
		if i >= 300 {
			x += 1.2
		}
		pred := 0.0
		if x+0.5*r.NormFloat64() > 0.3 {
			pred = 1
		}
		obs = append(obs, Observation{Key: fmt.Sprintf("k%d", i), Predicted: pred, Feature: x})
	}

	t.Run("PSI is the population stability index of the live values", func(t *testing.T) {
		same, shifted, oneBin := make([]float64, 400), make([]float64, 400), make([]float64, 50)
		for i := range same {
			same[i] = r.NormFloat64()
			shifted[i] = r.NormFloat64()*1.5 + 0.8
		}
		for i := range oneBin {
			oneBin[i] = 5 + r.Float64()
		}
		for _, c := range []struct {
			what string
			live []float64
			hint string
		}{
			{"400 values from the training distribution", same, ""},
			{"400 values shifted and wider", shifted, ""},
			{"50 values all in the top bin", oneBin, "9 of 10 bins are empty: their share counts as 1e-4 (math.Max(share, 1e-4)), or ln(0) makes PSI infinite; floor the expected share too"},
		} {
			want, _ := ref.PSI(c.live)
			var got float64
			var err error
			if !labtest.Guard(t, "PSI", func() { got, err = PSI(ref, c.live) }) {
				return
			}
			if err != nil {
				t.Fatalf("PSI(reference, %s) returned an error: %v", c.what, err)
			}
			if !labtest.Close(want, got, 1e-9) {
				hint := c.hint
				if hint == "" {
					hint = "sum over the reference's bins of (live - expected) * ln(live / expected): live is the share of the live values in the bin (ref.Bin(v) finds it), expected is ref.Expected[bin]"
				}
				t.Fatalf("%s", labtest.Mismatch("PSI(reference, "+c.what+")", want, got, hint))
			}
		}
		var err error
		if labtest.Guard(t, "PSI", func() { _, err = PSI(ref, nil) }) && err == nil {
			t.Errorf("PSI(reference, no values): want an error (no shares to compare), got none")
		}
	})

	t.Run("per window: the share of positive predictions and the PSI of the feature", func(t *testing.T) {
		var stats []WindowStats
		var err error
		if !labtest.Guard(t, "MonitorWindows", func() { stats, _, err = MonitorWindows(obs, ref, size, "feature_1", 0.25) }) {
			return
		}
		if err != nil {
			t.Fatalf("MonitorWindows(530 observations, windows of 100) returned an error: %v", err)
		}
		want := grWindows(obs, ref, size)
		if len(stats) != len(want) {
			t.Fatalf("%s", labtest.Mismatch("the number of windows of 530 observations, 100 a window", len(want), len(stats), "the last window holds the 30 left over: it counts too"))
		}
		for i, w := range want {
			g := stats[i]
			var why string
			switch {
			case g.Window != w.Window || g.Count != w.Count:
				why = "windows are consecutive runs of `size` observations in arrival order, numbered from 0; Count is how many the window holds (the last may hold fewer)"
			case !labtest.Close(w.PositiveShare, g.PositiveShare, 1e-12):
				why = "the positive share is the number of observations with Predicted == 1 divided by the window's Count"
			case !labtest.Close(w.PSI, g.PSI, 1e-9):
				why = "the window and its positive share are right, its PSI is not: PSI(ref, the window's Feature values), the function of the first check (both shares floored at 1e-4)"
			}
			if why != "" {
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("window %d", i), fmt.Sprintf("%+v", w), fmt.Sprintf("%+v", g), why))
			}
		}
	})

	t.Run("an alert for every window whose PSI is above the threshold, and no other", func(t *testing.T) {
		want := grWindows(obs, ref, size)
		// The threshold is exactly the PSI of one drifted window: strictly
		// above alerts, so that window gives none and the others do.
		at := 3
		for _, w := range want[3:] {
			if w.PSI < want[at].PSI {
				at = w.Window
			}
		}
		threshold := want[at].PSI
		var alerts []Alert
		var err error
		if !labtest.Guard(t, "MonitorWindows", func() { _, alerts, err = MonitorWindows(obs, ref, size, "feature_1", threshold) }) {
			return
		}
		if err != nil {
			t.Fatalf("MonitorWindows returned an error: %v", err)
		}
		var wantAlerts []Alert
		for _, w := range want {
			// (the windows before the drift are far below any drifted one)
			if w.PSI > threshold {
				wantAlerts = append(wantAlerts, Alert{Window: w.Window, Feature: "feature_1", PSI: w.PSI, Threshold: threshold})
			}
		}
		same := len(alerts) == len(wantAlerts)
		for i := 0; same && i < len(alerts); i++ {
			a, w := alerts[i], wantAlerts[i]
			same = a.Window == w.Window && a.Feature == w.Feature && a.Threshold == w.Threshold && labtest.Close(w.PSI, a.PSI, 1e-9)
		}
		if !same {
			t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the alerts with a threshold of %.6g (window %d's PSI exactly)", threshold, at), wantAlerts, alerts,
				fmt.Sprintf("an alert for each window with PSI strictly above the threshold (window %d's PSI equals it: no alert), in window order, naming the feature, the PSI and the threshold", at)))
		}
	})

	t.Run("delayed labels: accuracy per window over the predictions whose label came", func(t *testing.T) {
		var labels []Label
		for i, o := range obs {
			switch {
			case i%7 == 3:
				continue // not known yet
			case i >= 500:
				continue // the last window has no label at all
			}
			actual := o.Predicted
			if i%4 == 1 || (i >= 300 && i%3 == 0) {
				actual = 1 - actual
			}
			labels = append(labels, Label{Key: o.Key, Actual: actual})
		}
		r.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
		// A correction (the later label counts) and labels of keys never scored.
		labels = append(labels, Label{Key: "k0", Actual: 1 - obs[0].Predicted}, Label{Key: "k9999", Actual: 1}, Label{Key: "zz", Actual: 0})
		want := grAccuracy(obs, labels, size)
		var got []AccuracyPoint
		if !labtest.Guard(t, "AccuracyOverTime", func() { got = AccuracyOverTime(obs, labels, size) }) {
			return
		}
		same := len(got) == len(want)
		for i := 0; same && i < len(got); i++ {
			same = got[i].Window == want[i].Window && got[i].Labelled == want[i].Labelled && labtest.Close(want[i].Accuracy, got[i].Accuracy, 1e-12)
		}
		if !same {
			t.Fatalf("%s", labtest.Mismatch("accuracy over time (labels shuffled, some missing, one corrected later, two for keys never scored; window 5 has no label)", want, got,
				"join by key (a map from key to label, the later label winning); per window count only predictions with a label; leave out windows with none; ignore labels of unknown keys"))
		}
	})

	t.Run("a chart of drift, positive share and accuracy", func(t *testing.T) {
		stats := grWindows(obs, ref, size)
		acc := []AccuracyPoint{{0, 80, 0.7}, {1, 85, 0.72}, {2, 83, 0.69}, {3, 80, 0.55}, {4, 79, 0.5}}
		dir := t.TempDir()
		path := filepath.Join(dir, "monitoring.png")
		var err error
		if !labtest.Guard(t, "PlotMonitoring", func() { err = PlotMonitoring(stats, acc, path) }) {
			return
		}
		if err != nil {
			t.Fatalf("PlotMonitoring(6 windows, 5 accuracy points) returned an error: %v", err)
		}
		img, err := labtest.ReadPNG(path)
		if err != nil {
			t.Fatalf("PlotMonitoring: %v (save the chart with charts.SavePNG(path, p))", err)
		}
		b := img.Bounds()
		if b.Dx() < 300 || b.Dy() < 300 || b.Dx() > 4000 || b.Dy() > 4000 {
			t.Errorf("PlotMonitoring drew a %dx%d image: want between 300 and 4000 pixels a side", b.Dx(), b.Dy())
		}
		if n := labtest.ColorsIn(img, 64); n < 5 {
			t.Errorf("the chart has %d colours: three lines (PSI, positive share, accuracy) in three colours, on axes, want at least 5", n)
		}
		empty := filepath.Join(dir, "empty.png")
		if labtest.Guard(t, "PlotMonitoring", func() { err = PlotMonitoring(nil, nil, empty) }) {
			if err == nil {
				t.Errorf("PlotMonitoring with no windows: want an error, got none")
			}
			if _, statErr := os.Stat(empty); statErr == nil {
				t.Errorf("PlotMonitoring with no windows wrote %s: check the input before creating the file", filepath.Base(empty))
			}
		}
	})
}

// grWindows is the reference of MonitorWindows' statistics.
func grWindows(obs []Observation, ref *mlkit.DriftReference, size int) []WindowStats {
	var out []WindowStats
	for start, w := 0, 0; start < len(obs); start, w = start+size, w+1 {
		win := obs[start:min(start+size, len(obs))]
		var xs []float64
		pos := 0
		for _, o := range win {
			xs = append(xs, o.Feature)
			if o.Predicted == 1 {
				pos++
			}
		}
		psi, _ := ref.PSI(xs)
		out = append(out, WindowStats{Window: w, Count: len(win), PositiveShare: float64(pos) / float64(len(win)), PSI: psi})
	}
	return out
}

// grAccuracy is the reference of AccuracyOverTime.
func grAccuracy(obs []Observation, labels []Label, size int) []AccuracyPoint {
	actual := map[string]float64{}
	for _, l := range labels {
		actual[l.Key] = l.Actual
	}
	var out []AccuracyPoint
	for start, w := 0, 0; start < len(obs); start, w = start+size, w+1 {
		n, ok := 0, 0
		for _, o := range obs[start:min(start+size, len(obs))] {
			if y, has := actual[o.Key]; has {
				n++
				if y == o.Predicted {
					ok++
				}
			}
		}
		if n > 0 {
			out = append(out, AccuracyPoint{Window: w, Labelled: n, Accuracy: float64(ok) / float64(n)})
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Exercise 7: shadow scoring and promotion.

func TestShadow(t *testing.T) {
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
				t.Errorf("with no challenger in service, the shadow transform returned %d records and error %v: want the champion's score alone, and no error (a shadow must never hurt the service)", len(outs), err)
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
