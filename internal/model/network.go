package model

import (
	"fmt"
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// Shape is one example's activation: T positions of C values each. A batch
// of B examples is the row-major matrix [B·T × C], so every layer works on
// rows and a flatten is only a new way to read the same memory.
type Shape struct{ T, C int }

// Size is the number of values of one example.
func (s Shape) Size() int { return s.T * s.C }

// Init says how a tensor starts: drawn from N(0, Std²) when Std > 0,
// otherwise every element is Fill.
type Init struct{ Std, Fill float64 }

// Tensor is one entry of the network's table of stored tensors: the
// parameters (trained) and the statistics (calibrated after training).
type Tensor struct {
	Name  string
	Shape []int
	Init  Init
	Off   int // first element in the model's Weights (a parameter) or Stats (a statistic)
}

// Len is the number of elements.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Of is t's elements within flat: the model's Weights or Stats, or a
// gradient laid out as the Weights.
func (t *Tensor) Of(flat []float32) []float32 {
	end := t.Off + t.Len()
	return flat[t.Off:end:end]
}

// Layer is one step between the embedding and the loss. Its input and
// output are batches of rows (see Shape); it finds its tensors in x.
type Layer interface {
	// OutShape is one example's output shape for an input of shape in, or
	// why the layer cannot take that input.
	OutShape(in Shape) (Shape, error)
	// Forward runs training mode on rows input rows, keeping in cache (from
	// NewCache, or nil) what the backward pass needs.
	Forward(x Exec, cache any, in, out []float32, rows int)
	// Eval runs eval mode on rows input rows, with calibrated statistics
	// through state (from NewEvalState, after Prepare, or nil).
	Eval(x Exec, state any, in, out []float32, rows int)
}

// A Cacher keeps state from its training forward pass for the backward pass.
type Cacher interface {
	NewCache(rows int) any
}

// A Preparer derives values from the weights and statistics once per eval
// pass, shared by every chunk: batchnorm's scale and shift.
type Preparer interface {
	NewEvalState() any
	Prepare(x Exec, state any)
}

// A Calibrator has statistics measured over the training split after
// training: per chunk of its input rows it adds float64 sums into part
// (PartLen long), and Finish turns the sums over all rows into the statistics.
type Calibrator interface {
	PartLen() int
	Accumulate(part []float64, in []float32, rows int)
	Finish(stats []float32, sums []float64, rows int)
}

// A View reads its input as its output: it computes nothing and has no
// buffer of its own, forward or backward.
type View interface {
	IsView()
}

// An InPlace layer is element-wise in eval mode: its output may be written
// over its input, so that an eval chunk stays in one buffer, and in cache,
// while it passes through.
type InPlace interface {
	EvalInPlace()
}

// Exec is what a layer runs with: the weights and statistics, and the pool
// that splits a training batch's products (nil in eval, where each worker
// runs its own chunk on its goroutine).
type Exec struct {
	Pool    *kernels.Pool
	Weights []float32
	Stats   []float32
}

// MatMul sets c[m×n] = a[m×k]·b[k×n] + bias[n] on the pool, or on the
// calling goroutine without one; both give the same bits.
func (x Exec) MatMul(c, a, b, bias []float32, m, k, n int) {
	if x.Pool != nil {
		x.Pool.MatMul(c, a, b, bias, m, k, n)
	} else {
		kernels.MatMul(c, a, b, bias, m, k, n)
	}
}

// Node is a layer in place: its output's name, as the lecture calls the
// tensor, and one example's input and output shapes.
type Node struct {
	Layer
	Name    string
	In, Out Shape
}

// Network is the model's layers in order — embedding, the layers, the
// loss — and the table of tensors they own, in checkpoint order.
type Network struct {
	Block   int // context length: the embedding's positions per example
	Embed   *Embedding
	Nodes   []Node
	Loss    *CrossEntropy
	Params  []*Tensor // trained, laid out back to back in Model.Weights
	Stats   []*Tensor // calibrated, back to back in Model.Stats
	nParams int
	nStats  int
	names   map[string]bool // of tensors and activations: each names one thing
	err     error           // the first inconsistency found while building
}

// Network describes the model of shape c, the one place its layers are
// listed:
//
//	emb = C[X]                       [B × Block × Embd]
//	embcat = emb viewed flat         [B × Block·Embd]
//	hprebn = embcat·W1 + b1          [B × Hidden]
//	hpreact = γ·(hprebn − μ)/σ + β   [B × Hidden]  (batch stats in training, calibrated ones in eval)
//	h = tanh(hpreact)                [B × Hidden]
//	logits = h·W2 + b2               [B × Vocab]
//	loss = cross-entropy(logits, Y)
//
// The tensors start as in the lecture, except that the batchnorm gain is
// 1.1 rather than 1: a start at exactly one can hide a wrong gradient.
//
// It reports a layer that cannot take its input's shape, a name used twice
// and logits that are not one row of Vocab per example.
func (c Config) Network() (*Network, error) {
	n := &Network{Block: c.Block, names: map[string]bool{}}
	n.Embed = &Embedding{Name: n.name("emb"), Embd: c.Embd, C: n.param("C", Init{Std: 1}, c.Vocab, c.Embd)}
	n.add("embcat", &Flatten{N: c.Block})
	n.add("hprebn", n.linear("W1", "b1", c.In(), c.Hidden, (5.0/3)/math.Sqrt(float64(c.In()))))
	n.add("hpreact", n.batchNorm("bn", c.Hidden))
	n.add("h", &Tanh{})
	n.add("logits", n.linear("W2", "b2", c.Hidden, c.Vocab, 0.1))
	n.Loss = &CrossEntropy{Vocab: c.Vocab}
	if out := n.Out(); n.err == nil && out != (Shape{1, c.Vocab}) {
		n.err = fmt.Errorf("the network ends in %d positions of %d values per example, not one of the vocabulary's %d", out.T, out.C, c.Vocab)
	}
	return n, n.err
}

// add appends l, its output called name, to the layers.
func (n *Network) add(name string, l Layer) {
	in := Shape{n.Block, n.Embed.Embd}
	if len(n.Nodes) > 0 {
		in = n.Out()
	}
	out, err := l.OutShape(in)
	if err != nil && n.err == nil {
		n.err = fmt.Errorf("layer %d (%s): %v", len(n.Nodes)+1, name, err)
	}
	n.Nodes = append(n.Nodes, Node{Layer: l, Name: n.name(name), In: in, Out: out})
}

// name claims name for one tensor or activation.
func (n *Network) name(name string) string {
	if n.names[name] && n.err == nil {
		n.err = fmt.Errorf("the name %q is used twice", name)
	}
	n.names[name] = true
	return name
}

// param adds a trained tensor to the table.
func (n *Network) param(name string, init Init, shape ...int) *Tensor {
	t := &Tensor{Name: n.name(name), Shape: shape, Init: init, Off: n.nParams}
	n.Params = append(n.Params, t)
	n.nParams += t.Len()
	return t
}

// stat adds a calibrated tensor to the table.
func (n *Network) stat(name string, init Init, shape ...int) *Tensor {
	t := &Tensor{Name: n.name(name), Shape: shape, Init: init, Off: n.nStats}
	n.Stats = append(n.Stats, t)
	n.nStats += t.Len()
	return t
}

// linear is a Linear layer whose weights start at std wStd and whose bias
// (named unless "") starts small and non-zero.
func (n *Network) linear(w, b string, in, out int, wStd float64) *Linear {
	l := &Linear{In: in, Out: out, W: n.param(w, Init{Std: wStd}, in, out)}
	if b != "" {
		l.B = n.param(b, Init{Std: 0.1}, out)
	}
	return l
}

// batchNorm is a BatchNorm layer of width h whose tensors are named
// prefix+"gain", "bias", "mean" and "var".
func (n *Network) batchNorm(prefix string, h int) *BatchNorm {
	return &BatchNorm{
		Width: h,
		Gain:  n.param(prefix+"gain", Init{Fill: 1.1}, h),
		Bias:  n.param(prefix+"bias", Init{}, h),
		Mean:  n.stat(prefix+"mean", Init{}, h),
		Var:   n.stat(prefix+"var", Init{Fill: 1}, h),
	}
}

// NumParams is the number of trained values (12,297 for the lecture's defaults).
func (n *Network) NumParams() int { return n.nParams }

// MaxWidth is the most values one example has in any activation: what sizes
// a batch's buffers.
func (n *Network) MaxWidth() int {
	w := n.Block * n.Embed.Embd
	for _, nd := range n.Nodes {
		w = max(w, nd.Out.Size())
	}
	return w
}

// The fewest and the most examples a training batch can have: batchnorm
// needs two rows for a variance, and every activation of a batch, like
// every eval chunk's, must fit in memory many times over.
const (
	MinBatch       = 2
	MaxBatch       = 1 << 16
	MaxActivations = 1 << 26 // values in one activation of one batch
)

// CheckBatch reports a training batch size this network cannot take.
func (n *Network) CheckBatch(batch int) error {
	switch {
	case batch < MinBatch || batch > MaxBatch:
		return fmt.Errorf("batch size must be between %d and %d (batchnorm needs two rows for a variance), got %d", MinBatch, MaxBatch, batch)
	case batch*n.MaxWidth() > MaxActivations:
		return fmt.Errorf("batch size %d × %d values in the widest activation is more than %d; use a smaller batch", batch, n.MaxWidth(), MaxActivations)
	}
	return nil
}

// Out is the shape of the last layer's output, the logits.
func (n *Network) Out() Shape { return n.Nodes[len(n.Nodes)-1].Out }

// ActName is the lecture's name of activation i: the embedding's output
// for 0, node i−1's after that (as Activations.Acts).
func (n *Network) ActName(i int) string {
	if i == 0 {
		return n.Embed.Name
	}
	return n.Nodes[i-1].Name
}

// IsView reports whether l computes nothing (see View).
func IsView(l Layer) bool {
	_, ok := l.(View)
	return ok
}
