//go:build grading

package lab05

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/mlops-lab/mlops-lab/pkg/labtest"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// findRow returns the index of the row of d equal to row k of want, or -1.
func findRow(want *mlkit.Dataset, k int, d *mlkit.Dataset) int {
	for i := 0; i < d.Rows(); i++ {
		if sameRow(want, k, d, i) {
			return i
		}
	}
	return -1
}

// loaded is one call of LoadTopic.
type loaded struct {
	d   *mlkit.Dataset
	err error
}

// loadWait is how long one LoadTopic call may take: reading a few hundred
// records takes well under a second, so only a call that waits for records
// the topic does not hold comes near it, even on a loaded machine.
const loadWait = 30 * time.Second

// loadHung is set once a LoadTopic call has not returned in time: the later
// calls are not made, to keep the test within its deadline.
var loadHung bool

func callLoadTopic(t *testing.T, bootstrap, topic string, opts mlkit.LoadOptions) loaded {
	t.Helper()
	var out loaded
	if loadHung {
		out.err = errors.New("not called again: an earlier LoadTopic call did not return")
		return out
	}
	var returned atomic.Bool // also when it panicked
	var d *mlkit.Dataset
	var err error
	ok := labtest.Within(t, loadWait, fmt.Sprintf("LoadTopic(%s)", topic), func(ctx context.Context) {
		defer returned.Store(true)
		d, err = LoadTopic(ctx, bootstrap, topic, opts)
	})
	if !returned.Load() {
		loadHung = true
		out.err = errors.New("LoadTopic did not return (see above)")
		return out
	}
	out.d, out.err = d, err
	if !ok && out.err == nil && out.d == nil {
		out.err = errors.New("LoadTopic panicked (see above)")
	}
	return out
}

// checkLoaded compares what LoadTopic returned with the data set it should
// have read, explaining the usual mistakes.
func checkLoaded(t *testing.T, what string, got loaded, want *mlkit.Dataset, sent []int) {
	t.Helper()
	if got.err != nil {
		t.Errorf("LoadTopic on %s returned an error: %v", what, got.err)
		return
	}
	if got.d == nil {
		t.Errorf("LoadTopic on %s returned neither a data set nor an error", what)
		return
	}
	d := got.d
	if !slices.Equal(d.Features, want.Features) || d.Label != want.Label {
		t.Errorf("%s", labtest.Mismatch("columns of the data set read from "+what,
			fmt.Sprintf("features %v, label %q", want.Features, want.Label), fmt.Sprintf("features %v, label %q", d.Features, d.Label),
			"pass opts on to mlkit.FromRecords unchanged: they name the label and the features"))
		return
	}
	if d.Rows() != want.Rows() {
		hint := "every row index should appear once, whatever partition it was in"
		if d.Rows() > want.Rows() {
			hint = "a row written twice must count once: keep the latest value per key (a map by row index), as a table does"
		}
		t.Errorf("%s", labtest.Mismatch("rows read from "+what, want.Rows(), d.Rows(), hint))
		return
	}
	wrong := 0
	for i := 0; i < want.Rows(); i++ {
		if !sameRow(want, i, d, i) {
			wrong++
		}
	}
	if wrong == 0 {
		return
	}
	// Name the mistake: rows sorted as text, or left in the order they came.
	var asText []string
	for i := 0; i < want.Rows(); i++ {
		asText = append(asText, strconv.Itoa(i))
	}
	sort.Strings(asText)
	textOrder := true
	for i, s := range asText {
		k, _ := strconv.Atoi(s)
		if !sameRow(want, k, d, i) {
			textOrder = false
			break
		}
	}
	arrival := sent != nil
	for i := 0; arrival && i < len(sent) && i < d.Rows(); i++ {
		if !sameRow(want, sent[i], d, i) {
			arrival = false
		}
	}
	hint := "row i of the data set must be the record whose key is i"
	switch {
	case textOrder:
		hint = `the rows are sorted by key as text ("10" before "2"): parse the keys with strconv.Atoi and sort the numbers`
	case arrival:
		hint = "the rows are in the order they were sent, not by row index: records of different partitions interleave, so sort by key"
	}
	for i := 0; i < want.Rows(); i++ {
		if !sameRow(want, i, d, i) {
			where := "it is nowhere in the data set"
			if k := findRow(want, i, d); k >= 0 {
				where = fmt.Sprintf("it came back as row %d", k)
			}
			t.Errorf("%s: %d of %d rows are not where they belong. Row %d (key %q) should be %s, but it is %s; %s. %s",
				what, wrong, want.Rows(), i, strconv.Itoa(i), rowText(want, i), rowText(d, i), where, hint)
			return
		}
	}
}

