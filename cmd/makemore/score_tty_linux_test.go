package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// score reading names from a terminal says so, and how to end, instead of
// waiting without a word; from a pipe it says nothing.
func TestScoreOnTerminalSaysItReadsStdin(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command(bin, "train", "-o", dir, "--max-steps", "10", "--n-hidden", "8", "-q").CombinedOutput(); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	const hint = "makemore: reading names from stdin, one per line; Ctrl-D to end\n"
	for _, args := range [][]string{{"score", "-o", dir}, {"score", "-o", dir, "-"}} {
		master, tty := openPTY(t)
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		tty.Close()
		// A line, then Ctrl-D at the start of the next: the end of the input.
		if _, err := master.WriteString("emma\n\x04"); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		master.Close()
		if err != nil || stderr.String() != hint || !regexp.MustCompile(`^emma\t\d\.\d{4}\n$`).MatchString(stdout.String()) {
			t.Errorf("%s on a terminal: %v\nstdout %q\nstderr %q, want %q", strings.Join(args, " "), err, stdout.String(), stderr.String(), hint)
		}
	}
	cmd := exec.Command(bin, "score", "-o", dir)
	cmd.Stdin = strings.NewReader("emma\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil || stderr.Len() > 0 || !strings.HasPrefix(string(out), "emma\t") {
		t.Errorf("score from a pipe: %v, stdout %q, stderr %q; want the score and nothing on stderr", err, out, stderr.String())
	}
}

// openPTY opens a pseudo-terminal: its master, and the terminal a command
// reads. The test is skipped where there is none to open.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(master.Fd())
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0)
	}
	if err == nil {
		tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err != nil {
		master.Close()
		t.Skipf("no pseudo-terminal: %v", err)
	}
	return master, tty
}
