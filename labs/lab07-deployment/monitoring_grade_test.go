//go:build grading

package lab07

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestMonitoring(t *testing.T) {
	labtest.StopIfNotStarted(t,
		func() error { _, err := PSI(nil, nil); return err },
		func() error { _, _, err := MonitorWindows(nil, nil, 0, "", 0); return err },
		func() error { AccuracyOverTime(nil, nil, 0); return nil },
		func() error { return PlotMonitoring(nil, nil, filepath.Join(t.TempDir(), "probe.png")) })
	r := rand.New(rand.NewPCG(6, 6))
	train := make([]float64, 2000)
	for i := range train {
		train[i] = r.NormFloat64()
	}
	ref, err := mlkit.NewDriftReference(train, 10)
	if err != nil {
		t.Fatal(err)
	}
	// 5 windows of 100 and a last one of 30; from window 3 on the feature
	// has drifted (its mean moved by 1.2 standard deviations) and the model,
	// fooled by it, says "positive" more often.
	const size = 100
	var obs []Observation
	for i := 0; i < 530; i++ {
		x := r.NormFloat64()
		if i >= 300 {
			x += 1.2
		}
		pred := 0.0
		if x+0.5*r.NormFloat64() > 0.3 {
			pred = 1
		}
		obs = append(obs, Observation{Key: fmt.Sprintf("k%d", i), Predicted: pred, Feature: x})
	}

	t.Run("PSI is the population stability index of the live values", func(t *testing.T) {
		same, shifted, oneBin := make([]float64, 400), make([]float64, 400), make([]float64, 50)
		for i := range same {
			same[i] = r.NormFloat64()
			shifted[i] = r.NormFloat64()*1.5 + 0.8
		}
		for i := range oneBin {
			oneBin[i] = 5 + r.Float64()
		}
		for _, c := range []struct {
			what string
			live []float64
			hint string
		}{
			{"400 values from the training distribution", same, ""},
			{"400 values shifted and wider", shifted, ""},
			{"50 values all in the top bin", oneBin, "9 of 10 bins are empty: their share counts as 1e-4 (math.Max(share, 1e-4)), or ln(0) makes PSI infinite; floor the expected share too"},
		} {
			want, _ := ref.PSI(c.live)
			var got float64
			var err error
			if !labtest.Guard(t, "PSI", func() { got, err = PSI(ref, c.live) }) {
				return
			}
			if err != nil {
				t.Fatalf("PSI(reference, %s) returned an error: %v", c.what, err)
			}
			if !labtest.Close(want, got, 1e-9) {
				hint := c.hint
				if hint == "" {
					hint = "sum over the reference's bins of (live - expected) * ln(live / expected): live is the share of the live values in the bin (ref.Bin(v) finds it), expected is ref.Expected[bin]"
				}
				t.Fatalf("%s", labtest.Mismatch("PSI(reference, "+c.what+")", want, got, hint))
			}
		}
		var err error
		if labtest.Guard(t, "PSI", func() { _, err = PSI(ref, nil) }) && err == nil {
			t.Errorf("PSI(reference, no values): want an error (no shares to compare), got none")
		}
	})

	t.Run("per window: the share of positive predictions and the PSI of the feature", func(t *testing.T) {
		var stats []WindowStats
		var err error
		if !labtest.Guard(t, "MonitorWindows", func() { stats, _, err = MonitorWindows(obs, ref, size, "feature_1", 0.25) }) {
			return
		}
		if err != nil {
			t.Fatalf("MonitorWindows(530 observations, windows of 100) returned an error: %v", err)
		}
		want := grWindows(obs, ref, size)
		if len(stats) != len(want) {
			t.Fatalf("%s", labtest.Mismatch("the number of windows of 530 observations, 100 a window", len(want), len(stats), "the last window holds the 30 left over: it counts too"))
		}
		for i, w := range want {
			g := stats[i]
			var why string
			switch {
			case g.Window != w.Window || g.Count != w.Count:
				why = "windows are consecutive runs of `size` observations in arrival order, numbered from 0; Count is how many the window holds (the last may hold fewer)"
			case !labtest.Close(w.PositiveShare, g.PositiveShare, 1e-12):
				why = "the positive share is the number of observations with Predicted == 1 divided by the window's Count"
			case !labtest.Close(w.PSI, g.PSI, 1e-9):
				why = "the window and its positive share are right, its PSI is not: PSI(ref, the window's Feature values), the function of the first check (both shares floored at 1e-4)"
			}
			if why != "" {
				wantNums, gotNums := labtest.FormatPair([]float64{w.PositiveShare, w.PSI}, []float64{g.PositiveShare, g.PSI})
				t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("window %d (Window, Count, [PositiveShare PSI])", i), fmt.Sprintf("%d, %d, %s", w.Window, w.Count, wantNums), fmt.Sprintf("%d, %d, %s", g.Window, g.Count, gotNums), why))
			}
		}
	})

	t.Run("an alert for every window whose PSI is above the threshold, and no other", func(t *testing.T) {
		want := grWindows(obs, ref, size)
		// The threshold is exactly the PSI of one drifted window: strictly
		// above alerts, so that window gives none and the others do.
		at := 3
		for _, w := range want[3:] {
			if w.PSI < want[at].PSI {
				at = w.Window
			}
		}
		threshold := want[at].PSI
		var alerts []Alert
		var err error
		if !labtest.Guard(t, "MonitorWindows", func() { _, alerts, err = MonitorWindows(obs, ref, size, "feature_1", threshold) }) {
			return
		}
		if err != nil {
			t.Fatalf("MonitorWindows returned an error: %v", err)
		}
		var wantAlerts []Alert
		for _, w := range want {
			// (the windows before the drift are far below any drifted one)
			if w.PSI > threshold {
				wantAlerts = append(wantAlerts, Alert{Window: w.Window, Feature: "feature_1", PSI: w.PSI, Threshold: threshold})
			}
		}
		same := len(alerts) == len(wantAlerts)
		for i := 0; same && i < len(alerts); i++ {
			a, w := alerts[i], wantAlerts[i]
			same = a.Window == w.Window && a.Feature == w.Feature && a.Threshold == w.Threshold && labtest.Close(w.PSI, a.PSI, 1e-9)
		}
		if !same {
			t.Fatalf("%s", labtest.Mismatch(fmt.Sprintf("the alerts with a threshold of %.6g (window %d's PSI exactly)", threshold, at), wantAlerts, alerts,
				fmt.Sprintf("an alert for each window with PSI strictly above the threshold (window %d's PSI equals it: no alert), in window order, naming the feature, the PSI and the threshold", at)))
		}
	})

	t.Run("delayed labels: accuracy per window over the predictions whose label came", func(t *testing.T) {
		var labels []Label
		for i, o := range obs {
			switch {
			case i%7 == 3:
				continue // not known yet
			case i >= 500:
				continue // the last window has no label at all
			}
			actual := o.Predicted
			if i%4 == 1 || (i >= 300 && i%3 == 0) {
				actual = 1 - actual
			}
			labels = append(labels, Label{Key: o.Key, Actual: actual})
		}
		r.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
		// A correction (the later label counts) and labels of keys never scored.
		labels = append(labels, Label{Key: "k0", Actual: 1 - obs[0].Predicted}, Label{Key: "k9999", Actual: 1}, Label{Key: "zz", Actual: 0})
		want := grAccuracy(obs, labels, size)
		var got []AccuracyPoint
		if !labtest.Guard(t, "AccuracyOverTime", func() { got = AccuracyOverTime(obs, labels, size) }) {
			return
		}
		same := len(got) == len(want)
		for i := 0; same && i < len(got); i++ {
			same = got[i].Window == want[i].Window && got[i].Labelled == want[i].Labelled && labtest.Close(want[i].Accuracy, got[i].Accuracy, 1e-12)
		}
		if !same {
			t.Fatalf("%s", labtest.Mismatch("accuracy over time (labels shuffled, some missing, one corrected later, two for keys never scored; window 5 has no label)", want, got,
				"join by key (a map from key to label, the later label winning); per window count only predictions with a label; leave out windows with none; ignore labels of unknown keys"))
		}
	})

	t.Run("a chart of drift, positive share and accuracy", func(t *testing.T) {
		stats := grWindows(obs, ref, size)
		acc := []AccuracyPoint{{0, 80, 0.7}, {1, 85, 0.72}, {2, 83, 0.69}, {3, 80, 0.55}, {4, 79, 0.5}}
		dir := t.TempDir()
		path := filepath.Join(dir, "monitoring.png")
		var err error
		if !labtest.Guard(t, "PlotMonitoring", func() { err = PlotMonitoring(stats, acc, path) }) {
			return
		}
		if err != nil {
			t.Fatalf("PlotMonitoring(6 windows, 5 accuracy points) returned an error: %v", err)
		}
		img, err := labtest.ReadPNG(path)
		if err != nil {
			t.Fatalf("PlotMonitoring: %v (save the chart with charts.SavePNG(path, p))", err)
		}
		b := img.Bounds()
		if b.Dx() < 300 || b.Dy() < 300 || b.Dx() > 4000 || b.Dy() > 4000 {
			t.Errorf("PlotMonitoring drew a %dx%d image: want between 300 and 4000 pixels a side", b.Dx(), b.Dy())
		}
		if n := labtest.ColorsIn(img, 64); n < 5 {
			t.Errorf("the chart has %d colours: three lines (PSI, positive share, accuracy) in three colours, on axes, want at least 5", n)
		}
		empty := filepath.Join(dir, "empty.png")
		if labtest.Guard(t, "PlotMonitoring", func() { err = PlotMonitoring(nil, nil, empty) }) {
			if err == nil {
				t.Errorf("PlotMonitoring with no windows: want an error, got none")
			}
			if _, statErr := os.Stat(empty); statErr == nil {
				t.Errorf("PlotMonitoring with no windows wrote %s: check the input before creating the file", filepath.Base(empty))
			}
		}
	})
}

