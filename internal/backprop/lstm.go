package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type lstm struct{ *model.LSTM }

func (l lstm) newScratch(rows int) any { return newCellScratch(rows, l.In, l.Hidden, 4, true) }

// backward runs the LSTM back through time. With dh the gradient of h_t
// [n × H] and dc that of c_t from step t+1:
//
//	dpre_o = dh ⊙ tanh(c_t) ⊙ o ⊙ (1 − o)
//	dc += dh ⊙ o ⊙ (1 − tanh²(c_t))
//	dpre_i = dc ⊙ g ⊙ i ⊙ (1 − i),  dpre_g = dc ⊙ i ⊙ (1 − g²)
//	dpre_f = dc ⊙ c_{t−1} ⊙ f ⊙ (1 − f)
//	dc_{t−1} = dc ⊙ f,  dh_{t−1} = Σ_gates dpre·Whᵀ
//
// then each gate's weights and the input as the RNN's (see finish).
func (l lstm) backward(s step) {
	c, sc := s.cache.(*model.LSTMCache), s.work.(*cellScratch)
	o, C, H := c.Order, l.In, l.Hidden
	gates := []*model.Linear{l.I, l.F, l.G, l.O}
	sc.begin(s, o, gates, C, H)
	for t := o.Steps() - 1; t >= 0; t-- {
		dh, dc, dcp := o.Rows(t, sc.dH, H), o.Rows(t, sc.dC, H), o.Rows(t, sc.dCP, H)
		i, f, g, og := o.Rows(t, c.I, H), o.Rows(t, c.F, H), o.Rows(t, c.G, H), o.Rows(t, c.O, H)
		tc, cp := o.Rows(t, c.TC, H), o.Rows(t, c.CP, H)
		di, df, dg, do := o.Rows(t, sc.dPre[0], H), o.Rows(t, sc.dPre[1], H), o.Rows(t, sc.dPre[2], H), o.Rows(t, sc.dPre[3], H)
		for k, d := range dh {
			do[k] = d * tc[k]
			dc[k] += d * og[k] * (1 - tc[k]*tc[k])
			di[k] = dc[k] * g[k]
			dg[k] = dc[k] * i[k]
			df[k] = dc[k] * cp[k]
			dcp[k] = dc[k] * f[k]
		}
		kernels.SigmoidGrad(di, i, di)
		kernels.SigmoidGrad(df, f, df)
		kernels.TanhGrad(dg, g, dg)
		kernels.SigmoidGrad(do, og, do)
		carry(o, t, sc.dH, sc.back(s, o, t, 4, H), H)
		carry(o, t, sc.dC, dcp, H)
	}
	sc.finish(s, o, c.X, gates, [][]float32{c.HP, c.HP, c.HP, c.HP}, C, H, l.Start, l.StartC)
}

// reference unrolls the cell over each word, one position at a time.
func (l lstm) reference(w, x []float64, rows int, ex model.Exec) ([]float64, refBackward) {
	C, H := l.In, l.Hidden
	gi, gf, gg, gout := newRefGate(l.I, w, C, H), newRefGate(l.F, w, C, H), newRefGate(l.G, w, C, H), newRefGate(l.O, w, C, H)
	h0, c0 := of(l.Start, w), of(l.StartC, w)
	out := make([]float64, rows*H)
	type kept struct{ x, hp, cp, i, f, g, o, tc []float64 }
	ks := make([]kept, rows)
	eachWord(ex.Starts, func(first, end int) {
		h, cs := h0, c0
		for t := first; t < end; t++ {
			k := kept{x: x[t*C : (t+1)*C], hp: h, cp: cs}
			k.i = apply(gi.pre(k.x, h), sigmoid)
			k.f = apply(gf.pre(k.x, h), sigmoid)
			k.g = apply(gg.pre(k.x, h), math.Tanh)
			k.o = apply(gout.pre(k.x, h), sigmoid)
			cs = add(mul(k.f, cs), mul(k.i, k.g))
			k.tc = apply(cs, math.Tanh)
			h = mul(k.o, k.tc)
			ks[t] = k
			copy(out[t*H:(t+1)*H], h)
		}
	})
	return out, func(dout, dw []float64) []float64 {
		din := make([]float64, rows*C)
		dh0, dc0 := of(l.Start, dw), of(l.StartC, dw)
		eachWord(ex.Starts, func(first, end int) {
			dh, dc := make([]float64, H), make([]float64, H)
			for t := end - 1; t >= first; t-- {
				k := ks[t]
				dh = add(dh, dout[t*H:(t+1)*H])
				do := mul(mul(dh, k.tc), apply(k.o, sigmoidGrad))
				dc = add(dc, mul(mul(dh, k.o), apply(k.tc, func(v float64) float64 { return 1 - v*v })))
				di := mul(mul(dc, k.g), apply(k.i, sigmoidGrad))
				dg := mul(mul(dc, k.i), apply(k.g, func(v float64) float64 { return 1 - v*v }))
				df := mul(mul(dc, k.cp), apply(k.f, sigmoidGrad))
				dc = mul(dc, k.f)
				dx := make([]float64, C)
				dh = make([]float64, H)
				for _, p := range []struct {
					g refGate
					d []float64
				}{{gi, di}, {gf, df}, {gg, dg}, {gout, do}} {
					gx, gh := p.g.back(dw, k.x, k.hp, p.d)
					dx, dh = add(dx, gx), add(dh, gh)
				}
				copy(din[t*C:(t+1)*C], dx)
			}
			for j := range H {
				dh0[j] += dh[j]
				dc0[j] += dc[j]
			}
		})
		return din
	}
}
