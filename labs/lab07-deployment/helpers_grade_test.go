//go:build grading

// Grading tests of lab 7. Each exercise has one top-level test, in
// <exercise>_grade_test.go; this file holds what several share. Each subtest
// of an exercise's test earns a share of the exercise's points. The Go
// exercises call your functions directly, and run them over topics of the
// grader's broker (or an embedded one) where the exercise is about a stream;
// the KSQL exercises run your .sql file on a ksqlDB engine after the lab's own
// streams, on the test's own copies of the topics (see pkg/labtest/ksql.go),
// feed it known records and read what your query wrote. Every expected number
// is computed here from the course's reference code (pkg/mlkit, pkg/scoring):
// models are the ones exercise 2's trades train, or fitted on the shipped data
// sets.
//
// The tests compile into your package, so their helpers are named gr...:
// no name of yours can clash with them.
package lab07

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/datagen"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
	"github.com/mlops-lab/mlops-lab/pkg/scoring"
)

// How long a stream or a query may take to get through a test's records.
// The tests wait for what they need and go on as soon as it is there: only
// code that never gets there waits this long, so the bounds can be generous
// enough for a loaded machine.
const (
	grStreamWait  = 60 * time.Second
	grProcessWait = 45 * time.Second
	grWriterWait  = 30 * time.Second
	grSwapWait    = 20 * time.Second
)

// grNumber reads a JSON number (float64 or json.Number).
func grNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

var grArtifacts sync.Map

// "name/version/seed" -> *scoring.Artifact

// grArtifact is the trade model of lab.go's TrainTradeModel with a seed of
// its own: different seeds give different weights.
func grArtifact(t *testing.T, name string, version int, seed uint64) *scoring.Artifact {
	t.Helper()
	key := fmt.Sprintf("%s/%d/%d", name, version, seed)
	if a, ok := grArtifacts.Load(key); ok {
		return a.(*scoring.Artifact)
	}
	a, err := TrainTradeModel(name, version, seed, 800)
	if err != nil {
		t.Fatalf("training the trade model: %v", err)
	}
	grArtifacts.Store(key, a)
	return a
}

func grDeployed(t *testing.T, name string, version int, seed uint64) *Deployed {
	t.Helper()
	d, err := Deploy(grArtifact(t, name, version, seed))
	if err != nil {
		t.Fatalf("deploying the trade model: %v", err)
	}
	return d
}

// grTradeRecords are n records of the trades generator with the given seed,
// as they would be read from topic (offsets from 0).
func grTradeRecords(t *testing.T, seed uint64, n int, topic string) []stream.Record {
	t.Helper()
	gen, err := datagen.New("trades", datagen.Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]stream.Record, n)
	for i := range out {
		k, v, ts := gen.Next()
		out[i] = stream.Record{Topic: topic, Offset: int64(i), Key: k, Value: v, Timestamp: ts}
	}
	return out
}

// grRefScore is the reference model's answer for a feature record.
func grRefScore(t *testing.T, d *Deployed, value []byte) scoring.Prediction {
	t.Helper()
	x, err := scoring.Features(value, d.Model.Features())
	if err != nil {
		t.Fatalf("grading: reading %s: %v", value, err)
	}
	p, err := d.Model.Predict(x)
	if err != nil {
		t.Fatalf("grading: scoring %s: %v", value, err)
	}
	return p
}

func grFmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

// grWithout returns the JSON object value without field.
func grWithout(t *testing.T, value []byte, field string) []byte {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(value, &obj); err != nil {
		t.Fatal(err)
	}
	delete(obj, field)
	b, _ := json.Marshal(obj)
	return b
}

// sqlProbe is the probe of an exercise's SQL file: an error when the file
// holds only comments, as the starter's does.
func sqlProbe(file string) func() error {
	return func() error {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil // the checks say what is wrong with the file
		}
		for _, line := range strings.Split(string(b), "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
				return nil
			}
		}
		return errors.New(file + " has no statements yet (only comments)")
	}
}
