package backprop

import (
	"math"

	"github.com/makemore/makemore/internal/kernels"
	"github.com/makemore/makemore/internal/model"
)

type gelu struct{ *model.GELU }

// backward is the gradient through out = GELU(in), from in:
// din[rows×C] = dout ⊙ (0.5·(1 + t) + 0.5·in·(1 − t²)·√(2/π)·(1 + 3·0.044715·in²)),
// t = tanh(√(2/π)·(in + 0.044715·in³)).
func (gelu) backward(s step) { s.x.Pool.Map2(kernels.GELUGrad, s.din, s.in, s.dout) }

// reference cuts GELU into its atomic steps and backs through each.
func (gelu) reference(_, x []float64, _ int, _ model.Exec) ([]float64, refBackward) {
	const k = 0.044715
	c := math.Sqrt(2 / math.Pi)
	u := add(x, scale(mul(x, mul(x, x)), k))                                    // x + k·x³
	t := apply(scale(u, c), math.Tanh)                                          // tanh(c·u)
	y := mul(scale(x, 0.5), apply(t, func(v float64) float64 { return 1 + v })) // 0.5·x·(1 + t)
	return y, func(dy, _ []float64) []float64 {
		dx := mul(dy, scale(apply(t, func(v float64) float64 { return 1 + v }), 0.5)) // through 0.5·x
		dt := mul(dy, scale(x, 0.5))
		du := scale(mul(dt, apply(t, func(v float64) float64 { return 1 - v*v })), c)
		return add(dx, mul(du, apply(x, func(v float64) float64 { return 1 + 3*k*v*v }))) // through x + k·x³
	}
}
