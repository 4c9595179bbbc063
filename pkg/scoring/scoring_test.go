package scoring_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit/onnxmodel"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// ---------------------------------------------------------------------------
// Fixtures: a broker, topics, a data set, models of several versions.

func startBroker(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := kafkautil.StartBroker(ctx, kafkautil.BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

func createTopics(t testing.TB, bootstrap string, specs ...kafkautil.TopicSpec) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafkautil.EnsureTopics(ctx, bootstrap, specs); err != nil {
		t.Fatal(err)
	}
}

// cancer is breast_cancer with its first five features: the model reads
// MEAN_RADIUS ... MEAN_SMOOTHNESS.
func cancer(t testing.TB) *mlkit.Dataset {
	t.Helper()
	d, err := mlkit.LoadCSVFS(datasets.FS, "breast_cancer.csv", mlkit.LoadOptions{Label: "benign"})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := d.X.Dims()
	X := mat.DenseCopyOf(d.X.Slice(0, rows, 0, 5))
	small, err := mlkit.NewDataset(X, d.Features[:5], d.Label, d.Y, d.Classes)
	if err != nil {
		t.Fatal(err)
	}
	return small
}

// artifact fits a scaled logistic regression with regularization c and
// packs it as version v of model "cancer".
func artifact(t testing.TB, d *mlkit.Dataset, c float64, v int) *scoring.Artifact {
	t.Helper()
	s := &mlkit.StandardScaler{}
	Xs, err := s.FitTransform(d.X)
	if err != nil {
		t.Fatal(err)
	}
	m := mlkit.NewLogisticRegression(c)
	if err := m.Fit(Xs, d.Y); err != nil {
		t.Fatal(err)
	}
	card := mlkit.ModelCard{Name: "cancer", Version: v, Features: d.Features, Label: d.Label, DataFingerprint: mlkit.DatasetFingerprint(d), Created: time.Now().UTC()}
	a, err := scoring.NewArtifact(card, m, s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func featureRecord(d *mlkit.Dataset, i int) []byte {
	obj := map[string]float64{}
	for j, f := range d.Features {
		obj[f] = d.X.At(i, j)
	}
	b, _ := json.Marshal(obj)
	return b
}

func newProducer(t testing.TB, bootstrap string) sarama.SyncProducer {
	t.Helper()
	cfg := kafkautil.NewIdempotentConfig("scoring-test")
	cfg.Producer.Partitioner = sarama.NewHashPartitioner
	p, err := sarama.NewSyncProducer(kafkautil.SplitBootstrap(bootstrap), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func publish(t testing.TB, p sarama.SyncProducer, topic string, a *scoring.Artifact) {
	t.Helper()
	v, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(a.Card.Name), Value: sarama.ByteEncoder(v)}); err != nil {
		t.Fatal(err)
	}
}

// readScores reads the scores topic until it holds want records (or the
// deadline passes) and returns them by key, counting duplicates.
func readScores(t testing.TB, bootstrap, topic string, want int) (byKey map[string][]scoring.Score, order map[int32][]scoring.Score) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		byKey, order = map[string][]scoring.Score{}, map[int32][]scoring.Score{}
		n := 0
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := stream.Scan(ctx, bootstrap, topic, func(r stream.Record) error {
			var s scoring.Score
			if err := json.Unmarshal(r.Value, &s); err != nil {
				return fmt.Errorf("%s: %w", r, err)
			}
			byKey[s.Key] = append(byKey[s.Key], s)
			order[r.Partition] = append(order[r.Partition], s)
			n++
			return nil
		})
		cancel()
		if err != nil && !errors.Is(err, stream.ErrUnknownTopic) {
			t.Fatal(err)
		}
		if n >= want || time.Now().After(deadline) {
			return byKey, order
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func runService(t testing.TB, cfg scoring.Config) *scoring.Service {
	t.Helper()
	svc, err := scoring.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("service: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("the service did not stop")
		}
	})
	return svc
}

// ---------------------------------------------------------------------------

// TestServiceScoresEveryRecordAndSkipsBadOnes runs the service with a fixed
// model over good and malformed records: every good record gets the model's
// own prediction, every bad one is skipped with its offset and a reason.
func TestServiceScoresEveryRecordAndSkipsBadOnes(t *testing.T) {
	bootstrap := startBroker(t)
	createTopics(t, bootstrap, kafkautil.TopicSpec{Name: "features", Partitions: 3}, kafkautil.TopicSpec{Name: "scores", Partitions: 3})
	d := cancer(t)
	a := artifact(t, d, 1, 1)
	m, err := a.Build()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var skipped []stream.Skipped
	runService(t, scoring.Config{
		Bootstrap: bootstrap, Input: "features", Output: "scores",
		Fixed:  &scoring.Deployed{Model: m, Artifact: a},
		OnSkip: func(s stream.Skipped) { mu.Lock(); skipped = append(skipped, s); mu.Unlock() },
	})
	p := newProducer(t, bootstrap)
	bad := map[string]string{
		"bad-json":    `{"MEAN_RADIUS": 1`,
		"bad-missing": `{"mean_radius": 1, "mean_texture": 2}`,
		"bad-string":  strings.Replace(string(featureRecord(d, 0)), `"mean_area":`, `"mean_area":"big","x":`, 1),
		"bad-null":    strings.Replace(string(featureRecord(d, 0)), `"mean_area":`, `"mean_area":null,"x":`, 1),
		"bad-array":   `[1,2,3,4,5]`,
	}
	n := d.Rows()
	for i := 0; i < n; i++ {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "features", Key: sarama.StringEncoder(fmt.Sprint("r-", i)), Value: sarama.ByteEncoder(featureRecord(d, i))}); err != nil {
			t.Fatal(err)
		}
		if i == n/2 {
			for k, v := range bad {
				if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "features", Key: sarama.StringEncoder(k), Value: sarama.StringEncoder(v)}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	scores, _ := readScores(t, bootstrap, "scores", n)
	if len(scores) != n {
		t.Fatalf("%d records scored, want %d", len(scores), n)
	}
	for i := 0; i < n; i++ {
		got := scores[fmt.Sprint("r-", i)]
		if len(got) != 1 {
			t.Fatalf("record r-%d scored %d times", i, len(got))
		}
		want, err := m.Predict(d.X.RawRowView(i))
		if err != nil {
			t.Fatal(err)
		}
		s := got[0]
		if s.Prediction != want.Value || s.Probability == nil || math.Abs(*s.Probability-*want.Probability) > 1e-12 || s.ModelVersion != 1 || s.Model != "cancer" {
			t.Fatalf("r-%d: %+v, want prediction %v probability %v", i, s, want.Value, *want.Probability)
		}
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(skipped) == len(bad) }, "every bad record reported")
	mu.Lock()
	defer mu.Unlock()
	for _, s := range skipped {
		if !strings.HasPrefix(string(s.Key), "bad-") || s.Topic != "features" || s.Offset < 0 {
			t.Errorf("skipped %v", s)
		}
		t.Logf("skipped %v", s)
	}
	reasons := fmt.Sprint(skipped)
	for _, want := range []string{"not a JSON object", `no feature "mean_perimeter"`, `"mean_area" is big`, `"mean_area" is null`} {
		if !strings.Contains(reasons, want) {
			t.Errorf("no skip reason says %q: %s", want, reasons)
		}
	}
}

// TestHotSwapScoresEachRecordOnce publishes 20 new versions while records
// flow and checks that every record is scored exactly once, by one version,
// that versions never go back within a partition, and that each score is
// what its version computes.
func TestHotSwapScoresEachRecordOnce(t *testing.T) {
	bootstrap := startBroker(t)
	createTopics(t, bootstrap,
		kafkautil.TopicSpec{Name: "features", Partitions: 3},
		kafkautil.TopicSpec{Name: "scores", Partitions: 3},
		kafkautil.TopicSpec{Name: "models", Partitions: 1, Compacted: true})
	d := cancer(t)
	const swaps = 20
	versions := map[int]scoring.Model{}
	var artifacts []*scoring.Artifact
	for v := 1; v <= swaps+1; v++ {
		a := artifact(t, d, math.Pow(10, float64(v%5)-2), v)
		m, err := a.Build()
		if err != nil {
			t.Fatal(err)
		}
		artifacts, versions[v] = append(artifacts, a), m
	}
	p := newProducer(t, bootstrap)
	publish(t, p, "models", artifacts[0])
	deployed := make(chan *scoring.Deployed, swaps+1)
	svc := runService(t, scoring.Config{
		Bootstrap: bootstrap, Input: "features", Output: "scores", Models: "models", Name: "cancer",
		OnDeploy: func(dd *scoring.Deployed) { deployed <- dd },
	})

	// Records flow from a producer goroutine while the versions are published.
	var sent atomic.Int64
	stop := make(chan struct{})
	produced := make(chan error, 1)
	go func() {
		cfg := kafkautil.NewIdempotentConfig("scoring-load")
		ap, err := sarama.NewAsyncProducer(kafkautil.SplitBootstrap(bootstrap), cfg)
		if err != nil {
			produced <- err
			return
		}
		go func() {
			for range ap.Successes() {
			}
		}()
		errs := ap.Errors()
		for i := 0; ; i++ {
			select {
			case <-stop:
				produced <- ap.Close()
				return
			case err := <-errs:
				produced <- err
				return
			case ap.Input() <- &sarama.ProducerMessage{Topic: "features", Key: sarama.StringEncoder(fmt.Sprint("r-", i)), Value: sarama.ByteEncoder(featureRecord(d, i%d.Rows()))}:
				sent.Add(1)
			}
			if i%100 == 99 {
				time.Sleep(5 * time.Millisecond) // about 10-20k records/s
			}
		}
	}()
	waitFor(t, func() bool { return len(deployed) >= 1 }, "version 1 deployed")
	<-deployed
	for v := 2; v <= swaps+1; v++ {
		// Let the current version score a share of the stream first.
		before := svc.Stats().ByVersion[v-1]
		waitFor(t, func() bool { return svc.Stats().ByVersion[v-1] > before+200 }, fmt.Sprintf("version %d scoring", v-1))
		publish(t, p, "models", artifacts[v-1])
		select {
		case dd := <-deployed:
			if dd.Version() != v {
				t.Fatalf("deployed v%d, want v%d", dd.Version(), v)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("version %d was not deployed", v)
		}
	}
	waitFor(t, func() bool { return svc.Stats().ByVersion[swaps+1] > 200 }, "the last version scoring")
	close(stop)
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	n := int(sent.Load())
	scores, order := readScores(t, bootstrap, "scores", n)
	lost, dup := 0, 0
	for i := 0; i < n; i++ {
		switch got := scores[fmt.Sprint("r-", i)]; {
		case len(got) == 0:
			lost++
		case len(got) > 1:
			dup++
		default:
			s := got[0]
			want, err := versions[s.ModelVersion].Predict(d.X.RawRowView(i % d.Rows()))
			if err != nil {
				t.Fatal(err)
			}
			if s.Prediction != want.Value || math.Abs(*s.Probability-*want.Probability) > 1e-12 {
				t.Fatalf("r-%d scored by v%d as %v/%v; v%d computes %v/%v", i, s.ModelVersion, s.Prediction, *s.Probability, s.ModelVersion, want.Value, *want.Probability)
			}
		}
	}
	for part, ss := range order {
		for i := 1; i < len(ss); i++ {
			if ss[i].ModelVersion < ss[i-1].ModelVersion {
				t.Fatalf("partition %d: record %s scored by v%d after %s by v%d", part, ss[i].Key, ss[i].ModelVersion, ss[i-1].Key, ss[i-1].ModelVersion)
			}
		}
	}
	used := 0
	for v := 1; v <= swaps+1; v++ {
		if svc.Stats().ByVersion[v] > 0 {
			used++
		}
	}
	t.Logf("%d records, %d swaps, %d versions scored, %d lost, %d scored twice", n, swaps, used, lost, dup)
	if lost != 0 || dup != 0 || used != swaps+1 {
		t.Fatalf("%d lost, %d scored twice, %d of %d versions used", lost, dup, used, swaps+1)
	}
}

// TestBadModelsKeepTheLastGoodOne publishes broken models: each is
// rejected with its offset, and the model in service stays.
func TestBadModelsKeepTheLastGoodOne(t *testing.T) {
	bootstrap := startBroker(t)
	createTopics(t, bootstrap, kafkautil.TopicSpec{Name: "features", Partitions: 1}, kafkautil.TopicSpec{Name: "scores", Partitions: 1},
		kafkautil.TopicSpec{Name: "models", Partitions: 1, Compacted: true})
	d := cancer(t)
	p := newProducer(t, bootstrap)
	good := artifact(t, d, 1, 1)
	publish(t, p, "models", good)
	rejected := make(chan scoring.Rejected, 10)
	svc := runService(t, scoring.Config{Bootstrap: bootstrap, Input: "features", Output: "scores", Models: "models", Name: "cancer",
		OnReject: func(r scoring.Rejected) { rejected <- r }})
	waitFor(t, func() bool { return svc.Current() != nil }, "the first model deployed")

	wrongShape := artifact(t, d, 1, 2)
	wrongShape.Card.Features = append(wrongShape.Card.Features, "extra")
	unknown := artifact(t, d, 1, 3)
	unknown.Format = "pfa"
	otherName := artifact(t, d, 1, 4)
	otherName.Card.Name = "other"
	cases := []struct {
		value []byte
		want  string
	}{
		{[]byte("{corrupt"), "not a model artifact"},
		{mustMarshal(t, wrongShape), "6 feature names for a model of 5 features"},
		{mustMarshal(t, unknown), `unknown format "pfa"`},
		{mustMarshal(t, otherName), `card names "other"`},
		{nil, "a tombstone"},
	}
	for _, c := range cases {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "models", Key: sarama.StringEncoder("cancer"), Value: byteEncoder(c.value)}); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-rejected:
			if !strings.Contains(r.Error(), c.want) || !strings.Contains(r.Error(), "models topic models partition 0 offset") {
				t.Errorf("rejection %q does not say %q with the record's place", r.Error(), c.want)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("no rejection for a record that should say %q", c.want)
		}
		if cur := svc.Current(); cur.Version() != 1 {
			t.Fatalf("after a bad model, v%d is in service", cur.Version())
		}
	}
	// Still scoring with v1.
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "features", Key: sarama.StringEncoder("after"), Value: sarama.ByteEncoder(featureRecord(d, 3))}); err != nil {
		t.Fatal(err)
	}
	scores, _ := readScores(t, bootstrap, "scores", 1)
	if s := scores["after"]; len(s) != 1 || s[0].ModelVersion != 1 {
		t.Fatalf("scores after bad models: %+v", scores)
	}
}

