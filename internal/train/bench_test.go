package train

import (
	"fmt"
	"math/rand/v2"
	"testing"

	makemore "github.com/makemore/makemore"
	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// benchSetup builds the training split of the bundled names and a model of the given shape.
func benchSetup(b *testing.B, embd, hidden int) (*model.Model, *data.Dataset) {
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
	ds := data.Build(sp.Train, v, 3)
	m := model.New(model.Config{Vocab: v.Size(), Block: 3, Embd: embd, Hidden: hidden})
	m.Init(data.NewRand(42, data.StreamInit))
	return m, ds
}

// BenchmarkStep is one full SGD step (batch, forward, backward, update) at the
// lecture's default shape and at a larger one.
func BenchmarkStep(b *testing.B) {
	for _, c := range []struct {
		name                string
		batch, embd, hidden int
	}{{"default", 32, 10, 200}, {"large", 128, 24, 512}} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", c.name, threads), func(b *testing.B) {
				m, ds := benchSetup(b, c.embd, c.hidden)
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

// BenchmarkEval is the eval-mode loss over the whole training split.
func BenchmarkEval(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			m, ds := benchSetup(b, 10, 200)
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
