package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type rnn struct{ *model.RNN }

func (r rnn) newScratch(rows int) any { return newCellScratch(rows, r.In, r.Hidden, 1, false) }

// backward runs h_t = tanh([x_t, h_{t−1}]·W + b) back through time:
//
//	dpre = (1 − h_t²) ⊙ dh_t                 [n × H]
//	dh_{t−1} += dpre·Whᵀ                     [n × H]
//
// then dW = [X; H_prev]ᵀ·dPre, db = Σ dPre, dx = dPre·Wxᵀ (see finish).
func (r rnn) backward(s step) {
	c, sc := s.cache.(*model.RNNCache), s.work.(*cellScratch)
	o, C, H := c.Order, r.In, r.Hidden
	gates := []*model.Linear{r.Cell}
	sc.begin(s, o, gates, C, H)
	for t := o.Steps() - 1; t >= 0; t-- {
		kernels.TanhGrad(o.Rows(t, sc.dPre[0], H), o.Rows(t, c.H, H), o.Rows(t, sc.dH, H))
		carry(o, t, sc.dH, sc.back(s, o, t, 1, H), H)
	}
	sc.finish(s, o, c.X, gates, [][]float32{c.HP}, C, H, r.Start, nil)
}

// reference unrolls the cell over each word, one position at a time.
func (r rnn) reference(w, x []float64, rows int, ex model.Exec) ([]float64, refBackward) {
	C, H := r.In, r.Hidden
	cell := newRefGate(r.Cell, w, C, H)
	start := of(r.Start, w)
	out := make([]float64, rows*H)
	hs := make([][]float64, rows) // each row's h_{t−1}
	eachWord(ex.Starts, func(first, end int) {
		h := start
		for t := first; t < end; t++ {
			hs[t] = h
			h = apply(cell.pre(x[t*C:(t+1)*C], h), math.Tanh)
			copy(out[t*H:(t+1)*H], h)
		}
	})
	return out, func(dout, dw []float64) []float64 {
		din := make([]float64, rows*C)
		dstart := of(r.Start, dw)
		eachWord(ex.Starts, func(first, end int) {
			dh := make([]float64, H)
			for t := end - 1; t >= first; t-- {
				dh = add(dh, dout[t*H:(t+1)*H])
				h := out[t*H : (t+1)*H]
				dpre := zip(dh, h, func(d, y float64) float64 { return d * (1 - y*y) })
				var dx []float64
				dx, dh = cell.back(dw, x[t*C:(t+1)*C], hs[t], dpre)
				copy(din[t*C:(t+1)*C], dx)
			}
			for j, v := range dh {
				dstart[j] += v
			}
		})
		return din
	}
}

// refGate is a gate's Linear in float64 on one row: pre = [x, h]·W + b.
type refGate struct {
	g      *model.Linear
	W, b   []float64
	in, hn int
}

func newRefGate(g *model.Linear, w []float64, in, hidden int) refGate {
	return refGate{g: g, W: of(g.W, w), b: of(g.B, w), in: in, hn: hidden}
}

func (g refGate) pre(x, h []float64) []float64 {
	return add(mm(append(clone(x), h...), g.W, 1, g.in+g.hn, g.hn), g.b)
}

// back adds the gate's parameter gradients for one row of dpre [H] into dw
// and returns the gradients of its x and h.
func (g refGate) back(dw, x, h, dpre []float64) (dx, dh []float64) {
	xh := append(clone(x), h...)
	dW, db := of(g.g.W, dw), of(g.g.B, dw)
	for i, v := range xh {
		for j, d := range dpre {
			dW[i*g.hn+j] += v * d
		}
	}
	for j, d := range dpre {
		db[j] += d
	}
	dxh := mm(dpre, transpose(g.W, g.in+g.hn, g.hn), 1, g.hn, g.in+g.hn)
	return dxh[:g.in], dxh[g.in:]
}

// eachWord calls f with the rows [first, end) of every word of starts.
func eachWord(starts []int32, f func(first, end int)) {
	for w := range len(starts) - 1 {
		f(int(starts[w]), int(starts[w+1]))
	}
}