// TestONNXArtifactScoresLikeMLKit serves the same model as mlkit JSON and as
// an ONNX file and compares what each answers.
func TestONNXArtifactScoresLikeMLKit(t *testing.T) {
	d := cancer(t)
	a := artifact(t, d, 1, 1)
	native, err := a.Build()
	if err != nil {
		t.Fatal(err)
	}
	model, err := mlkit.LoadModel(a.Model)
	if err != nil {
		t.Fatal(err)
	}
	form, err := mlkit.LinearFormOf(model, a.Scaler, d.Features)
	if err != nil {
		t.Fatal(err)
	}
	file, err := onnxmodel.Export(form, onnxmodel.Options{Card: &a.Card})
	if err != nil {
		t.Fatal(err)
	}
	oa, err := scoring.NewONNXArtifact(a.Card, file)
	if err != nil {
		t.Fatal(err)
	}
	data, err := oa.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := scoring.DecodeArtifact(data)
	if err != nil {
		t.Fatal(err)
	}
	viaONNX, err := back.Build()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < d.Rows(); i++ {
		x := d.X.RawRowView(i)
		a, err := native.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		b, err := viaONNX.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		if a.Value != b.Value || math.Abs(*a.Probability-*b.Probability) > 1e-9 {
			t.Fatalf("row %d: mlkit %v/%v, ONNX %v/%v", i, a.Value, *a.Probability, b.Value, *b.Probability)
		}
	}
}

