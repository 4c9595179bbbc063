package fake

import (
	"os"
	"strings"
	"sync"
)

// 200 MB to standard output, hoping to exhaust the grader's memory or
// block the test on a full pipe.

var once sync.Once

func flood() {
	once.Do(func() {
		line := []byte(strings.Repeat("\x16--- PASS: TestAdd (0.00s) ", 40) + "\n")
		for n := 0; n < 200<<20; n += len(line) {
			os.Stdout.Write(line)
		}
	})
}

func Add(a, b int) int { flood(); return 0 }
func Half(n int) int   { flood(); return 7 }
func Crash()           {}
func Hang()            {}
