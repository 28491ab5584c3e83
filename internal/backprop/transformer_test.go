package backprop

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// sequenceBatch is a batch of words of the given lengths as a sequence
// model reads them: each word's rows read the boundary and then its
// characters, and predict its characters and then the boundary.
func sequenceBatch(r *rand.Rand, vocab int, lengths ...int) (x, y []int32) {
	for _, n := range lengths {
		x = append(x, 0)
		for range n {
			c := int32(1 + r.IntN(vocab-1))
			y = append(y, c)
			x = append(x, c)
		}
		y = append(y, 0)
	}
	return x, y
}

// A small Transformer of 2 blocks and 2 heads on non-square shapes, every
// LayerNorm gain and bias moved away from 1 and 0, passes both checks on
// words of several lengths: one that fills the block, a word of no
// characters (its only row predicts the end) and a position no word reaches.
func TestTransformerAgainstReferenceAndFiniteDifferences(t *testing.T) {
	pool := kernels.NewPool(2)
	defer pool.Close()
	for _, c := range []struct {
		heads   int
		dropout float64
	}{{2, 0}, {3, 0}, {2, 0.2}} {
		heads := c.heads
		cfg := model.Config{Arch: model.ArchTransformer, Vocab: 7, Block: 6, Embd: 6, Heads: heads, Layers: 2, Dropout: c.dropout}
		r := rand.New(rand.NewPCG(9, uint64(heads)))
		m := model.New(cfg)
		m.Init(r)
		moveFromStart(m, r, func(name string) bool { return strings.HasSuffix(name, ".weight") },
			func(name string) bool { return strings.HasSuffix(name, ".bias") })
		x, y := sequenceBatch(r, cfg.Vocab, 3, 5, 0, 2)
		checkEverything(t, pool, m, x, y)
	}
}

// checkEverything runs both checks on the batch (x, y), every element of
// every parameter against its finite difference.
func checkEverything(t *testing.T, pool *kernels.Pool, m *model.Model, x, y []int32) {
	t.Helper()
	checkRows(t, CheckFused(pool, m, x, y), len(m.Net.Nodes)+1+len(m.Net.Params))
	numeric := CheckFiniteDiff(pool, m, x, y, 0)
	checkRows(t, numeric, len(m.Net.Params))
	for _, row := range numeric {
		if row.Checked != row.Total {
			t.Errorf("%s: only %d of %d elements checked", row.Name, row.Checked, row.Total)
		}
	}
}
