package datagen

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/datasets"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// replayAll takes every record of a dataset generator, checking that it is
// Finite and stops where the data set ends.
func replayAll(t *testing.T, name string, opts Options) []record {
	t.Helper()
	gen, err := New(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(name, ".csv", "", 1); gen.Name() != want {
		t.Errorf("Name() = %q, want %q", gen.Name(), want)
	}
	finite, ok := gen.(Finite)
	if !ok {
		t.Fatalf("%s is not Finite", name)
	}
	var out []record
	for finite.More() {
		k, v, ts := gen.Next()
		out = append(out, record{string(k), string(v), ts})
		if len(out) > 10000 {
			t.Fatal("the generator does not stop")
		}
	}
	return out
}

func TestDatasetReplayInFileOrder(t *testing.T) {
	recs := replayAll(t, "dataset:heart_sample", Options{Clock: stepClock(epoch, time.Second)})
	if len(recs) != 15 {
		t.Fatalf("%d records, want the 15 rows of heart_sample.csv", len(recs))
	}
	if recs[0].key != "0" || recs[0].value != `{"id":0,"age":63,"sex":1,"trestbps":233,"target":1}` {
		t.Errorf("first record %s %s", recs[0].key, recs[0].value)
	}
	if recs[14].key != "14" || recs[14].value != `{"id":14,"age":58,"sex":0,"trestbps":283,"target":1}` {
		t.Errorf("last record %s %s", recs[14].key, recs[14].value)
	}
	if !recs[1].ts.Equal(epoch.Add(time.Second)) {
		t.Errorf("second timestamp %v, want the clock's", recs[1].ts)
	}

	// Every shipped data set replays to the same Dataset as its file, with
	// categorical labels as class names.
	for _, info := range datasets.Catalog {
		name := strings.TrimSuffix(info.File, ".csv")
		t.Run(name, func(t *testing.T) {
			want, err := mlkit.LoadCSVFS(datasets.FS, info.File, mlkit.LoadOptions{Label: info.Label})
			if err != nil {
				t.Fatal(err)
			}
			recs := replayAll(t, DatasetFamily+info.File, Options{}) // "iris.csv" works too
			if len(recs) != want.Rows() {
				t.Fatalf("%d records for %d rows", len(recs), want.Rows())
			}
			values := make([]map[string]any, len(recs))
			for i, r := range recs {
				if r.key != strconv.Itoa(i) {
					t.Fatalf("record %d has key %q", i, r.key)
				}
				if err := json.Unmarshal([]byte(r.value), &values[i]); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if len(values[i]) != len(want.Features)+1 {
					t.Fatalf("record %d has %d fields, want the %d columns", i, len(values[i]), len(want.Features)+1)
				}
			}
			got, err := mlkit.FromRecords(values, mlkit.LoadOptions{Label: info.Label, Features: want.Features, Classes: want.Classes})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.X.RawMatrix().Data, want.X.RawMatrix().Data) || !slices.Equal(got.Y, want.Y) {
				t.Error("the replayed records do not read back to the file's data")
			}
		})
	}
}

func TestDatasetReplayShuffled(t *testing.T) {
	clock := func() time.Time { return epoch }
	a := replayAll(t, "dataset:iris:shuffle", Options{Seed: 7, Clock: clock})
	b := replayAll(t, "dataset:iris:shuffle", Options{Seed: 7, Clock: clock})
	c := replayAll(t, "dataset:iris:shuffle", Options{Seed: 8, Clock: clock})
	inOrder := replayAll(t, "dataset:iris", Options{Seed: 7, Clock: clock})
	if len(a) != 150 || !slices.Equal(a, b) {
		t.Fatal("the same seed must give the same order")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 7 and 8 gave the same order")
	}
	perm := mlkit.Permutation(150, 7)
	for i, r := range a {
		// The key is the row's index in the file, whatever the order.
		if r.key != strconv.Itoa(perm[i]) || r.value != inOrder[perm[i]].value {
			t.Fatalf("shuffled record %d is %s %s, want row %d", i, r.key, r.value, perm[i])
		}
	}
}

func TestDatasetReplayUnknown(t *testing.T) {
	for _, name := range []string{"dataset:iriss", "dataset:nope:shuffle"} {
		_, err := New(name, Options{})
		if err == nil || !strings.Contains(err.Error(), "the data sets are breast_cancer, diabetes, digits, heart_sample, iris, wine") {
			t.Errorf("New(%s) = %v; want an error listing the data sets", name, err)
		}
	}
	if !slices.Contains(Names(), "dataset:NAME") {
		t.Errorf("Names() = %v, want dataset:NAME listed", Names())
	}
}

func TestDatasetReplayPrintStops(t *testing.T) {
	gen, err := New("dataset:heart_sample", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := Print(context.Background(), &out, FormatText, gen, RunOptions{})
	if err != nil || n != 15 {
		t.Fatalf("Print = %d, %v; want the 15 rows, then a stop", n, err)
	}
	if first, _, _ := strings.Cut(out.String(), "\n"); first != "0\t"+`{"id":0,"age":63,"sex":1,"trestbps":233,"target":1}` {
		t.Errorf("first line %q", first)
	}
}

func TestDatasetReplayIntoTopic(t *testing.T) {
	bootstrap := startBroker(t, "heart")
	gen, err := New("dataset:heart_sample", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := Run(context.Background(), bootstrap, "heart", gen, RunOptions{})
	if err != nil || sent != 15 {
		t.Fatalf("Run = %d, %v; want 15 sent", sent, err)
	}
	msgs := readAll(t, bootstrap, "heart", 15)
	keys := map[string]bool{}
	for _, m := range msgs {
		keys[string(m.Key)] = true
	}
	if len(keys) != 15 {
		t.Errorf("%d distinct keys, want 15", len(keys))
	}
}
