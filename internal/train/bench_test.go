package train

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// benchSetup builds the training split of the bundled names and a model of
// configuration cfg (its vocabulary the names').
func benchSetup(b *testing.B, cfg model.Config) (*model.Model, *data.Dataset) {
	b.Helper()
	f, err := data.Parse("names.txt", makemore.Names)
	if err != nil {
		b.Fatal(err)
	}
	v := f.Vocab()
	cfg.Vocab = v.Size()
	sp, err := data.BuildSplits(f, v, cfg.Context(), 42, nil)
	if err != nil {
		b.Fatal(err)
	}
	m := model.New(cfg)
	m.Init(data.NewRand(42, data.StreamInit))
	return m, sp.Train
}

// BenchmarkStep is one full SGD step (batch, forward, backward, update) at the
// lecture's default shape, at a larger one, and for the presets of lectures
// 3 and 5. For the default model and lecture 5's (the most weights) it also
// runs on one thread with train --diagnostics at its default cadence, and
// at every step, whose difference from the step without is the cost of one
// measurement. The cadence's cost is below the noise of a shared machine:
// compare it in alternated runs.
func BenchmarkStep(b *testing.B) {
	for _, c := range []struct {
		name  string
		batch int
		cfg   model.Config
		opt   Optimizer
		diag  bool
	}{
		{"default", 32, Presets["part4"].Model, Optimizer{}, true},
		{"large", 128, model.Config{Block: 3, Embd: 24, Hidden: 512}, Optimizer{}, false},
		{"part3", Presets["part3"].BatchSize, Presets["part3"].Model, Optimizer{}, false},
		{"part5", Presets["part5"].BatchSize, Presets["part5"].Model, Optimizer{}, true},
		// makemore.py's models at its defaults, words of names.txt (block 16)
		{"transformer", 32, makemorePyModel(model.ArchTransformer), MakemorePy[model.ArchTransformer].Optimizer, false},
		{"rnn", 32, makemorePyModel(model.ArchRNN), MakemorePy[model.ArchRNN].Optimizer, false},
		{"gru", 32, makemorePyModel(model.ArchGRU), MakemorePy[model.ArchGRU].Optimizer, false},
		{"lstm", 32, makemorePyModel(model.ArchLSTM), MakemorePy[model.ArchLSTM].Optimizer, false},
		{"bow", 32, makemorePyModel(model.ArchBoW), MakemorePy[model.ArchBoW].Optimizer, false},
	} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", c.name, threads), func(b *testing.B) { benchStep(b, c.cfg, c.opt, c.batch, threads, 0) })
		}
		if c.diag {
			for _, every := range []int{DefaultDiagnosticsEvery, 1} {
				b.Run(fmt.Sprintf("%s/diagnostics=%d/threads=1", c.name, every), func(b *testing.B) { benchStep(b, c.cfg, c.opt, c.batch, 1, every) })
			}
		}
	}
}

// makemorePyModel is makemore.py's model arch over names.txt's words.
func makemorePyModel(arch string) model.Config {
	c := MakemorePy[arch].Model
	c.Block = 16
	return c
}

// benchStep times training steps of the model cfg, logging the update
// ratios every diagEvery steps unless it is 0.
func benchStep(b *testing.B, cfg model.Config, opt Optimizer, batch, threads, diagEvery int) {
	m, ds := benchSetup(b, cfg)
	pool := kernels.NewPool(threads)
	defer pool.Close()
	tr := New(m, pool, ds, batch, rand.NewPCG(1, data.StreamBatch), Schedule{LR: 0.01, DecayStep: 1 << 30, DecayFactor: 1}, opt)
	var u *updateLog
	if diagEvery > 0 {
		var err error
		if u, err = openUpdateLog(filepath.Join(b.TempDir(), "update.csv"), tr, diagEvery); err != nil {
			b.Fatal(err)
		}
		defer u.w.Close()
	}
	b.ReportAllocs()
	for b.Loop() {
		step := tr.Step
		_, lr, err := tr.StepOnce()
		if err != nil {
			b.Fatal(err)
		}
		if u != nil {
			u.add(tr, step, lr)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/step")
}

// BenchmarkEval is the eval-mode loss over the whole training split.
func BenchmarkEval(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			m, ds := benchSetup(b, Presets["part4"].Model)
			pool := kernels.NewPool(threads)
			defer pool.Close()
			ev := model.NewEvaluator(m, pool)
			ev.Calibrate(ds, nil)
			for b.Loop() {
				ev.Loss(ds, nil)
			}
			b.ReportMetric(float64(ds.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