func TestFeaturesFromRecords(t *testing.T) {
	names := []string{"ORDERUNITS", "ADDRESS->ZIPCODE"}
	x, err := scoring.Features([]byte(`{"orderunits": 3.5, "address": {"zipcode": 94041}}`), names)
	if err != nil || x[0] != 3.5 || x[1] != 94041 {
		t.Fatalf("got %v, %v", x, err)
	}
	for value, want := range map[string]string{
		`{"ORDERUNITS": 1}`: `no feature "ADDRESS->ZIPCODE"`,
		`{"ORDERUNITS": true, "ADDRESS": {"ZIPCODE": 1}}`:  `"ORDERUNITS" is true (bool), not a number`,
		`{"ORDERUNITS": 1e999, "ADDRESS": {"ZIPCODE": 1}}`: `out of range`,
		`{"ORDERUNITS": "NaN", "ADDRESS": {"ZIPCODE": 1}}`: `"ORDERUNITS" is NaN (string), not a number`,
		`null`: "not a JSON object",
	} {
		if _, err := scoring.Features([]byte(value), names); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", value, err, want)
		}
	}
	if _, err := scoring.Features(nil, names); err == nil || !strings.Contains(err.Error(), "tombstone") {
		t.Errorf("tombstone: %v", err)
	}
}

