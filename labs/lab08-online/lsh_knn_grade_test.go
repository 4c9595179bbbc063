//go:build grading

package lab08

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

func TestLSHStream(t *testing.T) {
	d := labtest.Dataset(t, "digits")
	bootstrap := labtest.Bootstrap(t)
	imagesTopic := labtest.Topic(t, "digits")
	predTopic := labtest.Topic(t, "digit-predictions")
	labtest.CreateTopic(t, bootstrap, imagesTopic, 1)
	labtest.CreateTopic(t, bootstrap, predTopic, 1)

	// Every image in order; every 10th is deleted again 100 images later
	// (a tombstone); some bad records.
	var items []g8RowSent
	bad := map[int]string{}
	for i := range d.Rows() {
		items = append(items, g8RowSent{row: i, key: strconv.Itoa(i)})
		if i%10 == 5 && i > 100 {
			items = append(items, g8RowSent{row: -1, key: strconv.Itoa(i - 100), tomb: true})
		}
		switch i {
		case 400:
			items = append(items, g8RowSent{row: -1, key: "not-an-image", what: "a value that is not an image"})
			bad[len(items)-1] = `{"pixel_0_0": "dark"}`
		case 700:
			items = append(items, g8RowSent{row: -1, key: "123456", tomb: true, what: "a tombstone for an image never seen"})
		case 900:
			items = append(items, g8RowSent{row: -1, key: "105", tomb: true, what: "a second tombstone for image 105"})
		}
	}
	sent := g8ProduceRows(t, bootstrap, imagesTopic, d, items, bad)
	badWhy := map[int]string{}
	for i, it := range sent {
		if it.what != "" && !strings.HasPrefix(it.what, "key ") {
			badWhy[i] = it.what
		}
	}

	var s *DigitStream
	var err error
	if !labtest.Guard(t, "NewDigitStream", func() { s, err = NewDigitStream(d) }) {
		return
	}
	if err != nil || s == nil {
		t.Fatalf("NewDigitStream(digits) returned %s and %s", map[bool]string{true: "no stream", false: "a stream"}[s == nil], labtest.ErrText(err))
	}
	cfg := stream.Config{Bootstrap: bootstrap, Group: labtest.Group(t, "lsh"), Inputs: []string{imagesTopic}, Output: predTopic, Transform: s.Transform}
	run := labtest.RunStream(t, cfg, int64(len(sent)), 120*time.Second, 0)

	// Brute force over the same stream: the same classifier looking at
	// every live example.
	brute, _ := mlkit.NewLSHKNN(len(d.Features), LSHNeighbours, 1, 1, 1e12, 1)
	bk := mlkit.NewKeyed(brute)
	var queries, bruteHits, bruteDistances int
	for _, it := range sent {
		switch {
		case it.tomb:
			_ = bk.Delete(it.key)
		case it.row >= 0:
			x := d.X.RawRowView(it.row)
			if bk.Live() > 0 {
				p, _ := brute.Predict(x)
				queries++
				bruteDistances += bk.Live()
				if p == d.Y[it.row] {
					bruteHits++
				}
			}
			_ = bk.Upsert(it.key, x, d.Y[it.row])
		}
	}
	bruteAcc := float64(bruteHits) / float64(queries)

	var rep Report
	reported := func(t *testing.T) bool {
		t.Helper()
		if p := run.Problem(int64(len(sent))); p != "" {
			t.Fatalf("%s", p)
		}
		return labtest.Guard(t, "Report", func() { rep = s.Report() })
	}

	t.Run("tombstones delete images from the index", func(t *testing.T) {
		if !reported(t) {
			return
		}
		if s.Examples == nil || s.Index == nil {
			t.Fatalf("the DigitStream has no Index or Examples: NewDigitStream builds them")
		}
		if s.Examples.Live() != bk.Live() || s.Index.Count() != bk.Live() {
			t.Errorf("%s", labtest.Mismatch(fmt.Sprintf("images held after %d images and %d tombstones", d.Rows(), d.Rows()-bk.Live()), bk.Live(),
				fmt.Sprintf("%d live keys, %d examples in the index", s.Examples.Live(), s.Index.Count()), "a tombstone (nil value) calls Examples.Delete(key): the image leaves the index"))
		}
	})

	t.Run("every image is classified against those before it", func(t *testing.T) {
		if !reported(t) {
			return
		}
		got := g8Accuracies(t, labtest.ReadStream(t, bootstrap, predTopic))
		if len(got) != queries || rep.Queries != queries {
			t.Fatalf("%s", labtest.Mismatch("predictions (output records, and Report().Queries)", fmt.Sprintf("%d: every image but the first", queries), fmt.Sprintf("%d records, Queries %d", len(got), rep.Queries), "predict each image before learning it, from the second on; a tombstone predicts nothing"))
		}
		hits := 0
		for _, a := range got {
			if a.Predicted == a.Actual {
				hits++
			}
		}
		acc := float64(hits) / float64(queries)
		if !g8Close(acc, rep.Accuracy, 1e-12) || !g8Close(acc, got[len(got)-1].Accuracy, 1e-12) {
			t.Errorf("the records' predictions are right %.4f of the time, Report().Accuracy says %.4f and the last record %.4f", acc, rep.Accuracy, got[len(got)-1].Accuracy)
		}
		if rep.Accuracy < 0.95*bruteAcc {
			t.Errorf("%s", labtest.Mismatch("LSH accuracy, tested before learning", fmt.Sprintf("at least 95%% of brute force's %.4f", bruteAcc), fmt.Sprintf("%.4f", rep.Accuracy), "use the settings given (3 neighbours, 12 tables, 4 hashes, width 32): fewer tables or narrower slots miss true neighbours"))
		}
		t.Logf("accuracy over %d images: LSH %.4f, brute force %.4f", queries, rep.Accuracy, bruteAcc)
	})

	t.Run("LSH computes far fewer distances than brute force", func(t *testing.T) {
		if !reported(t) {
			return
		}
		if rep.BruteForceDistances != bruteDistances {
			t.Errorf("%s", labtest.Mismatch("Report().BruteForceDistances", bruteDistances, rep.BruteForceDistances, "add Examples.Live() (the images brute force would compare with) before each prediction"))
		}
		if rep.LSHDistances != s.Index.Candidates || rep.LSHDistances == 0 {
			t.Errorf("Report().LSHDistances = %d, the index computed %d (Index.Candidates)", rep.LSHDistances, s.Index.Candidates)
		}
		want := float64(rep.BruteForceDistances) / math.Max(1, float64(rep.LSHDistances))
		if !g8Close(want, rep.SpeedUp, 1e-12) || rep.SpeedUp < 5 {
			t.Errorf("SpeedUp = %.2f; BruteForceDistances / LSHDistances = %.2f, and LSH must compute at least 5 times fewer distances", rep.SpeedUp, want)
		}
		t.Logf("distances: LSH %d, brute force %d: %.1fx fewer, at %.4f of brute force's accuracy", rep.LSHDistances, rep.BruteForceDistances, rep.SpeedUp, rep.Accuracy/bruteAcc)
	})

	t.Run("bad records are skipped and reported", func(t *testing.T) {
		if !reported(t) {
			return
		}
		if rep.Queries == 0 {
			t.Fatalf("no image was classified")
		}
		g8CheckSkipped(t, g8WhereRows(sent), badWhy, run.Skipped, imagesTopic)
		for _, sk := range run.Skipped {
			if string(sk.Key) == "123456" && !errors.Is(sk.Err, mlkit.ErrUnknownKey) {
				t.Errorf("the tombstone for image 123456 (never seen) was skipped with %q; want an error wrapping mlkit.ErrUnknownKey (Examples.Delete returns one)", sk.Err)
			}
		}
	})
}
