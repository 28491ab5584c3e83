package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

var testWords = strings.Fields("emma olivia ava isabella sophia mia charlotte amelia harper evelyn abigail emily liam noah william james oliver benjamin elijah lucas mason logan alexander ethan")

// testFile is testWords as a words file.
func testFile() *data.File {
	f, err := data.Parse("words.txt", []byte(strings.Join(testWords, "\n")))
	if err != nil {
		panic(err)
	}
	return f
}

func newTrainer(threads int, cfg model.Config, steps int) (*Trainer, *kernels.Pool, *data.Dataset) {
	return newTrainerBatch(threads, cfg, steps, 16)
}

func newTrainerBatch(threads int, cfg model.Config, steps, batch int) (*Trainer, *kernels.Pool, *data.Dataset) {
	f := testFile()
	v := f.Vocab()
	cfg.Vocab = v.Size()
	if cfg.Sequence() {
		cfg.Block = f.MaxLen() + 1
	}
	ds := data.NewDataset(f, v, cfg.Context())
	m := model.New(cfg)
	m.Init(data.NewRand(9, data.StreamInit))
	pool := kernels.NewPool(threads)
	opt, lr := Optimizer{}, 0.1
	if cfg.Sequence() {
		opt, lr = MakemorePy[model.ArchTransformer].Optimizer, 1e-3
	}
	return New(m, pool, ds, batch, rand.NewPCG(9, data.StreamBatch), Schedule{LR: lr, DecayStep: steps / 2, DecayFactor: 0.1}, opt), pool, ds
}

func run(t *testing.T, tr *Trainer, steps int) []float32 {
	t.Helper()
	var losses []float32
	for tr.Step < steps {
		loss, _, err := tr.StepOnce()
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, loss)
	}
	return losses
}

func TestTrainingLearns(t *testing.T) {
	tr, pool, ds := newTrainer(1, model.Config{Block: 3, Embd: 4, Hidden: 32}, 2000)
	defer pool.Close()
	ev := model.NewEvaluator(tr.Model, pool)
	ev.Calibrate(ds, nil)
	before := ev.Loss(ds, nil)
	run(t, tr, 2000)
	ev.Calibrate(ds, nil)
	after := ev.Loss(ds, nil)
	if !(after < before-1) {
		t.Fatalf("loss %.3f before training, %.3f after 2000 steps: not learning", before, after)
	}
}

// Every thread count must give the same bits: each output element of every
// product is computed by one worker in a fixed order. The shape is big enough
// (batch 64 × 48 inputs × 128 hidden) that the pool splits the first layer's
// products, which the test checks, or it would prove nothing.
func TestThreadCountsGiveIdenticalWeights(t *testing.T) {
	for _, cfg := range []model.Config{
		{Block: 3, Embd: 16, Hidden: 128},
		// The wavenet's second level: 64 × 2 rows × 256 inputs × 128 hidden.
		{Block: 4, Embd: 16, Hidden: 128, Arch: model.ArchWaveNet, Activation: model.ActGELU},
		{Block: 3, Embd: 16, Hidden: 128, Layers: 2, Activation: model.ActReLU, NoBias: true, OutputBN: true},
		// 64 words of about 7 rows × 16 inputs × 48 (qkv): the block's products split.
		{Arch: model.ArchTransformer, Embd: 16, Heads: 2, Layers: 1},
		// The cells' projections of every step's input: 450 rows × 16 × 48.
		{Arch: model.ArchRNN, Embd: 16, Hidden: 48},
		{Arch: model.ArchGRU, Embd: 16, Hidden: 48},
		{Arch: model.ArchLSTM, Embd: 16, Hidden: 48},
		{Arch: model.ArchBoW, Embd: 16, Hidden: 48},
	} {
		threadIdentity(t, cfg)
	}
}

func threadIdentity(t *testing.T, cfg model.Config) {
	// -short, as under emulation, runs fewer steps: each of them splits, and
	// a difference shows from the step it arises in.
	steps := 300
	if testing.Short() {
		steps = 10
	}
	var ref []float32
	var refLoss []float32
	for _, threads := range []int{1, 2, 3} {
		tr, pool, _ := newTrainerBatch(threads, cfg, steps, 64)
		losses := run(t, tr, steps)
		splits := pool.Splits()
		pool.Close()
		if threads > 1 && splits < uint64(steps) {
			t.Fatalf("%+v, threads %d: the pool split %d products in %d steps; the test needs it to split every step", cfg, threads, splits, steps)
		}
		if ref == nil {
			ref, refLoss = tr.Model.Weights, losses
			continue
		}
		if !slices.Equal(ref, tr.Model.Weights) || !slices.Equal(refLoss, losses) {
			t.Fatalf("%+v, threads %d: weights or losses differ from threads 1", cfg, threads)
		}
	}
}

// diverge trains with learning rate lr until a step reports a *DivergedError,
// and returns it.
func diverge(t *testing.T, lr float64) *DivergedError {
	t.Helper()
	tr, pool, _ := newTrainer(1, model.Config{Block: 3, Embd: 4, Hidden: 8}, 100)
	defer pool.Close()
	tr.Schedule = Schedule{LR: lr, DecayStep: 100, DecayFactor: 1}
	for range 100 {
		_, _, err := tr.StepOnce()
		if d, ok := err.(*DivergedError); ok {
			if d.Step != tr.Step || d.Limit != LossLimit(tr.Model.Vocab) || !strings.Contains(err.Error(), "--learning-rate") {
				t.Fatalf("error %q (%+v) at step %d", err, d, tr.Step)
			}
			return d
		}
	}
	t.Fatalf("a learning rate of %g did not diverge in 100 steps", lr)
	return nil
}

