package mlkit

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Distance names a distance between rows.
type Distance string

// The distances KNN supports.
const (
	Euclidean Distance = "euclidean" // sqrt(sum (a_j - b_j)^2)
	Manhattan Distance = "manhattan" // sum |a_j - b_j|
)

// Weighting says how neighbours' votes count.
type Weighting string

// The weightings KNN supports.
const (
	Uniform          Weighting = "uniform"  // every neighbour one vote
	DistanceWeighted Weighting = "distance" // a vote of 1/distance
)

// KNN is a k-nearest-neighbours classifier, like scikit-learn's
// KNeighborsClassifier: a row gets the class most common among the K training
// rows nearest to it.
//
// Neighbours are ordered by distance, ties by training row order. With
// Uniform weights a tie between classes goes to the smallest class; with
// DistanceWeighted each neighbour votes 1/distance, and when some neighbours
// are at distance zero only they vote. These are scikit-learn's rules as it
// applies them on one thread (its multi-threaded brute-force search may keep
// a different one of two equidistant neighbours, depending on the number of
// threads).
//
// The zero value uses scikit-learn's defaults: K=5, Euclidean, Uniform.
// Prediction computes every distance (brute force), in parallel for large
// inputs, and stops summing a distance as soon as it exceeds the K-th best.
type KNN struct {
	K       int       // neighbours; 0 means 5
	Metric  Distance  // "" means Euclidean
	Weights Weighting // "" means Uniform

	x       []float64 // training rows, row-major n x p, columns in search order
	order   []int     // search order of the columns (nil: file order)
	n, p    int
	y       []int     // class index of each training row
	classes []float64 // labels, increasing
}

// NewKNN returns a KNN classifier with k neighbours and the given distance
// and weighting.
func NewKNN(k int, metric Distance, weights Weighting) *KNN {
	return &KNN{K: k, Metric: metric, Weights: weights}
}

// Type returns "knn".
func (m *KNN) Type() string { return TypeKNN }

// Classes returns the class labels seen in Fit.
func (m *KNN) Classes() []float64 { return m.classes }

func (m *KNN) settings() (k int, metric Distance, weights Weighting, err error) {
	k, metric, weights = m.K, m.Metric, m.Weights
	if k == 0 {
		k = 5
	}
	if metric == "" {
		metric = Euclidean
	}
	if weights == "" {
		weights = Uniform
	}
	if k < 0 {
		return 0, "", "", fmt.Errorf("knn: k %d must be > 0", m.K)
	}
	if metric != Euclidean && metric != Manhattan {
		return 0, "", "", fmt.Errorf("knn: unknown distance %q (want %q or %q)", m.Metric, Euclidean, Manhattan)
	}
	if weights != Uniform && weights != DistanceWeighted {
		return 0, "", "", fmt.Errorf("knn: unknown weighting %q (want %q or %q)", m.Weights, Uniform, DistanceWeighted)
	}
	return k, metric, weights, nil
}

// Fit stores a copy of the training rows and their labels.
func (m *KNN) Fit(X mat.Matrix, y []float64) error {
	k, _, _, err := m.settings()
	if err != nil {
		return err
	}
	data, r, c, err := rowMajor(X, -1)
	if err != nil {
		return fmt.Errorf("knn: %w", err)
	}
	if err := checkTarget(y, r); err != nil {
		return fmt.Errorf("knn: %w", err)
	}
	if k > r {
		return fmt.Errorf("knn: k=%d neighbours but only %d training rows", k, r)
	}
	classes := uniqueSorted(y)
	idx := make([]int, r)
	for i, v := range y {
		idx[i] = sort.SearchFloat64s(classes, v)
	}
	m.order = nil
	m.x = append([]float64(nil), data...)
	if c > sequentialColumns {
		m.order = searchOrder(data, r, c)
		permuteColumns(m.x, r, c, m.order)
	}
	m.n, m.p, m.y, m.classes = r, c, idx, classes
	return nil
}

