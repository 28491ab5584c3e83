package model

import (
	"fmt"

	"github.com/makemore/makemore/internal/kernels"
)

// BoWBlock is makemore.py's bag-of-words block: each position averages the
// positions of its word up to itself, then a residual tanh MLP,
//
//	x1 = in + mean(in[0…t])                 [rows × C]
//	out = x1 + tanh(x1·W_fc + b_fc)·W_proj + b_proj   [rows × C]
//
// with W_fc [C × C2] and W_proj [C2 × C]; the word of a row is Exec.Starts'.
type BoWBlock struct {
	C, Hidden int
	FC, Proj  *Linear // context_block.mlp.c_fc and c_proj
}

func (b *BoWBlock) OutShape(in Shape) (Shape, error) {
	if in.C != b.C {
		return Shape{}, fmt.Errorf("bag-of-words block of width %d: input has %d columns", b.C, in.C)
	}
	return in, nil
}

// BoWCache is the block's activations.
type BoWCache struct {
	X1    []float32 // [rows × C] in + the causal mean
	FC, A []float32 // [rows × C2] before and after tanh
	sum   []float32 // [C] a word's running sum
}

func (b *BoWBlock) NewCache(rows int) any {
	return &BoWCache{X1: make([]float32, rows*b.C), FC: make([]float32, rows*b.Hidden), A: make([]float32, rows*b.Hidden), sum: make([]float32, b.C)}
}

// NewEvalCache gives each evaluating worker the buffers of a forward pass.
func (b *BoWBlock) NewEvalCache(rows int) any { return b.NewCache(rows) }

func (b *BoWBlock) Forward(x Exec, cache any, in, out []float32, rows int) {
	c, C := cache.(*BoWCache), b.C
	for w := range len(x.Starts) - 1 {
		first, end := int(x.Starts[w]), int(x.Starts[w+1])
		clear(c.sum)
		for r := first; r < end; r++ {
			meanRow(c.X1[r*C:(r+1)*C], in[r*C:(r+1)*C], c.sum, r-first)
		}
	}
	b.mlp(x, c.X1, c.FC, c.A, out, rows)
}

// meanRow adds in, position t's row, to the running sum of its word's rows
// and sets x1 = in + sum/(t+1).
func meanRow(x1, in, sum []float32, t int) {
	inv := 1 / float32(t+1)
	for j, v := range in[:len(sum)] {
		sum[j] += v
		x1[j] = v + sum[j]*inv
	}
}

// mlp sets out = x1 + tanh(x1·W_fc + b_fc)·W_proj + b_proj, keeping fc and a.
func (b *BoWBlock) mlp(x Exec, x1, fc, a, out []float32, rows int) {
	n := rows * b.C
	b.FC.Forward(x, nil, x1, fc, rows)                         // [rows × C2]
	x.Map(kernels.Tanh, a[:rows*b.Hidden], fc[:rows*b.Hidden]) // [rows × C2]
	b.Proj.Forward(x, nil, a, out, rows)                       // [rows × C]
	Residual(out[:n], x1[:n])
}

func (b *BoWBlock) Eval(x Exec, cache any, in, out []float32, rows int) {
	b.Forward(x, cache, in, out, rows)
}

// bowStep is the sampler's state: the running sum of the word's rows and
// one row of each activation.
type bowStep struct{ sum, x1, fc, a []float32 }

func (b *BoWBlock) NewStepState() any {
	return &bowStep{sum: make([]float32, b.C), x1: make([]float32, b.C), fc: make([]float32, b.Hidden), a: make([]float32, b.Hidden)}
}

// Step runs the block on the one row at position pos, with Forward's
// arithmetic.
func (b *BoWBlock) Step(x Exec, state any, in, out []float32, pos int) {
	s := state.(*bowStep)
	if pos == 0 {
		clear(s.sum)
	}
	meanRow(s.x1, in, s.sum, pos)
	b.mlp(x, s.x1, s.fc, s.a, out, 1)
}
