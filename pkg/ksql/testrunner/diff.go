package testrunner

import (
	"fmt"
	"io"
	"strings"
)

// maxLoggedErrors bounds the processing errors a diff lists.
const maxLoggedErrors = 10

// Summary is one line: "PASS: 5 outputs match" or
// "FAIL: 2 of 5 expected outputs do not match (4 records written)".
func (r *Result) Summary() string {
	if r.Passed {
		if r.Expected == 1 {
			return "PASS: 1 output matches"
		}
		return fmt.Sprintf("PASS: %d outputs match", r.Expected)
	}
	bad := 0
	extra := 0
	for _, m := range r.Mismatches {
		if m.Kind == Extra {
			extra++
		} else {
			bad++
		}
	}
	s := fmt.Sprintf("FAIL: %d of %d expected %s did not match", bad, r.Expected, plural(r.Expected, "output", "outputs"))
	if extra > 0 {
		s += fmt.Sprintf(", %d unexpected", extra)
	}
	return s + fmt.Sprintf(" (%d %s written)", r.Actual, plural(r.Actual, "record", "records"))
}

// Diff renders the result for a terminal: the summary, one line per
// mismatch, the per-topic counts where they differ, and the first
// processing errors (they often explain missing outputs).
func (r *Result) Diff() string {
	var b strings.Builder
	_ = r.WriteDiff(&b)
	return b.String()
}

// WriteDiff writes Diff to w.
func (r *Result) WriteDiff(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.Summary() + "\n")
	for _, m := range r.Mismatches {
		b.WriteString("  " + m.String() + "\n")
	}
	if !r.Passed {
		for _, t := range r.Topics {
			if t.Expected != t.Actual {
				fmt.Fprintf(&b, "  topic %s: expected %d %s, got %d\n", t.Topic, t.Expected, plural(t.Expected, "record", "records"), t.Actual)
			}
		}
	}
	if n := len(r.ProcessingErrors); n > 0 {
		fmt.Fprintf(&b, "The queries skipped %d input %s (processing log):\n", n, plural(n, "record", "records"))
		for i, p := range r.ProcessingErrors {
			if i == maxLoggedErrors {
				fmt.Fprintf(&b, "  ... and %d more\n", n-maxLoggedErrors)
				break
			}
			b.WriteString("  " + p.String() + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String renders a mismatch on one line, e.g.
//
//	output 3 on topic S2: value: expected {"COUNT":2}, got {"COUNT":1}
//
// Positions are 1-based among the topic's expected records (actual ones
// for extra records).
func (m Mismatch) String() string {
	switch m.Kind {
	case Missing:
		return fmt.Sprintf("output %d on topic %s: missing: expected %s", m.ExpectedIndex+1, m.Topic, recordBody(m.Expected))
	case Extra:
		return fmt.Sprintf("output %d on topic %s: unexpected: got %s", m.ActualIndex+1, m.Topic, recordBody(m.Actual))
	}
	where := fmt.Sprintf("output %d on topic %s", m.ExpectedIndex+1, m.Topic)
	if m.ActualIndex != m.ExpectedIndex {
		where += fmt.Sprintf(" (written as output %d)", m.ActualIndex+1)
	}
	parts := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		parts[i] = f.String()
	}
	return where + ": " + strings.Join(parts, "; ")
}

// String renders a field difference: `value: expected {...}, got {...}`.
func (f FieldDiff) String() string {
	s := fmt.Sprintf("%s: expected %s, got %s", f.Field, f.Expected, f.Actual)
	// Long objects get the differing members spelled out.
	if f.Detail != "" && len(f.Expected)+len(f.Actual) > 60 {
		s += " (" + f.Detail + ")"
	}
	return s
}

// recordBody renders a record without its topic.
func recordBody(r *Record) string {
	if r == nil {
		return "nothing"
	}
	c := *r
	c.Topic = ""
	return c.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
