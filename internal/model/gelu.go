package model

import "github.com/makemore/makemore/internal/kernels"

// GELU is out[rows × C] = 0.5·in·(1 + tanh(√(2/π)·(in + 0.044715·in³))), the
// tanh approximation of seed 000; the backward pass needs its input.
type GELU struct{}

func (*GELU) OutShape(in Shape) (Shape, error) { return in, nil }

func (g *GELU) Forward(x Exec, _ any, in, out []float32, rows int) { g.Eval(x, nil, in, out, rows) }

func (*GELU) Eval(x Exec, _ any, in, out []float32, _ int) { x.Map(kernels.GELU, out, in) }

func (*GELU) EvalInPlace() {}
