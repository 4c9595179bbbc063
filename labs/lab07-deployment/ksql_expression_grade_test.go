//go:build grading

package lab07

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/ksql/testrunner"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestKSQLExpression(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { _, err := KSQLExpression(LinearModel{}, nil); return err },
		sqlProbe("score_orders.sql"))
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
