// Package model is the forward pass of the makemore MLP of "becoming a
// backprop ninja", as a list of layers described once (Config.Network), each
// a file of its own with its mirror in package backprop.
//
// Tensors are flat row-major float32 slices. The trained ones share one
// backing array, Weights, so that the optimizer is a single loop; the
// calibrated batchnorm statistics share another, Stats.
package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/makemore/makemore/internal/checkpoint"
)

// Config is the model's shape.
type Config struct {
	Vocab  int // tokens, boundary included
	Block  int // context length in tokens
	Embd   int // embedding width per token
	Hidden int // hidden units
}

// In is the width of the concatenated context embedding.
func (c Config) In() int { return c.Block * c.Embd }

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
	// Within the limits above every tensor's size fits an int64 easily.
	net, err := c.Network()
	switch {
	case err != nil:
		return err
	case net.NumParams() > MaxParams:
		return fmt.Errorf("%d parameters is more than the %d this build trains; use a smaller n-embd, n-hidden or block size", net.NumParams(), MaxParams)
	case evalChunk*net.MaxWidth() > MaxActivations:
		return fmt.Errorf("%d values per example in the widest activation is more than the %d this build evaluates; use a smaller n-embd, n-hidden or block size", net.MaxWidth(), MaxActivations/evalChunk)
	}
	return nil
}

// Model is a network with its weights and calibrated statistics.
type Model struct {
	Config
	Net     *Network
	Weights []float32 // every parameter of Net.Params, back to back
	Stats   []float32 // every statistic of Net.Stats, back to back
}

// New returns a zeroed model of shape c, which must be valid (see Validate).
func New(c Config) *Model {
	net, err := c.Network()
	if err != nil {
		panic("model.New: " + err.Error())
	}
	return &Model{Config: c, Net: net, Weights: make([]float32, net.nParams), Stats: make([]float32, net.nStats)}
}

// WithOwnStats returns a model that shares m's weights but has statistics of
// its own, to calibrate without touching m's.
func (m *Model) WithOwnStats() *Model {
	s := *m
	s.Stats = make([]float32, len(m.Stats))
	return &s
}

// Init draws the initial tensors as the table says, in table order: the
// parameters from r, then the statistics.
func (m *Model) Init(r *rand.Rand) {
	fill := func(ts []*Tensor, flat []float32) {
		for _, t := range ts {
			d := t.Of(flat)
			for i := range d {
				if t.Init.Std > 0 {
					d[i] = float32(r.NormFloat64() * t.Init.Std)
				} else {
					d[i] = float32(t.Init.Fill)
				}
			}
		}
	}
	fill(m.Net.Params, m.Weights)
	fill(m.Net.Stats, m.Stats)
}

// Tensors lists every stored tensor under the names the lecture and the
// checkpoint use: the parameters, then the statistics, in table order.
func (m *Model) Tensors() []checkpoint.Tensor {
	var out []checkpoint.Tensor
	for _, part := range []struct {
		ts   []*Tensor
		flat []float32
	}{{m.Net.Params, m.Weights}, {m.Net.Stats, m.Stats}} {
		for _, t := range part.ts {
			out = append(out, checkpoint.Tensor{Name: t.Name, Shape: t.Shape, Data: t.Of(part.flat)})
		}
	}
	return out
}

// Tensor is the stored tensor called name, or nil.
func (m *Model) Tensor(name string) []float32 {
	for _, t := range m.Tensors() {
		if t.Name == name {
			return t.Data
		}
	}
	return nil
}

// Finite reports whether every weight and statistic is a finite number:
// after a diverged step, some are not.
func (m *Model) Finite() bool {
	for _, flat := range [][]float32{m.Weights, m.Stats} {
		for _, v := range flat {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return false
			}
		}
	}
	return true
}
