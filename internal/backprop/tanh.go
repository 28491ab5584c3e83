package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type tanh struct{ *model.Tanh }

// backward is the gradient through out = tanh(in), from out itself:
// din[rows×C] = (1 − out²) ⊙ dout.
func (tanh) backward(s step) { s.x.Pool.Map2(kernels.TanhGrad, s.din, s.out, s.dout) }

func (tanh) reference(_, x []float64, _ int, _ model.Exec) ([]float64, refBackward) {
	y := apply(x, math.Tanh)
	return y, func(dy, _ []float64) []float64 {
		return mul(apply(y, func(v float64) float64 { return 1 - v*v }), dy)
	}
}