// sequentialColumns is the most columns for which distances are summed
// strictly in column order. scikit-learn searches such data with a k-d tree,
// which sums that way, so equal distances round the same in both. Wider data
// is summed in the searchOrder, in blocks of 8, which makes stopping early
// (once a partial sum exceeds the K-th best distance) much more frequent.
const sequentialColumns = 15

// searchOrder returns the columns by decreasing variance (ties by index):
// the columns that tell rows apart most come first, so partial sums grow
// quickly and distant rows are dropped after a few columns.
func searchOrder(data []float64, r, c int) []int {
	variance := make([]float64, c)
	for j := range variance {
		variance[j] = columnVariance(data, c, j, nil)
	}
	order := make([]int, c)
	for j := range order {
		order[j] = j
	}
	sort.SliceStable(order, func(a, b int) bool { return variance[order[a]] > variance[order[b]] })
	return order
}

// permuteColumns reorders the columns of each row of data (r x c) in place:
// new column j is old column order[j].
func permuteColumns(data []float64, r, c int, order []int) {
	tmp := make([]float64, c)
	for i := 0; i < r; i++ {
		row := data[i*c : (i+1)*c]
		for j, o := range order {
			tmp[j] = row[o]
		}
		copy(row, tmp)
	}
}

func (m *KNN) fitted() bool { return m.n > 0 && len(m.classes) > 0 }

// Neighbors returns, for each row of X, the indices of its K nearest
// training rows (nearest first, ties by index) and their distances.
func (m *KNN) Neighbors(X mat.Matrix) (indices [][]int, distances [][]float64, err error) {
	k, metric, _, err := m.settings()
	if err != nil {
		return nil, nil, err
	}
	idx, dist, r, err := m.kneighbors(X, k, metric)
	if err != nil {
		return nil, nil, err
	}
	indices = make([][]int, r)
	distances = make([][]float64, r)
	for i := 0; i < r; i++ {
		indices[i] = idx[i*k : (i+1)*k]
		distances[i] = dist[i*k : (i+1)*k]
	}
	return indices, distances, nil
}

// kneighbors finds the k nearest training rows of every row of X. It
// returns flat r x k slices of indices and (true, not squared) distances.
func (m *KNN) kneighbors(X mat.Matrix, k int, metric Distance) ([]int, []float64, int, error) {
	if !m.fitted() {
		return nil, nil, 0, notFitted(TypeKNN)
	}
	if k > m.n {
		return nil, nil, 0, fmt.Errorf("knn: k=%d neighbours but only %d training rows", k, m.n)
	}
	data, r, _, err := rowMajor(X, m.p)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("knn: %w", err)
	}
	idx := make([]int, r*k)
	dist := make([]float64, r*k)
	work := func(lo, hi int) {
		q := make([]float64, m.p)
		for i := lo; i < hi; i++ {
			row := data[i*m.p : (i+1)*m.p]
			if m.order != nil {
				for j, o := range m.order {
					q[j] = row[o]
				}
				row = q
			}
			m.nearest(row, metric, idx[i*k:(i+1)*k], dist[i*k:(i+1)*k])
		}
	}
	// Spread rows over the CPUs when there is enough work to pay for it.
	workers := runtime.GOMAXPROCS(0)
	if workers > r {
		workers = r
	}
	if workers <= 1 || r*m.n*m.p < 1<<18 {
		work(0, r)
	} else {
		var wg sync.WaitGroup
		chunk := (r + workers - 1) / workers
		for lo := 0; lo < r; lo += chunk {
			hi := min(lo+chunk, r)
			wg.Add(1)
			go func() {
				defer wg.Done()
				work(lo, hi)
			}()
		}
		wg.Wait()
	}
	if metric == Euclidean {
		for i, d := range dist {
			dist[i] = math.Sqrt(d)
		}
	}
	return idx, dist, r, nil
}

