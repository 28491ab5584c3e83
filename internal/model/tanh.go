package model

import "github.com/makemore/makemore/internal/kernels"

// Tanh is out[rows × C] = tanh(in[rows × C]); the backward pass needs only
// its output.
type Tanh struct{}

func (*Tanh) OutShape(in Shape) (Shape, error) { return in, nil }

func (t *Tanh) Forward(x Exec, _ any, in, out []float32, rows int) { t.Eval(x, nil, in, out, rows) }

func (*Tanh) Eval(x Exec, _ any, in, out []float32, _ int) { x.Map(kernels.Tanh, out, in) }

func (*Tanh) EvalInPlace() {}