// grWindows is the reference of MonitorWindows' statistics.
func grWindows(obs []Observation, ref *mlkit.DriftReference, size int) []WindowStats {
	var out []WindowStats
	for start, w := 0, 0; start < len(obs); start, w = start+size, w+1 {
		win := obs[start:min(start+size, len(obs))]
		var xs []float64
		pos := 0
		for _, o := range win {
			xs = append(xs, o.Feature)
			if o.Predicted == 1 {
				pos++
			}
		}
		psi, _ := ref.PSI(xs)
		out = append(out, WindowStats{Window: w, Count: len(win), PositiveShare: float64(pos) / float64(len(win)), PSI: psi})
	}
	return out
}

// grAccuracy is the reference of AccuracyOverTime.
func grAccuracy(obs []Observation, labels []Label, size int) []AccuracyPoint {
	actual := map[string]float64{}
	for _, l := range labels {
		actual[l.Key] = l.Actual
	}
	var out []AccuracyPoint
	for start, w := 0, 0; start < len(obs); start, w = start+size, w+1 {
		n, ok := 0, 0
		for _, o := range obs[start:min(start+size, len(obs))] {
			if y, has := actual[o.Key]; has {
				n++
				if y == o.Predicted {
					ok++
				}
			}
		}
		if n > 0 {
			out = append(out, AccuracyPoint{Window: w, Labelled: n, Accuracy: float64(ok) / float64(n)})
		}
	}
	return out
}
