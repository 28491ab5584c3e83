package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// A run killed with SIGKILL five times at any moment — reading the words,
// between steps, mid-save, during the final eval or plot — and resumed each
// time ends with the same files, byte for byte, as a run never interrupted:
// the steps after the last checkpoint are replayed, and the lock and
// temporary files the killed runs leave stand in nobody's way.
func TestKilledAndResumedRunEndsLikeAnUninterruptedOne(t *testing.T) {
	dir := t.TempDir()
	train := func(workDir string, resume bool) *exec.Cmd {
		args := []string{"train", "-o", filepath.Join(dir, workDir), "--checkpoint-every", "250", "--eval-every", "100", "-q"}
		if resume {
			args = append(args, "--resume")
		} else {
			args = append(args, "--max-steps", "4000", "--n-hidden", "32", "--n-embd", "6")
		}
		cmd := exec.Command(bin, args...)
		cmd.Stderr = new(bytes.Buffer)
		return cmd
	}
	start := time.Now()
	if err := train("whole", false).Run(); err != nil {
		t.Fatal(err)
	}
	// The kills land at moments relative to how long a whole run takes on
	// this machine, however loaded it is; the fractions are the same on every
	// run of the test. A run that ends before its kill (the machine got
	// faster) shortens the next waits.
	scale := time.Since(start)
	rng := rand.New(rand.NewPCG(11, 5))
	killed := 0
	// Killed before its first checkpoint, the run starts over: on a loaded
	// machine every kill may land before it, the final run's too.
	saved := func() bool {
		_, err := os.Stat(filepath.Join(dir, "parts", "model.safetensors"))
		return err == nil
	}
	for attempt := 0; killed < 5 && attempt < 15; attempt++ {
		cmd := train("parts", saved())
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run not killed: %v\n%s", err, cmd.Stderr)
			}
			scale /= 2
		case <-time.After(time.Duration((0.05 + 0.5*rng.Float64()) * float64(scale))):
			cmd.Process.Kill()
			var ee *exec.ExitError
			if err := <-done; errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
				killed++
			}
		}
	}
	if killed < 5 {
		t.Fatalf("only %d runs were killed before they ended", killed)
	}
	final := train("parts", saved())
	if err := final.Run(); err != nil {
		t.Fatalf("final resume: %v\n%s", err, final.Stderr)
	}
	names := func(d string) []string {
		entries, _ := os.ReadDir(filepath.Join(dir, d))
		var n []string
		for _, e := range entries {
			n = append(n, e.Name())
		}
		return n
	}
	if w, p := names("whole"), names("parts"); !slices.Equal(w, p) {
		t.Fatalf("work dir holds %v, want %v", p, w)
	}
	for _, name := range names("whole") {
		w, _ := os.ReadFile(filepath.Join(dir, "whole", name))
		p, _ := os.ReadFile(filepath.Join(dir, "parts", name))
		if !bytes.Equal(w, p) {
			t.Errorf("%s differs after %d kills and resumes", name, killed)
		}
	}
}
