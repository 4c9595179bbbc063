package mlkit_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestPSI(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	normal := func(n int, mean, sd float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = mean + sd*rng.NormFloat64()
		}
		return out
	}
	train := normal(10000, 0, 1)
	ref, err := mlkit.NewDriftReference(train, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Edges) != 9 {
		t.Fatalf("%d edges for 10 bins of continuous data", len(ref.Edges))
	}
	for i, e := range ref.Expected {
		if math.Abs(e-0.1) > 1e-3 {
			t.Errorf("bin %d holds %.4f of the training data, want 0.1", i, e)
		}
	}
	same, _ := ref.PSI(normal(5000, 0, 1))
	shifted, _ := ref.PSI(normal(5000, 0.5, 1))
	far, _ := ref.PSI(normal(5000, 2, 1))
	t.Logf("PSI same %.4f, shifted by 0.5 sd %.4f, by 2 sd %.4f", same, shifted, far)
	if !(same < 0.02 && shifted > 0.1 && shifted < far && far > 0.25) {
		t.Errorf("PSI same %.4f, shifted %.4f, far %.4f", same, shifted, far)
	}
	// By hand: two bins split at 1; expected [0.5 0.5], live [0.25 0.75].
	hand, err := mlkit.NewDriftReference([]float64{0, 0, 1, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := hand.PSI([]float64{0, 1, 1, 1})
	want := (0.25-0.5)*math.Log(0.25/0.5) + (0.75-0.5)*math.Log(0.75/0.5)
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("PSI %v, want %v", got, want)
	}
	// A bin with no live values counts as 1e-4, not infinity.
	empty, _ := hand.PSI([]float64{5, 5})
	if math.IsInf(empty, 0) || empty < 1 {
		t.Errorf("all live values in one bin: PSI %v", empty)
	}
	if _, err := ref.PSI(nil); !errors.Is(err, mlkit.ErrEmpty) {
		t.Errorf("no live values: %v", err)
	}
	if _, err := ref.PSI([]float64{math.NaN()}); !errors.Is(err, mlkit.ErrNotFinite) {
		t.Errorf("NaN: %v", err)
	}
	if _, err := mlkit.NewDriftReference([]float64{1, 2}, 1); err == nil {
		t.Error("one bin accepted")
	}
	constant, err := mlkit.NewDriftReference([]float64{3, 3, 3}, 10)
	if err != nil || len(constant.Edges) != 0 || constant.Expected[0] != 1 {
		t.Errorf("constant feature: %+v, %v", constant, err)
	}
}
