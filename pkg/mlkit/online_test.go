package mlkit_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// batchOLS fits LinearRegression on rows.
func batchOLS(t testing.TB, X [][]float64, y []float64) (float64, []float64, bool) {
	t.Helper()
	if len(X) == 0 {
		return 0, nil, false
	}
	m := &mlkit.LinearRegression{}
	data := make([]float64, 0, len(X)*len(X[0]))
	for _, r := range X {
		data = append(data, r...)
	}
	if err := m.Fit(mat.NewDense(len(X), len(X[0]), data), y); err != nil {
		return 0, nil, false
	}
	return m.Intercept, m.Coef, true
}

func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestUnlearningEqualsBatchRefit drives random inserts, updates and deletes
// through Keyed models and compares them, after every step of thousands of
// sequences, with a batch fit over the records alive at that moment.
func TestUnlearningEqualsBatchRefit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const sequences, steps = 300, 40
	checks := 0
	for s := 0; s < sequences; s++ {
		simple := mlkit.NewKeyed(&mlkit.SimpleRegression{})
		multi := mlkit.NewKeyed(mlkit.NewOnlineLinearRegression(3))
		keys := 1 + rng.IntN(12)
		for step := 0; step < steps; step++ {
			key := fmt.Sprint("k", rng.IntN(keys))
			x := []float64{rng.NormFloat64()*10 + 5, rng.NormFloat64(), rng.Float64() * 100}
			y := 3 + 2*x[0] - x[1] + 0.01*x[2] + rng.NormFloat64()
			if rng.IntN(4) == 0 {
				err1, err2 := simple.Delete(key), multi.Delete(key)
				if (err1 != nil) != (err2 != nil) || (err1 != nil && !errors.Is(err1, mlkit.ErrUnknownKey)) {
					t.Fatalf("delete %s: %v / %v", key, err1, err2)
				}
			} else {
				if err := simple.Upsert(key, x[:1], y); err != nil {
					t.Fatal(err)
				}
				if err := multi.Upsert(key, x, y); err != nil {
					t.Fatal(err)
				}
			}
			_, X, ys := multi.Rows()
			b0, w, ok := batchOLS(t, X, ys)
			// The simple line against OLS on the first feature alone.
			var X1 [][]float64
			for _, r := range X {
				X1 = append(X1, r[:1])
			}
			a, b, ok1 := batchOLS(t, X1, ys)
			ia, sb, err := simple.Model.(*mlkit.SimpleRegression).Line()
			distinct := map[float64]bool{}
			for _, r := range X1 {
				distinct[r[0]] = true
			}
			switch {
			case len(distinct) < 2:
				if !errors.Is(err, mlkit.ErrUndetermined) {
					t.Fatalf("sequence %d step %d: %d distinct x, Line() = %v, %v, %v", s, step, len(distinct), ia, sb, err)
				}
			case err != nil || !ok1:
				t.Fatalf("sequence %d step %d: %v (batch ok %v)", s, step, err, ok1)
			case !relClose(ia, a, 1e-9) || !relClose(sb, b[0], 1e-9):
				t.Fatalf("sequence %d step %d: running sums give %.12g + %.12g x, batch %.12g + %.12g x", s, step, ia, sb, a, b[0])
			}
			if ok && len(X) > 4 {
				m0, mw, err := multi.Model.(*mlkit.OnlineLinearRegression).Fit()
				if err != nil {
					t.Fatal(err)
				}
				if !relClose(m0, b0, 1e-7) {
					t.Fatalf("sequence %d step %d: intercept %.12g, batch %.12g", s, step, m0, b0)
				}
				for j := range w {
					if !relClose(mw[j], w[j], 1e-7) {
						t.Fatalf("sequence %d step %d: coef %d %.12g, batch %.12g", s, step, j, mw[j], w[j])
					}
				}
			}
			checks++
		}
	}
	t.Logf("%d sequences, %d checks against batch refits", sequences, checks)
}

