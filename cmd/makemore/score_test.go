package main

import (
	"strings"
	"testing"

	"github.com/makemore/makemore/internal/data"
)

// A stream that is not lines of names, such as /dev/zero, gets a line that
// says what was wrong rather than the scanner's "token too long".
func TestReadLinesRefusesOverlongLine(t *testing.T) {
	_, err := readLines(strings.NewReader("emma\n" + strings.Repeat("a", data.MaxLineBytes+1) + "\n"))
	if err == nil || !strings.Contains(err.Error(), "give one name per line") {
		t.Fatalf("err = %v; want the line-length message", err)
	}
	names, err := readLines(strings.NewReader("emma\n\n  zoe \n"))
	if err != nil || strings.Join(names, ",") != "emma,zoe" {
		t.Fatalf("names %q, err %v; want emma,zoe", names, err)
	}
}
