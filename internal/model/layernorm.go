package model

import (
	"fmt"
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// LayerNorm normalises each row over its Width columns, as
// torch.nn.LayerNorm in makemore.py's Transformer:
//
//	out[rows × C] = γ[C]·(in − μ[rows])·r[rows] + β[C],  r = 1/√(σ²[rows] + Eps)
//
// with each row's own mean μ and biased (1/C) variance σ², so training and
// eval compute the same thing and nothing is calibrated.
type LayerNorm struct {
	Width      int
	Gain, Bias *Tensor // γ, β: trained
}

func (l *LayerNorm) OutShape(in Shape) (Shape, error) {
	if in.C != l.Width {
		return Shape{}, fmt.Errorf("layernorm %s of width %d: input has %d columns", l.Gain.Name, l.Width, in.C)
	}
	return in, nil
}

// LayerNormCache keeps each row's mean and 1/√(σ² + Eps), from which the
// backward pass rebuilds x̂ = (in − μ)·r without storing it.
type LayerNormCache struct {
	Mean, Rstd []float32 // [rows]
	span       layerNormSpan
}

func (l *LayerNorm) NewCache(rows int) any {
	return &LayerNormCache{Mean: make([]float32, rows), Rstd: make([]float32, rows)}
}

// layerNormSpan is the split of a forward pass by rows: every row is its own.
type layerNormSpan struct {
	l          *LayerNorm
	x          Exec
	in, out    []float32
	mean, rstd []float32
}

func (s *layerNormSpan) Span(lo, hi int) {
	s.l.rows(s.x.Weights, s.in, s.out, s.mean, s.rstd, lo, hi)
}

// Forward splits the rows across the pool, keeping μ and r in cache.
func (l *LayerNorm) Forward(x Exec, cache any, in, out []float32, rows int) {
	c := cache.(*LayerNormCache)
	c.span = layerNormSpan{l: l, x: x, in: in, out: out, mean: c.Mean, rstd: c.Rstd}
	x.Split(&c.span, rows, RowSplit(l.Width))
	c.span = layerNormSpan{} // drop the references to the caller's slices
}

// Eval runs on the calling goroutine, keeping nothing.
func (l *LayerNorm) Eval(x Exec, _ any, in, out []float32, rows int) {
	l.rows(x.Weights, in, out, nil, nil, 0, rows)
}

// rows normalises rows [lo, hi) of in into out, keeping μ and r in mean and
// rstd unless they are nil. The sums are float32 in column order, so a row's
// result does not depend on which worker computes it.
func (l *LayerNorm) rows(w, in, out, mean, rstd []float32, lo, hi int) {
	c := l.Width
	g, b := l.Gain.Of(w), l.Bias.Of(w)
	inv := 1 / float32(c)
	for r := lo; r < hi; r++ {
		x, y := in[r*c:(r+1)*c], out[r*c:(r+1)*c]
		var s float32
		for _, v := range x {
			s += v
		}
		mu := s * inv
		var ss float32
		for _, v := range x {
			d := v - mu
			ss += d * d
		}
		rs := float32(1 / math.Sqrt(float64(ss*inv+Eps)))
		for j, v := range x {
			y[j] = (v-mu)*rs*g[j] + b[j]
		}
		if mean != nil {
			mean[r], rstd[r] = mu, rs
		}
	}
}

// RowSplit is the fewest rows of width columns worth handing a worker in a
// row-wise pass: about kernels.ParallelElems elements.
func RowSplit(width int) int { return max(1, kernels.ParallelElems/width) }
