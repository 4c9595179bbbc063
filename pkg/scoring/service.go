package scoring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mlops-lab/mlops-lab/pkg/jsonfield"
	"github.com/mlops-lab/mlops-lab/pkg/kafkautil/stream"
)

// Score is the prediction record a service writes for one input record.
type Score struct {
	Key          string   `json:"key"`
	Prediction   float64  `json:"prediction"`
	Probability  *float64 `json:"probability,omitempty"`
	Model        string   `json:"model"`
	ModelVersion int      `json:"model_version"`
	ScoredAt     string   `json:"scored_at"`
}

// AppendJSON appends the score as JSON, as json.Marshal writes it but
// without reflection: the service writes one per input record.
func (s Score) AppendJSON(b []byte) []byte {
	b = append(b, `{"key":`...)
	b = appendJSONString(b, s.Key)
	b = append(b, `,"prediction":`...)
	b = appendJSONFloat(b, s.Prediction)
	if s.Probability != nil {
		b = append(b, `,"probability":`...)
		b = appendJSONFloat(b, *s.Probability)
	}
	b = append(b, `,"model":`...)
	b = appendJSONString(b, s.Model)
	b = append(b, `,"model_version":`...)
	b = strconv.AppendInt(b, int64(s.ModelVersion), 10)
	b = append(b, `,"scored_at":"`...)
	b = append(b, s.ScoredAt...)
	return append(b, `"}`...)
}

// appendJSONString writes a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, as encoding/json.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// appendJSONFloat writes a finite float as encoding/json does: the shortest
// digits that read back, with an exponent only below 1e-6 or from 1e21 on
// (123456789.125, not 1.23456789125e+08), written e-7 rather than e-07.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}

// ScoreRecord scores one JSON feature record with a deployed model: it
// finds each of the model's features in the record by name (exactly, then
// ignoring case; ADDRESS->ZIPCODE or ADDRESS.ZIPCODE reach into a nested
// object), scores them, and returns the Score. A record that is not a JSON
// object, lacks a feature, or holds something other than a finite number
// there is an error naming the feature.
func ScoreRecord(d *Deployed, key, value []byte, now time.Time) (Score, error) {
	if d == nil {
		return Score{}, errors.New("no model in service")
	}
	x, err := Features(value, d.Model.Features())
	if err != nil {
		return Score{}, err
	}
	p, err := d.Model.Predict(x)
	if err != nil {
		return Score{}, fmt.Errorf("model %s v%d: %w", d.Name(), d.Version(), err)
	}
	// Finite features can still overflow a model's output; JSON has no
	// word for it, so the record is refused rather than written unreadable.
	if !finite(p.Value) || (p.Probability != nil && !finite(*p.Probability)) {
		return Score{}, fmt.Errorf("model %s v%d predicted %v: a score must be a finite number", d.Name(), d.Version(), p.Value)
	}
	return Score{
		Key:          string(key),
		Prediction:   p.Value,
		Probability:  p.Probability,
		Model:        d.Name(),
		ModelVersion: d.Version(),
		ScoredAt:     now.UTC().Format(time.RFC3339Nano),
	}, nil
}

// Features reads the named numeric fields of a JSON object, in order.
func Features(value []byte, names []string) ([]float64, error) {
	if value == nil {
		return nil, errors.New("a tombstone (null value) has no features")
	}
	// Only the fields the model reads are parsed: the others stay raw.
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(value, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the value is not a JSON object: %.60q", value)
	}
	x := make([]float64, len(names))
	for j, name := range names {
		raw, ok := lookup(obj, name)
		if !ok {
			return nil, fmt.Errorf("no feature %q in the record", name)
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, fmt.Errorf("feature %q is %s, out of range", name, raw)
			}
			return nil, notANumber(name, raw)
		}
		x[j] = f
	}
	if err := checkRow(names, x); err != nil {
		return nil, err
	}
	return x, nil
}

// notANumber says what a feature holds instead of a number.
func notANumber(name string, raw json.RawMessage) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("feature %q is %.40s, not a number", name, raw)
	}
	if v == nil {
		return fmt.Errorf("feature %q is null", name)
	}
	return fmt.Errorf("feature %q is %v (%T), not a number", name, v, v)
}

// lookup finds a field by name or path, exactly first, then ignoring case.
func lookup(obj map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	if v, ok := jsonfield.Find(obj, name); ok {
		return v, true
	}
	sep := ""
	switch {
	case strings.Contains(name, "->"):
		sep = "->"
	case strings.Contains(name, "."):
		sep = "."
	default:
		return nil, false
	}
	parts := strings.Split(name, sep)
	cur := obj
	for i, part := range parts {
		v, ok := jsonfield.Find(cur, strings.TrimSpace(part))
		if !ok {
			return nil, false
		}
		if i == len(parts)-1 {
			return v, true
		}
		cur = nil
		if err := json.Unmarshal(v, &cur); err != nil || cur == nil {
			return nil, false
		}
	}
	return nil, false
}

