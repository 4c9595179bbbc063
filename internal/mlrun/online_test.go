package mlrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
)

// feed gives the learner records without a broker, as Run does.
func feed(o *OnlineLearner, key string, v any) {
	var value []byte
	if v != nil {
		value, _ = json.Marshal(v)
	}
	o.Learner().Apply("points", 0, 0, []byte(key), value)
}

// asOnlineMap is the summary in the form the output had as a map.
func asOnlineMap(s *OnlineSummary) map[string]any {
	out := map[string]any{"records": s.Records, "learned": s.Learned, "forgotten": s.Forgotten, "skipped": s.Skipped, "live": s.Live, "model": s.Model}
	if s.Accuracy != nil {
		out["accuracy"], out["window_accuracy"] = *s.Accuracy, *s.WindowAccuracy
	} else {
		out["mae"] = *s.MAE
	}
	return out
}

func TestOnlineLineUnlearns(t *testing.T) {
	var log bytes.Buffer
	o, err := NewOnline("127.0.0.1:1", OnlineSpec{Model: "line", Input: "points", Features: []string{"x"}, Label: "y", Window: 100, Interval: time.Second, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Line(); !strings.HasSuffix(got, "; line not determined yet") {
		t.Errorf("empty model: %q", got)
	}
	// Points on y = 1 + 2x, a wrong one replaced by its update, one deleted.
	for i := 0; i < 10; i++ {
		feed(o, fmt.Sprint(i), map[string]float64{"x": float64(i), "y": 1 + 2*float64(i)})
	}
	feed(o, "10", map[string]float64{"x": 10, "y": 500})
	feed(o, "10", map[string]float64{"x": 10, "y": 21})
	feed(o, "3", nil)
	feed(o, "bad", map[string]string{"x": "one"})

	line := o.Line()
	if !strings.HasPrefix(line, "14 records: 12 learned, 1 forgotten, 1 skipped, 10 live; mean abs error ") || !strings.HasSuffix(line, "; y = 1 + 2 x") {
		t.Errorf("line %q", line)
	}
	if !strings.Contains(log.String(), "skipped points/0@0 (key \"bad\")") {
		t.Errorf("log lacks the skipped record:\n%s", log.String())
	}
	s, err := o.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 14 || s.Live != 10 || s.MAE == nil || s.Accuracy != nil || s.WindowAccuracy != nil {
		t.Errorf("summary %+v", s)
	}
	if js, want := encode(t, s), encode(t, asOnlineMap(s)); js != want {
		t.Errorf("JSON differs from the map form:\n got %s\nwant %s", js, want)
	}
	var text bytes.Buffer
	if err := o.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if text.String() != line+"\n" {
		t.Errorf("text %q", text.String())
	}
}

func TestOnlineClassifierPlot(t *testing.T) {
	dir := t.TempDir()
	o, err := NewOnline("127.0.0.1:1", OnlineSpec{Model: "sgd", Input: "cells", Features: []string{"a", "b"}, Label: "y", Window: 10, Plot: "acc.png", Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.DrawPlot(filepath.Join(dir, "none.png")); err == nil || !strings.Contains(err.Error(), "no record was predicted") {
		t.Errorf("plot of nothing: %v", err)
	}
	for i := 0; i < 200; i++ {
		a, b := float64(i%7), float64(i%5)
		y := 0
		if a+b > 5 {
			y = 1
		}
		feed(o, fmt.Sprint(i), map[string]any{"a": a, "b": b, "y": y})
	}
	s, err := o.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if s.Accuracy == nil || *s.Accuracy < 0.7 || s.WindowAccuracy == nil || s.MAE != nil || s.Learned != 200 {
		t.Errorf("summary %+v", s)
	}
	if js, want := encode(t, s), encode(t, asOnlineMap(s)); js != want {
		t.Errorf("JSON differs from the map form:\n got %s\nwant %s", js, want)
	}
	if line := o.Line(); !strings.Contains(line, "; accuracy 0.") || !strings.Contains(line, "(last 10: ") || !strings.HasSuffix(line, "; 200 examples") {
		t.Errorf("line %q", line)
	}
	path := filepath.Join(dir, "acc.png")
	if err := o.DrawPlot(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("acc.png: %v", err)
	}
	var text bytes.Buffer
	if err := o.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(text.String(), "\nwrote acc.png\n") {
		t.Errorf("text %q", text.String())
	}
}

func TestOnlineModels(t *testing.T) {
	for _, name := range OnlineModels {
		m, classifier, keyed, err := OnlineSpec{Model: name, Features: []string{"a", "b"}, K: 3, Seed: 1}.OnlineModel()
		if err != nil || m == nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if classifier != (name == "sgd" || name == "lsh") || keyed != (name != "sgd") {
			t.Errorf("%s: classifier %v, keyed %v", name, classifier, keyed)
		}
	}
	if _, _, _, err := (OnlineSpec{Model: "tree"}).OnlineModel(); err == nil || !strings.Contains(err.Error(), `"tree" is not an online model`) {
		t.Errorf("tree: %v", err)
	}
}

// TestDescribeModel: the line reads as written: a space after the sign of
// every term, and "- 0.5 x" rather than "+ -0.5 x".
func TestDescribeModel(t *testing.T) {
	line := &mlkit.SimpleRegression{}
	for x := range 5 {
		if err := line.Learn([]float64{float64(x)}, 3-0.5*float64(x)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := DescribeModel(line), "y = 3 - 0.5 x"; got != want {
		t.Errorf("DescribeModel(line) = %q, want %q", got, want)
	}
	multi := mlkit.NewOnlineLinearRegression(2)
	for i := range 10 {
		x1, x2 := float64(i), float64((i*7)%5)
		if err := multi.Learn([]float64{x1, x2}, 1+0.25*x1-2*x2); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := DescribeModel(multi), "y = 1 + 0.25 x1 - 2 x2"; got != want {
		t.Errorf("DescribeModel(multiple) = %q, want %q", got, want)
	}
}
