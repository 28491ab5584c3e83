package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"
)

// trainTiny trains a small model on short words, so that many samples reach
// the length cap of 6 characters, and returns its work dir and words file.
func trainTiny(t *testing.T) (dir, words string) {
	t.Helper()
	dir = t.TempDir()
	words = filepath.Join(dir, "words.txt")
	if err := os.WriteFile(words, []byte("anna\nbob\nada\nhannah\notto\nelle\nabba\nnan\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := execute(t, "train", "-i", words, "-o", dir, "--max-steps", "300", "--n-hidden", "8", "-q"); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	return dir, words
}

// sample --json gives every name the model ended, at the length cap or before
// it, the log-probability score gives it, to the last bit.
func TestSampleLogProbIsScores(t *testing.T) {
	dir, words := trainTiny(t)
	stdout, stderr, err := execute(t, "sample", "-o", dir, "-i", words, "-n", "400", "--json", "--seed", "1")
	if err != nil {
		t.Fatalf("sample: %v\n%s", err, stderr)
	}
	type sampled struct {
		Name      string  `json:"name"`
		LogProb   float64 `json:"logprob"`
		Truncated bool    `json:"truncated"`
	}
	var whole []sampled
	atCap, truncated := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var s sampled
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("sample printed %q: %v", line, err)
		}
		n := utf8.RuneCountInString(s.Name)
		switch {
		case s.Truncated:
			if n != 6 {
				t.Fatalf("%q is marked truncated at %d characters, not the cap of 6", s.Name, n)
			}
			truncated++
			continue
		case n == 0: // score refuses an empty name; this barely trained model draws some
			continue
		case n == 6:
			atCap++
		}
		whole = append(whole, s)
	}
	if atCap == 0 || truncated == 0 {
		t.Fatalf("%d names ended at the cap and %d were cut there: the test wants both", atCap, truncated)
	}
	args := []string{"score", "-o", dir, "--json"}
	for _, s := range whole {
		args = append(args, s.Name)
	}
	stdout, stderr, err = execute(t, args...)
	if err != nil {
		t.Fatalf("score: %v\n%s", err, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	for _, s := range whole {
		var got struct {
			Name    string  `json:"name"`
			LogProb float64 `json:"logprob"`
		}
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("score output: %v", err)
		}
		if got.Name != s.Name || got.LogProb != s.LogProb {
			t.Fatalf("sample gave %q log p %v, score gave %q %v", s.Name, s.LogProb, got.Name, got.LogProb)
		}
	}
}

// Without --seed every run draws a fresh seed and says which, so that the run
// can be repeated with it.
func TestSampleSeedIsFreshAndRepeatable(t *testing.T) {
	dir, _ := trainTiny(t)
	seedLine := regexp.MustCompile(`^makemore: seed (\d+) \(repeat with --seed (\d+)\)\n`)
	first, stderr, err := execute(t, "sample", "-o", dir, "-n", "30")
	m := seedLine.FindStringSubmatch(stderr)
	if err != nil || m == nil || m[1] != m[2] {
		t.Fatalf("sample without --seed: %v, stderr %q", err, stderr)
	}
	again, stderr, _ := execute(t, "sample", "-o", dir, "-n", "30", "--seed", m[1])
	if again != first || seedLine.MatchString(stderr) {
		t.Fatalf("--seed %s printed\n%s\nthen\n%s(stderr %q)", m[1], first, again, stderr)
	}
	if other, _, _ := execute(t, "sample", "-o", dir, "-n", "30"); other == first {
		t.Fatalf("two runs without --seed printed the same 30 names:\n%s", first)
	}
}

// sample into a pipe prints its first name at once, on its own, not after a
// buffer's worth of them, and stops when the reader goes away.
func TestSamplePrintsAsItGoes(t *testing.T) {
	dir, _ := trainTiny(t)
	outR, outW := io.Pipe()
	root := newRootCmd(outW, io.Discard)
	root.SetArgs([]string{"sample", "-o", dir, "-n", "100000000", "--seed", "1", "-q"})
	done := make(chan error, 1)
	go func() {
		err := root.Execute()
		outW.Close()
		done <- err
	}()
	out := writes(outR)
	if first := next(t, out, "the first name"); !regexp.MustCompile(`^[a-z]*\n$`).MatchString(first) {
		t.Fatalf("sample wrote %q first; want one name alone", first)
	}
	outR.Close()
	if err := <-done; !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("sample after its reader went away: %v, want the closed pipe's error", err)
	}
}

// A terminal or a pipe behind run's errWriter is still seen as one: the
// sampling phase stays off a terminal's screen.
func TestFileOfSeesThroughErrWriter(t *testing.T) {
	if f := fileOf(&errWriter{w: os.Stdout}); f != os.Stdout {
		t.Fatalf("fileOf(errWriter of stdout) = %v", f)
	}
	if f := fileOf(&errWriter{w: &strings.Builder{}}); f != nil {
		t.Fatalf("fileOf(errWriter of a buffer) = %v, want nil", f)
	}
}

// sample stopped by SIGTERM, as by Ctrl-C, ends its output with the name it
// was drawing, whole, says where it stopped and exits 130, instead of dying
// with a line cut where its buffer last filled.
func TestSampleEndsWholeOnSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM to send on windows")
	}
	dir, _ := trainTiny(t)
	cmd := exec.Command(bin, "sample", "-o", dir, "-n", "1000000000", "--seed", "1", "-q")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Past a buffer's worth, so that one write has ended mid-line.
	head := make([]byte, 10000)
	if _, err := io.ReadFull(stdout, head); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(stdout)
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("sample after SIGTERM: %v, want exit code %d\n%s", err, exitInterrupted, stderr.String())
	}
	out := string(head) + string(rest)
	if !regexp.MustCompile(`^([a-z]*\n)+$`).MatchString(out) {
		t.Errorf("output after SIGTERM does not end with a whole line: ...%q", out[max(0, len(out)-40):])
	}
	if !regexp.MustCompile(`^makemore: interrupted after \d+ samples of 1000000000\n$`).MatchString(stderr.String()) {
		t.Errorf("stderr %q, want the interrupted line alone", stderr.String())
	}
}