func TestDivergenceIsReported(t *testing.T) { diverge(t, 1e30) }

// A loss that explodes without ever reaching NaN or Inf is a divergence too,
// reported with the limit it passed.
func TestExplodedLossIsDivergence(t *testing.T) {
	d := diverge(t, 1e6)
	if math.IsNaN(float64(d.Loss)) || math.IsInf(float64(d.Loss), 0) || d.Loss <= d.Limit ||
		!strings.Contains(d.Error(), fmt.Sprintf("(over %.4g, 100 times a uniform guess's)", d.Limit)) {
		t.Fatalf("error %q (%+v), want a finite loss over the limit", d, d)
	}
}

// allocRuns is how many steps the allocation tests average over: fewer under
// -short, as under emulation, where a step of the larger presets takes
// seconds; an allocation in every step shows in any number of them.
func allocRuns() int {
	if testing.Short() {
		return 3
	}
	return 50
}

// A step allocates nothing, for every preset, also when the pool splits its
// products (batch 64), which the test checks.
func TestStepAllocatesNothing(t *testing.T) {
	for _, name := range PresetNames {
		cfg := Presets[name].Model
		if cfg.Sequence() {
			cfg.Block = 0 // the test words' own
		}
		tr, pool, _ := newTrainerBatch(2, cfg, 1000, 64)
		tr.StepOnce()
		before := pool.Splits()
		if n := testing.AllocsPerRun(allocRuns(), func() { tr.StepOnce() }); n != 0 {
			t.Errorf("%s: %v allocations per step, want 0", name, n)
		}
		if pool.Splits() == before && len(tr.Model.Net.Nodes) > 0 { // a bigram has no product
			t.Errorf("%s: the pool split no product: the test must cover the parallel path", name)
		}
		pool.Close()
	}
}

// The probe scores the weights with statistics of its own: the model's stored
// statistics stay as they were, and it agrees with a full eval when its
// samples cover the whole split.
func TestValProbe(t *testing.T) {
	tr, pool, ds := newTrainer(2, model.Config{Block: 3, Embd: 4, Hidden: 32}, 200)
	defer pool.Close()
	run(t, tr, 200)
	m := tr.Model
	for j := range m.Stats {
		m.Stats[j] = 0.25
	}
	p := NewValProbe(m, pool, ds, ds) // ds is smaller than ProbeRows: both samples are all of it
	got := p.Loss()
	if slices.ContainsFunc(m.Stats, func(v float32) bool { return v != 0.25 }) {
		t.Fatal("the probe changed the model's batchnorm statistics")
	}
	if again := p.Loss(); again != got {
		t.Fatalf("probe gave %v then %v on the same weights", got, again)
	}
	ev := model.NewEvaluator(m, pool)
	ev.Calibrate(ds, nil)
	if want := ev.Loss(ds, nil); got != want {
		t.Fatalf("probe loss %v, full eval %v", got, want)
	}
}

// The bigram preset learns what counting learns: lecture 1's bigram, the
// counts of the training split's pairs with +1 smoothing, gives names.txt's
// val split a loss the trained table reaches to 0.01.
func TestBigramPresetReachesCounting(t *testing.T) {
	words, err := data.Parse("names.txt", makemore.Names)
	if err != nil {
		t.Fatal(err)
	}
	v := words.Vocab()
	sp, err := data.BuildSplits(words, v, 1, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := v.Size()
	counts := make([]float64, n*n) // prev → next, +1 each
	for i := range counts {
		counts[i] = 1
	}
	x, y := make([]int32, 1), make([]int32, 1)
	for i := range sp.Train.Len() {
		sp.Train.Gather(i, x, y)
		counts[int(x[0])*n+int(y[0])]++
	}
	var nll float64
	for i := range sp.Val.Len() {
		sp.Val.Gather(i, x, y)
		row := counts[int(x[0])*n : int(x[0]+1)*n]
		var sum float64
		for _, c := range row {
			sum += c
		}
		nll -= math.Log(row[y[0]] / sum)
	}
	counting := nll / float64(sp.Val.Len())

	pool := kernels.NewPool(2)
	defer pool.Close()
	p := Presets["bigram"]
	p.Model.Block = words.MaxLen() + 1 // the words' own, as makemore train takes it
	res, err := Run(context.Background(), Options{WorkDir: t.TempDir(), Words: words, Pool: pool, Model: p.Model, Seed: 42,
		BatchSize: p.BatchSize, MaxSteps: p.MaxSteps, Schedule: p.Schedule, Optimizer: p.Optimizer}, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(res.Val.Mean - counting); d > 0.01 {
		t.Fatalf("bigram preset val %.4f, counting %.4f: %.4f apart", res.Val.Mean, counting, d)
	}
	t.Logf("bigram preset val %.4f, counting %.4f", res.Val.Mean, counting)
}