// nearest fills idx and dist (length k) with the nearest training rows to q,
// nearest first, ties by lower index. Euclidean distances are left squared.
func (m *KNN) nearest(q []float64, metric Distance, idx []int, dist []float64) {
	for j := range dist {
		dist[j] = math.Inf(1)
		idx[j] = -1
	}
	p := m.p
	if p <= sequentialColumns {
		for t := 0; t < m.n; t++ {
			row := m.x[t*p : (t+1)*p]
			var d float64
			if metric == Euclidean {
				d = sqDistSequential(q, row, dist[len(dist)-1])
			} else {
				d = l1DistSequential(q, row, dist[len(dist)-1])
			}
			insertNeighbor(idx, dist, t, d)
		}
		return
	}
	// Wide rows: the distance loop is written out here, in blocks of 8
	// columns summed as a tree, because a call per training row costs as
	// much as the arithmetic. The partial sum is compared with the bound
	// every 16 columns: checking every 8 stops a little sooner but costs
	// more in mispredicted branches (measured on digits).
	if metric == Euclidean {
		m.nearestWideL2(q, idx, dist)
	} else {
		m.nearestWideL1(q, idx, dist)
	}
}

func (m *KNN) nearestWideL2(q []float64, idx []int, dist []float64) {
	worst := math.Inf(1)
	p := m.p
	blocks := p &^ 7
	x := m.x
rows:
	for t := 0; t < m.n; t++ {
		row := x[t*p : (t+1)*p : (t+1)*p]
		s := 0.0
		j := 0
		for ; j < blocks; j += 8 {
			a, b := q[j:j+8:j+8], row[j:j+8:j+8]
			d0, d1, d2, d3 := a[0]-b[0], a[1]-b[1], a[2]-b[2], a[3]-b[3]
			d4, d5, d6, d7 := a[4]-b[4], a[5]-b[5], a[6]-b[6], a[7]-b[7]
			s += ((d0*d0 + d1*d1) + (d2*d2 + d3*d3)) + ((d4*d4 + d5*d5) + (d6*d6 + d7*d7))
			if j&8 != 0 && s >= worst {
				continue rows
			}
		}
		for ; j < p; j++ {
			d := q[j] - row[j]
			s += d * d
		}
		if s < worst {
			insertNeighbor(idx, dist, t, s)
			worst = dist[len(dist)-1]
		}
	}
}

func (m *KNN) nearestWideL1(q []float64, idx []int, dist []float64) {
	worst := math.Inf(1)
	p := m.p
	blocks := p &^ 7
	x := m.x
rows:
	for t := 0; t < m.n; t++ {
		row := x[t*p : (t+1)*p : (t+1)*p]
		s := 0.0
		j := 0
		for ; j < blocks; j += 8 {
			a, b := q[j:j+8:j+8], row[j:j+8:j+8]
			s += ((math.Abs(a[0]-b[0]) + math.Abs(a[1]-b[1])) + (math.Abs(a[2]-b[2]) + math.Abs(a[3]-b[3]))) +
				((math.Abs(a[4]-b[4]) + math.Abs(a[5]-b[5])) + (math.Abs(a[6]-b[6]) + math.Abs(a[7]-b[7])))
			if j&8 != 0 && s >= worst {
				continue rows
			}
		}
		for ; j < p; j++ {
			s += math.Abs(q[j] - row[j])
		}
		if s < worst {
			insertNeighbor(idx, dist, t, s)
			worst = dist[len(dist)-1]
		}
	}
}

// insertNeighbor puts training row t at distance d into the sorted lists
// idx and dist if it is nearer than the last, after any equal distances so
// that ties keep index order (rows arrive in index order).
func insertNeighbor(idx []int, dist []float64, t int, d float64) {
	pos := len(dist) - 1
	if d >= dist[pos] {
		return
	}
	for pos > 0 && dist[pos-1] > d {
		dist[pos], idx[pos] = dist[pos-1], idx[pos-1]
		pos--
	}
	dist[pos], idx[pos] = d, t
}

// sqDistSequential returns the squared Euclidean distance of a and b,
// summed in column order, or any value >= bound once the partial sum
// reaches bound.
func sqDistSequential(a, b []float64, bound float64) float64 {
	s := 0.0
	for j, v := range a {
		d := v - b[j]
		s += d * d
		if j&3 == 3 && s >= bound {
			return s
		}
	}
	return s
}

