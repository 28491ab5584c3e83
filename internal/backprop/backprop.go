// Package backprop is the hand-written backward pass of the model, layer by
// layer in llm.c style: each layer of package model has its mirror here, a
// file with its fused backward pass and its float64 step-by-step reference.
// Backward walks the network in reverse; each layer takes the gradient of
// its output and what its forward pass kept, and writes (never accumulates
// into) the gradients of its input and its parameters. The cross-entropy
// and batchnorm gradients are the fused closed forms of the lecture;
// reference.go walks the step-by-step versions that check them.
package backprop

import (
	"fmt"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

// Grads holds the gradient of the loss with respect to every parameter and
// every activation of one batch.
type Grads struct {
	Weights []float32   // laid out as model.Model.Weights
	Acts    [][]float32 // as model.Activations.Acts; a view's is its input's
	scratch []any       // node i's backward scratch, nil when it needs none
}

// NewGrads allocates the gradients of net for a batch of b examples (up to
// b·RowsPer rows).
func NewGrads(net *model.Network, b int) *Grads {
	g := &Grads{
		Weights: make([]float32, net.NumParams()),
		Acts:    make([][]float32, len(net.Nodes)+1),
		scratch: make([]any, len(net.Nodes)),
	}
	rows := b * net.RowsPer
	g.Acts[0] = make([]float32, rows*net.Block*net.Embed.Embd)
	for i, n := range net.Nodes {
		if model.IsView(n.Layer) {
			g.Acts[i+1] = g.Acts[i]
		} else {
			g.Acts[i+1] = make([]float32, rows*n.Out.Size())
		}
		if s, ok := passOf(n.Layer).(scratcher); ok {
			g.scratch[i] = s.newScratch(rows * n.In.T)
		}
	}
	return g
}

// Backward fills g with the gradients of a.Loss, from the activations a that
// m.Forward kept.
func Backward(pool *kernels.Pool, m *model.Model, a *model.Activations, g *Grads) {
	net, b := m.Net, a.Batch()
	last := len(net.Nodes)
	crossEntropyBackward(g.Acts[last], a.Probabilities(), a.Y, net.Loss.Vocab)
	for i := last - 1; i >= 0; i-- {
		n := net.Nodes[i]
		passOf(n.Layer).backward(step{
			x:     model.Exec{Pool: pool, Weights: m.Weights, Stats: m.Stats, Starts: a.Starts, Noise: a.Noise},
			dw:    g.Weights,
			in:    a.Acts[i],
			out:   a.Acts[i+1],
			din:   g.Acts[i],
			dout:  g.Acts[i+1],
			rows:  b * n.In.T,
			cache: a.Caches[i],
			work:  g.scratch[i],
		})
	}
	embeddingBackward(net.Embed.C.Of(g.Weights), g.Acts[0], a.X, net.Embed.Embd)
}

// step is what a node's backward pass works with.
type step struct {
	x         model.Exec // the pool and the weights
	dw        []float32  // the gradient, laid out as the weights
	in, out   []float32  // the node's input and output [rows × C]
	din, dout []float32  // their gradients
	rows      int        // input rows, B·T
	cache     any        // what its forward pass kept
	work      any        // its backward scratch
}

// pass is a layer's mirror: its fused backward pass, and the float64
// step-by-step reference of its forward and backward passes (see reference.go).
type pass interface {
	backward(s step)
	reference(w, in []float64, rows int, ex model.Exec) (out []float64, back refBackward)
}

// A scratcher needs scratch space in its backward pass over rows input rows.
type scratcher interface {
	newScratch(rows int) any
}

// passOf is the mirror of l: the one place that pairs a layer type with its
// backward pass.
func passOf(l model.Layer) pass {
	switch l := l.(type) {
	case *model.Flatten:
		return flatten{l}
	case *model.Linear:
		return linear{l}
	case *model.BatchNorm:
		return batchNorm{l}
	case *model.Tanh:
		return tanh{l}
	case *model.ReLU:
		return relu{l}
	case *model.GELU:
		return gelu{l}
	case *model.LayerNorm:
		return layerNorm{l}
	case *model.Attention:
		return attention{l}
	case *model.PosEmbedding:
		return posEmbedding{l}
	case *model.Block:
		return block{l}
	case *model.RNN:
		return rnn{l}
	case *model.GRU:
		return gru{l}
	case *model.LSTM:
		return lstm{l}
	case *model.BoWBlock:
		return bowBlock{l}
	}
	panic(fmt.Sprintf("backprop: no backward pass for %T", l))
}
