package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type bowBlock struct{ *model.BoWBlock }

// bowScratch holds the gradients of the block's inner activations.
type bowScratch struct {
	dX1     []float32 // [rows × C]
	dA, dFC []float32 // [rows × C2]
	suffix  []float32 // [C] a word's running sum of dx1/(t+1), from its end
}

func (b bowBlock) newScratch(rows int) any {
	return &bowScratch{dX1: make([]float32, rows*b.C), dA: make([]float32, rows*b.Hidden), dFC: make([]float32, rows*b.Hidden), suffix: make([]float32, b.C)}
}

// backward runs the MLP's residual sum and layers back, then the mean: row
// s of a word is in the mean of every later row t, each with weight
// 1/(t+1), so
//
//	dx1 = dout + fcᵀ(tanhᵀ(projᵀ(dout)))
//	din_s = dx1_s + Σ_{t ≥ s} dx1_t/(t+1)
func (b bowBlock) backward(s step) {
	c, sc, C := s.cache.(*model.BoWCache), s.work.(*bowScratch), b.C
	n := s.rows * C
	sub := func(p pass, in, out, din, dout []float32) {
		p.backward(step{x: s.x, dw: s.dw, in: in, out: out, din: din, dout: dout, rows: s.rows})
	}
	sub(linear{b.Proj}, c.A, s.out, sc.dA, s.dout)                                             // [rows × C2]
	kernels.TanhGrad(sc.dFC[:s.rows*b.Hidden], c.A[:s.rows*b.Hidden], sc.dA[:s.rows*b.Hidden]) // [rows × C2]
	sub(linear{b.FC}, c.X1, c.FC, sc.dX1, sc.dFC)                                              // [rows × C]
	model.Residual(sc.dX1[:n], s.dout[:n])
	eachWord(s.x.Starts, func(first, end int) {
		clear(sc.suffix)
		for r := end - 1; r >= first; r-- {
			inv := 1 / float32(r-first+1)
			d := sc.dX1[r*C : (r+1)*C]
			for j, v := range d {
				sc.suffix[j] += v * inv
				s.din[r*C+j] = v + sc.suffix[j]
			}
		}
	})
}

// reference composes the Linears' references with the mean, the residual
// sums and tanh.
func (b bowBlock) reference(w, x []float64, rows int, ex model.Exec) ([]float64, refBackward) {
	C := b.C
	mean := make([]float64, rows*C)
	eachWord(ex.Starts, func(first, end int) {
		for r := first; r < end; r++ {
			for s := first; s <= r; s++ {
				for j := range C {
					mean[r*C+j] += x[s*C+j] / float64(r-first+1)
				}
			}
		}
	})
	x1 := add(x, mean)
	fc, back1 := linear{b.FC}.reference(w, x1, rows, ex)
	a := apply(fc, math.Tanh)
	p, back2 := linear{b.Proj}.reference(w, a, rows, ex)
	return add(x1, p), func(dout, dw []float64) []float64 {
		da := back2(dout, dw)
		dfc := zip(da, a, func(d, y float64) float64 { return d * (1 - y*y) })
		dx1 := add(dout, back1(dfc, dw))
		din := clone(dx1)
		eachWord(ex.Starts, func(first, end int) {
			for r := first; r < end; r++ {
				for s := first; s <= r; s++ {
					for j := range C {
						din[s*C+j] += dx1[r*C+j] / float64(r-first+1)
					}
				}
			}
		})
		return din
	}
}
