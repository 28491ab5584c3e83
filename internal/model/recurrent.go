package model

import (
	"fmt"

	"github.com/makemore/makemore/internal/kernels"
)

// The recurrent cells (RNN, GRU, LSTM) read a sequence batch's rows — packed
// word after word, one row per position (Exec.Starts) — in time order: at
// step t every word longer than t advances by one character. Laid out
// time-major, with the words sorted longest first, the rows of step t are a
// block and the words still running at t are a prefix of those of t−1, so
// each step is one product over its block and a word stops where it ends:
// no padding is computed.

// TimeOrder is the time-major layout of a sequence batch's rows.
type TimeOrder struct {
	// Perm maps time-major row i to the packed row Perm[i].
	Perm []int32
	// Off are the steps' blocks: step t's rows are [Off[t], Off[t+1]).
	Off   []int
	words []int32 // the words, longest first
	count []int   // words per length, for the counting sort
}

// NewTimeOrder has room for a batch of rows rows.
func NewTimeOrder(rows int) *TimeOrder {
	return &TimeOrder{Perm: make([]int32, 0, rows), Off: make([]int, 0, rows+1), words: make([]int32, 0, rows), count: make([]int, rows+1)}
}

// Build lays out the words of starts (see Exec.Starts).
func (o *TimeOrder) Build(starts []int32) {
	words := len(starts) - 1
	longest := 0
	clear(o.count)
	for w := range words {
		n := int(starts[w+1] - starts[w])
		o.count[n]++
		longest = max(longest, n)
	}
	// A counting sort, longest first and in batch order within a length,
	// so that the layout depends on the batch alone.
	at := 0
	for n := longest; n >= 0; n-- {
		at, o.count[n] = at+o.count[n], at
	}
	o.words = o.words[:words]
	for w := range words {
		n := starts[w+1] - starts[w]
		o.words[o.count[n]] = int32(w)
		o.count[n]++
	}
	o.Perm, o.Off = o.Perm[:0], o.Off[:0]
	for t := range longest {
		o.Off = append(o.Off, len(o.Perm))
		for _, w := range o.words {
			if starts[w+1]-starts[w] <= int32(t) {
				break
			}
			o.Perm = append(o.Perm, starts[w]+int32(t))
		}
	}
	o.Off = append(o.Off, len(o.Perm))
}

// Steps is the number of time steps, the longest word's rows.
func (o *TimeOrder) Steps() int { return len(o.Off) - 1 }

// Gather copies the packed rows [rows × c] of src into dst in time order.
func (o *TimeOrder) Gather(dst, src []float32, c int) {
	for i, r := range o.Perm {
		copy(dst[i*c:(i+1)*c], src[int(r)*c:(int(r)+1)*c])
	}
}

// Scatter copies the time-ordered rows [rows × c] of src back to their
// packed places in dst.
func (o *TimeOrder) Scatter(dst, src []float32, c int) {
	for i, r := range o.Perm {
		copy(dst[int(r)*c:(int(r)+1)*c], src[i*c:(i+1)*c])
	}
}

// A cell's gates are Linears over xh = [x_t, h_{t−1}]: W [(In+H) × H], b [H].
// Their weights split in two: the rows of x, which multiply every step's
// input at once before the steps, and the rows of h, which multiply one
// step's previous state.

// Wx is gate g's weight rows of the input [In × H] for an input of in values.
func Wx(g *Linear, in int, weights []float32) []float32 { return g.W.Of(weights)[:in*g.Out] }

// Wh is gate g's weight rows of the previous state [H × H].
func Wh(g *Linear, in int, weights []float32) []float32 { return g.W.Of(weights)[in*g.Out:] }

// recurrentShape checks a cell's input width.
func recurrentShape(kind string, in Shape, width, hidden int) (Shape, error) {
	if in.C != width {
		return Shape{}, fmt.Errorf("%s cell of %d inputs: input has %d columns", kind, width, in.C)
	}
	return Shape{in.T, hidden}, nil
}

// project sets p [rows × H] = x·Wx + b for every row of a gate at once: the
// part of its pre-activation that does not wait for the previous step.
func project(ex Exec, g *Linear, in int, p, x []float32, rows int) {
	ex.MatMul(p[:rows*g.Out], x, Wx(g, in, ex.Weights), g.Bias(ex.Weights), rows, in, g.Out) // [rows × H]
}

// recur adds h·Wh [n × H] to one step's projected rows p, through tmp.
func recur(ex Exec, g *Linear, in int, p, h, tmp []float32, n int) {
	ex.MatMul(tmp[:n*g.Out], h, Wh(g, in, ex.Weights), nil, n, g.Out, g.Out) // [n × H]
	kernels.Axpy(p[:n*g.Out], 1, tmp[:n*g.Out])
}

// prevRows fills step t's previous states hp [n × H]: the start state for
// every word at t = 0, else the first n rows of step t−1's states in all.
func prevRows(o *TimeOrder, t int, hp, all, start []float32, hidden int) {
	n := o.Off[t+1] - o.Off[t]
	if t == 0 {
		for i := range n {
			copy(hp[i*hidden:(i+1)*hidden], start)
		}
		return
	}
	p := o.Off[t-1]
	copy(hp[:n*hidden], all[p*hidden:(p+n)*hidden])
}

// Rows is step t's block of a time-major [rows × c] buffer.
func (o *TimeOrder) Rows(t int, buf []float32, c int) []float32 {
	return buf[o.Off[t]*c : o.Off[t+1]*c]
}
