package backprop

import (
	"math/rand/v2"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// Every family of makemore.py's besides the Transformer, and our LSTM, on
// non-square shapes (n-embd 5, n-hidden 4), passes both checks on words of
// several lengths in one batch: the longest fills the block, one has no
// characters (its only row predicts the end), so that backprop through time
// stops at each word's own end. The start states and the bigram's table,
// zeros at init, are moved away from zero first, as are the LSTM's forget
// biases from 1.
func TestSequenceFamiliesAgainstReferenceAndFiniteDifferences(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, arch := range []string{model.ArchRNN, model.ArchGRU, model.ArchLSTM, model.ArchBoW, model.ArchBigram} {
		t.Run(arch, func(t *testing.T) {
			cfg := model.Config{Arch: arch, Vocab: 7, Block: 6, Embd: 5, Hidden: 4}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(11, 12))
			m := model.New(cfg)
			m.Init(r)
			for _, p := range m.Net.Params {
				if p.Init.Std == 0 && p.Init.Uniform == 0 {
					for i := range p.Of(m.Weights) {
						p.Of(m.Weights)[i] = float32(0.5 * r.NormFloat64())
					}
				}
			}
			x, y := sequenceBatch(r, cfg.Vocab, 3, 5, 0, 2, 5)
			checkEverything(t, pool, m, x, y)
		})
	}
}
