package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type gru struct{ *model.GRU }

func (g gru) newScratch(rows int) any {
	sc := newCellScratch(rows, g.In, g.Hidden, 3, false)
	sc.dRH = make([]float32, rows*g.Hidden)
	return sc
}

// backward runs the GRU back through time. With dh the gradient of h_t
// [n × H] (its output row's and step t+1's):
//
//	dpre_hbar = dh ⊙ z ⊙ (1 − hbar²)
//	dpre_z = dh ⊙ (hbar − h_{t−1}) ⊙ z ⊙ (1 − z)
//	drh = dpre_hbar·W_h,hᵀ                     the gradient of r ⊙ h_{t−1}
//	dpre_r = drh ⊙ h_{t−1} ⊙ r ⊙ (1 − r)
//	dh_{t−1} = dh ⊙ (1 − z) + drh ⊙ r + dpre_z·W_z,hᵀ + dpre_r·W_r,hᵀ
//
// then each gate's weights and the input as the RNN's (see finish), the
// candidate's state rows from r ⊙ h_{t−1}.
func (g gru) backward(s step) {
	c, sc := s.cache.(*model.GRUCache), s.work.(*cellScratch)
	o, C, H := c.Order, g.In, g.Hidden
	gates := []*model.Linear{g.Z, g.R, g.HBar} // the two of h_{t−1} first
	sc.begin(s, o, gates, C, H)
	for t := o.Steps() - 1; t >= 0; t-- {
		n := o.Off[t+1] - o.Off[t]
		dh, hp := o.Rows(t, sc.dH, H), o.Rows(t, c.HP, H)
		z, r, hb := o.Rows(t, c.Z, H), o.Rows(t, c.R, H), o.Rows(t, c.HBar, H)
		dz, dr, dhb := o.Rows(t, sc.dPre[0], H), o.Rows(t, sc.dPre[1], H), o.Rows(t, sc.dPre[2], H)
		for i, d := range dh {
			dhb[i] = d * z[i]
			dz[i] = d * (hb[i] - hp[i])
		}
		kernels.TanhGrad(dhb, hb, dhb)
		kernels.SigmoidGrad(dz, z, dz)
		drh := o.Rows(t, sc.dRH, H)
		s.x.MatMul(drh, dhb, sc.whT[2], nil, n, H, H) // [n × H]
		for i, d := range drh {
			dr[i] = d * hp[i]
		}
		kernels.SigmoidGrad(dr, r, dr)
		dhp := sc.back(s, o, t, 2, H)
		for i, d := range dh {
			dhp[i] += d*(1-z[i]) + drh[i]*r[i]
		}
		carry(o, t, sc.dH, dhp, H)
	}
	sc.finish(s, o, c.X, gates, [][]float32{c.HP, c.HP, c.RH}, C, H, g.Start, nil)
}

// reference unrolls the cell over each word, one position at a time.
func (g gru) reference(w, x []float64, rows int, ex model.Exec) ([]float64, refBackward) {
	C, H := g.In, g.Hidden
	gz, gr, gh := newRefGate(g.Z, w, C, H), newRefGate(g.R, w, C, H), newRefGate(g.HBar, w, C, H)
	start := of(g.Start, w)
	out := make([]float64, rows*H)
	type kept struct{ x, hp, z, r, rh, hb []float64 }
	ks := make([]kept, rows)
	eachWord(ex.Starts, func(first, end int) {
		h := start
		for t := first; t < end; t++ {
			k := kept{x: x[t*C : (t+1)*C], hp: h}
			k.r = apply(gr.pre(k.x, h), sigmoid)
			k.z = apply(gz.pre(k.x, h), sigmoid)
			k.rh = mul(k.r, h)
			k.hb = apply(gh.pre(k.x, k.rh), math.Tanh)
			h = add(zip(k.z, h, func(z, v float64) float64 { return (1 - z) * v }), mul(k.z, k.hb))
			ks[t] = k
			copy(out[t*H:(t+1)*H], h)
		}
	})
	return out, func(dout, dw []float64) []float64 {
		din := make([]float64, rows*C)
		dstart := of(g.Start, dw)
		eachWord(ex.Starts, func(first, end int) {
			dh := make([]float64, H)
			for t := end - 1; t >= first; t-- {
				k := ks[t]
				dh = add(dh, dout[t*H:(t+1)*H])
				dhb := mul(mul(dh, k.z), apply(k.hb, func(v float64) float64 { return 1 - v*v }))
				dz := mul(mul(dh, zip(k.hb, k.hp, func(a, b float64) float64 { return a - b })), apply(k.z, sigmoidGrad))
				dx1, drh := gh.back(dw, k.x, k.rh, dhb)
				dr := mul(mul(drh, k.hp), apply(k.r, sigmoidGrad))
				dx2, dhr := gr.back(dw, k.x, k.hp, dr)
				dx3, dhz := gz.back(dw, k.x, k.hp, dz)
				copy(din[t*C:(t+1)*C], add(add(dx1, dx2), dx3))
				direct := add(zip(dh, k.z, func(d, z float64) float64 { return d * (1 - z) }), mul(drh, k.r))
				dh = add(add(direct, dhr), dhz)
			}
			for j, v := range dh {
				dstart[j] += v
			}
		})
		return din
	}
}

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// sigmoidGrad is σ' given σ's output s.
func sigmoidGrad(s float64) float64 { return s * (1 - s) }
