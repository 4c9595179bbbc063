package mlrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mlops-lab/mlops-lab/pkg/charts"
	"github.com/mlops-lab/mlops-lab/pkg/mlkit"
	"github.com/mlops-lab/mlops-lab/pkg/streamlearn"
)

// OnlineModels are the models Online learns.
var OnlineModels = []string{"line", "linreg", "sgd", "lsh"}

// OnlineSpec says what to learn from which topic.
type OnlineSpec struct {
	Model    string // one of OnlineModels
	Input    string // the topic of JSON records
	Features []string
	Label    string
	UntilEnd bool // stop at the end the topic has at the start
	Window   int  // records in the recent-accuracy window
	// Plot, when set, is the PNG file to draw the accuracy over time to
	// (classifiers).
	Plot     string
	Interval time.Duration // how often to write the progress line
	K        int           // lsh: neighbours
	Seed     uint64        // lsh: seed of the hash functions
	// Log receives the start, the skipped records and the progress line.
	Log io.Writer
}

// OnlineModel builds the online model, and says whether it classifies and
// whether it can un-learn (so records are keyed).
func (s OnlineSpec) OnlineModel() (m mlkit.Online, classifier, keyed bool, err error) {
	switch s.Model {
	case "line":
		return &mlkit.SimpleRegression{}, false, true, nil
	case "linreg":
		return mlkit.NewOnlineLinearRegression(len(s.Features)), false, true, nil
	case "sgd":
		return &mlkit.SGDClassifier{Standardize: true}, true, false, nil
	case "lsh":
		// The settings chosen on digits (see docs/benchmarks.md).
		m, err := mlkit.NewLSHKNN(len(s.Features), s.K, 12, 4, 32, s.Seed)
		return m, true, true, err
	}
	return nil, false, false, fmt.Errorf("--model %q is not an online model; choose one of %s", s.Model, strings.Join(OnlineModels, ", "))
}

// DescribeModel says what the model has learned so far, in one line.
func DescribeModel(m mlkit.Online) string {
	switch mm := m.(type) {
	case *mlkit.SimpleRegression:
		a, b, err := mm.Line()
		if err != nil {
			return "line not determined yet"
		}
		return fmt.Sprintf("y = %.4g %s x", a, signed(b))
	case *mlkit.OnlineLinearRegression:
		b0, w, err := mm.Fit()
		if err != nil {
			return "not determined yet"
		}
		parts := []string{fmt.Sprintf("%.4g", b0)}
		for j, c := range w {
			parts = append(parts, fmt.Sprintf("%s x%d", signed(c), j+1))
		}
		return "y = " + strings.Join(parts, " ")
	default:
		return fmt.Sprintf("%d examples", m.Count())
	}
}

// signed writes a term's coefficient after the term before it, its sign
// set apart as in written formulas: "+ 0.4966", "- 0.5".
func signed(c float64) string {
	if c < 0 {
		return fmt.Sprintf("- %.4g", -c)
	}
	return fmt.Sprintf("+ %.4g", c)
}

// OnlineLearner learns a model from a topic; make one with NewOnline.
type OnlineLearner struct {
	spec       OnlineSpec
	classifier bool
	learner    *streamlearn.Learner
	log        *logger
}

