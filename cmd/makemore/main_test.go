package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// bin is the makemore binary built once for these end-to-end tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "makemore-test")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "makemore")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building makemore: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func mm(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out.String(), errb.String(), 0}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// small trains quickly but still learns.
var small = []string{"--max-steps", "3000", "--lr-decay-step", "2000", "--n-hidden", "64"}

func TestTrainEvalSample(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	r1 := mm(t, append([]string{"train", "-o", dir1, "-j", "1"}, small...)...)
	if r1.code != 0 {
		t.Fatalf("train: exit %d\n%s", r1.code, r1.stderr)
	}
	m := regexp.MustCompile(`^train (\d\.\d{4})\nval (\d\.\d{4})\n$`).FindStringSubmatch(r1.stdout)
	if m == nil {
		t.Fatalf("train stdout %q: want the train and val loss lines only", r1.stdout)
	}
	r2 := mm(t, append([]string{"train", "-o", dir2, "-j", "2"}, small...)...)
	if r2.code != 0 || r2.stdout != r1.stdout {
		t.Fatalf("second run: exit %d, stdout %q vs %q", r2.code, r2.stdout, r1.stdout)
	}
	for _, name := range []string{"model.safetensors", "loss.csv"} {
		a, _ := os.ReadFile(filepath.Join(dir1, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed (1 and 2 threads)", name)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir1, "loss.csv"))
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 3001 || lines[0] != "step,loss,learning_rate,val_loss" || !regexp.MustCompile(`^2999,[0-9.]+,0\.01,[0-9.]+$`).MatchString(lines[3000]) {
		t.Errorf("loss.csv: %d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}

	ev := mm(t, "eval", "-o", dir1, "--json")
	var losses struct{ Train, Val, Test float64 }
	if ev.code != 0 || json.Unmarshal([]byte(ev.stdout), &losses) != nil {
		t.Fatalf("eval --json: exit %d, stdout %q, stderr %q", ev.code, ev.stdout, ev.stderr)
	}
	if got := fmt.Sprintf("%.4f %.4f", losses.Train, losses.Val); got != m[1]+" "+m[2] {
		t.Errorf("eval gives %s, train printed %s %s", got, m[1], m[2])
	}
	if losses.Train > 2.6 || losses.Test > 2.7 {
		t.Errorf("losses %+v: the model did not learn", losses)
	}

	s1 := mm(t, "sample", "-o", dir1, "-n", "20", "--seed", "1")
	s2 := mm(t, "sample", "-o", dir1, "-n", "20", "--seed", "1")
	if s1.code != 0 || s1.stdout != s2.stdout {
		t.Fatalf("sample twice: exit %d, %q vs %q", s1.code, s1.stdout, s2.stdout)
	}
	names := strings.Split(strings.TrimSuffix(s1.stdout, "\n"), "\n")
	if len(names) != 20 {
		t.Fatalf("%d samples, want 20", len(names))
	}
	for _, n := range names {
		if !regexp.MustCompile(`^[a-z]{0,15}$`).MatchString(n) {
			t.Errorf("sample %q is not a lowercase name of at most 15 letters", n)
		}
	}

	other := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(other, []byte("anna\nbob\ncarl\n"), 0o644)
	if r := mm(t, "eval", "-o", dir1, "-i", other); r.code != 1 || !strings.Contains(r.stderr, "not the words file this model was trained on") {
		t.Errorf("eval on another words file: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"train", "-o", dir, "--batch-size", "1"}, 2, "--batch-size must be at least 2"},
		{[]string{"train", "-o", dir, "--learning-rate", "0"}, 2, "--learning-rate"},
		{[]string{"train", "-o", dir, "--learning-rate", "NaN"}, 2, "--learning-rate"},
		{[]string{"train", "-o", dir, "--n-hidden", "0"}, 2, "--n-hidden"},
		{[]string{"train", "-o", dir, "--max-steps", "-1"}, 2, "--max-steps"},
		{[]string{"train", "-o", dir, "-j", "0"}, 2, "--threads"},
		{[]string{"train", "--no-such-flag"}, 2, "unknown flag"},
		{[]string{"train", "extra"}, 2, "no arguments"},
		{[]string{"train", "-o", dir, "-i", filepath.Join(dir, "missing.txt")}, 1, "missing.txt: no such file"},
		{[]string{"train", "-o", dir, "-i", empty}, 1, "empty.txt: file is empty"},
		{[]string{"eval", "-o", filepath.Join(dir, "nothing")}, 1, "no checkpoint"},
		{[]string{"sample", "-o", filepath.Join(dir, "nothing")}, 1, "no checkpoint"},
	} {
		r := mm(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("makemore %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("makemore %s: printed %q on stdout", strings.Join(tc.args, " "), r.stdout)
		}
	}
}

func TestGradcheck(t *testing.T) {
	r := mm(t, "gradcheck", "--n-hidden", "24", "--n-embd", "5", "--batch-size", "7")
	if r.code != 0 || strings.Contains(r.stdout, "approximate: false") {
		t.Fatalf("gradcheck: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := strings.Count(r.stdout, "approximate: true"); n != 13+7 {
		t.Fatalf("%d passing rows, want 20:\n%s", n, r.stdout)
	}
}

// An interrupted run resumed to the end must leave the same files as a run
// that was never interrupted.
func TestInterruptAndResume(t *testing.T) {
	args := []string{"--max-steps", "20000", "--n-hidden", "64", "--checkpoint-every", "1000"}
	whole, parts := t.TempDir(), t.TempDir()
	if r := mm(t, append([]string{"train", "-o", whole}, args...)...); r.code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", r.code, r.stderr)
	}

	cmd := exec.Command(bin, append([]string{"train", "-o", parts}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(parts, "model.safetensors")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if _, err := os.Stat(ckpt); err == nil {
			break
		}
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(stderr.String(), "makemore train --resume -o "+parts) {
		t.Fatalf("interrupted run: %v, stderr %q; want exit 130 and how to resume", err, stderr.String())
	}
	if r := mm(t, "train", "--resume", "-o", parts); r.code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", r.code, r.stderr)
	}
	for _, name := range []string{"model.safetensors", "loss.csv"} {
		a, _ := os.ReadFile(filepath.Join(whole, name))
		b, _ := os.ReadFile(filepath.Join(parts, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s of the interrupted and resumed run differs from the uninterrupted one", name)
		}
	}
	if r := mm(t, "train", "--resume", "-o", parts, "--n-hidden", "32"); r.code != 2 {
		t.Errorf("--resume with --n-hidden: exit %d, want 2 (usage)", r.code)
	}
}
