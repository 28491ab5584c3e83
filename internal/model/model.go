// Package model is the forward pass of makemore's networks — the MLP of
// "becoming a backprop ninja" and its deeper and hierarchical relatives of
// lectures 3 and 5 — as a list of layers described once (Config.Network),
// each layer a file of its own with its mirror in package backprop.
//
// Tensors are flat row-major float32 slices. The trained ones share one
// backing array, Weights, so that the optimizer is a single loop; the
// calibrated batchnorm statistics share another, Stats.
package model

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/makemore/makemore/internal/checkpoint"
	"github.com/makemore/makemore/internal/plural"
)

// Config is the model's architecture and shape. Its zero values are the
// lecture-4 model's: an MLP of one tanh block with biases.
type Config struct {
	Vocab  int // tokens, boundary included
	Block  int // context length in tokens
	Embd   int // embedding width per token
	Hidden int // hidden units per block

	Arch       string // ArchMLP (""), or ArchWaveNet
	Layers     int    // an MLP's hidden blocks (0: 1); a WaveNet has log₂ Block
	Activation string // ActTanh (""), ActReLU or ActGELU
	// NoBias drops the bias of the hidden Linears, which the batchnorm
	// after each cancels anyway (lectures 3 and 5; lecture 4 keeps b1).
	NoBias bool
	// OutputBN puts lecture 3's batchnorm on the logits, its gain 0.1 at
	// init, after a Linear without bias.
	OutputBN bool
	// NoBN drops every batchnorm: lecture 3's network before batchnorm,
	// and the model FoldBatchNorm makes for inference, each batchnorm
	// folded into the Linear before it.
	NoBN bool
	// Gain scales the hidden Linears' initial weights, N(0, (Gain/√fan_in)²);
	// 0 takes the activation's (see ActivationGain).
	Gain float64
	// Heads is a Transformer's attention heads per block; Embd must be a
	// multiple of it. A Transformer reads Block as its longest sequence (the
	// rows of its position table) and Layers as its blocks; Hidden,
	// Activation and the batchnorm fields are the MLPs' only.
	Heads int
	// Dropout is a Transformer's residual dropout in training: each block's
	// attention and MLP outputs lose each value with this probability, the
	// rest scaled by 1/(1 − Dropout), before their residual sums (GPT-2's
	// resid_pdrop). 0: none, as makemore.py.
	Dropout float64
}

// Architectures and activations.
const (
	ArchMLP         = "mlp"
	ArchWaveNet     = "wavenet"
	ArchTransformer = "transformer"
	ArchRNN         = "rnn"
	ArchGRU         = "gru"
	ArchLSTM        = "lstm"
	ArchBoW         = "bow"
	ArchBigram      = "bigram"
	ActTanh         = "tanh"
	ActReLU         = "relu"
	ActGELU         = "gelu"
)

// ArchNames and Activations list the names Config takes.
var (
	ArchNames       = []string{ArchMLP, ArchWaveNet, ArchTransformer, ArchRNN, ArchGRU, ArchLSTM, ArchBoW, ArchBigram}
	ActivationNames = []string{ActTanh, ActReLU, ActGELU}
)

// Canonical is c with its zero values spelled out: the architecture,
// activation and block count it means.
func (c Config) Canonical() Config {
	if c.Arch == "" {
		c.Arch = ArchMLP
	}
	if c.Activation == "" {
		c.Activation = ActTanh
	}
	if c.Layers == 0 {
		c.Layers = 1
		if c.Arch == ArchWaveNet {
			c.Layers = bits.Len(uint(c.Block)) - 1
		}
	}
	switch c.Arch {
	case ArchTransformer:
		// makemore.py's Transformer: GELU in an MLP four times as wide as
		// the embedding, LayerNorm instead of batchnorm, biases everywhere
		// but the logits.
		c.Activation, c.Hidden, c.NoBN, c.NoBias, c.OutputBN, c.Gain = ActGELU, 4*c.Embd, true, false, false, 0
	case ArchBigram:
		// A bigram is its table of logits, a row per previous character.
		c.Embd, c.Hidden = c.Vocab, c.Vocab
		fallthrough
	case ArchRNN, ArchGRU, ArchLSTM, ArchBoW:
		// makemore.py's other models: tanh, no batchnorm, torch's init,
		// n-hidden the state's (or the bag of words' MLP's) width.
		c.Activation, c.NoBN, c.NoBias, c.OutputBN, c.Gain, c.Heads = ActTanh, true, false, false, 0, 0
	}
	if c.Arch == ArchWaveNet && !c.NoBN {
		c.NoBias = true // lecture 5's Linears before batchnorm have none
	}
	return c
}