func TestLoadTopic(t *testing.T) {
	bootstrap := labtest.Bootstrap(t)
	heart := heartData(t)
	heartAll := labtest.Dataset(t, "heart_sample")
	cancer := labtest.Dataset(t, "breast_cancer")
	heartOpts := mlkit.LoadOptions{Label: HeartLabel, Features: HeartFeatures}
	cancerOpts := mlkit.LoadOptions{Label: BreastCancerLabel, Features: cancer.Features}

	// The heart sample, shuffled over three partitions.
	shuffledTopic := labtest.Topic(t, "heart")
	labtest.CreateTopic(t, bootstrap, shuffledTopic, 3)
	order := mlkit.Permutation(heartAll.Rows(), 5)
	labtest.ProduceRows(t, bootstrap, shuffledTopic, heartAll, order, 3)

	// The heart sample replayed: every row twice, rows 3 and 12 with new
	// values the second time.
	replayTopic := labtest.Topic(t, "heart-replayed")
	labtest.CreateTopic(t, bootstrap, replayTopic, 3)
	replayed := heartAll.Clone()
	replayed.X.Set(3, replayed.Column("age"), 61)
	replayed.X.Set(12, replayed.Column("trestbps"), 180)
	labtest.ProduceRows(t, bootstrap, replayTopic, heartAll, order, 3)
	labtest.ProduceRows(t, bootstrap, replayTopic, replayed, mlkit.Permutation(heartAll.Rows(), 6), 3)
	replayedWant := heart.Clone()
	replayedWant.X.Set(3, 0, 61)
	replayedWant.X.Set(12, 2, 180)

	// breast_cancer, last row first.
	cancerTopic := labtest.Topic(t, "breast-cancer")
	labtest.CreateTopic(t, bootstrap, cancerTopic, 3)
	reversed := make([]int, cancer.Rows())
	for i := range reversed {
		reversed[i] = cancer.Rows() - 1 - i
	}
	labtest.ProduceRows(t, bootstrap, cancerTopic, cancer, reversed, 3)

	// Rows 0 to 14, row 11's value not JSON.
	badTopic := labtest.Topic(t, "heart-bad")
	labtest.CreateTopic(t, bootstrap, badTopic, 1)
	var msgs []*sarama.ProducerMessage
	for i := 0; i < heartAll.Rows(); i++ {
		m := labtest.RowRecord(t, heartAll, badTopic, i)
		if i == 11 {
			m.Value = sarama.StringEncoder("oops")
		}
		msgs = append(msgs, m)
	}
	labtest.Produce(t, bootstrap, msgs...)

	shuffled := callLoadTopic(t, bootstrap, shuffledTopic, heartOpts)

	t.Run("the rows come back in row order", func(t *testing.T) {
		checkLoaded(t, "the heart sample (15 rows over 3 partitions)", shuffled, heart, order)
		checkLoaded(t, "breast_cancer (569 rows, sent last row first)", callLoadTopic(t, bootstrap, cancerTopic, cancerOpts), cancer, reversed)
	})

	t.Run("a replayed row counts once, its latest value winning", func(t *testing.T) {
		got := callLoadTopic(t, bootstrap, replayTopic, heartOpts)
		checkLoaded(t, "the heart sample written twice (rows 3 and 12 changed the second time: age 61, trestbps 180)", got, replayedWant, nil)
		if t.Failed() && got.d != nil && got.d.Rows() == heart.Rows() && sameRow(heart, 3, got.d, 3) {
			t.Errorf("row 3 kept its first value (age 56), not the later one (age 61): a later record of the same key replaces the earlier one")
		}
	})

	t.Run("a value that is not JSON is an error naming its key", func(t *testing.T) {
		if shuffled.err != nil || shuffled.d == nil {
			t.Fatalf("LoadTopic must first read a good topic (the heart sample) without an error; it returned %s", labtest.ErrText(shuffled.err))
		}
		got := callLoadTopic(t, bootstrap, badTopic, heartOpts)
		switch {
		case got.err == nil:
			t.Errorf("LoadTopic read a topic whose row 11 has the value %q and returned no error (%d rows): return an error when json.Unmarshal fails, or the row silently vanishes from the data", "oops", got.d.Rows())
		case !strings.Contains(got.err.Error(), "11"):
			t.Errorf("LoadTopic's error for the bad row does not say which row it is: %q; name the key (11) so that someone can find the record", got.err)
		}
	})
}
