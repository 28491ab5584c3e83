package model

import "github.com/makemore/makemore/internal/kernels"

// Activations keeps what the backward pass needs from one training-mode
// forward pass over a batch of B examples. Allocated once, reused every step.
type Activations struct {
	X      []int32     // [B × Block] context tokens
	Y      []int32     // [B] targets
	Acts   [][]float32 // Acts[0] the embedding's output, Acts[i+1] node i's: [B·T × C]; a view shares its input's
	Caches []any       // node i's kept state (see Cacher), nil when it keeps none
	Probs  []float32   // [B × Vocab] softmax(logits), the loss's kept state
	Loss   float32     // mean cross-entropy
}

// NewActivations allocates the activations of net for a batch of b examples.
func NewActivations(net *Network, b int) *Activations {
	block := net.Block
	a := &Activations{
		X:      make([]int32, b*block),
		Y:      make([]int32, b),
		Acts:   make([][]float32, len(net.Nodes)+1),
		Caches: make([]any, len(net.Nodes)),
		Probs:  make([]float32, b*net.Out().Size()),
	}
	a.Acts[0] = make([]float32, b*block*net.Embed.Embd)
	for i, n := range net.Nodes {
		if IsView(n.Layer) {
			a.Acts[i+1] = a.Acts[i]
		} else {
			a.Acts[i+1] = make([]float32, b*n.Out.Size())
		}
		if c, ok := n.Layer.(Cacher); ok {
			a.Caches[i] = c.NewCache(b * n.In.T)
		}
	}
	return a
}

// Batch is the number of examples a holds.
func (a *Activations) Batch() int { return len(a.Y) }

// Logits is the last layer's output [B × Vocab].
func (a *Activations) Logits() []float32 { return a.Acts[len(a.Acts)-1] }

// Forward runs the training-mode forward pass on a.X, a.Y with batch
// statistics, layer by layer, fills a, and returns the mean cross-entropy loss.
func (m *Model) Forward(pool *kernels.Pool, a *Activations) float32 {
	x := Exec{Pool: pool, Weights: m.Weights, Stats: m.Stats}
	b := a.Batch()
	m.Net.Embed.Forward(m.Weights, a.X, a.Acts[0])
	for i, n := range m.Net.Nodes {
		n.Forward(x, a.Caches[i], a.Acts[i], a.Acts[i+1], b*n.In.T)
	}
	a.Loss = m.Net.Loss.Forward(a.Probs, a.Logits(), a.Y)
	return a.Loss
}