// NewOnline builds the model and the learner of spec, reading from the
// Kafka cluster at bootstrap.
func NewOnline(bootstrap string, spec OnlineSpec) (*OnlineLearner, error) {
	model, classifier, keyed, err := spec.OnlineModel()
	if err != nil {
		return nil, err
	}
	o := &OnlineLearner{spec: spec, classifier: classifier, log: &logger{w: spec.Log}}
	skipped := skipReporter(o.log, shownSkips, "(more skipped records are counted, not shown)")
	o.learner, err = streamlearn.New(streamlearn.Config{
		Bootstrap: bootstrap, Topic: spec.Input, Model: model, Classifier: classifier,
		Features: spec.Features, Label: spec.Label, Keyed: keyed, Window: spec.Window, UntilEnd: spec.UntilEnd,
		OnSkip: func(s streamlearn.Skipped) { skipped(s) },
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Learner is the learner underneath, to feed records to directly.
func (o *OnlineLearner) Learner() *streamlearn.Learner { return o.learner }

// Line is the progress line: the counts, the prequential evaluation and
// the model so far.
func (o *OnlineLearner) Line() string {
	p := o.learner.Progress()
	var what string
	o.learner.Inspect(func(m mlkit.Online) { what = DescribeModel(m) })
	eval := fmt.Sprintf("mean abs error %.4g", p.MAE)
	if o.classifier {
		eval = fmt.Sprintf("accuracy %.4f (last %d: %.4f)", p.Point.Accuracy, o.spec.Window, p.Point.WindowAccuracy)
	}
	return fmt.Sprintf("%d records: %d learned, %d forgotten, %d skipped, %d live; %s; %s", p.Records, p.Learned, p.Forgotten, p.Skipped, p.Live, eval, what)
}

// Run learns until ctx ends (a normal end) or, with UntilEnd, until the
// end the topic had; it writes the progress line every Interval. The plot
// is DrawPlot's, once Run has returned.
func (o *OnlineLearner) Run(ctx context.Context) error {
	o.log.say("learning %s from %s (%s)", o.spec.Model, o.spec.Input, map[bool]string{true: "until its current end", false: "Ctrl+C to stop"}[o.spec.UntilEnd])
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(o.spec.Interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				o.log.say("%s", o.Line())
			}
		}
	}()
	err := o.learner.Run(ctx)
	close(done)
	wg.Wait()
	if err != nil && !(ctx.Err() != nil && errors.Is(err, context.Canceled)) {
		return err
	}
	return nil
}

// DrawPlot draws the accuracy over time to path.
func (o *OnlineLearner) DrawPlot(path string) error {
	h := o.learner.History()
	if len(h) == 0 {
		return errors.New("--plot: no record was predicted, so there is no accuracy to draw")
	}
	pl, err := charts.AccuracyOverTime(h, o.spec.Window, fmt.Sprintf("%s on %s", o.spec.Model, o.spec.Input))
	if err != nil {
		return err
	}
	if err := charts.SavePNG(path, pl); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}

// OnlineSummary is the state of an online learner; its JSON form is the
// output of `ml online --format json`. Fields are in the order of their
// JSON names; Accuracy and WindowAccuracy are set for classifiers, MAE for
// regressions.
type OnlineSummary struct {
	Accuracy       *float64        `json:"accuracy,omitempty"`
	Forgotten      int             `json:"forgotten"`
	Learned        int             `json:"learned"`
	Live           int             `json:"live"`
	MAE            *float64        `json:"mae,omitempty"`
	Model          json.RawMessage `json:"model"`
	Records        int             `json:"records"`
	Skipped        int             `json:"skipped"`
	WindowAccuracy *float64        `json:"window_accuracy,omitempty"`
}

// Summary is what the learner has learned so far, with a snapshot of the
// model.
func (o *OnlineLearner) Summary() (*OnlineSummary, error) {
	p := o.learner.Progress()
	var snap json.RawMessage
	var err error
	o.learner.Inspect(func(m mlkit.Online) { snap, err = m.Snapshot() })
	if err != nil {
		return nil, err
	}
	s := &OnlineSummary{Records: p.Records, Learned: p.Learned, Forgotten: p.Forgotten, Skipped: p.Skipped, Live: p.Live, Model: snap}
	if o.classifier {
		s.Accuracy, s.WindowAccuracy = &p.Point.Accuracy, &p.Point.WindowAccuracy
	} else {
		s.MAE = &p.MAE
	}
	return s, nil
}

// WriteText writes the final progress line and the plot written.
func (o *OnlineLearner) WriteText(w io.Writer) error {
	text := o.Line() + "\n"
	if o.spec.Plot != "" {
		text += fmt.Sprintf("wrote %s\n", o.spec.Plot)
	}
	_, err := io.WriteString(w, text)
	return err
}