// ActivationGain is the initial gain that keeps activations at unit scale
// through a Linear and the activation: 5/3 for tanh (as the lectures), √2 for
// ReLU (He et al.), and for GELU √2 as well, since GELU is ReLU away from 0
// and between the two near it; batchnorm after each Linear makes the exact
// value matter little.
func ActivationGain(activation string) float64 {
	switch activation {
	case ActReLU, ActGELU:
		return math.Sqrt2
	}
	return 5.0 / 3
}

// In is the width of the concatenated context embedding.
func (c Config) In() int { return c.Block * c.Embd }

// Sequence reports a model that reads each word as one sequence, a row per
// position (see data.Dataset.WordBatch), rather than a fixed context per
// predicted character.
func (c Config) Sequence() bool {
	switch c.Arch {
	case ArchTransformer, ArchRNN, ArchGRU, ArchLSTM, ArchBoW, ArchBigram:
		return true
	}
	return false
}

// Context is the tokens each row of the model's input holds: the Block
// previous characters for an MLP, the row's own input token for a sequence
// model, whose rows see each other through attention.
func (c Config) Context() int {
	if c.Sequence() {
		return 1
	}
	return c.Block
}

// FitsWords reports a sequence model whose block cannot hold a word of
// longest characters and its end; an MLP's context slides, and fits any.
func (c Config) FitsWords(longest int) error {
	if c.Sequence() && longest+1 > c.Block {
		return fmt.Errorf("its longest word has %s, which with its end need a block size of %d, more than %d; leave --block-size out to take the words' own", plural.Count(longest, "character"), longest+1, c.Block)
	}
	return nil
}

// RowsPer is the most rows one example (one word of a sequence model) takes
// in a batch.
func (c Config) RowsPer() int {
	if c.Sequence() {
		return c.Block
	}
	return 1
}

// Limits on a model's shape, so that a typo or a damaged file gives an error
// instead of an allocation that cannot succeed.
const (
	MaxDim    = 1 << 16 // vocabulary, n-embd, n-hidden
	MaxBlock  = 1 << 10 // context length
	MaxLayers = 64      // hidden blocks
	MaxParams = 1 << 28 // 1 GiB of float32 weights
)

// Validate reports an architecture or shape the model cannot have.
func (c Config) Validate() error {
	c = c.Canonical()
	for _, f := range []struct {
		name string
		v    int
		max  int
	}{{"vocabulary size", c.Vocab, MaxDim}, {"block size", c.Block, MaxBlock}, {"n-embd", c.Embd, MaxDim}, {"n-hidden", c.Hidden, MaxDim}, {"n-layer", c.Layers, MaxLayers}} {
		if f.v < 1 || f.v > f.max {
			return fmt.Errorf("%s must be between 1 and %d, got %d", f.name, f.max, f.v)
		}
	}
	switch {
	case !slices.Contains(ArchNames, c.Arch):
		return fmt.Errorf("model must be one of %s, got %q", strings.Join(ArchNames, ", "), c.Arch)
	case !slices.Contains(ActivationNames, c.Activation):
		return fmt.Errorf("activation must be one of %s, got %q", strings.Join(ActivationNames, ", "), c.Activation)
	case !(c.Gain >= 0) || math.IsInf(c.Gain, 0):
		return fmt.Errorf("initial gain must be a finite number, 0 or more, got %v", c.Gain)
	case c.Arch == ArchWaveNet && (c.Block < 2 || c.Block&(c.Block-1) != 0):
		return fmt.Errorf("a wavenet's block size must be a power of two from 2, to halve at every level, got %d", c.Block)
	case c.Arch == ArchWaveNet && c.OutputBN:
		return fmt.Errorf("batchnorm on the logits is lecture 3's MLP, not a wavenet's")
	case c.NoBN && c.OutputBN:
		return fmt.Errorf("batchnorm on the logits in a model without batchnorm")
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("dropout must be at least 0 and below 1, got %v", c.Dropout)
	case c.Dropout > 0 && c.Arch != ArchTransformer:
		return fmt.Errorf("dropout is the transformer's")
	case c.Sequence() && c.Arch != ArchTransformer && c.Layers != 1:
		return fmt.Errorf("a %s has one layer, not %d", c.Arch, c.Layers)
	case c.Arch == ArchTransformer && (c.Heads < 1 || c.Embd%c.Heads != 0):
		return fmt.Errorf("a transformer's n-embd (%d) must be a whole multiple of its n-head (%d), the heads splitting it evenly", c.Embd, c.Heads)
	case c.Arch == ArchWaveNet && 1<<c.Layers != c.Block:
		return fmt.Errorf("a wavenet of block size %d has %s, not %d", c.Block, plural.Count(bits.Len(uint(c.Block))-1, "level"), c.Layers)
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
	c = c.Canonical()
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
				switch {
				case t.Init.Std > 0:
					d[i] = float32(r.NormFloat64() * t.Init.Std)
				case t.Init.Uniform > 0:
					d[i] = float32((2*r.Float64() - 1) * t.Init.Uniform)
				default:
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
