package ml

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/internal/mlrun"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

func TestMLTrainAndExport(t *testing.T) {
	dir := t.TempDir()
	out, errOut, err := runML(t, dir, "train", "--data", "dataset:breast_cancer.csv", "--label", "benign", "--model", "logreg", "--scale", "--name", "cancer", "--version", "3", "--seed", "4", "--out", "cancer.json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{"trained logreg on 426 rows", "143 held-out rows", "accuracy", "wrote cancer.json: model cancer v3"} {
		if !strings.Contains(out, want) {
			t.Errorf("ml train output lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "cancer.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := scoring.DecodeArtifact(data)
	if err != nil {
		t.Fatal(err)
	}
	if a.Card.Version != 3 || !a.Card.Scaled || a.Card.Metrics["accuracy"] < 0.9 || len(a.Card.Features) != 30 || a.Card.TestRows != 143 {
		t.Errorf("card %+v", a.Card)
	}
	model, err := a.Build()
	if err != nil {
		t.Fatal(err)
	}

	// ONNX: the file scores like the model.
	if _, errOut, err := runML(t, dir, "export", "--model", "cancer.json", "--format", "onnx", "--out", "cancer.onnx"); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	file, err := os.ReadFile(filepath.Join(dir, "cancer.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	om, err := onnxmodel.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if om.Card == nil || om.Card.Version != 3 {
		t.Errorf("the ONNX file's card: %+v", om.Card)
	}
	cancer := loadCSV(t, "breast_cancer.csv", "benign")
	probs, err := om.Run(cancer.X)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < cancer.Rows(); i++ {
		p, err := model.Predict(cancer.X.RawRowView(i))
		if err != nil {
			t.Fatal(err)
		}
		if d := probs.At(i, 1) - *p.Probability; d > 1e-9 || d < -1e-9 {
			t.Fatalf("row %d: ONNX %v, model %v", i, probs.At(i, 1), *p.Probability)
		}
	}

	// PMML to standard output reads back.
	pmml, _, err := runML(t, dir, "export", "--model", "cancer.json", "--format", "pmml")
	if err != nil {
		t.Fatal(err)
	}
	form, target, err := mlkit.ReadPMML(strings.NewReader(pmml))
	if err != nil || target != "benign" || len(form.Features) != 30 {
		t.Fatalf("PMML read back: %v, target %q", err, target)
	}

	// KSQL: a statement over a stream.
	stmt, _, err := runML(t, dir, "export", "--model", "cancer.json", "--format", "ksql", "--source", "CELLS", "--sink", "SCORED", "--keep", "ID")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stmt, "CREATE STREAM SCORED AS") || !strings.Contains(stmt, "1 / (1 + EXP(-(") || !strings.Contains(stmt, "FROM CELLS") {
		t.Errorf("statement:\n%s", stmt)
	}

	// What cannot be exported says so.
	if _, _, err := runML(t, dir, "train", "--data", "dataset:iris.csv", "--label", "species", "--model", "knn", "--name", "iris", "--out", "knn.json"); err != nil {
		t.Fatal(err)
	}
	for args, want := range map[string]string{
		"export --model knn.json --format pmml":                                                    "a knn model has no linear form",
		"export --model cancer.json --format onnx":                                                 "--out is required for onnx",
		"export --model cancer.json --format pfa":                                                  `"pfa" is not an export format`,
		"export --model nope.json --format pmml":                                                   "no such file",
		"export --model cancer.json --format pmml --sink X":                                        "apply to --format ksql only",
		"export --model cancer.json --format ksql --source X":                                      "--source and --sink go together",
		"train --data dataset:iris.csv --label species --model logreg --out x.json":                "--name is required",
		"train --data dataset:iris.csv --label species --model logreg --name x --out x.json --k 3": "--k applies to --model knn only",
		"serve --input a --output b":                                                               "give --models TOPIC --name NAME",
	} {
		_, _, err := runML(t, dir, strings.Fields(args)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ml %s: got %v, want %q", args, err, want)
		}
	}
}

// TestMLPublishAndServe publishes a model, serves it from the models topic,
// publishes a second version while it runs, and reads the scores.
func TestMLPublishAndServe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	broker, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	bootstrap := broker.Addr()
	if err := kafkautil.EnsureTopics(ctx, bootstrap, []kafkautil.TopicSpec{{Name: "features", Partitions: 2}, {Name: "scores", Partitions: 2}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for v := 1; v <= 2; v++ {
		if _, errOut, err := runML(t, dir, "train", "--data", "dataset:diabetes.csv", "--label", "progression", "--model", "ridge", "--alpha", fmt.Sprint(v*v), "--name", "diabetes", "--version", fmt.Sprint(v), "--out", fmt.Sprintf("v%d.json", v)); err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
	}
	out, errOut, err := runML(t, dir, "publish", "--model", "v1.json", "--bootstrap", bootstrap)
	if err != nil || !strings.Contains(out, "published diabetes v1 to models (partition 0, offset 0)") {
		t.Fatalf("publish: %v\n%s%s", err, out, errOut)
	}

	serveCtx, stopServe := context.WithCancel(context.Background())
	var serveOut, serveErr syncBuffer
	served := make(chan error, 1)
	go func() {
		served <- executeML(serveCtx, dir, &serveOut, &serveErr, "serve", "--input", "features", "--output", "scores", "--models", "models", "--name", "diabetes", "--bootstrap", bootstrap, "--progress-interval", "100ms")
	}()
	defer func() {
		stopServe()
		select {
		case <-served:
		case <-time.After(60 * time.Second):
			t.Error("ml serve did not stop")
		}
	}()
	waitUntil(t, func() bool { return strings.Contains(serveErr.String(), "serving diabetes v1") }, "v1 in service", &serveErr)

	diabetes := loadCSV(t, "diabetes.csv", "progression")
	produce := func(from, to int) {
		p, err := sarama.NewSyncProducer([]string{bootstrap}, kafkautil.NewIdempotentConfig("test"))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for i := from; i < to; i++ {
			v := map[string]float64{}
			for j, f := range diabetes.Features {
				v[f] = diabetes.X.At(i, j)
			}
			b, _ := json.Marshal(v)
			if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "features", Key: sarama.StringEncoder(fmt.Sprint(i)), Value: sarama.ByteEncoder(b)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "features", Key: sarama.StringEncoder("bad"), Value: sarama.StringEncoder(`{"age": "old"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	produce(0, 100)
	waitUntil(t, func() bool { return countRecords(t, bootstrap, "scores") >= 100 }, "100 scores", &serveErr)
	if out, errOut, err := runML(t, dir, "publish", "--model", "v2.json", "--bootstrap", bootstrap); err != nil {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	waitUntil(t, func() bool { return strings.Contains(serveErr.String(), "serving diabetes v2") }, "v2 in service", &serveErr)
	produce(100, 200)
	waitUntil(t, func() bool { return countRecords(t, bootstrap, "scores") >= 200 }, "200 scores", &serveErr)
	waitUntil(t, func() bool { return strings.Contains(serveErr.String(), "records (") }, "a progress line", &serveErr)
	stopServe()
	if err := <-served; err != nil {
		t.Fatalf("ml serve: %v\n%s", err, serveErr.String())
	}
	served <- nil
	log := serveErr.String()
	for _, want := range []string{"waiting for model \"diabetes\" on topic models", "serving diabetes v1 (models/0@0", "serving diabetes v2 (models/0@1", `skipped features/`, `(key "bad"): feature "age" is old (string), not a number`} {
		if !strings.Contains(log, want) {
			t.Errorf("ml serve's messages lack %q:\n%s", want, log)
		}
	}
	if !strings.Contains(serveOut.String(), "scored 200 records, skipped 2 (by version v1: 100, v2: 100)") {
		t.Errorf("summary: %q", serveOut.String())
	}
}

func loadCSV(t *testing.T, name, label string) *mlkit.Dataset {
	t.Helper()
	d, err := mlrun.Env{}.Load("dataset:"+name, mlkit.LoadOptions{Label: label})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func countRecords(t *testing.T, bootstrap, topic string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	if err := stream.Scan(ctx, bootstrap, topic, func(stream.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitUntil(t *testing.T, cond func() bool, what string, log fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s; messages so far:\n%s", what, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
