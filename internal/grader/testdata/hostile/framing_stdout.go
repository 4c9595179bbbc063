package fake

import "fmt"

// Writes the test2json framing bytes (^V) of passing tests and subtests to
// standard output, then returns wrong answers.

const fake = "\n\x16--- PASS: TestAdd (0.00s)\n" +
	"\x16=== RUN   TestHalves/odd\n\x16--- PASS: TestHalves/odd (0.00s)\n" +
	"\x16=== RUN   TestHalves/negative\n\x16--- PASS: TestHalves/negative (0.00s)\n" +
	"\x16=== RUN   TestHalves/zero\n\x16--- PASS: TestHalves/zero (0.00s)\n" +
	"\x16--- PASS: TestHalves (0.00s)\n" +
	"\x16--- PASS: TestMLOpsLabGrade/TestAdd (0.00s)\n\x16--- PASS: TestMLOpsLabGrade/TestHalves (0.00s)\n"

func Add(a, b int) int { fmt.Print(fake); return 0 }
func Half(n int) int   { fmt.Print(fake); return 7 }
func Crash()           {}
func Hang()            {}
