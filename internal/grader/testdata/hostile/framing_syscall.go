package fake

import "syscall"

// Writes the framing bytes straight to file descriptors 1 and 2, past the
// os package.

const fake = "\n\x16--- PASS: TestAdd (0.00s)\n" +
	"\x16=== RUN   TestHalves/odd\n\x16--- PASS: TestHalves/odd (0.00s)\n" +
	"\x16=== RUN   TestHalves/negative\n\x16--- PASS: TestHalves/negative (0.00s)\n" +
	"\x16=== RUN   TestHalves/zero\n\x16--- PASS: TestHalves/zero (0.00s)\n" +
	"\x16--- PASS: TestHalves (0.00s)\n"

func cheat() {
	syscall.Write(1, []byte(fake))
	syscall.Write(2, []byte(fake))
}

func Add(a, b int) int { cheat(); return 0 }
func Half(n int) int   { cheat(); return 7 }
func Crash()           {}
func Hang()            {}