// Config describes a scoring service.
type Config struct {
	// Bootstrap is the cluster; Input the feature records' topic; Output the
	// topic the scores are written to (keyed like their input).
	Bootstrap, Input, Output string
	// Group is the consumer group; "mlops-lab-scoring-" + Name when empty.
	Group string
	// Models is the models topic and Name the model to serve from it.
	Models, Name string
	// Fixed serves one model without a models topic (Models empty).
	Fixed *Deployed
	// OnSkip hears of every input record that could not be scored (it names
	// the record's topic, partition and offset); OnReject of every models
	// record that could not be deployed.
	OnSkip   func(stream.Skipped)
	OnReject func(Rejected)
	// OnDeploy hears of every model swapped in.
	OnDeploy func(*Deployed)
	// Now stamps scored_at; time.Now when nil.
	Now func() time.Time
	// BatchSize is the stream helper's batch size (500 when zero), and
	// SessionTimeout its consumer group's (see stream.Config).
	BatchSize      int
	SessionTimeout time.Duration
}

// Stats are a running service's counters.
type Stats struct {
	stream.Stats
	// ByVersion counts the records scored by each model version.
	ByVersion map[int]int64
}

// Service scores a stream with the model in service. Make one with New.
type Service struct {
	cfg     Config
	watcher *Watcher
	proc    *stream.Processor

	mu        sync.Mutex
	byVersion map[int]int64
}

// New checks the configuration and builds the service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Bootstrap == "":
		return nil, errors.New("scoring: no bootstrap address")
	case cfg.Input == "" || cfg.Output == "":
		return nil, errors.New("scoring: the service needs an input and an output topic")
	case cfg.Input == cfg.Output:
		return nil, fmt.Errorf("scoring: input and output are both %s", cfg.Input)
	case cfg.Fixed == nil && (cfg.Models == "" || cfg.Name == ""):
		return nil, errors.New("scoring: give a models topic and a model name, or a fixed model")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	name := cfg.Name
	if name == "" && cfg.Fixed != nil {
		name = cfg.Fixed.Name()
	}
	if cfg.Group == "" {
		cfg.Group = "mlops-lab-scoring-" + name
	}
	s := &Service{cfg: cfg, byVersion: map[int]int64{}}
	s.watcher = &Watcher{Bootstrap: cfg.Bootstrap, Topic: cfg.Models, Name: name, OnReject: cfg.OnReject, OnDeploy: cfg.OnDeploy}
	proc, err := stream.New(stream.Config{
		Bootstrap:      cfg.Bootstrap,
		Group:          cfg.Group,
		Inputs:         []string{cfg.Input},
		Output:         cfg.Output,
		Transform:      s.transform,
		OnSkip:         cfg.OnSkip,
		ClientID:       "mlops-lab-scoring",
		BatchSize:      cfg.BatchSize,
		SessionTimeout: cfg.SessionTimeout,
	})
	if err != nil {
		return nil, err
	}
	s.proc = proc
	return s, nil
}

// transform scores one record with the model in service at the moment it
// is read: a swap takes effect between two records, never inside one.
func (s *Service) transform(in stream.Record) ([]stream.Record, error) {
	d := s.watcher.Current()
	score, err := ScoreRecord(d, in.Key, in.Value, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	out := score.AppendJSON(make([]byte, 0, 160))
	s.mu.Lock()
	s.byVersion[score.ModelVersion]++
	s.mu.Unlock()
	return []stream.Record{{Key: in.Key, Value: out}}, nil
}

// Run serves until ctx ends: it follows the models topic, waits for a first
// model, and then scores the input topic from the group's committed offsets.
func (s *Service) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watchErr := make(chan error, 1)
	if s.cfg.Fixed != nil {
		s.watcher.Set(s.cfg.Fixed)
		close(watchErr)
	} else {
		go func() {
			err := s.watcher.Run(ctx)
			if err != nil {
				cancel()
			}
			watchErr <- err
			close(watchErr)
		}()
	}
	if _, err := s.watcher.WaitReady(ctx); err != nil {
		if werr := <-watchErr; werr != nil {
			return werr
		}
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	err := s.proc.Run(ctx)
	cancel()
	if werr := <-watchErr; werr != nil && err == nil && !errors.Is(werr, context.Canceled) {
		err = werr
	}
	return err
}

// Current is the model in service (nil before the first).
func (s *Service) Current() *Deployed { return s.watcher.Current() }

// Stats returns the counters.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	by := make(map[int]int64, len(s.byVersion))
	for k, v := range s.byVersion {
		by[k] = v
	}
	return Stats{Stats: s.proc.Stats(), ByVersion: by}
}
