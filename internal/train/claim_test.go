package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/workdir"
)

// readFile is the bytes of path, failing the test when it cannot be read.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// While a run trains, a second Run in its work dir fails at once with a
// *workdir.LockedError, whatever it asks (resume, overwrite, a new run), and
// changes nothing; the lock ends with the first run, which finishes as if
// alone.
func TestRunHoldsTheWorkDir(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	dir := t.TempDir()
	opts := testOptions(t, pool, dir, 300)
	reached, goOn := make(chan struct{}), make(chan struct{})
	type outcome struct {
		res Result
		err error
	}
	first := make(chan outcome)
	go func() {
		res, err := Run(context.Background(), opts, &recorder{at: 150, do: func() { close(reached); <-goOn }})
		first <- outcome{res, err}
	}()
	<-reached
	saved := readFile(t, workdir.CheckpointPath(dir)) // the checkpoint of step 100
	resume, overwrite := opts, opts
	resume.Resume, overwrite.Overwrite = true, true
	for name, o := range map[string]Options{"new": opts, "resume": resume, "overwrite": overwrite} {
		_, err := Run(context.Background(), o, &recorder{})
		var le *workdir.LockedError
		if !errors.As(err, &le) || le.Dir != dir || le.PID != os.Getpid() {
			t.Errorf("%s run during another: %v, want a LockedError naming pid %d", name, err, os.Getpid())
		}
	}
	if !bytes.Equal(readFile(t, workdir.CheckpointPath(dir)), saved) {
		t.Error("the refused runs changed the checkpoint")
	}
	close(goOn)
	got := <-first
	if got.err != nil || got.res.Step != 300 {
		t.Fatalf("the first run: %+v, %v", got.res, got.err)
	}
	alone := t.TempDir()
	opts.WorkDir = alone
	runOK(t, opts, &recorder{})
	sameFiles(t, dir, alone)
	if _, err := os.Stat(workdir.LockPath(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock file after the run: %v", err)
	}
	resume.KeepMaxSteps = true
	if res := runOK(t, resume, &recorder{}); res.Step != 300 {
		t.Fatalf("resumed after the run: step %d", res.Step)
	}
}

// A new Run refuses a work dir that holds a trained model, with a
// *TrainedModelError and the model and its log left as they were, unless
// Overwrite: then it is the run it would be in an empty dir.
func TestRunRefusesToOverwrite(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	dir, fresh := t.TempDir(), t.TempDir()
	opts := testOptions(t, pool, dir, 200)
	opts.Diagnostics = 0
	runOK(t, opts, &recorder{})
	model, log := readFile(t, workdir.CheckpointPath(dir)), readFile(t, workdir.LossLogPath(dir))
	unchanged := func(what string) {
		t.Helper()
		if !bytes.Equal(readFile(t, workdir.CheckpointPath(dir)), model) || !bytes.Equal(readFile(t, workdir.LossLogPath(dir)), log) {
			t.Fatalf("%s changed the model or its log", what)
		}
	}

	opts.Seed = 8
	_, err := Run(context.Background(), opts, &recorder{})
	var tme *TrainedModelError
	if !errors.As(err, &tme) || tme.Path != workdir.CheckpointPath(dir) {
		t.Fatalf("new run over a trained model: %v, want a TrainedModelError naming %s", err, workdir.CheckpointPath(dir))
	}
	unchanged("the refused run")
	both := opts
	both.Resume, both.Overwrite = true, true
	if _, err := Run(context.Background(), both, &recorder{}); err == nil {
		t.Fatal("Resume and Overwrite together: no error")
	}
	unchanged("Resume with Overwrite")

	opts.Overwrite = true
	runOK(t, opts, &recorder{})
	if bytes.Equal(readFile(t, workdir.CheckpointPath(dir)), model) {
		t.Fatal("Overwrite kept the old model")
	}
	opts.WorkDir, opts.Overwrite = fresh, false
	runOK(t, opts, &recorder{})
	sameFiles(t, dir, fresh)
}

// A claimed work dir is held until released, against Run as against
// another Claim, and trains one run with the options it was claimed with.
func TestClaimHoldsUntilReleased(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	dir := t.TempDir()
	opts := testOptions(t, pool, dir, 100)
	c, err := Claim(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	var le *workdir.LockedError
	if _, err := Run(context.Background(), opts, &recorder{}); !errors.As(err, &le) {
		t.Fatalf("Run in a claimed work dir: %v, want a LockedError", err)
	}
	other := opts
	other.Overwrite = true
	if _, err := c.Run(context.Background(), other, &recorder{}); err == nil {
		t.Fatal("a claim ran with Overwrite it was not claimed with")
	}
	if _, err := c.Run(context.Background(), opts, &recorder{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), opts, &recorder{}); err == nil {
		t.Fatal("a claim ran a second run")
	}
	if _, err := os.Stat(workdir.LockPath(dir)); err != nil {
		t.Fatalf("the claim's lock file went before its release: %v", err)
	}
	c.Release()
	c2, err := Claim(Options{WorkDir: dir, Resume: true})
	if err != nil {
		t.Fatalf("Claim after Release: %v", err)
	}
	c.Release() // again: it must not free the claim that came since
	if _, err := Claim(Options{WorkDir: dir, Resume: true}); !errors.As(err, &le) {
		t.Fatalf("a released claim's second Release freed a later claim: %v", err)
	}
	c2.Release()
}
