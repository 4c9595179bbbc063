// Package text holds the small wording helpers the commands share.
package text

import "fmt"

// Pluralize counts things in English: "1 record", "3 records", "0 records".
func Pluralize(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
