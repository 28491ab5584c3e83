package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// fullWriter fails every write, as stdout on a full disk does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// Output lost to a failed write is an error, exit 1 and one line, for every
// command: also where the write error is cobra's to check (help pages) or
// where a command might not check it.
func TestLostOutputIsAnError(t *testing.T) {
	dir := t.TempDir()
	const want = "makemore: cannot write to stdout: no space left on device; the output is incomplete\n"
	for _, args := range [][]string{
		{"train", "-o", dir, "--max-steps", "100", "--n-hidden", "8", "-q"},
		{"train", "-o", dir, "--max-steps", "100", "--n-hidden", "8", "-q", "--json", "--overwrite"},
		{"eval", "-o", dir},
		{"sample", "-o", dir, "-n", "3", "--seed", "1"},
		{"score", "-o", dir, "emma"},
		{"gradcheck", "--n-hidden", "8", "-b", "4"},
		{"version"},
		{"completion", "bash"},
		{"--help"},
		{"help", "sample"},
		{"train", "--help"},
	} {
		var stderr bytes.Buffer
		if code := run(args, fullWriter{}, &stderr); code != exitError || stderr.String() != want {
			t.Errorf("makemore %s: exit %d, stderr %q; want exit %d, stderr %q", strings.Join(args, " "), code, stderr.String(), exitError, want)
		}
	}
}

// The same through a real file descriptor: stdout on /dev/full, and a pipe
// whose reader has gone, which ends the process by SIGPIPE, quietly, as it
// ends any Unix filter (a shell reports exit status 141).
func TestLostOutputOfTheBinary(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer full.Close()
	for _, args := range [][]string{{"version"}, {"--help"}} {
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &stderr
		var ee *exec.ExitError
		if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != exitError || !strings.HasPrefix(stderr.String(), "makemore: cannot write to stdout: ") {
			t.Errorf("makemore %s > /dev/full: %v, stderr %q; want exit 1 and why", strings.Join(args, " "), err, stderr.String())
		}
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	cmd := exec.Command(bin, "--help")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGPIPE || stderr.Len() > 0 {
		t.Errorf("makemore --help into a closed pipe: %v, stderr %q; want killed by SIGPIPE and nothing on stderr", err, stderr.String())
	}
}
