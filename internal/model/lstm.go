package model

import "github.com/makemore/makemore/internal/kernels"

// LSTM is the long short-term memory cell (Hochreiter & Schmidhuber 1997,
// as in Graves 2014), which makemore's README names and makemore.py never
// wrote, run over each word's rows in time order (see TimeOrder), with
// xh = [x_t, h_{t−1}]:
//
//	i = σ(xh·W_i + b_i)      [H]  the input gate
//	f = σ(xh·W_f + b_f)      [H]  the forget gate
//	g = tanh(xh·W_g + b_g)   [H]  the candidate
//	o = σ(xh·W_o + b_o)      [H]  the output gate
//	c_t = f ⊙ c_{t−1} + i ⊙ g
//	h_t = o ⊙ tanh(c_t)
//
// each W [(C+H) × H], from the learned start states h_{−1} = Start and
// c_{−1} = StartC [1 × H]; [rows × C] in, [rows × H] (h_t) out.
type LSTM struct {
	In, Hidden    int
	Start, StartC *Tensor // [1 × H]
	I, F, G, O    *Linear // xh_to_i, xh_to_f, xh_to_g, xh_to_o
}

func (l *LSTM) OutShape(in Shape) (Shape, error) {
	return recurrentShape("lstm", in, l.In, l.Hidden)
}

// LSTMCache is the cell's every step, time-major (see RNNCache).
type LSTMCache struct {
	Order      *TimeOrder
	X          []float32 // [rows × C] the inputs
	HP, CP     []float32 // [rows × H] h_{t−1} and c_{t−1}
	I, F, G, O []float32 // [rows × H] the gates
	C, TC      []float32 // [rows × H] c_t and tanh(c_t)
	H          []float32 // [rows × H] h_t
	tmp        []float32
}

func (l *LSTM) NewCache(rows int) any {
	n := rows * l.Hidden
	b := func() []float32 { return make([]float32, n) }
	return &LSTMCache{Order: NewTimeOrder(rows), X: make([]float32, rows*l.In), HP: b(), CP: b(),
		I: b(), F: b(), G: b(), O: b(), C: b(), TC: b(), H: b(), tmp: b()}
}

// NewEvalCache gives each evaluating worker the buffers of a forward pass.
func (l *LSTM) NewEvalCache(rows int) any { return l.NewCache(rows) }

func (l *LSTM) Forward(x Exec, cache any, in, out []float32, rows int) {
	c, C, H := cache.(*LSTMCache), l.In, l.Hidden
	o := c.Order
	o.Build(x.Starts)
	o.Gather(c.X, in, C)
	for _, p := range []struct {
		g   *Linear
		buf []float32
	}{{l.I, c.I}, {l.F, c.F}, {l.G, c.G}, {l.O, c.O}} {
		project(x, p.g, C, p.buf, c.X, rows) // [rows × H] x·Wx + b
	}
	h0, c0 := l.Start.Of(x.Weights), l.StartC.Of(x.Weights)
	for t := range o.Steps() {
		n := o.Off[t+1] - o.Off[t]
		hp, cp := o.Rows(t, c.HP, H), o.Rows(t, c.CP, H)
		prevRows(o, t, hp, c.H, h0, H)
		prevRows(o, t, cp, c.C, c0, H)
		l.step(x, hp, cp, o.Rows(t, c.I, H), o.Rows(t, c.F, H), o.Rows(t, c.G, H), o.Rows(t, c.O, H),
			o.Rows(t, c.C, H), o.Rows(t, c.TC, H), o.Rows(t, c.H, H), c.tmp, n)
	}
	o.Scatter(out, c.H, H)
}

// step finishes n rows of one step from their previous states hp, cp and
// projected gates i, f, g, o [n × H], in place, and sets c, tc and h.
func (l *LSTM) step(x Exec, hp, cp, i, f, g, o, c, tc, h, tmp []float32, n int) {
	C := l.In
	recur(x, l.I, C, i, hp, tmp, n)
	kernels.Sigmoid(i, i)
	recur(x, l.F, C, f, hp, tmp, n)
	kernels.Sigmoid(f, f)
	recur(x, l.G, C, g, hp, tmp, n)
	kernels.Tanh(g, g)
	recur(x, l.O, C, o, hp, tmp, n)
	kernels.Sigmoid(o, o)
	for k, v := range cp {
		c[k] = f[k]*v + i[k]*g[k]
	}
	kernels.Tanh(tc, c)
	for k, v := range tc {
		h[k] = o[k] * v
	}
}

func (l *LSTM) Eval(x Exec, cache any, in, out []float32, rows int) {
	l.Forward(x, cache, in, out, rows)
}

// lstmStep is the sampler's state: the word's last h and c, and one row of
// each gate.
type lstmStep struct{ h, c, i, f, g, o, cn, tc, tmp []float32 }

func (l *LSTM) NewStepState() any {
	b := func() []float32 { return make([]float32, l.Hidden) }
	return &lstmStep{h: b(), c: b(), i: b(), f: b(), g: b(), o: b(), cn: b(), tc: b(), tmp: b()}
}

// Step advances one word by the one row in, with Forward's arithmetic.
func (l *LSTM) Step(x Exec, state any, in, out []float32, pos int) {
	s, C, H := state.(*lstmStep), l.In, l.Hidden
	if pos == 0 {
		copy(s.h, l.Start.Of(x.Weights))
		copy(s.c, l.StartC.Of(x.Weights))
	}
	project(x, l.I, C, s.i, in, 1)
	project(x, l.F, C, s.f, in, 1)
	project(x, l.G, C, s.g, in, 1)
	project(x, l.O, C, s.o, in, 1)
	l.step(x, s.h, s.c, s.i, s.f, s.g, s.o, s.cn, s.tc, out[:H], s.tmp, 1)
	copy(s.h, out[:H])
	copy(s.c, s.cn)
}
