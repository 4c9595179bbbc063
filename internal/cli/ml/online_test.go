package ml

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestMLOnline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	bootstrap := broker.Addr()
	p, err := sarama.NewSyncProducer([]string{bootstrap}, kafkautil.NewIdempotentConfig("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	send := func(topic, key string, v any) {
		msg := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key)}
		if v != nil {
			b, _ := json.Marshal(v)
			msg.Value = sarama.ByteEncoder(b)
		}
		if _, _, err := p.SendMessage(msg); err != nil {
			t.Fatal(err)
		}
	}
	// 50 points on y = 1 + 2x, then ten of them moved off the line and five
	// deleted: the answer is OLS over the 45 live points.
	live := map[string][2]float64{}
	for i := 0; i < 50; i++ {
		x := float64(i)
		send("points", fmt.Sprint(i), map[string]float64{"x": x, "y": 1 + 2*x})
		live[fmt.Sprint(i)] = [2]float64{x, 1 + 2*x}
	}
	for i := 0; i < 10; i++ {
		x := float64(i)
		send("points", fmt.Sprint(i), map[string]float64{"x": x, "y": 30 - x})
		live[fmt.Sprint(i)] = [2]float64{x, 30 - x}
	}
	for i := 40; i < 45; i++ {
		send("points", fmt.Sprint(i), nil)
		delete(live, fmt.Sprint(i))
	}
	send("points", "nope", nil) // a tombstone for a key never seen
	var xs, ys []float64
	for _, v := range live {
		xs, ys = append(xs, v[0]), append(ys, v[1])
	}
	ols := &mlkit.LinearRegression{}
	if err := ols.Fit(mat.NewDense(len(xs), 1, xs), ys); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	out, errOut, err := runML(t, dir, "online", "--model", "line", "--input", "points", "--features", "x", "--label", "y", "--until-end", "--bootstrap", bootstrap, "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var res struct {
		Records, Learned, Forgotten, Skipped, Live int
		Model                                      mlkit.SimpleRegression
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	a, b, err := res.Model.Line()
	if err != nil || math.Abs(a-ols.Intercept) > 1e-9 || math.Abs(b-ols.Coef[0]) > 1e-9 {
		t.Errorf("line %v + %v x (%v), OLS over the live points %v + %v x", a, b, err, ols.Intercept, ols.Coef[0])
	}
	if res.Records != 66 || res.Learned != 60 || res.Forgotten != 5 || res.Skipped != 1 || res.Live != 45 {
		t.Errorf("counts %+v", res)
	}
	if !strings.Contains(errOut, `skipped points/0@65 (key "nope"): key "nope": no live record has this key`) {
		t.Errorf("the unknown tombstone is not reported with its place:\n%s", errOut)
	}

	// A classifier with a chart.
	cancer := loadCSV(t, "breast_cancer.csv", "benign")
	for _, i := range mlkit.Permutation(cancer.Rows(), 1) {
		rec := map[string]float64{"benign": cancer.Y[i]}
		for j, f := range cancer.Features {
			rec[f] = cancer.X.At(i, j)
		}
		send("cells", fmt.Sprint(i), rec)
	}
	out, errOut, err = runML(t, dir, "online", "--model", "sgd", "--input", "cells", "--features", strings.Join(cancer.Features, ","), "--label", "benign", "--until-end", "--bootstrap", bootstrap, "--plot", "acc.png")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "569 records: 569 learned") || !strings.Contains(out, "accuracy 0.9") || !strings.Contains(out, "wrote acc.png") {
		t.Errorf("sgd summary: %s", out)
	}
	if st, err := os.Stat(filepath.Join(dir, "acc.png")); err != nil || st.Size() < 5000 {
		t.Errorf("acc.png: %v %v", st, err)
	}
	for args, want := range map[string]string{
		"online --input x --features a --label y":                             "--model is required",
		"online --model line --input x --features a,b --label y":              "give one feature, not 2",
		"online --model linreg --input x --features a --label y --plot a.png": "only classifiers",
		"online --model svm --input x --features a --label y":                 `"svm" is not an online model`,
	} {
		if _, _, err := runML(t, dir, strings.Fields(args)...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ml %s: %v, want %q", args, err, want)
		}
	}
}
