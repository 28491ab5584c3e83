package train

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/lossplot"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/workdir"
)

// recorder is an Observer that remembers what it saw, and calls do (to
// cancel the run, say) after step at when do is set.
type recorder struct {
	info     Info
	last     int
	periodic []int
	stopped  int // calls of Stopped
	final    int // step of the final save, -1 before it
	sampled  map[int][]string
	at       int
	do       func()
}

func (r *recorder) Started(i Info) { r.info, r.final = i, -1 }
func (r *recorder) Stepped(step int, _ float32) {
	r.last = step
	if r.do != nil && step == r.at {
		r.do()
	}
}
func (r *recorder) Stopped(int, time.Duration) { r.stopped++ }
func (r *recorder) Sampled(step int, words []string) {
	if r.sampled == nil {
		r.sampled = map[int][]string{}
	}
	r.sampled[step] = words
}
func (r *recorder) Saved(_ string, step int, final bool) {
	if final {
		r.final = step
	} else {
		r.periodic = append(r.periodic, step)
	}
}

// testOptions is a run small enough for a test: the words of train_test.go,
// a tiny model, a checkpoint every 100 steps.
func testOptions(t *testing.T, pool *kernels.Pool, dir string, steps int) Options {
	t.Helper()
	return Options{
		WorkDir: dir, Words: testFile(), Pool: pool, MaxSteps: steps,
		Model: model.Config{Block: 3, Embd: 4, Hidden: 16}, Seed: 7, BatchSize: 8,
		Schedule:        Schedule{LR: 0.1, DecayStep: steps / 2, DecayFactor: 0.1},
		CheckpointEvery: 100, EvalEvery: 50, Diagnostics: 30,
	}
}

func runOK(t *testing.T, opts Options, obs *recorder) Result {
	t.Helper()
	res, err := Run(context.Background(), opts, obs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// sameFiles fails unless the checkpoint, the loss log and the update log of
// two work dirs are the same bytes; a run without diagnostics has no update
// log in either.
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	for _, path := range []func(string) string{workdir.CheckpointPath, workdir.LossLogPath, workdir.UpdateLogPath} {
		x, errx := os.ReadFile(path(a))
		y, erry := os.ReadFile(path(b))
		if errors.Is(errx, os.ErrNotExist) && errors.Is(erry, os.ErrNotExist) && path(a) == workdir.UpdateLogPath(a) {
			continue
		}
		if errx != nil || erry != nil || len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s and %s differ (%v, %v)", path(a), path(b), errx, erry)
		}
	}
}

// transformerOptions makes a test run a small Transformer with dropout,
// trained with AdamW on a cosine schedule, whose moments the checkpoint must
// carry.
func transformerOptions(o *Options) {
	o.Model = model.Config{Arch: model.ArchTransformer, Block: o.Words.MaxLen() + 1, Embd: 8, Heads: 2, Layers: 1}
	o.Optimizer = Optimizer{Name: AdamW, WeightDecay: 0.1}
	o.Schedule = Schedule{LR: 1e-2, DecayStep: o.MaxSteps, DecayFactor: 1, CosineSteps: o.MaxSteps}
	o.Model.Dropout = 0.1
	o.Diagnostics = 0 // lecture 3's ratio is SGD's
}

// A run interrupted through its context saves where it stopped, and resumed
// to the end it leaves the same files as a run never interrupted: an MLP
// trained with SGD, and a Transformer with AdamW.
func TestInterruptThenResumeIsIdentical(t *testing.T) {
	for _, c := range []struct {
		name string
		opts func(*Options)
	}{{"mlp", func(*Options) {}}, {"transformer", transformerOptions}} {
		t.Run(c.name, func(t *testing.T) { interruptThenResume(t, c.opts) })
	}
}

