// Package plural writes a count with its noun, so that no message says
// "1 words".
package plural

import "fmt"

// Count is n and noun, with an s when n is not 1: "1 word", "0 words",
// "3 words". Every noun counted in makemore's messages takes a plain s.
func Count[N ~int | ~int64](n N, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
