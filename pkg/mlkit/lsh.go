package mlkit

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// LSHKNN is a k-nearest-neighbours classifier over an index of locality-
// sensitive hashes, for streams: examples are added and deleted one at a
// time, and a query looks only at the examples that share a hash bucket with
// it instead of at all of them.
//
// The hash is the p-stable scheme for Euclidean distance (Datar et al.,
// 2004): h(x) = floor((a·x + b) / Width) with a drawn from a standard normal
// and b uniform in [0, Width). Two points close together mostly fall in the
// same slot; far apart, mostly not. A table's key joins Hashes such values
// (fewer false neighbours); Tables independent tables each give a chance to
// meet a true neighbour (fewer misses). A query gathers the examples of its
// bucket in every table, and falls back to all examples when that finds
// fewer than K. The k nearest candidates vote; ties go to the nearest.
type LSHKNN struct {
	K      int     // neighbours; 5 when zero
	Tables int     // hash tables
	Hashes int     // hash functions per table
	Width  float64 // slot width, in units of distance
	Seed   uint64

	dim      int
	a        [][]float64 // Tables*Hashes projections of length dim
	b        []float64
	buckets  []map[string][]int // per table: key -> example ids
	examples map[int]lshExample
	nextID   int

	// Queries and Candidates count the predictions made and the distances
	// they computed (to measure the saving over brute force).
	Queries, Candidates int
}

type lshExample struct {
	X    []float64
	Y    float64
	Keys []string
}

// NewLSHKNN returns an empty index for dim-dimensional examples.
func NewLSHKNN(dim, k, tables, hashes int, width float64, seed uint64) (*LSHKNN, error) {
	if dim < 1 || tables < 1 || hashes < 1 || !(width > 0) || k < 0 {
		return nil, fmt.Errorf("mlkit: LSH KNN: dim %d, k %d, tables %d, hashes %d, width %v: each must be positive", dim, k, tables, hashes, width)
	}
	m := &LSHKNN{K: k, Tables: tables, Hashes: hashes, Width: width, Seed: seed, dim: dim, examples: map[int]lshExample{}}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for range tables * hashes {
		a := make([]float64, dim)
		for j := range a {
			a[j] = r.NormFloat64()
		}
		m.a = append(m.a, a)
		m.b = append(m.b, r.Float64()*width)
	}
	m.buckets = make([]map[string][]int, tables)
	for t := range m.buckets {
		m.buckets[t] = map[string][]int{}
	}
	return m, nil
}

func (m *LSHKNN) k() int {
	if m.K <= 0 {
		return 5
	}
	return m.K
}

// keys returns x's bucket key in every table.
func (m *LSHKNN) keys(x []float64) []string {
	out := make([]string, m.Tables)
	buf := make([]byte, 0, 8*m.Hashes)
	for t := range m.Tables {
		buf = buf[:0]
		for h := range m.Hashes {
			i := t*m.Hashes + h
			slot := int64(math.Floor((dot(m.a[i], x) + m.b[i]) / m.Width))
			for s := 0; s < 8; s++ {
				buf = append(buf, byte(slot>>(8*s)))
			}
		}
		out[t] = string(buf)
	}
	return out
}

// Learn adds an example.
func (m *LSHKNN) Learn(x []float64, y float64) error {
	if err := checkOnline(x, y, m.dim); err != nil {
		return err
	}
	id := m.nextID
	m.nextID++
	keys := m.keys(x)
	m.examples[id] = lshExample{X: slices.Clone(x), Y: y, Keys: keys}
	for t, key := range keys {
		m.buckets[t][key] = append(m.buckets[t][key], id)
	}
	return nil
}

// Forget deletes one example equal to (x, y).
func (m *LSHKNN) Forget(x []float64, y float64) error {
	if err := checkOnline(x, y, m.dim); err != nil {
		return err
	}
	keys := m.keys(x)
	for _, id := range m.buckets[0][keys[0]] {
		e := m.examples[id]
		if e.Y == y && slices.Equal(e.X, x) {
			for t, key := range e.Keys {
				ids := m.buckets[t][key]
				if i := slices.Index(ids, id); i >= 0 {
					ids = slices.Delete(ids, i, i+1)
				}
				if len(ids) == 0 {
					delete(m.buckets[t], key)
				} else {
					m.buckets[t][key] = ids
				}
			}
			delete(m.examples, id)
			return nil
		}
	}
	return fmt.Errorf("mlkit: LSH KNN: forget: no such example (label %v): %w", y, ErrEmpty)
}

// Predict classifies x by its k nearest candidates.
func (m *LSHKNN) Predict(x []float64) (float64, error) {
	if err := checkOnline(x, 0, m.dim); err != nil {
		return 0, err
	}
	if len(m.examples) == 0 {
		return 0, fmt.Errorf("mlkit: LSH KNN: no examples yet: %w", ErrEmpty)
	}
	seen := map[int]bool{}
	for t, key := range m.keys(x) {
		for _, id := range m.buckets[t][key] {
			seen[id] = true
		}
	}
	k := m.k()
	if len(seen) < k {
		for id := range m.examples {
			seen[id] = true
		}
	}
	type cand struct {
		d  float64
		y  float64
		id int
	}
	cands := make([]cand, 0, len(seen))
	for id := range seen {
		e := m.examples[id]
		var d float64
		for j, v := range e.X {
			diff := v - x[j]
			d += diff * diff
		}
		cands = append(cands, cand{d, e.Y, id})
	}
	m.Queries++
	m.Candidates += len(cands)
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].id < cands[j].id
	})
	cands = cands[:min(k, len(cands))]
	votes := map[float64]int{}
	best, bestVotes := cands[0].y, 0
	for _, c := range cands {
		votes[c.y]++
	}
	// Most votes wins; among equals, the class of the nearest such neighbour.
	for _, c := range cands {
		if votes[c.y] > bestVotes {
			best, bestVotes = c.y, votes[c.y]
		}
	}
	return best, nil
}

// Count is the number of examples held.
func (m *LSHKNN) Count() int { return len(m.examples) }

// Snapshot returns the examples and the hash settings as JSON (the
// projections follow from the seed).
func (m *LSHKNN) Snapshot() ([]byte, error) {
	ids := make([]int, 0, len(m.examples))
	for id := range m.examples {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	type ex struct {
		X []float64 `json:"x"`
		Y float64   `json:"y"`
	}
	out := struct {
		K, Dim, Tables, Hashes int
		Width                  float64
		Seed                   uint64
		Examples               []ex
	}{m.k(), m.dim, m.Tables, m.Hashes, m.Width, m.Seed, nil}
	for _, id := range ids {
		out.Examples = append(out.Examples, ex{m.examples[id].X, m.examples[id].Y})
	}
	return json.Marshal(out)
}