// TestBadRecordsLeaveTheModelAlone: NaN, a wrong width or an unknown key are
// errors, and the model still equals the batch fit over the good records.
func TestBadRecordsLeaveTheModelAlone(t *testing.T) {
	k := mlkit.NewKeyed(&mlkit.SimpleRegression{})
	for i := 0; i < 10; i++ {
		if err := k.Upsert(fmt.Sprint(i), []float64{float64(i)}, 2*float64(i)+1); err != nil {
			t.Fatal(err)
		}
	}
	bad := []error{
		k.Upsert("3", []float64{math.NaN()}, 1),
		k.Upsert("4", []float64{1}, math.Inf(1)),
		k.Upsert("5", []float64{1, 2}, 1),
		k.Delete("nope"),
	}
	for i, err := range bad {
		if err == nil {
			t.Errorf("bad record %d accepted", i)
		}
	}
	if !errors.Is(bad[3], mlkit.ErrUnknownKey) {
		t.Errorf("unknown key: %v", bad[3])
	}
	if err := k.Delete("9"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete("9"); !errors.Is(err, mlkit.ErrUnknownKey) {
		t.Errorf("duplicate delete: %v", err)
	}
	a, b, err := k.Model.(*mlkit.SimpleRegression).Line()
	if err != nil || !relClose(a, 1, 1e-12) || !relClose(b, 2, 1e-12) || k.Live() != 9 {
		t.Errorf("after bad records: %v + %v x (%v), %d live", a, b, err, k.Live())
	}
	if _, err := (&mlkit.SGDClassifier{}).Forget([]float64{1}, 0), error(nil); err != nil {
		t.Fatal(err)
	}
	if err := (&mlkit.SGDClassifier{}).Forget([]float64{1}, 0); !errors.Is(err, mlkit.ErrCannotForget) {
		t.Errorf("SGD forget: %v", err)
	}
}

// TestSGDPrequential streams breast_cancer (shuffled) through SGD logistic
// regression, test-then-train, and compares with the batch model.
func TestSGDPrequential(t *testing.T) {
	d := loadData(t, "breast_cancer.csv", "benign")
	order := mlkit.Permutation(d.Rows(), 1)
	sgd := &mlkit.SGDClassifier{Standardize: true}
	var pq mlkit.Prequential
	var last mlkit.PrequentialPoint
	for _, i := range order {
		x := d.X.RawRowView(i)
		pred, err := sgd.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		last = pq.Add(pred, d.Y[i])
		if err := sgd.Learn(x, d.Y[i]); err != nil {
			t.Fatal(err)
		}
	}
	// The batch model, fitted on everything, scored on everything: an upper
	// bound the streaming model approaches without ever seeing a row twice.
	s := &mlkit.StandardScaler{}
	Xs, _ := s.FitTransform(d.X)
	batch := mlkit.NewLogisticRegression(1)
	if err := batch.Fit(Xs, d.Y); err != nil {
		t.Fatal(err)
	}
	pred, _ := batch.Predict(Xs)
	acc, _ := mlkit.Accuracy(d.Y, pred)
	t.Logf("prequential accuracy %.4f (last 100: %.4f), batch training accuracy %.4f", last.Accuracy, last.WindowAccuracy, acc)
	if last.Seen != d.Rows() || last.Accuracy < 0.9 || last.WindowAccuracy < 0.9 || last.Accuracy > acc {
		t.Errorf("prequential %+v, batch %.4f", last, acc)
	}
	var p mlkit.Prequential
	p.Window = 2
	p.Add(1, 1)
	p.Add(1, 0)
	pt := p.Add(0, 0)
	if pt.Seen != 3 || !relClose(pt.Accuracy, 2.0/3, 1e-12) || pt.WindowAccuracy != 0.5 {
		t.Errorf("prequential arithmetic: %+v", pt)
	}
}

// TestLSHKNNOnDigits streams digits through an LSH index and a brute-force
// one (the same classifier looking at every example), test-then-train, with
// deletions, and compares accuracy and distances computed.
func TestLSHKNNOnDigits(t *testing.T) {
	d := loadData(t, "digits.csv", "digit")
	res := streamDigits(t, d, lshParams)
	t.Logf("%d queries: LSH accuracy %.4f with %.1f candidates/query, brute force %.4f over %.1f; %.1fx fewer distances, LSH %v, brute %v",
		res.queries, res.lshAcc, res.lshCands, res.bruteAcc, res.bruteCands, res.bruteCands/res.lshCands, res.lshTime, res.bruteTime)
	if res.lshAcc < 0.95*res.bruteAcc {
		t.Errorf("LSH accuracy %.4f is below 95%% of brute force %.4f", res.lshAcc, res.bruteAcc)
	}
	if res.bruteCands < 5*res.lshCands {
		t.Errorf("LSH computed %.1f distances per query, brute force %.1f: not a saving", res.lshCands, res.bruteCands)
	}
}

type lshSettings struct {
	k, tables, hashes int
	width             float64
}

// lshParams were chosen on digits (64 pixels of 0-16): see docs/benchmarks.md.
var lshParams = lshSettings{k: 3, tables: 12, hashes: 4, width: 32}

type digitsRun struct {
	queries              int
	lshAcc, bruteAcc     float64
	lshCands, bruteCands float64
	lshTime, bruteTime   time.Duration
}

func streamDigits(t testing.TB, d *mlkit.Dataset, p lshSettings) digitsRun {
	lsh, err := mlkit.NewLSHKNN(d.Cols(), p.k, p.tables, p.hashes, p.width, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Brute force: one table whose hash puts everything in one bucket.
	brute, err := mlkit.NewLSHKNN(d.Cols(), p.k, 1, 1, 1e12, 1)
	if err != nil {
		t.Fatal(err)
	}
	var run digitsRun
	var lshHits, bruteHits int
	for i := 0; i < d.Rows(); i++ {
		x := d.X.RawRowView(i)
		if i >= 10 {
			start := time.Now()
			pl, err := lsh.Predict(x)
			run.lshTime += time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			start = time.Now()
			pb, err := brute.Predict(x)
			run.bruteTime += time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			run.queries++
			if pl == d.Y[i] {
				lshHits++
			}
			if pb == d.Y[i] {
				bruteHits++
			}
		}
		if err := lsh.Learn(x, d.Y[i]); err != nil {
			t.Fatal(err)
		}
		if err := brute.Learn(x, d.Y[i]); err != nil {
			t.Fatal(err)
		}
		// Every 10th example is deleted again later: the index forgets.
		if i%10 == 5 && i > 100 {
			old := d.X.RawRowView(i - 100)
			if err := lsh.Forget(old, d.Y[i-100]); err != nil {
				t.Fatal(err)
			}
			if err := brute.Forget(old, d.Y[i-100]); err != nil {
				t.Fatal(err)
			}
		}
	}
	run.lshAcc, run.bruteAcc = float64(lshHits)/float64(run.queries), float64(bruteHits)/float64(run.queries)
	run.lshCands, run.bruteCands = float64(lsh.Candidates)/float64(lsh.Queries), float64(brute.Candidates)/float64(brute.Queries)
	return run
}

func BenchmarkKeyedSimpleRegression(b *testing.B) {
	k := mlkit.NewKeyed(&mlkit.SimpleRegression{})
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("k", i)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		x := float64(i % 977)
		if err := k.Upsert(keys[i%len(keys)], []float64{x}, 2*x+1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}

func BenchmarkLSHKNNDigits(b *testing.B) {
	d := loadData(b, "digits.csv", "digit")
	for b.Loop() {
		streamDigits(b, d, lshParams)
	}
}

// TestSGDAnyOrder: whatever order the records come in (a topic's partitions
// interleave them differently on every read), the prequential accuracy
// stays high: the first records must not throw the weights off before the
// feature scales are known.
func TestSGDAnyOrder(t *testing.T) {
	d := loadData(t, "breast_cancer.csv", "benign")
	worst := 1.0
	for seed := uint64(0); seed < 40; seed++ {
		sgd := &mlkit.SGDClassifier{Standardize: true}
		var pq mlkit.Prequential
		var last mlkit.PrequentialPoint
		for _, i := range mlkit.Permutation(d.Rows(), seed) {
			x := d.X.RawRowView(i)
			pred, err := sgd.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			last = pq.Add(pred, d.Y[i])
			if err := sgd.Learn(x, d.Y[i]); err != nil {
				t.Fatal(err)
			}
		}
		worst = math.Min(worst, last.Accuracy)
	}
	t.Logf("worst prequential accuracy over 40 orders: %.4f", worst)
	if worst < 0.9 {
		t.Errorf("worst prequential accuracy over 40 orders %.4f, want at least 0.9", worst)
	}
}
