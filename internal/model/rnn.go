package model

import "github.com/makemore/makemore/internal/kernels"

// RNN is makemore.py's RNN cell run over each word's rows in time order
// (see TimeOrder):
//
//	h_t = tanh([x_t, h_{t−1}]·W + b)   x_t [C], h [H], W [(C+H) × H], b [H]
//
// from the learned start state h_{−1} = Start [1 × H]; the output row of
// position t is h_t, [rows × C] in, [rows × H] out.
type RNN struct {
	In, Hidden int
	Start      *Tensor // [1 × H]
	Cell       *Linear // xh_to_h
}

func (r *RNN) OutShape(in Shape) (Shape, error) { return recurrentShape("rnn", in, r.In, r.Hidden) }

// RNNCache is the cell's every step, time-major: the rows of step t are
// Order.Off[t] to Order.Off[t+1].
type RNNCache struct {
	Order *TimeOrder
	X     []float32 // [rows × C] the inputs
	HP    []float32 // [rows × H] each row's previous state h_{t−1}
	H     []float32 // [rows × H] its state h_t
	tmp   []float32 // [rows × H] one step's h_{t−1}·Wh
}

func (r *RNN) NewCache(rows int) any {
	h := r.Hidden
	return &RNNCache{Order: NewTimeOrder(rows), X: make([]float32, rows*r.In),
		HP: make([]float32, rows*h), H: make([]float32, rows*h), tmp: make([]float32, rows*h)}
}

// NewEvalCache gives each evaluating worker the buffers of a forward pass.
func (r *RNN) NewEvalCache(rows int) any { return r.NewCache(rows) }

func (r *RNN) Forward(x Exec, cache any, in, out []float32, rows int) {
	c, C, H := cache.(*RNNCache), r.In, r.Hidden
	o := c.Order
	o.Build(x.Starts)
	o.Gather(c.X, in, C)
	project(x, r.Cell, C, c.H, c.X, rows) // [rows × H] x·Wx + b, every step at once
	start := r.Start.Of(x.Weights)
	for t := range o.Steps() {
		n := o.Off[t+1] - o.Off[t]
		hp, h := o.Rows(t, c.HP, H), o.Rows(t, c.H, H)
		prevRows(o, t, hp, c.H, start, H)    // [n × H]
		recur(x, r.Cell, C, h, hp, c.tmp, n) // [n × H] += h_{t−1}·Wh
		kernels.Tanh(h, h)
	}
	o.Scatter(out, c.H, H)
}

func (r *RNN) Eval(x Exec, cache any, in, out []float32, rows int) {
	r.Forward(x, cache, in, out, rows)
}

// rnnStep is the sampler's state: the word's last h and one step's scratch.
type rnnStep struct{ h, tmp []float32 }

func (r *RNN) NewStepState() any {
	return &rnnStep{h: make([]float32, r.Hidden), tmp: make([]float32, r.Hidden)}
}

// Step advances one word by the one row in, as Forward does for its block
// of a step: the same products on one row, so the same bits.
func (r *RNN) Step(x Exec, state any, in, out []float32, pos int) {
	s, C, H := state.(*rnnStep), r.In, r.Hidden
	if pos == 0 {
		copy(s.h, r.Start.Of(x.Weights))
	}
	project(x, r.Cell, C, out, in, 1)
	recur(x, r.Cell, C, out, s.h, s.tmp, 1)
	kernels.Tanh(out[:H], out[:H])
	copy(s.h, out[:H])
}
