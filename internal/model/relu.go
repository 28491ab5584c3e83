package model

import "github.com/makemore/makemore/internal/kernels"

// ReLU is out[rows × C] = max(in[rows × C], 0); the backward pass needs only
// its output.
type ReLU struct{}

func (*ReLU) OutShape(in Shape) (Shape, error) { return in, nil }

func (r *ReLU) Forward(x Exec, _ any, in, out []float32, rows int) { r.Eval(x, nil, in, out, rows) }

func (*ReLU) Eval(x Exec, _ any, in, out []float32, _ int) { x.Map(kernels.ReLU, out, in) }

func (*ReLU) EvalInPlace() {}
