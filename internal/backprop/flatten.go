package backprop

import "github.com/makemore/makemore/internal/model"

// flatten's gradient is its output's, read as its input shape: the same memory.
type flatten struct{ *model.Flatten }

func (flatten) backward(step) {}

func (flatten) reference(_, in []float64, _ int, _ model.Exec) ([]float64, refBackward) {
	return in, func(dout, _ []float64) []float64 { return dout }
}
