package model

import "github.com/makemore/makemore/internal/kernels"

// Activations keeps what the backward pass needs from one training-mode
// forward pass over a batch. Allocated once, reused every step. A batch is
// rows: one per example of an MLP, one per position of each word of a
// sequence model, whose batches vary in rows (see SetRows).
type Activations struct {
	X      []int32     // [rows × Block] context tokens
	Y      []int32     // [rows] targets
	Starts []int32     // a sequence model's words among the rows (see Exec.Starts); nil for an MLP
	Acts   [][]float32 // Acts[0] the embedding's output, Acts[i+1] node i's: [rows·T × C]; a view shares its input's
	Caches []any       // node i's kept state (see Cacher), nil when it keeps none
	Probs  []float32   // [rows × Vocab] softmax(logits), the loss's kept state
	Loss   float32     // mean cross-entropy
	Noise  uint64      // keys the step's dropout masks (see Exec.Noise)
	block  int         // X's tokens per row
	vocab  int
}

// NewActivations allocates the activations of net for a batch of b examples.
func NewActivations(net *Network, b int) *Activations {
	block, rows := net.Block, b*net.RowsPer
	a := &Activations{
		X:      make([]int32, rows*block),
		Y:      make([]int32, rows),
		Acts:   make([][]float32, len(net.Nodes)+1),
		Caches: make([]any, len(net.Nodes)),
		Probs:  make([]float32, rows*net.Out().Size()),
		block:  block,
		vocab:  net.Out().Size(),
	}
	if net.RowsPer > 1 {
		a.Starts = make([]int32, 0, rows+1)
	}
	a.Acts[0] = make([]float32, rows*block*net.Embed.Embd)
	for i, n := range net.Nodes {
		if IsView(n.Layer) {
			a.Acts[i+1] = a.Acts[i]
		} else {
			a.Acts[i+1] = make([]float32, rows*n.Out.Size())
		}
		if c, ok := n.Layer.(Cacher); ok {
			a.Caches[i] = c.NewCache(rows * n.In.T)
		}
	}
	return a
}

// Batch is the number of rows a holds.
func (a *Activations) Batch() int { return len(a.Y) }

// SetRows makes the batch rows rows long, within what NewActivations
// allocated: X and Y are then the rows to fill.
func (a *Activations) SetRows(rows int) {
	a.X, a.Y = a.X[:rows*a.block], a.Y[:rows]
}

// Logits is the last layer's output [rows × Vocab].
func (a *Activations) Logits() []float32 { return a.Acts[len(a.Acts)-1][:a.Batch()*a.vocab] }

// Probabilities is softmax(logits) [rows × Vocab], after Forward.
func (a *Activations) Probabilities() []float32 { return a.Probs[:a.Batch()*a.vocab] }

// Forward runs the training-mode forward pass on a.X, a.Y with batch
// statistics, layer by layer, fills a, and returns the mean cross-entropy loss.
func (m *Model) Forward(pool *kernels.Pool, a *Activations) float32 {
	x := Exec{Pool: pool, Weights: m.Weights, Stats: m.Stats, Noise: a.Noise}
	b := a.Batch()
	if a.Starts != nil {
		a.Starts = WordStarts(a.X, a.Starts)
		x.Starts = a.Starts
	}
	m.Net.Embed.Forward(m.Weights, a.X, a.Acts[0])
	for i, n := range m.Net.Nodes {
		n.Forward(x, a.Caches[i], a.Acts[i], a.Acts[i+1], b*n.In.T)
	}
	a.Loss = m.Net.Loss.Forward(a.Probs, a.Logits(), a.Y)
	return a.Loss
}

// WordStarts finds the words of a sequence batch from its input tokens x
// [rows]: a word starts at the boundary token it is predicted from (and the
// first row starts one whatever it holds). It returns starts[:0] with each
// word's first row and then len(x) appended.
func WordStarts(x, starts []int32) []int32 {
	starts = starts[:0]
	for i, t := range x {
		if t == 0 || i == 0 {
			starts = append(starts, int32(i))
		}
	}
	return append(starts, int32(len(x)))
}
