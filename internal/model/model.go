// Package model is the makemore MLP of "becoming a backprop ninja":
//
//	emb = C[X]                      [B × Block × Embd]
//	hprebn = embcat·W1 + b1          [B × Hidden]
//	hpreact = γ·(hprebn − μ)/σ + β   [B × Hidden]  (batch stats in training, calibrated ones in eval)
//	h = tanh(hpreact)                [B × Hidden]
//	logits = h·W2 + b2               [B × Vocab]
//	loss = cross-entropy(logits, Y)
//
// Tensors are flat row-major float32 slices; the trainable ones share one
// backing array so the optimizer is a single loop.
package model

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Eps keeps the batchnorm variance away from zero, as in the lecture.
const Eps = 1e-5

// Config is the model's shape.
type Config struct {
	Vocab  int // tokens, boundary included
	Block  int // context length in tokens
	Embd   int // embedding width per token
	Hidden int // hidden units
}

// In is the width of the concatenated context embedding.
func (c Config) In() int { return c.Block * c.Embd }

// NumParams counts the trainable parameters (12,297 for the lecture's defaults).
func (c Config) NumParams() int {
	return c.Vocab*c.Embd + c.In()*c.Hidden + 3*c.Hidden + c.Hidden*c.Vocab + c.Vocab
}

// Limits on a model's shape, so that a typo or a damaged file gives an error
// instead of an allocation that cannot succeed.
const (
	MaxDim    = 1 << 16 // vocabulary, n-embd, n-hidden
	MaxBlock  = 1 << 10 // context length
	MaxParams = 1 << 28 // 1 GiB of float32 weights
)

// Validate reports a shape the model cannot have.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
		max  int
	}{{"vocabulary size", c.Vocab, MaxDim}, {"block size", c.Block, MaxBlock}, {"n-embd", c.Embd, MaxDim}, {"n-hidden", c.Hidden, MaxDim}} {
		if f.v < 1 || f.v > f.max {
			return fmt.Errorf("%s must be between 1 and %d, got %d", f.name, f.max, f.v)
		}
	}
	// Within the limits above every term fits an int64 easily.
	if n := c.NumParams(); n > MaxParams {
		return fmt.Errorf("%d parameters is more than the %d this build trains; use a smaller n-embd, n-hidden or block size", n, MaxParams)
	}
	return nil
}

// Finite reports whether every weight and batchnorm statistic is a finite
// number: after a diverged step, some are not.
func (m *Model) Finite() bool {
	for _, t := range m.Tensors() {
		for _, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return false
			}
		}
	}
	return true
}

// Params holds the trainable tensors (or their gradients: the same layout).
type Params struct {
	Data   []float32 // every tensor below, back to back
	C      []float32 // [Vocab × Embd]
	W1     []float32 // [In × Hidden]
	B1     []float32 // [Hidden]
	BNGain []float32 // [Hidden]
	BNBias []float32 // [Hidden]
	W2     []float32 // [Hidden × Vocab]
	B2     []float32 // [Vocab]
}

// Tensor names a tensor and gives its shape.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// NewParams returns zeroed parameters of shape c.
func NewParams(c Config) *Params {
	p := &Params{Data: make([]float32, c.NumParams())}
	rest := p.Data
	take := func(n int) []float32 {
		t := rest[:n:n]
		rest = rest[n:]
		return t
	}
	p.C = take(c.Vocab * c.Embd)
	p.W1 = take(c.In() * c.Hidden)
	p.B1 = take(c.Hidden)
	p.BNGain = take(c.Hidden)
	p.BNBias = take(c.Hidden)
	p.W2 = take(c.Hidden * c.Vocab)
	p.B2 = take(c.Vocab)
	return p
}

// Tensors lists the trainable tensors with the names the lecture and the checkpoint use.
func (p *Params) Tensors(c Config) []Tensor {
	return []Tensor{
		{"C", []int{c.Vocab, c.Embd}, p.C},
		{"W1", []int{c.In(), c.Hidden}, p.W1},
		{"b1", []int{c.Hidden}, p.B1},
		{"bngain", []int{c.Hidden}, p.BNGain},
		{"bnbias", []int{c.Hidden}, p.BNBias},
		{"W2", []int{c.Hidden, c.Vocab}, p.W2},
		{"b2", []int{c.Vocab}, p.B2},
	}
}

// Model is the parameters plus the batchnorm statistics calibrated after training.
type Model struct {
	Config
	*Params
	BNMean []float32 // [Hidden] mean of hprebn over the training split
	BNVar  []float32 // [Hidden] its Bessel-corrected variance
}

// New returns a zeroed model of shape c.
func New(c Config) *Model {
	return &Model{
		Config: c,
		Params: NewParams(c),
		BNMean: make([]float32, c.Hidden),
		BNVar:  make([]float32, c.Hidden),
	}
}

// Tensors lists every stored tensor: the parameters, then the calibrated statistics.
func (m *Model) Tensors() []Tensor {
	return append(m.Params.Tensors(m.Config),
		Tensor{"bnmean", []int{m.Hidden}, m.BNMean},
		Tensor{"bnvar", []int{m.Hidden}, m.BNVar})
}

// Init draws the lecture's initial weights. The biases are small and non-zero
// and the gain is not one, because an all-zero start can hide a wrong gradient.
func (m *Model) Init(r *rand.Rand) {
	normal := func(t []float32, scale float64) {
		for i := range t {
			t[i] = float32(r.NormFloat64() * scale)
		}
	}
	normal(m.C, 1)
	normal(m.W1, (5.0/3)/math.Sqrt(float64(m.In())))
	normal(m.B1, 0.1)
	normal(m.W2, 0.1)
	normal(m.B2, 0.1)
	for i := range m.BNGain {
		m.BNGain[i] = 1.1
	}
	clear(m.BNBias)
	for i := range m.BNVar {
		m.BNMean[i], m.BNVar[i] = 0, 1
	}
}