// l1DistSequential is sqDistSequential for the Manhattan distance.
func l1DistSequential(a, b []float64, bound float64) float64 {
	s := 0.0
	for j, v := range a {
		s += math.Abs(v - b[j])
		if j&3 == 3 && s >= bound {
			return s
		}
	}
	return s
}

// votes returns, per row of X, the weight of each class among its neighbours.
func (m *KNN) votes(X mat.Matrix) ([]float64, int, error) {
	k, metric, weights, err := m.settings()
	if err != nil {
		return nil, 0, err
	}
	idx, dist, r, err := m.kneighbors(X, k, metric)
	if err != nil {
		return nil, 0, err
	}
	nc := len(m.classes)
	v := make([]float64, r*nc)
	for i := 0; i < r; i++ {
		vi := v[i*nc : (i+1)*nc]
		ni, di := idx[i*k:(i+1)*k], dist[i*k:(i+1)*k]
		if weights == Uniform {
			for _, t := range ni {
				vi[m.y[t]]++
			}
			continue
		}
		zero := false
		for _, d := range di {
			if d == 0 {
				zero = true
				break
			}
		}
		for j, t := range ni {
			switch {
			case zero && di[j] == 0:
				vi[m.y[t]]++
			case !zero:
				vi[m.y[t]] += 1 / di[j]
			}
		}
	}
	return v, r, nil
}

// Predict returns the winning class of each row.
func (m *KNN) Predict(X mat.Matrix) ([]float64, error) {
	v, r, err := m.votes(X)
	if err != nil {
		return nil, err
	}
	nc := len(m.classes)
	out := make([]float64, r)
	for i := range out {
		out[i] = m.classes[argmax(v[i*nc:(i+1)*nc])]
	}
	return out, nil
}

// PredictProba returns each class's share of the (weighted) votes per row.
func (m *KNN) PredictProba(X mat.Matrix) (*mat.Dense, error) {
	v, r, err := m.votes(X)
	if err != nil {
		return nil, err
	}
	nc := len(m.classes)
	for i := 0; i < r; i++ {
		row := v[i*nc : (i+1)*nc]
		s := 0.0
		for _, x := range row {
			s += x
		}
		for j := range row {
			row[j] /= s
		}
	}
	return mat.NewDense(r, nc, v), nil
}

type knnJSON struct {
	Model   string      `json:"model"`
	K       int         `json:"k,omitempty"`
	Metric  Distance    `json:"metric,omitempty"`
	Weights Weighting   `json:"weights,omitempty"`
	Classes []float64   `json:"classes"`
	X       [][]float64 `json:"x"`
	Y       []float64   `json:"y"` // the label of each row of x
}

// MarshalJSON encodes the model, training rows included, as
// {"model":"knn",...}.
func (m *KNN) MarshalJSON() ([]byte, error) {
	j := knnJSON{Model: TypeKNN, K: m.K, Metric: m.Metric, Weights: m.Weights, Classes: m.classes}
	if m.fitted() {
		j.X = make([][]float64, m.n)
		j.Y = make([]float64, m.n)
		for i := range j.X {
			row := m.x[i*m.p : (i+1)*m.p]
			if m.order != nil {
				orig := make([]float64, m.p)
				for jj, o := range m.order {
					orig[o] = row[jj]
				}
				row = orig
			}
			j.X[i] = row
			j.Y[i] = m.classes[m.y[i]]
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (m *KNN) UnmarshalJSON(data []byte) error {
	var j knnJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if err := checkTag(j.Model, TypeKNN); err != nil {
		return err
	}
	out := KNN{K: j.K, Metric: j.Metric, Weights: j.Weights}
	if _, _, _, err := out.settings(); err != nil {
		return err
	}
	if len(j.X) > 0 {
		x, err := denseFromRows(j.X)
		if err != nil {
			return err
		}
		if err := out.Fit(x, j.Y); err != nil {
			return err
		}
		if len(j.Classes) > 0 && !floatsEqual(j.Classes, out.classes) {
			return fmt.Errorf("mlkit: knn: classes %v do not match the labels of x %v", j.Classes, out.classes)
		}
	}
	*m = out
	return nil
}

func floatsEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
