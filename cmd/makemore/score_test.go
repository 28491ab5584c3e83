package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makemore/makemore/internal/data"
)

// A stream that is not lines of names, such as /dev/zero, gets a line that
// says what was wrong rather than the scanner's "token too long".
func TestEachLineRefusesOverlongLine(t *testing.T) {
	var names []string
	collect := func(name string) error { names = append(names, name); return nil }
	err := eachLine(strings.NewReader("emma\n"+strings.Repeat("a", data.MaxLineBytes+1)+"\n"), collect)
	if err == nil || !strings.Contains(err.Error(), "give one name per line") {
		t.Fatalf("err = %v; want the line-length message", err)
	}
	names = nil
	if err := eachLine(strings.NewReader("emma\n\n  zoe \r\n"), collect); err != nil || strings.Join(names, ",") != "emma,,  zoe " {
		t.Fatalf("names %q, err %v; want emma, the empty line and \"  zoe \"", names, err)
	}
}

// writes passes on each write into the pipe r, as io.Pipe hands a read one
// write at most, until r ends.
func writes(r io.Reader) <-chan string {
	c := make(chan string)
	go func() {
		defer close(c)
		buf := make([]byte, 1<<16)
		for {
			n, err := r.Read(buf)
			if err != nil {
				return
			}
			c <- string(buf[:n])
		}
	}()
	return c
}

// next is the next write from c, failing the test after a minute without one.
func next(t *testing.T, c <-chan string, what string) string {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-time.After(time.Minute):
		t.Fatalf("nothing written within a minute, waiting for %s", what)
		return ""
	}
}

// score prints the score of each line of stdin while stdin is still open, as
// a filter does: it neither waits for the end of its input nor holds what it
// has read. The first score of a burst of lines goes out on its own, and the
// last before score waits for more input.
func TestScoreStreamsStdin(t *testing.T) {
	dir, _ := trainTiny(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer // the command's until done is received
	root := newRootCmd(outW, &stderr)
	root.SetIn(inR)
	root.SetArgs([]string{"score", "-o", dir})
	done := make(chan error, 1)
	go func() {
		err := root.Execute()
		inR.Close() // a command that stopped reading fails the writes below instead of blocking them
		outW.Close()
		done <- err
	}()
	out := writes(outR)
	score := regexp.MustCompile(`^(\w+)\t\d\.\d{4}\n$`)
	for _, in := range []struct {
		name string
		n    int
	}{{"anna", 1}, {"bob", 500}} {
		time.Sleep(2 * flushEvery) // since the last flush: the next line's score is due at once
		if _, err := io.WriteString(inW, strings.Repeat(in.name+"\n", in.n)); err != nil {
			t.Fatalf("writing to score's stdin: %v", err)
		}
		what := fmt.Sprintf("the scores of %d lines of %s while stdin stays open", in.n, in.name)
		first := next(t, out, what)
		if m := score.FindStringSubmatch(first); m == nil || m[1] != in.name {
			t.Fatalf("score wrote %q first after %d lines of %s; want the first one's score alone", first, in.n, in.name)
		}
		got := first
		for strings.Count(got, "\n") < in.n {
			got += next(t, out, what)
		}
		if strings.Count(got, in.name+"\t") != in.n {
			t.Fatalf("score wrote %q after %d lines of %s", got, in.n, in.name)
		}
	}
	inW.Close()
	for w := range out {
		t.Errorf("after stdin closed, score wrote %q", w)
	}
	if err := <-done; err != nil {
		t.Fatalf("score: %v\n%s", err, stderr.String())
	}
}
