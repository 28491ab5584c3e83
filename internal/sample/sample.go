// Package sample makes up new words with a trained model, one character at a
// time, as the lecture's sampling loop does, and scores given words.
package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/makemore/makemore/internal/data"
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// Sampler draws and scores words with a model in eval mode (calibrated
// batchnorm). It is used from one goroutine at a time.
type Sampler struct {
	m      *model.Model
	ev     *model.Evaluator // an MLP's, nil for a sequence model
	dec    *model.Decoder   // a sequence model's, nil for an MLP
	vocab  *data.Vocab
	maxLen int       // characters before a word is cut off
	ctx    []int32   // [Block] current context of an MLP
	cur    []float32 // [Vocab] the logits of the next character
	probs  []float64 // [Vocab] the distribution drawn from
	logits []float64 // [Vocab] scaled logits
	sorted []float64 // [Vocab] scratch for top-k
}

// Options shape the distribution each character is drawn from.
type Options struct {
	// Temperature divides the logits: below 1 sharpens the distribution
	// towards the likeliest characters, above 1 flattens it; 1 is the model's.
	Temperature float64
	// TopK keeps only the k likeliest characters at each step (0: all).
	TopK int
	// Prefix is the characters every word starts with.
	Prefix []int
}

// Sample is one drawn word.
type Sample struct {
	Tokens []int
	// LogProb is the natural log of the probability the model itself
	// (temperature 1, every character) gives the word and its end.
	LogProb float64
	// Truncated is set when the word reached the length cap and the next
	// draw was a character rather than the end: the model did not end it.
	// LogProb then covers the characters only.
	Truncated bool
}

// New returns a Sampler that stops a word at the boundary token or, when the
// model would go on, at maxLen characters, so that even a model that never
// predicts the boundary terminates. An MLP runs through a model.Evaluator on
// pool, a row at a time (one worker is all it uses, but for Calibrate). A
// sequence model runs through a model.Decoder, which keeps the prefix's keys
// and values; its words have at most Block−1 characters, their end taking
// the last position.
func New(m *model.Model, pool *kernels.Pool, vocab *data.Vocab, maxLen int) *Sampler {
	s := &Sampler{m: m, vocab: vocab, maxLen: max(maxLen, 1),
		ctx: make([]int32, m.Block), probs: make([]float64, m.Vocab), logits: make([]float64, m.Vocab)}
	if m.Sequence() {
		s.dec = model.NewDecoder(m)
		s.maxLen = min(s.maxLen, m.Block-1)
	} else {
		s.ev = model.NewEvaluator(m, pool)
	}
	return s
}

// Calibrate measures the model's batchnorm statistics over rows, for a
// model sampled while it trains, whose own are not yet measured. A model
// without batchnorm has none to measure.
func (s *Sampler) Calibrate(rows model.Rows) {
	if s.ev != nil {
		s.ev.Calibrate(rows, nil)
	}
}

// MaxChars is the most characters a word the model can score or extend
// has, or 0 when there is no such limit (an MLP's context slides).
func (s *Sampler) MaxChars() int {
	if s.dec != nil {
		return s.m.Block - 1
	}
	return 0
}

// start begins a word: cur holds the logits of its first character.
func (s *Sampler) start() {
	if s.dec != nil {
		s.dec.Reset()
		s.cur = s.dec.Next(data.Boundary)
		return
	}
	clear(s.ctx)
	s.cur = s.ev.Logits(s.ctx, 1)
}

// push appends t to the word: cur then holds the logits of the character
// after it.
func (s *Sampler) push(t int) {
	if s.dec != nil {
		s.cur = s.dec.Next(t)
		return
	}
	copy(s.ctx, s.ctx[1:])
	s.ctx[len(s.ctx)-1] = int32(t)
	s.cur = s.ev.Logits(s.ctx, 1)
}

// Validate reports options that cannot be sampled with.
func (o Options) Validate(vocabSize int) error {
	switch {
	case !(o.Temperature > 0) || math.IsInf(o.Temperature, 0):
		return fmt.Errorf("temperature must be a finite number above 0, got %v", o.Temperature)
	case o.TopK < 0:
		return fmt.Errorf("top-k must be 0 (all) or more, got %d", o.TopK)
	}
	for _, t := range o.Prefix {
		if t <= data.Boundary || t >= vocabSize {
			return fmt.Errorf("prefix token %d is not a character of the vocabulary", t)
		}
	}
	return nil
}

// Draw draws one word with r. The cap grows to fit a longer prefix.
func (s *Sampler) Draw(r *rand.Rand, o Options) Sample {
	s.start()
	out := Sample{Tokens: slices.Clone(o.Prefix)}
	for _, t := range o.Prefix {
		out.LogProb += s.step(t)
	}
	for {
		logits := s.cur
		t := draw(r, s.distribution(logits, o))
		// At the cap the end is still drawn for, so that a word as long as
		// the longest training word can end there, with the same log
		// probability LogProb gives it.
		if t != data.Boundary && len(out.Tokens) >= max(s.maxLen, len(o.Prefix)) {
			out.Truncated = true
			return out
		}
		out.LogProb += logSoftmax(logits, t)
		if t == data.Boundary {
			return out
		}
		out.Tokens = append(out.Tokens, t)
		s.push(t)
	}
}

// LogProb is the natural log of the probability the model gives the word
// tokens followed by its end, and the number of predictions that took
// (len(tokens)+1).
func (s *Sampler) LogProb(tokens []int) (float64, int) {
	s.start()
	var lp float64
	for _, t := range tokens {
		lp += s.step(t)
	}
	return lp + s.step(data.Boundary), len(tokens) + 1
}

// step returns log p(t | the word so far) and appends t to the word.
func (s *Sampler) step(t int) float64 {
	lp := logSoftmax(s.cur, t)
	if t != data.Boundary {
		s.push(t)
	}
	return lp
}

// distribution writes the probabilities to draw from, softmax(logits/T) over
// the top k logits, into s.probs (float64, so that no draw is lost to
// rounding) and returns it.
func (s *Sampler) distribution(logits []float32, o Options) []float64 {
	// Shift by the maximum before dividing, so that a tiny temperature sends
	// the others to −Inf rather than everything to ±Inf.
	l, mx := s.logits, float64(slices.Max(logits))
	for i, v := range logits {
		l[i] = (float64(v) - mx) / o.Temperature
	}
	if o.TopK > 0 && o.TopK < len(l) {
		// Ties at the k-th value all stay in, so the cut never depends on order.
		s.sorted = append(s.sorted[:0], l...)
		slices.Sort(s.sorted)
		cut := s.sorted[len(l)-o.TopK]
		for i, v := range l {
			if v < cut {
				l[i] = math.Inf(-1)
			}
		}
	}
	var sum float64
	for i, v := range l {
		s.probs[i] = math.Exp(v) // v ≤ 0, and 0 for the likeliest
		sum += s.probs[i]
	}
	for i := range s.probs {
		s.probs[i] /= sum
	}
	return s.probs
}

// logSoftmax is log softmax(logits)[t], from the log-sum-exp.
func logSoftmax(logits []float32, t int) float64 {
	mx := float64(slices.Max(logits))
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - mx)
	}
	return float64(logits[t]) - mx - math.Log(sum)
}

// draw picks index i with probability p[i].
func draw(r *rand.Rand, p []float64) int {
	u := r.Float64()
	last := 0
	for i, v := range p {
		if v == 0 {
			continue
		}
		if u < v {
			return i
		}
		u -= v
		last = i
	}
	return last // u landed in the rounding slack at the top
}
