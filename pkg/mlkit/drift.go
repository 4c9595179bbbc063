package mlkit

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// DriftReference is what a feature looked like in the training data, kept
// to tell later whether live data still looks the same: bin edges at the
// training data's quantiles and the share of training rows in each bin.
type DriftReference struct {
	// Edges are the inner bin edges, increasing: bin 0 is (-inf, Edges[0]),
	// bin i is [Edges[i-1], Edges[i]), the last bin [Edges[len-1], +inf).
	Edges []float64 `json:"edges"`
	// Expected is the share of training values in each bin (len(Edges)+1).
	Expected []float64 `json:"expected"`
}

// psiFloor replaces an empty bin's share in PSI, whose log term would
// otherwise be infinite; 1e-4 is the usual choice (one in ten thousand).
const psiFloor = 1e-4

// NewDriftReference bins training values at their quantiles into at most
// bins bins (ten is customary); tied values can merge bins.
func NewDriftReference(train []float64, bins int) (*DriftReference, error) {
	if len(train) == 0 {
		return nil, fmt.Errorf("mlkit: drift reference: no training values: %w", ErrEmpty)
	}
	if bins < 2 {
		return nil, fmt.Errorf("mlkit: drift reference: %d bins, want at least 2", bins)
	}
	sorted := slices.Clone(train)
	for i, v := range sorted {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("mlkit: drift reference: value %d is %v: %w", i, v, ErrNotFinite)
		}
	}
	sort.Float64s(sorted)
	var edges []float64
	for k := 1; k < bins; k++ {
		e := sorted[k*len(sorted)/bins]
		if e > sorted[0] && (len(edges) == 0 || e > edges[len(edges)-1]) {
			edges = append(edges, e)
		}
	}
	r := &DriftReference{Edges: edges}
	r.Expected = r.shares(sorted)
	return r, nil
}

// Bin returns the bin a value falls in.
func (r *DriftReference) Bin(v float64) int {
	return sort.Search(len(r.Edges), func(i int) bool { return v < r.Edges[i] })
}

func (r *DriftReference) shares(values []float64) []float64 {
	counts := make([]float64, len(r.Edges)+1)
	for _, v := range values {
		counts[r.Bin(v)]++
	}
	for i := range counts {
		counts[i] /= float64(len(values))
	}
	return counts
}

// PSI is the population stability index of live values against the
// reference: sum over bins of (live - expected) * ln(live / expected), with
// empty bins counted as a share of 1e-4. Below 0.1 is read as no change,
// 0.1 to 0.25 as a moderate shift, above 0.25 as a shift worth acting on.
func (r *DriftReference) PSI(live []float64) (float64, error) {
	if len(r.Expected) != len(r.Edges)+1 {
		return 0, errors.New("mlkit: PSI: the reference is not built (use NewDriftReference)")
	}
	if len(live) == 0 {
		return 0, fmt.Errorf("mlkit: PSI: no live values: %w", ErrEmpty)
	}
	for i, v := range live {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("mlkit: PSI: live value %d is %v: %w", i, v, ErrNotFinite)
		}
	}
	actual := r.shares(live)
	var psi float64
	for i, a := range actual {
		e := math.Max(r.Expected[i], psiFloor)
		a = math.Max(a, psiFloor)
		psi += (a - e) * math.Log(a/e)
	}
	return psi, nil
}
