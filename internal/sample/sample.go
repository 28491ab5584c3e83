// Package sample makes up new words with a trained model, one character at a
// time, as the lecture's sampling loop does.
package sample

import (
	"math"
	"math/rand/v2"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/model"
)

// Sampler draws words from a model in eval mode (calibrated batchnorm).
type Sampler struct {
	m      *model.Model
	ev     *model.Evaluator
	vocab  *data.Vocab
	maxLen int       // characters before a word is cut off
	ctx    []int32   // [Block] current context
	probs  []float64 // [Vocab]
	out    []int
}

// New returns a Sampler that stops a word at the boundary token or after
// maxLen characters, whichever comes first, so that even a model that never
// predicts the boundary terminates.
func New(m *model.Model, ev *model.Evaluator, vocab *data.Vocab, maxLen int) *Sampler {
	return &Sampler{m: m, ev: ev, vocab: vocab, maxLen: max(maxLen, 1),
		ctx: make([]int32, m.Block), probs: make([]float64, m.Vocab)}
}

// Word draws one word with r.
func (s *Sampler) Word(r *rand.Rand) string {
	clear(s.ctx)
	s.out = s.out[:0]
	for len(s.out) < s.maxLen {
		logits := s.ev.Logits(s.ctx, 1)
		t := draw(r, softmax(s.probs, logits))
		if t == data.Boundary {
			break
		}
		s.out = append(s.out, t)
		copy(s.ctx, s.ctx[1:])
		s.ctx[len(s.ctx)-1] = int32(t)
	}
	return s.vocab.Decode(s.out)
}

// softmax writes p[V] = softmax(logits[V]) in float64 and returns p.
func softmax(p []float64, logits []float32) []float64 {
	mx := logits[0]
	for _, v := range logits {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v - mx))
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// draw picks index i with probability p[i].
func draw(r *rand.Rand, p []float64) int {
	u := r.Float64()
	for i, v := range p {
		if u < v {
			return i
		}
		u -= v
	}
	return len(p) - 1 // u landed in the rounding slack at the top
}
