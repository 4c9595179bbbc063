//go:build grading

package lab08

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func g8Points(seed uint64, n int) []g8Pt {
	r := rand.New(rand.NewPCG(seed, 8))
	out := make([]g8Pt, n)
	for i := range out {
		x := r.Float64()*100 - 50
		out[i] = g8Pt{x, 2 - 0.7*x + 3*r.NormFloat64()}
	}
	return out
}

func TestRunningLine(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { (&Sum{}).Add(1); return nil },
		func() error { Sum{}.Value(); return nil },
		func() error { return (&RunningLine{}).Learn(1, 2) },
		func() error { return (&RunningLine{}).Forget(1, 2) },
		func() error { _, _, err := (&RunningLine{}).Line(); return err })
	const formulas = "a = (Sy*Sxx - Sx*Sxy)/d, b = (n*Sxy - Sx*Sy)/d with d = n*Sxx - Sx*Sx; Learn adds x, y, x*y and x*x to the sums and 1 to N"

	t.Run("the line of 500 points equals batch least squares", func(t *testing.T) {
		pts := g8Points(1, 500)
		m := &RunningLine{}
		for _, p := range pts {
			if !labtest.Guard(t, "RunningLine.Learn", func() {
				if err := m.Learn(p.x, p.y); err != nil {
					t.Fatalf("Learn(x=%.6g, y=%.6g) returned an error for a good point: %v", p.x, p.y, err)
				}
			}) {
				return
			}
		}
		if m.N != len(pts) {
			t.Errorf("after learning %d points N = %d", len(pts), m.N)
		}
		g8CheckLine(t, "after learning every point", m, pts, formulas)
	})

	t.Run("forgetting points leaves the line of the others", func(t *testing.T) {
		pts := g8Points(2, 400)
		m := &RunningLine{}
		ok := labtest.Guard(t, "RunningLine", func() {
			for _, p := range pts {
				if err := m.Learn(p.x, p.y); err != nil {
					t.Fatalf("Learn(x=%.6g, y=%.6g): %v", p.x, p.y, err)
				}
			}
			// Forget every third point, in an order of their own.
			for i := len(pts) - 1; i >= 0; i-- {
				if i%3 == 0 {
					if err := m.Forget(pts[i].x, pts[i].y); err != nil {
						t.Fatalf("Forget(x=%.6g, y=%.6g) of a point learned before: %v", pts[i].x, pts[i].y, err)
					}
				}
			}
		})
		if !ok {
			return
		}
		var rest []g8Pt
		for i, p := range pts {
			if i%3 != 0 {
				rest = append(rest, p)
			}
		}
		if m.N != len(rest) {
			t.Errorf("after learning %d points and forgetting %d, N = %d, want %d", len(pts), len(pts)-len(rest), m.N, len(rest))
		}
		g8CheckLine(t, "after forgetting every third point", m, rest, "Forget subtracts exactly what Learn added: the same terms with a minus sign, and 1 from N")
	})

	t.Run("one point, or every x the same, gives no line", func(t *testing.T) {
		cases := []struct {
			name string
			pts  []g8Pt
		}{
			{"no points", nil},
			{"one point (3, 1)", []g8Pt{{3, 1}}},
			{"three points at x = 3", []g8Pt{{3, 1}, {3, 5}, {3, 7}}},
			{"five points at x = 0.1 (d is rounding noise, not 0)", []g8Pt{{0.1, 1}, {0.1, 2}, {0.1, 3}, {0.1, 4}, {0.1, 5}}},
		}
		for _, c := range cases {
			m := &RunningLine{}
			if !labtest.Guard(t, "RunningLine", func() {
				for _, p := range c.pts {
					if err := m.Learn(p.x, p.y); err != nil {
						t.Fatalf("Learn(x=%.6g, y=%.6g): %v", p.x, p.y, err)
					}
				}
			}) {
				return
			}
			a, b, err, ok := g8Line(t, m)
			if ok && !errors.Is(err, mlkit.ErrUndetermined) {
				t.Errorf("%s: Line() returned intercept %.4g, slope %s; want an error wrapping mlkit.ErrUndetermined: a vertical spread of points has no least-squares line (d = n*Sxx - Sx*Sx is 0, or within rounding of 0: compare d with 1e-12*n*Sxx)", c.name, a, labtest.Returned(b, err))
			}
		}
		// The same model must give a line once x varies.
		m := &RunningLine{}
		two := []g8Pt{{3, 1}, {3, 5}, {5, 9}}
		labtest.Guard(t, "RunningLine", func() {
			for _, p := range two {
				_ = m.Learn(p.x, p.y)
			}
		})
		g8CheckLine(t, "with x = 3, 3, 5", m, two, "two different x values determine a line")
	})

	t.Run("not-finite points are refused and change nothing", func(t *testing.T) {
		pts := g8Points(3, 50)
		m := &RunningLine{}
		labtest.Guard(t, "RunningLine", func() {
			if err := m.Forget(1, 2); err == nil {
				t.Errorf("Forget(1, 2) on an empty line returned no error: there is nothing to forget")
			}
			for _, p := range pts {
				if err := m.Learn(p.x, p.y); err != nil {
					t.Fatalf("Learn(x=%.6g, y=%.6g) of a good point: %v", p.x, p.y, err)
				}
			}
			for _, bad := range []g8Pt{{math.NaN(), 1}, {1, math.Inf(1)}, {math.Inf(-1), 0}} {
				if err := m.Learn(bad.x, bad.y); err == nil {
					t.Errorf("Learn(x=%.6g, y=%.6g) returned no error: a NaN or an infinity would poison every sum for good", bad.x, bad.y)
				}
				if err := m.Forget(bad.x, bad.y); err == nil {
					t.Errorf("Forget(x=%.6g, y=%.6g) returned no error", bad.x, bad.y)
				}
			}
		})
		if m.N != len(pts) {
			t.Errorf("after %d good points and refused bad ones, N = %d: a refused point must change nothing", len(pts), m.N)
		}
		g8CheckLine(t, "after refusing NaN and infinite points", m, pts, "check the point before changing any sum")
	})

	t.Run("compensated sums: no drift over 100 000 learns and forgets", func(t *testing.T) {
		var s Sum
		labtest.Guard(t, "Sum", func() {
			s.Add(1e16)
			s.Add(1)
			s.Add(-1e16)
		})
		if s.Value() != 1 {
			t.Errorf("%s", labtest.Mismatch("Sum: Add(1e16), Add(1), Add(-1e16), then Value()", 1.0, s.Value(),
				"a float64 holds 16 digits: 1e16 + 1 rounds the 1 away. Keep what each addition lost, (larger - t) + smaller with t = S + v, in C, and return S + C"))
		}
		keep := g8Points(4, 8)
		m := &RunningLine{}
		r := rand.New(rand.NewPCG(5, 5))
		ok := labtest.Guard(t, "RunningLine", func() {
			for _, p := range keep {
				_ = m.Learn(p.x, p.y)
			}
			// A stream of readings far from the ones kept, each corrected
			// (forgotten) later: with plain float64 sums, what rounding
			// loses piles up.
			var pending []g8Pt
			for i := range 50000 {
				p := g8Pt{1e4 + r.Float64()*1e3, 1e6 * r.Float64()}
				if err := m.Learn(p.x, p.y); err != nil {
					t.Fatalf("Learn(x=%.6g, y=%.6g): %v", p.x, p.y, err)
				}
				pending = append(pending, p)
				if i%7 == 6 || i == 49999 {
					for _, q := range pending {
						if err := m.Forget(q.x, q.y); err != nil {
							t.Fatalf("Forget(x=%.6g, y=%.6g): %v", q.x, q.y, err)
						}
					}
					pending = pending[:0]
				}
			}
		})
		if !ok {
			return
		}
		g8CheckLine(t, "after 50 000 large points learned and forgotten again", m, keep,
			"the sums drifted: use Sum (compensated) for Sx, Sy, Sxy and Sxx, not plain float64 additions")
	})
}
