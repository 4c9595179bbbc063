package grader

import (
	"strings"
	"sync"
	"unicode"
)

// learnerOutput keeps the first and the last bytes of what the learner's
// code prints, however much that is: Write never fails and never blocks, so
// the test process is never held up, and memory stays bounded.
type learnerOutput struct {
	mu      sync.Mutex
	limit   int // of the head and of the tail each
	head    []byte
	tail    []byte // a ring once full
	next    int    // where the ring writes next
	dropped int64
}

func newLearnerOutput(limit int) *learnerOutput { return &learnerOutput{limit: limit} }

func (o *learnerOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(p)
	if room := o.limit - len(o.head); room > 0 {
		k := min(room, len(p))
		o.head = append(o.head, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		if len(o.tail) < o.limit {
			k := min(o.limit-len(o.tail), len(p))
			o.tail = append(o.tail, p[:k]...)
			p = p[k:]
			continue
		}
		if len(p) >= o.limit {
			// Only the last limit bytes of p can stay.
			o.dropped += int64(len(p)-o.limit) + int64(o.limit)
			copy(o.tail, p[len(p)-o.limit:])
			o.next = 0
			break
		}
		k := copy(o.tail[o.next:], p)
		o.dropped += int64(k)
		o.next = (o.next + k) % o.limit
		p = p[k:]
	}
	return n, nil
}

// String is the kept output, with a marker where bytes were left out.
func (o *learnerOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var b strings.Builder
	b.Write(o.head)
	if o.dropped > 0 {
		b.WriteString("\n... (output cut) ...\n")
	}
	b.Write(o.tail[o.next:])
	b.Write(o.tail[:o.next])
	return b.String()
}

// limitedBuffer keeps up to limit bytes and remembers whether more came.
type limitedBuffer struct {
	mu       sync.Mutex
	limit    int
	data     []byte
	overflow bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.limit - len(l.data); len(p) > room {
		l.data = append(l.data, p[:max(room, 0)]...)
		l.overflow = true
	} else {
		l.data = append(l.data, p...)
	}
	return len(p), nil
}

func (l *limitedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.data
}

func (l *limitedBuffer) Overflowed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.overflow
}

// printable drops control characters (terminal escapes, the framing byte)
// from text the learner's code printed, keeping newlines and tabs, and
// shortens long lines.
func printable(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.Map(func(r rune) rune {
			if r == '\t' || !unicode.IsControl(r) && r != unicode.ReplacementChar {
				return r
			}
			return -1
		}, l)
		if len(l) > 200 {
			l = l[:200] + "..."
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}
