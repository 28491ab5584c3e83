package train

import (
	"math/rand/v2"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
	"github.com/makemore/makemore/internal/sample"
)

// PreviewWords is how many words a preview draws: makemore.py's ten.
const PreviewWords = 10

// preview draws words from a model as it trains, so that a learner watches
// them get better. Like the val probe, it calibrates batchnorm on a fixed
// sample of training contexts into statistics of its own, and it draws with
// a generator of its own: the run's weights, statistics and minibatches are
// the same with previews or without.
type preview struct {
	s     *sample.Sampler
	cal   *data.Dataset // ≤ProbeRows training examples for the statistics
	r     *rand.Rand
	vocab *data.Vocab
}

func newPreview(m *model.Model, pool *kernels.Pool, vocab *data.Vocab, meta model.Meta, trainSet *data.Dataset) *preview {
	return &preview{
		s:     sample.New(m.WithOwnStats(), pool, vocab, meta.MaxWordLen),
		cal:   trainSet.Head(ProbeRows),
		r:     data.NewRand(meta.Seed, data.StreamPreview),
		vocab: vocab,
	}
}

// words draws PreviewWords words from the model's current weights, as
// sample draws them (temperature 1, every character).
func (p *preview) words() []string {
	p.s.Calibrate(p.cal)
	w := make([]string, PreviewWords)
	for i := range w {
		w[i] = p.vocab.Decode(p.s.Draw(p.r, sample.Options{Temperature: 1}).Tokens)
	}
	return w
}
