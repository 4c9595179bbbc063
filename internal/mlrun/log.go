package mlrun

import (
	"fmt"
	"io"
	"sync"
)

// logger writes lines to a writer shared by callbacks of a running service
// and a progress ticker, one line at a time.
type logger struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *logger) say(format string, args ...any) {
	if l.w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}

// skipReporter shows the first shown skipped records and then says that the
// rest are only counted.
func skipReporter(l *logger, shown int, rest string) func(fmt.Stringer) {
	n := 0
	return func(s fmt.Stringer) {
		n++
		if n <= shown {
			l.say("skipped %v", s)
		} else if n == shown+1 {
			l.say("%s", rest)
		}
	}
}

// shownSkips is how many skipped records a job reports one by one.
const shownSkips = 20
