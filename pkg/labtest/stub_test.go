package labtest

import (
	"errors"
	"testing"
)

// stopRecorder stands in for a test to see whether StopIfNotStarted ends it.
type stopRecorder struct {
	testing.TB
	stopped string
}

func (r *stopRecorder) Helper()           {}
func (r *stopRecorder) Fatal(args ...any) { r.stopped = args[0].(string) }

func TestStopIfNotStarted(t *testing.T) {
	stub := func() error { return errors.New("TODO(exercise 2): Fit is not written yet") }
	panics := func() error { panic("TODO(exercise 2): Predict is not written yet") }
	written := func() error { return nil }
	wrong := func() error { return errors.New("fit: no rows") }
	cases := []struct {
		name   string
		probes []func() error
		want   string // the message the test stops with; "" to go on
	}{
		{"every part a stub", []func() error{stub, panics}, "TODO(exercise 2): Fit is not written yet"},
		{"a panicking stub first", []func() error{panics, stub}, "TODO(exercise 2): Predict is not written yet"},
		{"one part written", []func() error{stub, written}, ""},
		{"one part written but wrong", []func() error{wrong, stub}, ""},
		{"an SQL file of comments", []func() error{func() error { return errors.New("score.sql has no statements yet (only comments)") }, stub}, "score.sql has no statements yet (only comments)"},
		{"a panic of written code", []func() error{func() error { panic("index out of range") }}, ""},
	}
	for _, c := range cases {
		r := &stopRecorder{TB: t}
		StopIfNotStarted(r, c.probes...)
		if r.stopped != c.want {
			t.Errorf("%s: stopped with %q, want %q", c.name, r.stopped, c.want)
		}
	}
}
