package fake

import (
	"fmt"
	"os"
)

// Correct functions, but init prints passes and exits before any test runs:
// no test ran, so nothing may count.

func init() {
	fmt.Print("\x16=== RUN   TestAdd\n\x16--- PASS: TestAdd (0.00s)\n\x16=== RUN   TestHalves\n\x16--- PASS: TestHalves (0.00s)\n" +
		"\x16=== RUN   TestCrash\n\x16--- PASS: TestCrash (0.00s)\n\x16=== RUN   TestHang\n\x16--- PASS: TestHang (0.00s)\nPASS\n")
	os.Exit(0)
}

func Add(a, b int) int { return a + b }
func Half(n int) int   { return n / 2 }
func Crash()           {}
func Hang()            {}
