package model

import "fmt"

// Linear is out[rows × Out] = in[rows × In]·W[In × Out] + b[Out]; B is nil
// for a layer without a bias.
type Linear struct {
	In, Out int
	W, B    *Tensor
}

func (l *Linear) OutShape(in Shape) (Shape, error) {
	if in.C != l.In {
		return Shape{}, fmt.Errorf("linear %s of %d inputs: input has %d columns", l.W.Name, l.In, in.C)
	}
	return Shape{in.T, l.Out}, nil
}

// Forward keeps nothing: the backward pass reads the layer's input itself.
func (l *Linear) Forward(x Exec, _ any, in, out []float32, rows int) { l.Eval(x, nil, in, out, rows) }

func (l *Linear) Eval(x Exec, _ any, in, out []float32, rows int) {
	// out[rows×Out] = in[rows×In]·W[In×Out] + b[Out]
	x.MatMul(out, in, l.W.Of(x.Weights), l.Bias(x.Weights), rows, l.In, l.Out)
}

// Bias is b within weights, or nil for a layer without one.
func (l *Linear) Bias(weights []float32) []float32 {
	if l.B == nil {
		return nil
	}
	return l.B.Of(weights)
}
