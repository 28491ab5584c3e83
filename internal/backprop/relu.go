package backprop

import (
	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type relu struct{ *model.ReLU }

// backward is the gradient through out = max(in, 0), from out itself:
// din[rows×C] = dout where out > 0, else 0 (at the kink, 0, as PyTorch).
func (relu) backward(s step) { s.x.Pool.Map2(kernels.ReLUGrad, s.din, s.out, s.dout) }

func (relu) reference(_, x []float64, _ int, _ model.Exec) ([]float64, refBackward) {
	y := apply(x, func(v float64) float64 { return max(v, 0) })
	return y, func(dy, _ []float64) []float64 {
		return zip(x, dy, func(v, d float64) float64 {
			if v > 0 {
				return d
			}
			return 0
		})
	}
}

// kinks is which side of its kink each input is on: a finite difference
// that moves one across measures no derivative.
func (relu) kinks(x []float64) []bool {
	k := make([]bool, len(x))
	for i, v := range x {
		k[i] = v > 0
	}
	return k
}
