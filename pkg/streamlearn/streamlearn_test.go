package streamlearn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/streamlearn"
)

func startBroker(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := kafkautil.EnsureTopics(ctx, b.Addr(), []kafkautil.TopicSpec{{Name: "points", Partitions: 3}}); err != nil {
		t.Fatal(err)
	}
	return b.Addr()
}

// TestLearnsLivePointsOnly streams points with updates, deletes and bad
// records, and checks that the line equals batch OLS over the points alive
// at the end, and that every bad record was reported with its place.
func TestLearnsLivePointsOnly(t *testing.T) {
	bootstrap := startBroker(t)
	cfg := kafkautil.NewIdempotentConfig("test")
	cfg.Producer.Partitioner = sarama.NewHashPartitioner
	p, err := sarama.NewSyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	live := map[string][2]float64{}
	send := func(key string, value []byte) {
		msg := &sarama.ProducerMessage{Topic: "points", Key: sarama.StringEncoder(key)}
		if value != nil {
			msg.Value = sarama.ByteEncoder(value)
		}
		if _, _, err := p.SendMessage(msg); err != nil {
			t.Fatal(err)
		}
	}
	bad := 0
	for i := 0; i < 2000; i++ {
		key := fmt.Sprint("p", rng.IntN(300))
		switch r := rng.IntN(20); {
		case r == 0:
			send(key, nil)
			if _, ok := live[key]; !ok {
				bad++ // a tombstone for a key with no live point
			}
			delete(live, key)
		case r == 1:
			send(key, []byte(`{"x": "seven", "y": 1}`))
			bad++
		default:
			x := rng.Float64() * 50
			y := 4 - 0.5*x + rng.NormFloat64()
			b, _ := json.Marshal(map[string]float64{"x": x, "y": y})
			send(key, b)
			live[key] = [2]float64{x, y}
		}
	}
	var skipped []streamlearn.Skipped
	l, err := streamlearn.New(streamlearn.Config{Bootstrap: bootstrap, Topic: "points", Model: &mlkit.SimpleRegression{},
		Features: []string{"x"}, Label: "y", Keyed: true, UntilEnd: true,
		OnSkip: func(s streamlearn.Skipped) { skipped = append(skipped, s) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	prog := l.Progress()
	if prog.Records != 2000 || prog.Live != len(live) || prog.Skipped != bad {
		t.Fatalf("progress %+v; want 2000 records, %d live, %d skipped", prog, len(live), bad)
	}
	var xs, ys []float64
	for _, v := range live {
		xs, ys = append(xs, v[0]), append(ys, v[1])
	}
	ols := &mlkit.LinearRegression{}
	if err := ols.Fit(mat.NewDense(len(xs), 1, xs), ys); err != nil {
		t.Fatal(err)
	}
	ia, sb, err := l.Model().(*mlkit.SimpleRegression).Line()
	if err != nil || math.Abs(ia-ols.Intercept) > 1e-9*math.Max(1, math.Abs(ols.Intercept)) || math.Abs(sb-ols.Coef[0]) > 1e-9 {
		t.Fatalf("streamed line %v + %v x (%v), batch %v + %v x", ia, sb, err, ols.Intercept, ols.Coef[0])
	}
	text := fmt.Sprint(skipped)
	for _, want := range []string{"points/", `feature "x" is seven (string), not a number`, "no live record has this key"} {
		if !strings.Contains(text, want) {
			t.Errorf("skips do not say %q: %s", want, text)
		}
	}
}

func TestPrequentialSGD(t *testing.T) {
	bootstrap := startBroker(t)
	d, err := mlkit.LoadCSVFS(datasets.FS, "breast_cancer.csv", mlkit.LoadOptions{Label: "benign"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := sarama.NewSyncProducer([]string{bootstrap}, kafkautil.NewIdempotentConfig("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, i := range mlkit.Permutation(d.Rows(), 2) {
		rec := map[string]float64{"benign": d.Y[i]}
		for j, f := range d.Features {
			rec[f] = d.X.At(i, j)
		}
		b, _ := json.Marshal(rec)
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "points", Key: sarama.StringEncoder(fmt.Sprint(i)), Value: sarama.ByteEncoder(b)}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := streamlearn.New(streamlearn.Config{Bootstrap: bootstrap, Topic: "points", Model: &mlkit.SGDClassifier{Standardize: true}, Classifier: true,
		Features: d.Features, Label: "benign", UntilEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	prog := l.Progress()
	h := l.History()
	t.Logf("%d records, prequential accuracy %.4f, last 100 %.4f", prog.Records, prog.Point.Accuracy, prog.Point.WindowAccuracy)
	if prog.Learned != d.Rows() || len(h) != d.Rows() || prog.Point.Accuracy < 0.85 {
		t.Errorf("progress %+v, %d points", prog, len(h))
	}
}
