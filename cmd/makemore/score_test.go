package main

import (
	"bufio"
	"bytes"
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
	if err := eachLine(strings.NewReader("emma\n\n  zoe \n"), collect); err != nil || strings.Join(names, ",") != "emma,zoe" {
		t.Fatalf("names %q, err %v; want emma,zoe", names, err)
	}
}

// score prints the score of each line of stdin while stdin is still open,
// as a filter does: it neither waits for the end of its input nor holds
// what it has read.
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
	out := bufio.NewReader(outR)
	score := regexp.MustCompile(`^(\w+)\t\d\.\d{4}\n$`)
	for _, name := range []string{"anna", "bob"} {
		if _, err := io.WriteString(inW, name+"\n"); err != nil {
			t.Fatalf("writing %s to score's stdin: %v", name, err)
		}
		line := make(chan string, 1)
		go func() { l, _ := out.ReadString('\n'); line <- l }()
		select {
		case l := <-line:
			if m := score.FindStringSubmatch(l); m == nil || m[1] != name {
				t.Fatalf("score printed %q after %s; want its score", l, name)
			}
		case <-time.After(time.Minute):
			t.Fatalf("no score for %s while stdin stays open: score waits for the end of its input", name)
		}
	}
	inW.Close()
	if rest, _ := io.ReadAll(out); len(rest) > 0 {
		t.Errorf("after stdin closed, score printed %q", rest)
	}
	if err := <-done; err != nil {
		t.Fatalf("score: %v\n%s", err, stderr.String())
	}
}