func interruptThenResume(t *testing.T, tweak func(*Options)) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	testOptions := func(t *testing.T, pool *kernels.Pool, dir string, steps int) Options {
		o := testOptions(t, pool, dir, steps)
		tweak(&o)
		return o
	}
	whole, parts := t.TempDir(), t.TempDir()
	full := runOK(t, testOptions(t, pool, whole, 600), &recorder{})
	if full.Interrupted || full.Step != 600 || !(full.Train.Mean > 0) || !(full.Val.Mean > 0) {
		t.Fatalf("uninterrupted run: %+v", full)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	obs := &recorder{at: 250, do: cancel}
	res, err := Run(ctx, testOptions(t, pool, parts, 600), obs)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Step != 250 || res.MaxSteps != 600 || obs.last != 250 || obs.stopped != 1 || obs.final != 250 ||
		!reflect.DeepEqual(obs.periodic, []int{100, 200}) {
		t.Fatalf("interrupted run: %+v, observed %+v", res, obs)
	}
	if st := loadState(t, parts); st.Step != 250 || st.MaxSteps != 600 {
		t.Fatalf("checkpoint of the interrupted run: %+v", st)
	}

	resume := testOptions(t, pool, parts, 0)
	resume.Resume, resume.KeepMaxSteps = true, true
	resume.Schedule, resume.Seed = Schedule{}, 0 // a resumed run takes them from the checkpoint
	obs = &recorder{}
	res = runOK(t, resume, obs)
	if res.Interrupted || res.Step != 600 || !obs.info.Resumed || obs.info.Step != 250 || res.Train != full.Train || res.Val != full.Val {
		t.Fatalf("resumed run: %+v, started with %+v; uninterrupted %+v", res, obs.info, full)
	}
	sameFiles(t, whole, parts)
}

// A finished run resumed with more steps continues exactly: the same files
// as one run of all the steps. Fewer steps than taken is refused.
func TestResumeContinuesExactly(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	once, twice := t.TempDir(), t.TempDir()
	opts := testOptions(t, pool, once, 500)
	runOK(t, opts, &recorder{})
	opts.WorkDir, opts.MaxSteps = twice, 300
	runOK(t, opts, &recorder{})
	opts.Resume, opts.MaxSteps = true, 500
	if res := runOK(t, opts, &recorder{}); res.Step != 500 {
		t.Fatalf("resumed run stopped at step %d, want 500", res.Step)
	}
	sameFiles(t, once, twice)

	opts.MaxSteps = 499
	var mse *MaxStepsError
	if _, err := Run(context.Background(), opts, &recorder{}); !errors.As(err, &mse) || mse.Step != 500 {
		t.Fatalf("resuming a 500-step checkpoint with MaxSteps 499: %v", err)
	}
	sameFiles(t, once, twice) // and the refused run wrote nothing
}

