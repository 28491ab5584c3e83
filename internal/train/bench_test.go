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
	v := data.NewVocab(f.Words)
	sp, err := data.SplitWords(f.Name, f.Words, 42)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Vocab = v.Size()
	ds := data.Build(sp.Train, v, cfg.Block)
	m := model.New(cfg)
	m.Init(data.NewRand(42, data.StreamInit))
	return m, ds
}

// BenchmarkStep is one full SGD step (batch, forward, backward, update) at the
// lecture's default shape, at a larger one, and for the presets of lectures
// 3 and 5.
func BenchmarkStep(b *testing.B) {
	for _, c := range []struct {
		name  string
		batch int
		cfg   model.Config
	}{
		{"default", 32, Presets["part4"].Model},
		{"large", 128, model.Config{Block: 3, Embd: 24, Hidden: 512}},
		{"part3", Presets["part3"].BatchSize, Presets["part3"].Model},
		{"part5", Presets["part5"].BatchSize, Presets["part5"].Model},
	} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", c.name, threads), func(b *testing.B) {
				m, ds := benchSetup(b, c.cfg)
				pool := kernels.NewPool(threads)
				defer pool.Close()
				tr := New(m, pool, ds, c.batch, rand.NewPCG(1, data.StreamBatch), Schedule{LR: 0.01, DecayStep: 1 << 30, DecayFactor: 1})
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := tr.StepOnce(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/step")
			})
		}
	}
}

// BenchmarkDiagnostics is BenchmarkStep's step without train --diagnostics
// ("off") and with it at its default cadence, and with it at every step,
// whose difference from "off" is the cost of one measurement: the lecture's
// default model and lecture 5's, which has the most weights. Compare "off"
// and the default cadence in alternated runs (they differ by less than the
// noise of a shared machine).
func BenchmarkDiagnostics(b *testing.B) {
	for _, c := range []struct {
		name  string
		batch int
		cfg   model.Config
	}{
		{"default", 32, Presets["part4"].Model},
		{"part5", Presets["part5"].BatchSize, Presets["part5"].Model},
	} {
		for _, every := range []int{0, DefaultDiagnosticsEvery, 1} {
			name := fmt.Sprintf("%s/every=%d", c.name, every)
			if every == 0 {
				name = c.name + "/off"
			}
			b.Run(name, func(b *testing.B) {
				m, ds := benchSetup(b, c.cfg)
				pool := kernels.NewPool(1)
				defer pool.Close()
				tr := New(m, pool, ds, c.batch, rand.NewPCG(1, data.StreamBatch), Schedule{LR: 0.01, DecayStep: 1 << 30, DecayFactor: 1})
				var u *updateLog
				if every > 0 {
					var err error
					if u, err = openUpdateLog(filepath.Join(b.TempDir(), "update.csv"), tr, every); err != nil {
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
			})
		}
	}
}

// BenchmarkEval is the eval-mode loss over the whole training split.
func BenchmarkEval(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			m, ds := benchSetup(b, Presets["part4"].Model)
			pool := kernels.NewPool(threads)
			defer pool.Close()
			ev := model.NewEvaluator(m, pool)
			ev.Calibrate(ds.X)
			for b.Loop() {
				ev.Loss(ds.X, ds.Y)
			}
			b.ReportMetric(float64(ds.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
