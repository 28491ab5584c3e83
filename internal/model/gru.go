package model

import "github.com/makemore/makemore/internal/kernels"

// GRU is makemore.py's GRU cell run over each word's rows in time order
// (see TimeOrder), with xh = [x_t, h_{t−1}]:
//
//	r = σ(xh·W_r + b_r)                     [H]  the reset gate
//	z = σ(xh·W_z + b_z)                     [H]  the update gate
//	hbar = tanh([x_t, r ⊙ h_{t−1}]·W_h + b_h)  [H]  the candidate
//	h_t = (1 − z) ⊙ h_{t−1} + z ⊙ hbar      [H]
//
// each W [(C+H) × H], from the learned start state h_{−1} = Start [1 × H];
// [rows × C] in, [rows × H] out.
type GRU struct {
	In, Hidden int
	Start      *Tensor // [1 × H]
	Z, R, HBar *Linear // xh_to_z, xh_to_r, xh_to_hbar
}

func (g *GRU) OutShape(in Shape) (Shape, error) { return recurrentShape("gru", in, g.In, g.Hidden) }

// GRUCache is the cell's every step, time-major (see RNNCache).
type GRUCache struct {
	Order      *TimeOrder
	X          []float32 // [rows × C] the inputs
	HP         []float32 // [rows × H] h_{t−1}
	R, Z, HBar []float32 // [rows × H] the gates
	RH         []float32 // [rows × H] r ⊙ h_{t−1}
	H          []float32 // [rows × H] h_t
	tmp        []float32
}

func (g *GRU) NewCache(rows int) any {
	n := rows * g.Hidden
	return &GRUCache{Order: NewTimeOrder(rows), X: make([]float32, rows*g.In), HP: make([]float32, n),
		R: make([]float32, n), Z: make([]float32, n), HBar: make([]float32, n), RH: make([]float32, n), H: make([]float32, n), tmp: make([]float32, n)}
}

// NewEvalCache gives each evaluating worker the buffers of a forward pass.
func (g *GRU) NewEvalCache(rows int) any { return g.NewCache(rows) }

func (g *GRU) Forward(x Exec, cache any, in, out []float32, rows int) {
	c, C, H := cache.(*GRUCache), g.In, g.Hidden
	o := c.Order
	o.Build(x.Starts)
	o.Gather(c.X, in, C)
	project(x, g.R, C, c.R, c.X, rows) // [rows × H] each gate's x·Wx + b
	project(x, g.Z, C, c.Z, c.X, rows)
	project(x, g.HBar, C, c.HBar, c.X, rows)
	start := g.Start.Of(x.Weights)
	for t := range o.Steps() {
		n := o.Off[t+1] - o.Off[t]
		hp := o.Rows(t, c.HP, H)
		prevRows(o, t, hp, c.H, start, H)
		g.step(x, hp, o.Rows(t, c.R, H), o.Rows(t, c.Z, H), o.Rows(t, c.RH, H), o.Rows(t, c.HBar, H), o.Rows(t, c.H, H), c.tmp, n)
	}
	o.Scatter(out, c.H, H)
}

// step finishes n rows of one step from their previous states hp and
// projected gates r, z, hbar [n × H], in place, and sets rh and h [n × H].
func (g *GRU) step(x Exec, hp, r, z, rh, hbar, h, tmp []float32, n int) {
	C := g.In
	recur(x, g.R, C, r, hp, tmp, n)
	kernels.Sigmoid(r, r)
	recur(x, g.Z, C, z, hp, tmp, n)
	kernels.Sigmoid(z, z)
	for i, v := range hp {
		rh[i] = r[i] * v
	}
	recur(x, g.HBar, C, hbar, rh, tmp, n)
	kernels.Tanh(hbar, hbar)
	for i, v := range hp {
		h[i] = (1-z[i])*v + z[i]*hbar[i]
	}
}

func (g *GRU) Eval(x Exec, cache any, in, out []float32, rows int) {
	g.Forward(x, cache, in, out, rows)
}

// gruStep is the sampler's state: the word's last h and one row of each gate.
type gruStep struct{ h, r, z, rh, hbar, tmp []float32 }

func (g *GRU) NewStepState() any {
	H := g.Hidden
	return &gruStep{h: make([]float32, H), r: make([]float32, H), z: make([]float32, H), rh: make([]float32, H), hbar: make([]float32, H), tmp: make([]float32, H)}
}

// Step advances one word by the one row in, with Forward's arithmetic.
func (g *GRU) Step(x Exec, state any, in, out []float32, pos int) {
	s, C := state.(*gruStep), g.In
	if pos == 0 {
		copy(s.h, g.Start.Of(x.Weights))
	}
	project(x, g.R, C, s.r, in, 1)
	project(x, g.Z, C, s.z, in, 1)
	project(x, g.HBar, C, s.hbar, in, 1)
	g.step(x, s.h, s.r, s.z, s.rh, s.hbar, out[:g.Hidden], s.tmp, 1)
	copy(s.h, out[:g.Hidden])
}