// A learning rate that blows up stops the run with a *DivergedError and
// leaves the last periodic checkpoint loadable, its loss log with it.
func TestDivergenceKeepsLastCheckpoint(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	dir := t.TempDir()
	opts := testOptions(t, pool, dir, 1000)
	opts.Schedule = Schedule{LR: 0.1, DecayStep: 250, DecayFactor: 1e31} // 1e30 from step 250
	obs := &recorder{}
	_, err := Run(context.Background(), opts, obs)
	var d *DivergedError
	if !errors.As(err, &d) || d.Step < 250 || d.LR != 1e30 {
		t.Fatalf("err %v, want a *DivergedError at step 250 or later with learning rate 1e30", err)
	}
	if obs.stopped != 0 || obs.final != -1 || len(obs.periodic) != 2 {
		t.Fatalf("observed %+v: want the checkpoints at 100 and 200 and no final one", obs)
	}
	ck, err := workdir.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := ParseState(ck.Metadata); err != nil || st.Step != 200 {
		t.Fatalf("checkpoint left by the diverged run: %+v, %v; want step 200", st, err)
	}
	f, err := os.Open(workdir.LossLogPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if l, err := lossplot.Parse(f.Name(), f); err != nil || len(l.Step) < 200 {
		t.Fatalf("loss log of the diverged run: %v", err)
	}
}

func loadState(t *testing.T, dir string) State {
	t.Helper()
	ck, err := workdir.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseState(ck.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The metadata keys and their formatting are the checkpoint format: old
// checkpoints must keep loading and new ones keep their bytes.
func TestStateMetadata(t *testing.T) {
	rng, _ := rand.NewPCG(1, 2).MarshalBinary()
	st := State{Step: 123, MaxSteps: 200000, BatchSize: 32, Schedule: Schedule{LR: 0.1, DecayStep: 100000, DecayFactor: 0.1}, RNG: rng}
	kv := st.Metadata()
	want := map[string]string{"step": "123", "max_steps": "200000", "batch_size": "32", "learning_rate": "0.1",
		"lr_decay_step": "100000", "lr_decay": "0.1", "rng_state": hex.EncodeToString(rng)}
	if !reflect.DeepEqual(kv, want) {
		t.Fatalf("metadata %v, want %v", kv, want)
	}
	if got, err := ParseState(kv); err != nil || !reflect.DeepEqual(got, st) {
		t.Fatalf("parsed %+v, %v; want %+v", got, err, st)
	}
	kv["rng_state"] = "00ff" // hex, but not a generator state
	if _, err := ParseState(kv); !errors.Is(err, errNoRNG) {
		t.Fatalf("bad rng_state: %v", err)
	}
	kv = st.Metadata()
	kv["learning_rate"] = "NaN"
	delete(kv, "step")
	if _, err := ParseState(kv); err == nil || !strings.Contains(err.Error(), "[step learning_rate]") {
		t.Fatalf("bad learning_rate, no step: %v", err)
	}
}

// A signal that lands during the last step leaves a finished run: measured,
// not "interrupted at step N of N".
func TestCancelDuringLastStepFinishes(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	obs := &recorder{at: 200, do: cancel}
	res, err := Run(ctx, testOptions(t, pool, t.TempDir(), 200), obs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Interrupted || res.Step != 200 || !(res.Train.Mean > 0) || !(res.Val.Mean > 0) {
		t.Fatalf("result %+v: want a finished, measured run", res)
	}
}

// A batch that batchnorm cannot take, of one example, is refused before
// training, for a new run and for a checkpoint that says so, not reported as
// divergence later.
func TestBatchSizeChecked(t *testing.T) {
	pool := kernels.NewPool(1)
	defer pool.Close()
	opts := testOptions(t, pool, t.TempDir(), 100)
	opts.BatchSize = 1
	if _, err := Run(context.Background(), opts, &recorder{}); err == nil || !strings.Contains(err.Error(), "batch size must be at least 2 with batchnorm") {
		t.Fatalf("batch 1: err %v", err)
	}

	dir := t.TempDir()
	runOK(t, testOptions(t, pool, dir, 100), &recorder{})
	ck, err := workdir.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := loadState(t, dir)
	st.BatchSize = 1
	if err := ck.Model.Save(workdir.CheckpointPath(dir), ck.Meta, st.Metadata()); err != nil {
		t.Fatal(err)
	}
	opts = testOptions(t, pool, dir, 200)
	opts.Resume = true
	if _, err := Run(context.Background(), opts, &recorder{}); err == nil || !strings.Contains(err.Error(), "batch_size: batch size must be") {
		t.Fatalf("resuming a checkpoint of batch 1: err %v", err)
	}
}

// SampleEvery hands the observer PreviewWords words every N steps, the same
// on any number of threads, and changes nothing of the run: its checkpoint
// and logs are those of a run without previews.
func TestPreviewsChangeNothing(t *testing.T) {
	var previews []map[int][]string
	for _, threads := range []int{1, 2} {
		pool := kernels.NewPool(threads)
		defer pool.Close()
		plain, with := t.TempDir(), t.TempDir()
		runOK(t, testOptions(t, pool, plain, 200), &recorder{})
		opts := testOptions(t, pool, with, 200)
		opts.SampleEvery = 80
		obs := &recorder{}
		runOK(t, opts, obs)
		sameFiles(t, plain, with)
		if len(obs.sampled) != 2 || len(obs.sampled[80]) != PreviewWords || len(obs.sampled[160]) != PreviewWords {
			t.Fatalf("%d threads: previews %v, want %d words at steps 80 and 160", threads, obs.sampled, PreviewWords)
		}
		previews = append(previews, obs.sampled)
	}
	if !reflect.DeepEqual(previews[0], previews[1]) {
		t.Fatalf("previews on 1 thread %v, on 2 %v", previews[0], previews[1])
	}
}