func mustMarshal(t testing.TB, a *scoring.Artifact) []byte {
	t.Helper()
	b, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func byteEncoder(b []byte) sarama.Encoder {
	if b == nil {
		return nil
	}
	return sarama.ByteEncoder(b)
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestScoreJSON checks the hand-written JSON against encoding/json.
func TestScoreJSON(t *testing.T) {
	p := 0.25
	for _, s := range []scoring.Score{
		{Key: `a"b\c`, Prediction: 1, Probability: &p, Model: "m", ModelVersion: 3, ScoredAt: "2026-12-06T08:00:00.123Z"},
		{Key: "ключ", Prediction: -1.5e-7, Model: "r", ModelVersion: 1, ScoredAt: "2026-12-06T08:00:00Z"},
		{Key: "\x00\x1f\xff<\u2028>", Prediction: 123456789.125, Model: "x\ty", ModelVersion: 10},
	} {
		var want, got any
		std, _ := json.Marshal(s)
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(s.AppendJSON(nil), &got); err != nil {
			t.Fatalf("%s: %v", s.AppendJSON(nil), err)
		}
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Errorf("AppendJSON %s, encoding/json %s", s.AppendJSON(nil), std)
		}
	}
	// Numbers are written as encoding/json writes them, byte for byte.
	for _, f := range []float64{0, 1, -0.5, 250000, 123456789.125, 1.5e-7, -2.5e-12, 1e20, 1e21, 3.25e300} {
		s := scoring.Score{Key: "k", Prediction: f, Probability: &f, Model: "m", ModelVersion: 1, ScoredAt: "2026-12-06T08:00:00Z"}
		std, _ := json.Marshal(s)
		if got := s.AppendJSON(nil); string(got) != string(std) {
			t.Errorf("AppendJSON %s, encoding/json %s", got, std)
		}
	}
}

// TestScoreRecordRefusesOverflow checks that finite features whose score
// overflows are refused with the model named, instead of a score that
// cannot be written as JSON.
func TestScoreRecordRefusesOverflow(t *testing.T) {
	form := &mlkit.LinearForm{Model: "linear", Features: []string{"x"}, Coef: [][]float64{{10}}, Intercept: []float64{0}, Link: mlkit.LinkIdentity}
	d := &scoring.Deployed{Model: scoring.FromLinearForm(form), Artifact: &scoring.Artifact{Card: mlkit.ModelCard{Name: "big", Version: 2}}}
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	if s, err := scoring.ScoreRecord(d, []byte("k"), []byte(`{"x": 1.5}`), now); err != nil || s.Prediction != 15 {
		t.Fatalf("a finite score: got %+v, %v; want prediction 15", s, err)
	}
	s, err := scoring.ScoreRecord(d, []byte("k"), []byte(`{"x": 1e308}`), now)
	if err == nil {
		t.Fatalf("a score of 1e309 was accepted: %s", s.AppendJSON(nil))
	}
	if !strings.Contains(err.Error(), "big v2") || !strings.Contains(err.Error(), "finite") {
		t.Errorf("error %q should name the model and say the score is not finite", err)
	}
}
