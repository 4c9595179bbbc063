package datagen

import (
	"math/rand/v2"
	"strconv"
	"time"
)

func init() {
	Register("points", NewPoints)
}

// The line the points generator scatters its points around, and how.
const (
	// PointsIntercept and PointsSlope are the true line: y = 3 + 0.5x.
	PointsIntercept = 3.0
	PointsSlope     = 0.5
	// PointsNoise is the standard deviation of y around the line.
	PointsNoise = 2.0
	// PointsUpdateShare of the records (after the first ten) replace a live
	// point's value: the same key with a new x and y (a corrected reading).
	PointsUpdateShare = 0.10
	// PointsDeleteShare of the records (after the first ten) delete a live
	// point: its key with a null value, a tombstone.
	PointsDeleteShare = 0.05
)

// Points generates a noisy linear stream for learning on streams: points
// around y = 3 + 0.5x, keyed by point id, where some records update or
// delete a point sent before.
//
//	key:   "p-17"
//	value: {"x":42.125,"y":24.87}     a new point, or a new value for p-17
//	value: null                       a tombstone: p-17 is deleted
//
// x is uniform in [0, 100) (three decimals), y = 3 + 0.5x + N(0, 2²) (two
// decimals). About 10% of records update a live point and 5% delete one
// (never before ten points exist); the rest add a new point with the next
// id. An update or a delete always names a point that is live at that
// moment, so a consumer that applies the stream in order never meets an
// unknown key. Timestamps come from the clock; the same seed gives the same
// keys and values.
type Points struct {
	rand *rand.Rand
	now  func() time.Time
	next int
	live []int       // ids of the live points
	pos  map[int]int // id -> index in live
}

// NewPoints returns a points generator.
func NewPoints(opts Options) (Generator, error) {
	return &Points{rand: newRand(opts.Seed), now: opts.now(), pos: map[int]int{}}, nil
}

// Name implements Generator.
func (g *Points) Name() string { return "points" }

// Next implements Generator. A tombstone is a nil value.
func (g *Points) Next() (key, value []byte, ts time.Time) {
	ts = g.now()
	u := g.rand.Float64()
	switch {
	case len(g.live) >= 10 && u < PointsDeleteShare:
		i := g.rand.IntN(len(g.live))
		id := g.live[i]
		g.remove(i)
		return pointKey(id), nil, ts
	case len(g.live) >= 10 && u < PointsDeleteShare+PointsUpdateShare:
		id := g.live[g.rand.IntN(len(g.live))]
		return pointKey(id), g.value(), ts
	}
	id := g.next
	g.next++
	g.pos[id] = len(g.live)
	g.live = append(g.live, id)
	return pointKey(id), g.value(), ts
}

// remove drops live[i] by moving the last id into its place.
func (g *Points) remove(i int) {
	id, last := g.live[i], g.live[len(g.live)-1]
	g.live[i] = last
	g.pos[last] = i
	g.live = g.live[:len(g.live)-1]
	delete(g.pos, id)
}

func (g *Points) value() []byte {
	x := roundTo(g.rand.Float64()*100, 3)
	y := roundTo(PointsIntercept+PointsSlope*x+PointsNoise*g.rand.NormFloat64(), 2)
	b := make([]byte, 0, 32)
	b = append(b, `{"x":`...)
	b = strconv.AppendFloat(b, x, 'f', -1, 64)
	b = append(b, `,"y":`...)
	b = strconv.AppendFloat(b, y, 'f', -1, 64)
	return append(b, '}')
}

func pointKey(id int) []byte { return strconv.AppendInt([]byte("p-"), int64(id), 10) }
