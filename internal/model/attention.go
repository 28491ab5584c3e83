package model

import (
	"fmt"
	"math"

	"github.com/makemore/makemore/internal/kernels"
)

// Attention is makemore.py's multi-head causal self-attention, after its
// fused qkv Linear and before its output projection, within each word of a
// sequence batch (Exec.Starts): a word's rows attend to its own earlier rows
// only, so no row of padding is ever computed. From qkv[rows × 3C] (q, k and
// v side by side, each C = Heads·hs columns, head h in columns h·hs…):
//
//	att[i, j] = softmax over j ≤ i of q_i·k_j/√hs   [rows × Heads × Block]
//	y_i = Σ_{j ≤ i} att[i, j]·v_j                    [rows × C]
//
// for rows i, j of one word and each head.
type Attention struct {
	C, Heads int
	Block    int // the longest word's rows: att's third dimension
}

func (a *Attention) OutShape(in Shape) (Shape, error) {
	if in.C != 3*a.C {
		return Shape{}, fmt.Errorf("attention of width %d: input has %d columns, not q, k and v's %d", a.C, in.C, 3*a.C)
	}
	return Shape{in.T, a.C}, nil
}

// HeadSize is the columns of one head.
func (a *Attention) HeadSize() int { return a.C / a.Heads }

// AttentionCache keeps the attention weights for the backward pass; the
// evaluator gives each worker one too (see EvalCacher).
type AttentionCache struct {
	Att  []float32 // [rows × Heads × Block]: row i's weights over its word's rows j ≤ i
	span attentionSpan
}

func (a *Attention) NewCache(rows int) any {
	return &AttentionCache{Att: make([]float32, rows*a.Heads*a.Block)}
}

func (a *Attention) NewEvalCache(rows int) any { return a.NewCache(rows) }

// attentionSpan is the split of a pass by words: every word is its own.
type attentionSpan struct {
	a           *Attention
	starts      []int32
	qkv, y, att []float32
}

func (s *attentionSpan) Span(lo, hi int) {
	for w := lo; w < hi; w++ {
		s.a.word(s.qkv, s.y, s.att, int(s.starts[w]), int(s.starts[w+1]))
	}
}

// Forward splits the words across the pool.
func (a *Attention) Forward(x Exec, cache any, in, out []float32, rows int) {
	c := cache.(*AttentionCache)
	c.span = attentionSpan{a: a, starts: x.Starts, qkv: in, y: out, att: c.Att}
	x.Split(&c.span, len(x.Starts)-1, WordSplit(rows, len(x.Starts)-1, a.C))
	c.span = attentionSpan{}
}

// Eval is Forward with the evaluating worker's cache.
func (a *Attention) Eval(x Exec, cache any, in, out []float32, rows int) {
	a.Forward(x, cache, in, out, rows)
}

// WordSplit is the fewest words worth handing a worker in a pass over a
// batch of rows rows in words words, each row width columns wide.
func WordSplit(rows, words, width int) int {
	if rows == 0 {
		return 1
	}
	return max(1, RowSplit(width)*words/rows)
}

// word computes rows [first, end), one word, of y and att.
func (a *Attention) word(qkv, y, att []float32, first, end int) {
	c, hs, nh, t := a.C, a.HeadSize(), a.Heads, a.Block
	scale := float32(1 / math.Sqrt(float64(hs)))
	for i := first; i < end; i++ {
		for h := range nh {
			q := qkv[i*3*c+h*hs : i*3*c+(h+1)*hs]
			w := att[(i*nh+h)*t : (i*nh+h)*t+i-first+1] // [i−first+1] keys
			AttendRow(w, y[i*c+h*hs:i*c+(h+1)*hs], q, qkv[first*3*c+c+h*hs:], qkv[first*3*c+2*c+h*hs:], 3*c, scale)
		}
	}
}

// AttendRow is one query's attention over len(w) keys and values, which are
// rows stride apart starting at k and v: w = softmax(q·k_j·scale),
// y[hs] = Σ_j w_j·v_j. It is the whole of the forward pass for one row and
// one head, shared by the batch and the sampler's cache.
func AttendRow(w, y, q, k, v []float32, stride int, scale float32) {
	hs := len(q)
	mx := float32(math.Inf(-1))
	for j := range w {
		kj := k[j*stride : j*stride+hs]
		var s float32
		for d, qd := range q {
			s += qd * kj[d]
		}
		s *= scale
		w[j] = s
		if s > mx {
			mx = s
		}
	}
	for j := range w {
		w[j] -= mx
	}
	kernels.Exp(w, w)
	var sum float32
	for _, e := range w {
		sum += e
	}
	inv := 1 / sum
	clear(y)
	for j := range w {
		w[j] *= inv
		vj := v[j*stride : j*stride+hs]
		for d := range y {
			y[d] += w[j] * vj[d]
		}
	}
}
